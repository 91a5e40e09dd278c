"""Generate the built-in examples in ``assets/examples`` (deterministic; no download).

    python -m scripts.make_examples

Each file is listed in ``assets/examples/MANIFEST.csv`` with how it was made. Speech comes from
eSpeak NG (``core.espeak``); everything else from ``core.signals``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from core import espeak, signals
from core.audio import resample

OUT = Path(__file__).resolve().parents[1] / "assets" / "examples"
SENTENCE = "Speech and audio lab. Every sound you hear is a list of numbers."


def _speech_16k() -> tuple[np.ndarray, int]:
    y, sr = espeak.synthesize(SENTENCE, voice="en-us", rate_wpm=160)
    return resample(y, orig_sr=sr, target_sr=16_000), 16_000


def _tone() -> tuple[np.ndarray, int]:
    return signals.tone(440.0, duration_s=2.0, sr=16_000, amplitude=0.5), 16_000


def _chirp() -> tuple[np.ndarray, int]:
    return signals.chirp(50.0, 8_000.0, duration_s=3.0, sr=22_050, method="exponential", amplitude=0.5), 22_050


def _harmonics_noise() -> tuple[np.ndarray, int]:
    y = signals.harmonic_mix(220.0, n_harmonics=8, duration_s=2.0, sr=16_000, amplitude=0.5)
    return y + 0.02 * signals.white_noise(duration_s=2.0, sr=16_000, seed=1, amplitude=1.0), 16_000


def _stereo_problems() -> tuple[np.ndarray, int]:
    """48 kHz stereo with a DC offset and clipping: what the loader check is for."""
    sr = 48_000
    speech, _ = _speech_16k()
    speech = resample(speech, orig_sr=16_000, target_sr=sr)
    left = np.clip(2.5 * speech + 0.03, -1.0, 1.0)
    right = np.clip(2.5 * np.roll(speech, 240) + 0.03, -1.0, 1.0)  # 5 ms later: a second mic
    return np.stack([left, right], axis=1), sr


# name → (maker, subtype, description)
EXAMPLES: dict[str, tuple[Callable[[], tuple[np.ndarray, int]], str, str]] = {
    "speech_espeak_16k.wav": (_speech_16k, "PCM_16", f'eSpeak NG (en-us, 160 wpm): "{SENTENCE}"; 16 kHz mono'),
    "tone_440hz_16k.wav": (_tone, "PCM_16", "440 Hz sine, 2 s, −6 dBFS peak; 16 kHz mono"),
    "chirp_50-8000hz_22k.wav": (_chirp, "PCM_16", "exponential sweep 50 Hz → 8 kHz, 3 s; 22.05 kHz mono"),
    "harmonics_220hz_noise_16k.wav": (_harmonics_noise, "PCM_16", "220 Hz with 8 harmonics (1/k) plus white noise; 16 kHz mono"),
    "speech_stereo_48k_dc_clipped.flac": (_stereo_problems, "PCM_24", "the speech example at 48 kHz stereo, +0.03 DC offset, clipped; 24-bit FLAC"),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, (make, subtype, description) in EXAMPLES.items():
        y, sr = make()
        sf.write(OUT / name, np.asarray(y, dtype=np.float32), sr, subtype=subtype)
        rows.append({"file": name, "description": description, "made_by": "python -m scripts.make_examples"})
        print(f"wrote {name}: {np.asarray(y).shape} at {sr} Hz")
    with (OUT / "MANIFEST.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["file", "description", "made_by"])
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
