"""Generate lesson 03's built-in few-shot example sets in ``assets/examples/fewshot`` (no download).

    python -m scripts.make_fewshot_examples

Two sets, each with 4 examples per class and one query clip, all 16 kHz mono 16-bit WAV:

- ``words``: the spoken words "yes", "no" and "stop" from eSpeak NG (core.espeak) in four voices
  (examples) and a fifth voice (the query "yes");
- ``sounds``: a whistle-like tone with a slight glide, noise, and hand-clap-like clicks from numpy
  recipes (seeded), the query a new tone.

They are listed in ``assets/examples/fewshot/MANIFEST.csv`` (file, set, label, role, description,
made_by) — deliberately not in assets/examples/MANIFEST.csv, which lists lessons 01/02's examples.
eSpeak's output varies by a few samples between runs, so the WAVs are not bit-identical across
runs; the sounds set is.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal as sps

from core import espeak
from core.audio import resample

SR = 16_000
OUT = Path(__file__).resolve().parents[1] / "assets" / "examples" / "fewshot"
MADE_BY = "python -m scripts.make_fewshot_examples"
WORDS = ("yes", "no", "stop")
EXAMPLE_VOICES = (("en-us", 50, 170), ("en-us+f3", 70, 150), ("en-GB-x-rp+m3", 35, 190), ("en+klatt2", 55, 160))
QUERY_VOICE = ("en-us+f2", 60, 175)
SOUNDS_S = 0.8


def _word(text: str, voice: str, pitch: int, rate: int) -> np.ndarray:
    y, sr = espeak.synthesize(text, voice=voice, pitch=pitch, rate_wpm=rate)
    y = resample(y, orig_sr=sr, target_sr=SR)
    idx = np.flatnonzero(np.abs(y) > 0.01)
    y = y[max(idx[0] - 800, 0) : idx[-1] + 800] if idx.size else y  # trim to ±50 ms around the word
    return 0.7 * y / np.abs(y).max()


def _tone(rng: np.random.Generator) -> np.ndarray:
    n = int(SOUNDS_S * SR)
    f = rng.uniform(1000, 1300) * np.linspace(1.0, rng.uniform(0.9, 1.1), n)
    y = np.sin(2 * np.pi * np.cumsum(f) / SR) * np.hanning(n) ** 0.3
    return 0.5 * y + 0.01 * rng.standard_normal(n)


def _noise(rng: np.random.Generator) -> np.ndarray:
    n = int(SOUNDS_S * SR)
    y = sps.sosfilt(sps.butter(2, rng.uniform(1500, 6000), fs=SR, output="sos"), rng.standard_normal(n))
    return 0.4 * y / np.abs(y).max() * np.hanning(n) ** 0.2


def _clicks(rng: np.random.Generator) -> np.ndarray:
    n = int(SOUNDS_S * SR)
    y = np.zeros(n)
    for t in np.sort(rng.uniform(0.05, SOUNDS_S - 0.1, size=int(rng.integers(3, 6)))):
        m = int(0.06 * SR)
        burst = sps.sosfilt(sps.butter(2, [800, 3500], btype="band", fs=SR, output="sos"), rng.standard_normal(m))
        burst *= np.exp(-np.arange(m) / (0.012 * SR))
        s = int(t * SR)
        y[s : s + m] += burst[: n - s]
    return 0.7 * y / np.abs(y).max() + 0.003 * rng.standard_normal(n)


def build() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []

    def write(rel: str, y: np.ndarray, set_name: str, label: str, role: str, description: str) -> None:
        path = OUT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, np.clip(y, -1, 1).astype(np.float32), SR, subtype="PCM_16")
        rows.append({"file": rel, "set": set_name, "label": label, "role": role, "description": description,
                     "made_by": MADE_BY})

    for word in WORDS:
        for i, (voice, pitch, rate) in enumerate(EXAMPLE_VOICES, start=1):
            write(f"words/{word}_{i}.wav", _word(word, voice, pitch, rate), "words", word, "example",
                  f'eSpeak NG "{word}", voice {voice}, pitch {pitch}, {rate} wpm')
    voice, pitch, rate = QUERY_VOICE
    write("words/query_yes.wav", _word("yes", voice, pitch, rate), "words", "yes", "query",
          f'eSpeak NG "yes", voice {voice} (not among the examples), pitch {pitch}, {rate} wpm')

    rng = np.random.default_rng(3)
    makers = {"tone": (_tone, "a 0.8 s whistle-like sine at 1.0–1.3 kHz with a slight glide"),
              "noise": (_noise, "0.8 s of low-passed white noise (cut-off 1.5–6 kHz)"),
              "clicks": (_clicks, "3–5 clap-like band-passed noise bursts in 0.8 s")}
    for label, (make, description) in makers.items():
        for i in range(1, 5):
            write(f"sounds/{label}_{i}.wav", make(rng), "sounds", label, "example", description + " (seeded)")
    write("sounds/query_tone.wav", _tone(rng), "sounds", "tone", "query", "a new tone: " + makers["tone"][1])

    with (OUT / "MANIFEST.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["file", "set", "label", "role", "description", "made_by"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


if __name__ == "__main__":
    for row in build():
        print(row["file"], row["label"], row["role"])
