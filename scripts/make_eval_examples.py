"""Generate lesson 17's examples in ``assets/eval`` (deterministic apart from eSpeak's few-sample jitter).

    python -m scripts.make_eval_examples

* a clean eSpeak sentence and two degraded copies (pink noise at 5 dB SNR with a 40 ms delay;
  telephone band) for the quality tab (DNSMOS; PESQ/STOI/SI-SNR against the clean one);
* three short eSpeak clips and ``batch.csv`` (file, reference) for the batch WER tab.

Every file is listed in ``assets/eval/MANIFEST.csv`` with how it was made. 16 kHz mono FLAC.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import soundfile as sf

from core import espeak
from core.audio import resample
from core.quality import add_noise

OUT = Path(__file__).resolve().parents[1] / "assets" / "eval"
SR = 16_000
QUALITY_SENTENCE = "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background."
BATCH = (  # (file, text spoken, reference written as a person would type it)
    ("batch_01.flac", "Turn the volume up to seven.", "Turn the volume up to 7."),
    ("batch_02.flac", "What is the weather like in Paris today?", "What's the weather like in Paris today?"),
    ("batch_03.flac", "Set a timer for ten minutes.", "Set a timer for ten minutes."),
)


def _speak(text: str) -> np.ndarray:
    y, sr = espeak.synthesize(text, voice="en-us", rate_wpm=160)
    return resample(np.asarray(y, np.float32), orig_sr=sr, target_sr=SR)


def _write(name: str, y: np.ndarray, description: str, rows: list[list[str]]) -> None:
    sf.write(OUT / name, np.clip(y, -1.0, 1.0), SR, subtype="PCM_16")
    rows.append([name, description, "python -m scripts.make_eval_examples"])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows: list[list[str]] = []
    speech = _speak(QUALITY_SENTENCE)
    clean = 0.8 * speech / max(float(np.max(np.abs(speech))), 1e-9)
    _write("clean_speech.flac", clean, f'eSpeak NG (en-us, 160 wpm): "{QUALITY_SENTENCE}"', rows)
    delayed = np.r_[np.zeros(int(0.040 * SR), np.float32), clean]
    noisy = add_noise(delayed, snr_db=5.0, kind="pink", seed=17)
    _write("noisy_speech_5db.flac", 0.9 * noisy / float(np.max(np.abs(noisy))), "clean_speech + pink noise at 5 dB SNR, 40 ms later", rows)
    phone = resample(resample(clean, orig_sr=SR, target_sr=8_000), orig_sr=8_000, target_sr=SR)
    _write("telephone_band_speech.flac", phone, "clean_speech through 8 kHz sampling (band-limited to 4 kHz)", rows)
    with (OUT / "batch.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "reference"])
        for name, spoken, reference in BATCH:
            _write(name, _speak(spoken), f'eSpeak NG: "{spoken}" (batch WER example)', rows)
            w.writerow([name, reference])
    rows.append(["batch.csv", "file,reference for the batch_*.flac clips", "python -m scripts.make_eval_examples"])
    with (OUT / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "description", "made_by"])
        w.writerows(rows)
    print(f"wrote {len(rows)} files to {OUT}")


if __name__ == "__main__":
    main()
