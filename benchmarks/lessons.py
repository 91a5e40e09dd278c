"""Latency of lesson 01/02 actions on 10 s of audio, including rendering their figures to PNG.

    python -m benchmarks.lessons [--runs 7]

Each handler is called as the UI calls it (a file path in), then every matplotlib figure it
returns is saved to PNG as Gradio does. Prints p50/p95 over the runs after one warm-up call.
Target: under 300 ms per action for 10 s of audio.
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

import soundfile as sf

from core import signals
from core.timing import MAX_BUDGET_S, time_callable
from demos import l01_fundamentals as l01
from demos import l02_features as l02

TARGET_MS = 300.0
DURATION_S = 10.0


def _render(outputs) -> None:
    from matplotlib.figure import Figure

    for out in outputs if isinstance(outputs, tuple) else (outputs,):
        if isinstance(out, Figure):
            out.savefig(io.BytesIO(), format="png")


def _time(fn, runs: int) -> tuple[float, float]:
    """(p50, p95) ms of a handler call with its figures rendered, after one warm-up call."""
    t = time_callable(lambda: _render(fn()), repeats=runs, budget_s=MAX_BUDGET_S)
    return t.p50_ms, t.p95_ms


def run(runs: int = 7) -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "speech_like_10s.wav")
        sf.write(path, signals.speech_like(DURATION_S, sr=16_000, seed=0), 16_000, subtype="PCM_16")
        cases = {
            "fundamentals_analyze": lambda: l01.analyze(path),
            "fundamentals_alias": lambda: l01.alias(5000, 8000, True, "soxr"),
            "fundamentals_quantize": lambda: l01.quantize(path, 8, False),
            "features_compute": lambda: l02.compute(path, 400, 160, 80, "hann", 0, 8000, "db", 13, 16000),
            "features_resolution": lambda: l02.resolution(32),
            "features_pitfall": lambda: l02.pitfall(path, "dB vs log"),
        }
        return {name: _time(fn, runs) for name, fn in cases.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"lesson actions on {DURATION_S:.0f} s of 16 kHz audio, figures rendered to PNG ({args.runs} runs)")
    print(f"{'action':24s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for name, (p50, p95) in run(args.runs).items():
        flag = "" if p50 <= TARGET_MS else f"  over the {TARGET_MS:.0f} ms target"
        print(f"{name:24s} {p50:8.1f} {p95:8.1f}{flag}")


if __name__ == "__main__":
    main()
