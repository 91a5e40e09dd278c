"""Speed of lesson 17's metrics: DNSMOS/PESQ/STOI/SI-SNR per 10 s clip, and our WER against jiwer.

Run: ``python -m benchmarks.evaluation [--repeats N]``. Audio: the built-in eSpeak sentence
(assets/eval/clean_speech.flac) looped to 10 s at 16 kHz, degraded with pink noise at 10 dB
SNR. Text: random sentences over a 1,000-word vocabulary with ~25 % word errors. Every figure
comes from core.timing (untimed warm-up, then p50/p95 over repeated runs); jiwer and our WER
are timed in alternating blocks so both see the same machine state. Only ratios travel.
"""

from __future__ import annotations

import argparse
import os
import random

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network from a benchmark

from core import quality, timing
from core.audio import load_audio
from core.metrics import wer

CLIP_S = 10.0
SR = quality.SR
N_SENTENCES = 200
SEED = 0


def ten_second_pair() -> tuple[np.ndarray, np.ndarray]:
    y = load_audio(quality.__file__.rsplit("/core/", 1)[0] + "/assets/eval/clean_speech.flac", sr=SR).y
    clean = np.tile(y, int(np.ceil(CLIP_S * SR / len(y))))[: int(CLIP_S * SR)].astype(np.float64)
    return clean, quality.add_noise(clean, snr_db=10.0, seed=SEED).astype(np.float64)


def sentence_pairs(n: int, *, words: int = 20, error_rate: float = 0.25, seed: int = SEED) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    vocab = [f"word{i}" for i in range(1000)]
    pairs = []
    for _ in range(n):
        ref = [rng.choice(vocab) for _ in range(words)]
        hyp = []
        for w in ref:
            u = rng.random()
            if u < error_rate / 3:
                continue  # deletion
            hyp.append(rng.choice(vocab) if u < 2 * error_rate / 3 else w)  # substitution or hit
            if u > 1 - error_rate / 3:
                hyp.append(rng.choice(vocab))  # insertion
        pairs.append((" ".join(ref), " ".join(hyp)))
    return pairs


def _row(t: timing.Timing, unit: str = "ms") -> str:
    rtfx = t.rtfx(50)
    extra = f"   RTFx p50 {rtfx:7.1f}×  p95 {t.rtfx(95):7.1f}×" if rtfx else ""
    return f"  {t.name:<34} p50 {t.p50_ms:9.2f} {unit}   p95 {t.p95_ms:9.2f} {unit}   runs {t.n:3d}{extra}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per metric (≥ 3)")
    args = ap.parse_args(argv)
    reps = max(timing.MIN_REPEATS, args.repeats)

    clean, noisy = ten_second_pair()
    print(f"Quality metrics on one {CLIP_S:.0f} s clip at {SR} Hz (warm-up run excluded; DNSMOS's first run also loads ONNX):")
    quality_timings = [
        timing.time_callable(lambda: quality.dnsmos(noisy, SR), repeats=reps, audio_duration_s=CLIP_S, name="DNSMOS (speechmos, ONNX)"),
        timing.time_callable(lambda: quality.pesq_score(clean, noisy, sr=SR), repeats=reps, audio_duration_s=CLIP_S, name="PESQ wide band (pesq)"),
        timing.time_callable(lambda: quality.pesq_score(clean, noisy, sr=SR, mode="nb"), repeats=reps, audio_duration_s=CLIP_S, name="PESQ narrow band (8 kHz)"),
        timing.time_callable(lambda: quality.stoi_score(clean, noisy, sr=SR), repeats=reps, audio_duration_s=CLIP_S, name="STOI (pystoi)"),
        timing.time_callable(lambda: quality.si_snr(clean, noisy), repeats=max(reps, 20), audio_duration_s=CLIP_S, name="SI-SNR (ours, numpy)"),
        timing.time_callable(lambda: quality.align_pair(clean, noisy, sr=SR), repeats=max(reps, 10), audio_duration_s=CLIP_S, name="delay + length alignment (ours)"),
    ]
    for t in quality_timings:
        print(_row(t))

    import jiwer

    pairs = sentence_pairs(N_SENTENCES)
    refs, hyps = [r for r, _ in pairs], [h for _, h in pairs]
    ours_counts = [wer(r, h, normalize=False) for r, h in pairs]
    jw = [jiwer.process_words(r, h) for r, h in pairs]
    agree = all((o.hits, o.substitutions, o.deletions, o.insertions) == (j.hits, j.substitutions, j.deletions, j.insertions)
                for o, j in zip(ours_counts, jw))  # fmt: skip

    def ours_words() -> None:
        for r, h in pairs:
            wer(r, h, normalize=False)

    def jiwer_words() -> None:
        for r, h in pairs:
            jiwer.process_words(r, h)
            jiwer.process_characters(r, h)  # ours computes CER in the same call

    def ours_normalised() -> None:
        for r, h in pairs:
            wer(r, h)

    def jiwer_corpus() -> None:
        jiwer.process_words(refs, hyps)

    from core.metrics import corpus_wer

    def ours_corpus() -> None:
        corpus_wer(refs, hyps, normalize=False)

    # alternate blocks so both libraries sample the same machine state
    blocks: dict[str, list[float]] = {"ours": [], "jiwer": []}
    for _ in range(reps):
        blocks["ours"] += timing.time_callable(ours_words, repeats=3, warmup=1).times_ms
        blocks["jiwer"] += timing.time_callable(jiwer_words, repeats=3, warmup=1).times_ms
    t_ours = timing.Timing(f"ours: WER+CER, {N_SENTENCES} pairs", tuple(blocks["ours"]), 1, None)
    t_jiwer = timing.Timing(f"jiwer: words+chars, {N_SENTENCES} pairs", tuple(blocks["jiwer"]), 1, None)
    t_norm = timing.time_callable(ours_normalised, repeats=reps, name=f"ours + English normaliser, {N_SENTENCES}")
    t_corpus_o = timing.time_callable(ours_corpus, repeats=reps, name=f"ours corpus_wer, {N_SENTENCES} pairs")
    t_corpus_j = timing.time_callable(jiwer_corpus, repeats=reps, name=f"jiwer corpus (words only), {N_SENTENCES}")
    print(f"\nWER on {N_SENTENCES} sentence pairs of 20 words (~25 % errors); counts identical to jiwer: {agree}")
    for t in (t_ours, t_jiwer, t_norm, t_corpus_o, t_corpus_j):
        print(_row(t))
    print(f"  ratio ours / jiwer (p50, WER and CER per pair): {t_ours.p50_ms / t_jiwer.p50_ms:.1f}×  "
          f"(jiwer aligns with RapidFuzz's bit-parallel C++; ours is a numpy row-vectorised DP with full backtrace)")  # fmt: skip
    per_pair_us = 1e3 * t_ours.p50_ms / N_SENTENCES
    print(f"  ours per sentence pair: {per_pair_us:.0f} µs (WER + CER + alignment)")


if __name__ == "__main__":
    main()
