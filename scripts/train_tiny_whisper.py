"""Train the tiny digit Whisper shipped in assets/whisper_tiny (lesson 05).

    nice python -m scripts.train_tiny_whisper            # ~10 min on 2 idle CPU cores
    python -m scripts.train_tiny_whisper --steps 200 --out /tmp/w   # a quick smoke run

A WhisperForConditionalGeneration at toy size (core.whisper.make_tiny_whisper: d_model 128,
2 encoder + 2 decoder layers, 4 heads, 4 s windows = 200 encoder positions, a character-level
tokenizer with Whisper's special tokens) is trained from random weights on spoken digit strings
synthesised by eSpeak NG in the *source* domain (core.whisper_finetune.SOURCE). It is then
evaluated (greedy, corpus WER via core.metrics) on held-out source-domain audio and on the
*target* domain the lesson fine-tunes it to live (other accents, faster speech, more noise).
The numbers are written to assets/whisper_tiny/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from core import whisper as W
from core import whisper_finetune as F

ARCH = {"d_model": 128, "encoder_layers": 2, "decoder_layers": 2, "attention_heads": 4, "ffn_dim": 256, "window_s": 4.0}


EXAMPLES = (  # (file stem, domain, seed): one clip the model was trained for, one it must adapt to
    ("digits_clear_voice", "SOURCE", 7),
    ("digits_fast_noisy_accent", "TARGET", 11),
)


def write_examples(out: Path) -> list[Path]:
    """Two 16 kHz WAVs of spoken digits for the lesson's one-click examples (text in the file name's sidecar)."""
    import soundfile as sf

    folder = out / "examples"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, domain, seed in EXAMPLES:
        ex = F.make_dataset(1, getattr(F, domain), seed=seed)[0]
        path = folder / f"{stem}.wav"
        sf.write(str(path), ex.y, W.SAMPLE_RATE, subtype="PCM_16")
        (folder / f"{stem}.txt").write_text(f"{ex.text}\nvoice={ex.voice} rate_wpm={ex.rate_wpm} snr_db={ex.snr_db:.1f}\n")
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=F.ASSET_DIR)
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--n-train", type=int, default=3000)
    ap.add_argument("--n-eval", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for this model size)")
    ap.add_argument("--examples-only", action="store_true", help="only (re)write the example WAVs")
    args = ap.parse_args()
    if args.examples_only:
        print(write_examples(args.out))
        return

    import torch

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        W.make_tiny_whisper(tmp, seed=args.seed, **ARCH)
        bundle = W.load_whisper_folder(tmp, label="digits-tiny")
        train_set = F.make_dataset(args.n_train, F.SOURCE, seed=10_000 + args.seed, max_s=bundle.window_s)
        print(f"{len(train_set)} training utterances in {time.perf_counter() - t0:.0f} s")
        cfg = F.FinetuneConfig(steps=args.steps, learning_rate=args.lr, lora_rank=0, batch_size=16,
                               warmup_steps=100, seed=args.seed)

        def report(step: int, loss: float) -> None:
            if step % 100 == 0 or step == args.steps:
                print(f"step {step:5d}  loss {loss:.4f}  {time.perf_counter() - t0:.0f} s", flush=True)

        model, losses, _, total = F.train(bundle, train_set, cfg, on_step=report, max_steps=args.steps)
        trained = W.WhisperBundle(model=model, processor=bundle.processor, model_id="digits-tiny")
        results = {}
        for name, domain, seed in (("source", F.SOURCE, 20_000), ("target", F.TARGET, 30_000)):
            ev = F.make_dataset(args.n_eval, domain, seed=seed + args.seed, max_s=bundle.window_s)
            hyp = F.greedy_decode(trained, [e.y for e in ev])
            results[name] = F.corpus_wer([e.text for e in ev], hyp)
            print(f"held-out {name} WER {results[name]:.3f}")
        # timestamps: one <|start|> text <|end|> segment per utterance, compared with the speech span
        ev = F.make_dataset(16, F.SOURCE, seed=40_000 + args.seed, max_s=bundle.window_s)
        errs = []
        for e in ev:
            r = W.transcribe(trained, e.y, language="en", timestamps=True, temperature_fallback=False)
            if r.segments:
                errs.append((abs(r.segments[0][0] - e.start_s), abs(r.segments[-1][1] - e.end_s)))
        results["ts_start_mae_s"] = float(np.mean([a for a, _ in errs])) if errs else float("nan")
        results["ts_end_mae_s"] = float(np.mean([b for _, b in errs])) if errs else float("nan")
        print(f"timestamps: mean |start error| {results['ts_start_mae_s']:.3f} s, |end error| {results['ts_end_mae_s']:.3f} s")
        args.out.mkdir(parents=True, exist_ok=True)
        for f in args.out.glob("*"):
            if f.is_file() and f.name != "README.md":
                f.unlink()
        model.save_pretrained(args.out)
        bundle.processor.save_pretrained(args.out)
        shutil.rmtree(args.out / "_tok", ignore_errors=True)
    minutes = (time.perf_counter() - t0) / 60
    size_mb = sum(f.stat().st_size for f in args.out.iterdir() if f.is_file()) / 1e6
    (args.out / "training.json").write_text(json.dumps({
        "arch": ARCH, "params": total, "steps": args.steps, "lr": args.lr, "n_train": args.n_train,
        "n_eval": args.n_eval, "final_loss_mean_last_50": float(np.mean(losses[-50:])),
        "wer_source": results["source"], "wer_target": results["target"], "minutes": round(minutes, 1),
        "ts_start_mae_s": results["ts_start_mae_s"], "ts_end_mae_s": results["ts_end_mae_s"],
        "seed": args.seed,
    }, indent=1))
    (args.out / "README.md").write_text(f"""# Tiny digit Whisper (lesson 05)

Made by `nice python -m scripts.train_tiny_whisper` (seed {args.seed}, {minutes:.0f} min on a shared
2-core CPU). A `WhisperForConditionalGeneration` with the real architecture at toy size:
d_model {ARCH['d_model']}, {ARCH['encoder_layers']} encoder + {ARCH['decoder_layers']} decoder layers,
{ARCH['attention_heads']} heads, FFN {ARCH['ffn_dim']}, 80 mels, {ARCH['window_s']:.0f} s windows
({int(ARCH['window_s'] / 0.02)} encoder positions instead of 1500), a character-level tokenizer with
Whisper's special tokens ({total:,} parameters, {size_mb:.1f} MB).

Trained from random weights for {args.steps} steps (batch 16, AdamW, peak lr {args.lr:g}) on
{args.n_train} spoken digit strings ("three one four") synthesised by eSpeak NG in the *source*
domain; half of the labels carry timestamp tokens around the speech (`<|0.30|> text <|1.64|>`), half
`<|notimestamps|>`, as Whisper is trained. Voices {', '.join(F.SOURCE.voices)}, {F.SOURCE.rate_wpm[0]}–{F.SOURCE.rate_wpm[1]} wpm,
noise at {F.SOURCE.snr_db[0]:g}–{F.SOURCE.snr_db[1]:g} dB SNR.

Held-out corpus WER (greedy, {args.n_eval} utterances each):
- source domain: {results['source']:.3f}
- target domain (voices {', '.join(F.TARGET.voices)}, {F.TARGET.rate_wpm[0]}–{F.TARGET.rate_wpm[1]} wpm,
  {F.TARGET.snr_db[0]:g}–{F.TARGET.snr_db[1]:g} dB SNR): {results['target']:.3f} — what the lesson's live
  fine-tune improves.

Timestamps (16 held-out source utterances, `transcribe(..., timestamps=True)`): mean |start error|
{results['ts_start_mae_s']:.3f} s, mean |end error| {results['ts_end_mae_s']:.3f} s.

eSpeak NG's output varies by a few samples between runs, so a rerun gives close, not identical, numbers.
It knows only the ten English digit words; it is a teaching model, not a recogniser.
""")
    write_examples(args.out)
    print(f"saved to {args.out} ({size_mb:.1f} MB) in {minutes:.1f} min")


if __name__ == "__main__":
    main()
