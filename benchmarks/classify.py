"""Latency of lesson 03's classifiers and embeddings on CPU, as milliseconds and as ratios to the audio.

Run: ``python -m benchmarks.classify``. Prints, for 10 s of deterministic 16 kHz audio, the
classification time of each embedded engine (toy-cnn, mfcc-knn), and of the whole
``classify_predict`` / ``classify_fewshot`` handlers (decoding, engine, plots rendered to PNG); and,
per 5 s clip, the embedding time of each embedding engine. A ratio is time ÷ audio duration
(the real-time factor: 0.01 = 100× faster than real time). Each figure is the median and the
best of several timed calls after an untimed warm-up call (which also loads the engine).
The hub engine (AST) is timed only when its weights are cached locally.
Timings are machine-dependent and shared CPUs drift; only the ratios travel.
"""

from __future__ import annotations

import os
import platform
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from core import classify, signals
from core.engines import REGISTRY
from core.timing import MAX_BUDGET_S, time_callable

SR = classify.SR
CLASSIFY_S = 10.0
EMBED_S = 5.0
REPEATS = 7
SEED = 0


def _clip(duration_s: float) -> np.ndarray:
    """Speech-like audio (syllable-rate bursts through formant bands) plus a little noise, float32."""
    y = signals.speech_like(duration_s, sr=SR, seed=SEED)
    return (y + 0.01 * signals.white_noise(duration_s=duration_s, sr=SR, seed=SEED + 1)).astype(np.float32)


def _time(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """(median, best) seconds per call after one untimed warm-up call."""
    t = time_callable(fn, repeats=repeats, budget_s=MAX_BUDGET_S)
    return t.p50_ms / 1e3, min(t.times_ms) / 1e3


def _rendered(handler: Callable[..., tuple], *args: object) -> Callable[[], None]:
    """Call a handler and render its figures to PNG, as Gradio does before sending them."""
    import io

    from matplotlib.figure import Figure

    def run() -> None:
        for out in handler(*args):
            if isinstance(out, Figure):
                out.savefig(io.BytesIO(), format="png")

    return run


def _row(name: str, audio_s: float, median: float, best: float) -> str:
    return f"{name:44s} {1e3 * median:9.1f} {1e3 * best:9.1f} {median / audio_s:9.4f} {audio_s / median:9.1f}×"


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, 1-min load average {load:.1f}; "
          f"{REPEATS} timed calls each")
    header = f"{'':44s} {'median ms':>9s} {'best ms':>9s} {'RTF':>9s} {'speed':>10s}"
    y10, y5 = _clip(CLASSIFY_S), _clip(EMBED_S)

    print(f"\nclassification of {CLASSIFY_S:.0f} s of audio (engine only)")
    print(header)
    for name in REGISTRY.names(classify.CLASSIFY):
        status = {s.name: s for s in REGISTRY.status(classify.CLASSIFY)}[name]
        if not status.available:
            print(f"{name:44s} skipped: {status.reason}")
            continue
        engine = REGISTRY.resolve(classify.CLASSIFY, name, fallback=False).obj
        print(_row(name, CLASSIFY_S, *_time(lambda engine=engine: engine.classify(y10))))

    print(f"\nembedding of one {EMBED_S:.0f} s clip")
    print(header)
    for name in REGISTRY.names(classify.EMBED):
        emb = REGISTRY.resolve(classify.EMBED, name, fallback=False).obj
        print(_row(name, EMBED_S, *_time(lambda emb=emb: emb.embed(y5))))

    from demos import l03_classification as l03

    with tempfile.TemporaryDirectory() as tmp:
        path10 = Path(tmp) / "speechlike_10s.wav"
        sf.write(path10, y10, SR, subtype="PCM_16")
        s = classify.builtin_sets()["sounds"]
        print(f"\nwhole handlers (decode + engine + plots rendered to PNG), {CLASSIFY_S:.0f} s query")
        print(header)
        for engine in ("toy-cnn", "mfcc-knn"):
            print(_row(f"classify_predict({engine})", CLASSIFY_S, *_time(_rendered(l03.predict, str(path10), engine), 3)))
        for emb in REGISTRY.names(classify.EMBED):
            med, best = _time(_rendered(l03.fewshot, list(s.files), list(s.labels), str(path10), emb), 3)
            audio_s = CLASSIFY_S + sum(sf.info(f).duration for f in s.files)
            print(_row(f"classify_fewshot({emb}, {len(s.files)} ex. + query)", audio_s, med, best))


if __name__ == "__main__":
    main()
