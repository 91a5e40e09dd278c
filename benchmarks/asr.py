"""Speed of lesson 04's recognizers and decoders.

Run: ``python -m benchmarks.asr`` (add ``--rounds N`` for more runs). Two parts:

1. Real-time factor (recognition seconds / audio seconds; model loading excluded) of every
   embedded ASR engine on the real recordings in ../shared/data/real/speech, p50 and p95 over
   all (clip, round) runs, plus pocketsphinx's corpus WER on them (core.metrics.corpus_wer).
   tiny-ctc-digits only knows digits, so only its speed means anything on these clips.
2. Our CTC decoders on the same posteriors: greedy vs prefix beam search (widths 1, 8, 32) and
   beam + character LM, on synthetic posteriors of a sentence and on wav2vec-sized emissions.

Timings are machine-dependent (and noisy on a shared machine); the ratios travel better.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from core import asr, charlm, ctc
from core.audio import load_audio
from core.timing import MAX_BUDGET_S, time_callable

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
EMBEDDED = ("pocketsphinx", "tiny-ctc-digits")
SENTENCE = "speech recognition turns sound into text and a decoder picks the words"


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def engine_rtf(rounds: int) -> None:
    manifest = REAL / "MANIFEST.csv"
    if not manifest.is_file():
        print(f"(real recordings not found at {REAL}; skipping the RTF part)")
        return
    with manifest.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] == "speech"]
    clips = [(load_audio(REAL / r["file"], sr=16000).y, r["transcript_or_label"]) for r in rows]
    total_s = sum(len(y) for y, _ in clips) / 16000
    print(f"## Real-time factor on {len(clips)} real clips ({total_s:.1f} s of speech), {rounds} round(s)\n")
    print("| engine | RTF p50 | RTF p95 | corpus WER |\n|---|---|---|---|")
    for name in EMBEDDED:
        asr.transcribe(clips[0][0][:16000], name)  # load and warm up
        rtfs, hyps = [], []
        for r in range(rounds):
            for y, _ in clips:
                res = asr.transcribe(y, name, fallback=False)
                rtfs.append(res.rtf)
                if r == 0:
                    hyps.append(res.text)
        w = "–"
        if name == "pocketsphinx":
            from core.metrics import corpus_wer

            w = f"{corpus_wer([ref for _, ref in clips], hyps).wer:.3f}"
        print(f"| {name} | {_pct(rtfs, 50):.3f} | {_pct(rtfs, 95):.3f} | {w} |")
    print()


def _time(fn, repeats: int) -> float:
    """Median ms per call after one warm-up call."""
    return time_callable(fn, repeats=repeats, budget_s=MAX_BUDGET_S).p50_ms


def decoder_speed(repeats: int) -> None:
    v = ctc.CHAR_VOCAB
    lm = charlm.default_lm()
    lp = ctc.synthetic_posteriors(v.encode(SENTENCE), v.size, ctc.PosteriorConfig(frames_per_symbol=3, noise=1.0))
    rng = np.random.default_rng(0)
    peaky = ctc.log_softmax(rng.standard_normal((500, 32)) * 1.0 + np.eye(32)[rng.integers(0, 32, 500)] * 8)  # 10 s at 50 frames/s
    print("## CTC decoders (median of runs, ms)\n")
    print("| posteriors | greedy | beam 1 | beam 8 | beam 32 | beam 8 + LM | beam 8 / greedy |\n|---|---|---|---|---|---|---|")
    for label, x, prune in ((f"synthetic sentence, {lp.shape[0]}×{lp.shape[1]}", lp, ctc.NEG_INF),
                            ("wav2vec-like, 500×32 (pruned < 1e-4)", peaky, float(np.log(1e-4)))):
        chars = [v.char(k) if k < v.size else "" for k in range(x.shape[1])]
        g = _time(lambda x=x: ctc.greedy_decode(x), repeats)
        b = {w: _time(lambda w=w, x=x, p=prune: ctc.prefix_beam_search(x, config=ctc.BeamConfig(beam_width=w, prune_log_prob=p)), repeats)
             for w in (1, 8, 32)}
        lm_cfg = ctc.BeamConfig(beam_width=8, lm_weight=0.5, insertion_bonus=1.0, prune_log_prob=prune)
        blm = _time(lambda x=x, c=lm_cfg, ch=chars: ctc.prefix_beam_search(x, config=c, lm=lm, chars=ch), repeats)
        print(f"| {label} | {g:.2f} | {b[1]:.1f} | {b[8]:.1f} | {b[32]:.1f} | {blm:.1f} | {b[8] / g:.0f}× |")
    print()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="passes over the real clips per engine")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per decoder")
    args = ap.parse_args(argv)
    decoder_speed(args.repeats)
    engine_rtf(args.rounds)


if __name__ == "__main__":
    main()
