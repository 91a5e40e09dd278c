"""Speed of the speaker engines (lesson 06): embedding time per 5 s clip, and the tab's main actions on 10 s.

Run: ``python -m benchmarks.speaker``. Everything runs in one process on deterministic eSpeak audio
from ``assets/speakers`` (5 s clips cut from the built-in speakers; 10 s made by joining two).
Contenders are timed in interleaved round-robin blocks (each block after an untimed warm-up call),
reporting the best and the median; the real-time factor (RTF) is time / audio duration.

Engines: ``resemblyzer`` (real weights from the wheel) and ``mfcc-stats`` (ours) are the ones the
app serves offline. ``ecapa`` and ``wavlm-sv`` cannot be downloaded here, so they are timed with
*random weights in the full-size architecture* (ECAPA-TDNN C=1024, 192-d; WavLM-Base+ with the
x-vector head), loaded through the same getters from a temporary folder: their speed is real,
their scores are meaningless. Timings are machine-dependent (and noisy on a shared 2-core
machine); only the ratios travel.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core import diarization, speaker
from core.timing import time_interleaved
from core.engines import REGISTRY, use_local_model

SR = speaker.SR
CLIP_S = 5.0
ACTION_S = 10.0
ROUNDS = 5
BLOCK = 2


def _clips() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 5 s clip, and two 10 s clips (enrolment and test) from the built-in eSpeak speakers."""
    from core.audio import load_audio

    def load(name: str) -> np.ndarray:
        return load_audio(speaker.ASSETS / name, sr=SR).y

    five = load("ava_1.flac")[: int(CLIP_S * SR)]
    ten_a = np.concatenate([load("ava_1.flac"), load("ava_2.flac")])[: int(ACTION_S * SR)]
    ten_b = np.concatenate([load("ava_4.flac"), load("ava_3.flac")])[: int(ACTION_S * SR)]
    return five, ten_a, ten_b


def _engines(folder: Path) -> tuple[dict[str, speaker.SpeakerEncoder], dict[str, str]]:
    """Every engine, hub ones from full-size random-weight folders; plus a note per engine."""
    encoders, notes = {}, {}
    for name in ("resemblyzer", "mfcc-stats"):
        encoders[name] = REGISTRY.resolve(speaker.CAPABILITY, name, fallback=False).obj
        notes[name] = "real weights" if name == "resemblyzer" else "from scratch"
    try:
        speaker.write_random_ecapa(folder / "ecapa", size="full")
        with use_local_model(speaker.ECAPA_ID, folder / "ecapa"):
            encoders["ecapa"] = REGISTRY.resolve(speaker.CAPABILITY, "ecapa", fallback=False).obj
        notes["ecapa"] = "full-size architecture, random weights"
    except Exception as exc:  # noqa: BLE001  (report, do not hide: the benchmark still times the others)
        notes["ecapa"] = f"unavailable ({type(exc).__name__}: {exc})"
    try:
        speaker.write_random_wavlm(folder / "wavlm", size="full")
        with use_local_model(speaker.WAVLM_ID, folder / "wavlm"):
            encoders["wavlm-sv"] = REGISTRY.resolve(speaker.CAPABILITY, "wavlm-sv", fallback=False).obj
        notes["wavlm-sv"] = "full-size architecture, random weights"
    except Exception as exc:  # noqa: BLE001
        notes["wavlm-sv"] = f"unavailable ({type(exc).__name__}: {exc})"
    return encoders, notes


def run(*, rounds: int = ROUNDS) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Time every engine; returns ({row: {best_ms, median_ms, rtf_best, rtf_median, audio_s}}, notes)."""
    five, ten_a, ten_b = _clips()
    with tempfile.TemporaryDirectory(prefix="bench_speaker_") as tmp:
        encoders, notes = _engines(Path(tmp))
        embed = {f"embed 5 s · {n}": (lambda e=e: e.embed(five)) for n, e in encoders.items()}
        results: dict[str, dict[str, float]] = {}
        for name, t in time_interleaved(embed, rounds=rounds, block=BLOCK).items():
            results[name] = {"audio_s": CLIP_S, "best_ms": 1e3 * min(t), "median_ms": 1e3 * float(np.median(t))}
        actions: dict[str, Callable[[], object]] = {}
        for n in ("resemblyzer", "mfcc-stats"):
            e = encoders[n]
            actions[f"verify 10 s + 10 s · {n}"] = lambda e=e: speaker.verify(e.embed_many([ten_a]), e.embed(ten_b), threshold=0.5)
            actions[f"diarize 10 s · {n}"] = lambda e=e: diarization.diarize(ten_a, e, n_speakers=1)
        for name, t in time_interleaved(actions, rounds=max(2, rounds // 2), block=1).items():
            audio = 2 * ACTION_S if name.startswith("verify") else ACTION_S
            results[name] = {"audio_s": audio, "best_ms": 1e3 * min(t), "median_ms": 1e3 * float(np.median(t))}
    for row in results.values():
        row["rtf_best"] = row["best_ms"] / 1e3 / row["audio_s"]
        row["rtf_median"] = row["median_ms"] / 1e3 / row["audio_s"]
    return results, notes


def main() -> None:
    import os

    import torch

    warnings.simplefilter("ignore")
    results, notes = run()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"speaker engines on {os.cpu_count()} CPU cores, torch threads={torch.get_num_threads()} "
          f"(resemblyzer runs its LSTM on 1), load average {load:.1f}; {ROUNDS}x{BLOCK} interleaved calls per embedding")
    print(f"{'contender':<34}{'best ms':>10}{'median ms':>11}{'RTF best':>10}{'RTF median':>12}  notes")
    for name, row in results.items():
        engine = name.split(" · ")[-1]
        note = notes.get(engine, "") if name.startswith("embed") else ""
        print(f"{name:<34}{row['best_ms']:>10.1f}{row['median_ms']:>11.1f}{row['rtf_best']:>10.4f}{row['rtf_median']:>12.4f}  {note}")
    for engine, note in notes.items():
        if note.startswith("unavailable"):
            print(f"{engine}: {note}")


if __name__ == "__main__":
    main()
