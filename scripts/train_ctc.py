"""Train the tiny CTC digit model shipped in assets/ctc/, measure it on held-out voices, write the README.

    python -m scripts.train_ctc                      # the shipped model (see assets/ctc/README.md for the numbers)
    python -m scripts.train_ctc --steps 300 --out /tmp/tiny.safetensors --no-readme --no-examples   # a quick try

Everything is synthesised on the fly (core.ctc_model.synth_utterance: eSpeak NG digit strings with
random accents, voices, rates, pitches, gains, silences and noise), so the run needs no data and
no network. Training voices and held-out voices are disjoint (core.ctc_model.TRAIN_* / HELDOUT_*).
The example clips for the app are spoken by held-out voices, so the demo does not show training data.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from core import ctc_model as cm

EXAMPLES = (  # (digits, held-out voice, rate_wpm, snr_db or None)
    ("4071", "en-GB-scotland+m7", 160, None),
    ("92658", "en-us+f4", 190, 25.0),
    ("316", "en+max", 140, 15.0),
)
README = cm.WEIGHTS_DIR / "README.md"


def write_examples(folder: Path) -> list[Path]:
    """Three spoken digit strings by held-out voices, 16 kHz 16-bit WAV."""
    from core import espeak
    from core.audio import resample
    from core.signals import pink_noise

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (digits, voice, rate, snr) in enumerate(EXAMPLES):
        y, sr = espeak.synthesize(cm.digits_to_words(digits), voice=voice, rate_wpm=rate)
        y = resample(y, orig_sr=sr, target_sr=cm.SR)
        y = np.concatenate([np.zeros(cm.SR // 4, np.float32), y, np.zeros(cm.SR // 4, np.float32)])
        if snr is not None:
            n = pink_noise(duration_s=len(y) / cm.SR, sr=cm.SR, seed=i).astype(np.float64)[: len(y)]
            n = np.pad(n, (0, len(y) - len(n)))
            n *= np.sqrt(np.mean(y.astype(np.float64) ** 2) / 10 ** (snr / 10) / np.mean(n**2))
            y = (y + n).astype(np.float32)
        y *= 0.5 / np.abs(y).max()
        name = f"digits_{digits}_{voice.split('+')[1]}" + (f"_snr{snr:.0f}db" if snr is not None else "") + ".wav"
        path = folder / name
        sf.write(path, y, cm.SR, subtype="PCM_16")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-n", type=int, default=300, help="held-out utterances for the reported numbers")
    ap.add_argument("--out", type=Path, default=cm.WEIGHTS_PATH)
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument("--no-examples", action="store_true")
    args = ap.parse_args(argv)

    cfg = cm.TrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed, eval_every=100,
                         warmup_steps=50, max_seconds=cm.MAX_TRAIN_SECONDS)
    t0 = time.perf_counter()

    def show(u: cm.TrainUpdate) -> None:
        att = f", attention CE {np.mean(u.att_losses[-100:]):.3f}" if u.att_losses else ""
        print(f"step {u.step:5d}  {u.elapsed_s:6.0f} s  CTC loss {np.mean(u.losses[-100:]):.3f}{att}  probes "
              + " ".join(f"{r}->{h or '-'}" for r, h in u.samples), flush=True)

    model, _ = cm.train(cfg, callback=show)
    train_s = time.perf_counter() - t0
    report = cm.evaluate(model, n=args.eval_n)
    train_report = cm.evaluate(model, n=args.eval_n, cfg=cm.DataConfig(), seed=999)
    meta = {
        "steps": args.steps, "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
        "train_seconds": round(train_s), "parameters": cm.n_parameters(model),
        "heldout_digit_error_rate": report.digit_error_rate, "heldout_sequence_accuracy": report.sequence_accuracy,
        "heldout_attention_sequence_accuracy": report.attention_sequence_accuracy,
        "train_voices_digit_error_rate": train_report.digit_error_rate, "eval_n": args.eval_n,
    }
    cm.save_model(model, args.out, metadata=meta)
    print(json.dumps(meta, indent=1))
    if not args.no_examples:
        for p in write_examples(cm.WEIGHTS_DIR / "examples"):
            print("example", p)
    if not args.no_readme:
        write_readme(args, cfg, meta, report, train_report, args.out)


def write_readme(args, cfg: cm.TrainConfig, meta: dict, report: cm.HeldOutReport, train_report: cm.HeldOutReport, out: Path) -> None:
    size_kb = out.stat().st_size / 1024
    ex = "\n".join(f"| `{r}` | `{h or '∅'}` |" for r, h in report.examples)
    text = f"""# Tiny CTC digit model (lesson 04)

`tiny_ctc.safetensors` ({size_kb:.0f} KB, {meta['parameters']:,} float32 parameters) is the toy acoustic model of
lesson 04: log-mel → 2 strided convolutions → bidirectional GRU → CTC over blank + the digits 0–9, plus an
attention decoder head trained jointly (hybrid CTC/attention, CTC weight {cfg.ctc_weight}). Architecture, data and
training loop: `core/ctc_model.py`. It knows only the words **zero … nine**, and it has heard only the
eSpeak NG formant synthesizer — a teaching toy, not a speech recognizer.

## How it was made

```
python -m scripts.train_ctc --steps {args.steps} --batch-size {args.batch_size} --lr {args.lr} --seed {args.seed} --eval-n {args.eval_n}
```

{args.steps} steps of {args.batch_size} freshly synthesised utterances each ({args.steps * args.batch_size:,} utterances, none
repeated): 1–{cfg.data.max_digits} random digits spoken by eSpeak NG (`core.espeak`) with one of
{len(cm.TRAIN_VOICES)} English accents × {len(cm.TRAIN_VARIANTS)} voice variants, rate {cfg.data.rate_wpm[0]}–{cfg.data.rate_wpm[1]} wpm,
pitch {cfg.data.pitch[0]}–{cfg.data.pitch[1]}, 0–{cfg.data.pad_s[1]} s of silence on each side, and white or pink noise at
{cfg.data.snr_db[0]:.0f}–{cfg.data.snr_db[1]:.0f} dB SNR. Adam, lr {args.lr} with warm-up and cosine decay; {meta['train_seconds']} s on
{platform.processor() or platform.machine()} (1 torch thread, shared 2-core machine). Weights load with
`safetensors` (no pickle): `core.ctc_model.load_model()`.

## Held-out numbers

Measured by the script right after training on {report.n_utterances} new utterances spoken by voices never used in
training (accent {', '.join(cm.HELDOUT_VOICES)} with the voice variants {', '.join(v[1:] for v in cm.HELDOUT_VARIANTS)},
none of which is used in training; same random rates, pitches and noise), greedy CTC decoding, digit error rate from `core.metrics.wer` on
space-separated digits:

| set | digit error rate | whole strings right |
|---|---|---|
| held-out voices (CTC greedy) | **{report.digit_error_rate:.1%}** | {report.sequence_accuracy:.1%} |
| held-out voices (attention decoder) | – | {report.attention_sequence_accuracy:.1%} |
| training voices, new utterances | {train_report.digit_error_rate:.1%} | {train_report.sequence_accuracy:.1%} |

First held-out examples (reference → greedy CTC):

| spoken | decoded |
|---|---|
{ex}

On human speech it does much worse: it never heard a human voice.

## corpus.txt

English sentences written for this project by its authors (no third-party text), one per line: the
training text of the character 5-gram language model (`core/charlm.py`, interpolated Kneser-Ney) used for
shallow fusion in the CTC playground and on wav2vec 2.0's emissions. It is trained at first use (~50 ms);
no model file is stored. Not touched by this script.

## Example clips

`examples/*.wav` (16 kHz, 16-bit) are digit strings spoken with **held-out** voice variants (named in the
file names; the first also in the held-out accent), two with pink noise, made by `write_examples()` in the
same script.
"""
    README.write_text(text)
    print("wrote", README)


if __name__ == "__main__":
    main()
