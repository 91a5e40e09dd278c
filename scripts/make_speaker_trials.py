"""Generate lesson 06's built-in speakers in ``assets/speakers`` (deterministic apart from eSpeak's jitter; no download).

    python -m scripts.make_speaker_trials

eSpeak NG voices differ in pitch, formant scaling and accent enough to act as different
"speakers" (they are not people, and the lesson says so). Each speaker is an eSpeak voice +
variant at its own base pitch; every clip jitters rate and pitch a little so that two clips of
one speaker are not the same signal. The sentences are Harvard sentences (IEEE, 1969), two per
clip, with different sentences for every clip.

Writes:
- ``<speaker>_<k>.flac``: four clips (k = 1..4) for each of the four main speakers — clips 1–3 are
  the enrolment set in the examples, clip 4 the test clip — and one clip each for two impostors;
  16 kHz mono, 16-bit FLAC. The speaker label is the file name up to the first "_".
- ``conversation_3spk.flac`` + ``conversation_3spk.rttm``: a 3-speaker exchange of single
  sentences with pauses, and its reference RTTM (speech extents of each turn, measured on the
  synthesized audio with an energy threshold, so the reference marks real speech, not padding).
- ``MANIFEST.csv``: one row per audio file with voice, pitch, rate, text and role.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from core import espeak
from core.audio import resample
from core.espeak import HARVARD_SENTENCES

OUT = Path(__file__).resolve().parents[1] / "assets" / "speakers"
SR = 16_000  # Hz: every speaker model here works at 16 kHz
SEED = 6  # lesson 06
RATE_WPM = 160
RATE_JITTER = 10  # ± words per minute between clips of one speaker
PITCH_JITTER = 3  # ± eSpeak pitch units between clips of one speaker
GAP_S = 0.35  # silence between the two sentences of a clip
EDGE_S = 0.25  # silence before and after each clip
TRIM_DB = 40.0  # a turn's speech extent: samples within 40 dB of its peak envelope
MADE_BY = "python -m scripts.make_speaker_trials"



@dataclass(frozen=True)
class Voice:
    name: str  # speaker label (file-name prefix)
    voice: str  # eSpeak voice + variant
    pitch: int  # eSpeak base pitch, 0–99
    n_clips: int  # 4 for main speakers (3 enrol + 1 test), 1 for impostors


SPEAKERS = (
    Voice("ava", "en-us+f2", 62, 4),
    Voice("ben", "en-us+m3", 38, 4),
    Voice("cleo", "en-us+Alicia", 65, 4),
    Voice("dev", "en-us+klatt", 50, 4),  # eSpeak's Klatt formant synthesizer: another "vocal tract"
    Voice("eli", "en-029+m7", 46, 1),  # impostor
    Voice("fay", "en-gb-x-rp+f4", 72, 1),  # impostor
)
# Chosen among 17 candidate voices so that GE2E (resemblyzer) scores between any two of them stay
# under ~0.77 while two clips of one voice score ~0.9: same-engine synthetic voices are otherwise
# easy to confuse (en-us+m3 and en-gb-scotland+m1 scored 0.88 against each other).

CONVERSATION = (  # (speaker, sentence) turns of the diarization example
    ("ava", "Did you bring the report for the meeting?"),
    ("ben", "I did, but the numbers are not final yet."),
    ("ava", "Then let us look at the summary first."),
    ("cleo", "I can share the slides from last week."),
    ("ben", "Good idea. The chart on page two is the one we need."),
    ("cleo", "Here it is."),
    ("ava", "Thanks. Sales went up in the spring, as we hoped."),
    ("ben", "And the autumn plan still holds."),
)
CONVERSATION_PAUSES_S = (0.5, 0.4, 0.7, 0.45, 0.6, 0.5, 0.4)


def _say(text: str, voice: Voice, rng: np.random.Generator) -> np.ndarray:
    rate = RATE_WPM + int(rng.integers(-RATE_JITTER, RATE_JITTER + 1))
    pitch = int(np.clip(voice.pitch + int(rng.integers(-PITCH_JITTER, PITCH_JITTER + 1)), 0, 99))
    y, sr = espeak.synthesize(text, voice=voice.voice, rate_wpm=rate, pitch=pitch)
    return resample(y, orig_sr=sr, target_sr=SR)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SR), dtype=np.float32)


def _speech_extent(y: np.ndarray) -> tuple[int, int]:
    """First and one-past-last sample whose 10 ms envelope is within TRIM_DB of the peak."""
    hop = SR // 100
    n = len(y) // hop
    env = np.sqrt(np.mean(y[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    active = np.flatnonzero(20 * np.log10(env / env.max()) > -TRIM_DB)
    return int(active[0] * hop), int((active[-1] + 1) * hop)


def make_clips(rng: np.random.Generator) -> list[dict]:
    rows = []
    sentence = 0
    for voice in SPEAKERS:
        for k in range(1, voice.n_clips + 1):
            n = len(HARVARD_SENTENCES)
            texts = (HARVARD_SENTENCES[sentence % n], HARVARD_SENTENCES[(sentence + 1) % n])
            sentence += 2
            parts = [_silence(EDGE_S)]
            for i, text in enumerate(texts):
                parts += [_say(text, voice, rng)] + ([_silence(GAP_S)] if i == 0 else [])
            parts.append(_silence(EDGE_S))
            y = np.concatenate(parts)
            name = f"{voice.name}_{k}.flac"
            sf.write(OUT / name, y, SR, subtype="PCM_16")
            role = "impostor" if voice.n_clips == 1 else ("test" if k == voice.n_clips else "enroll")
            rows.append({"file": name, "speaker": voice.name, "voice": voice.voice, "pitch": voice.pitch,
                         "rate_wpm": RATE_WPM, "role": role, "text": " ".join(texts), "made_by": MADE_BY})
            print(f"wrote {name}: {len(y) / SR:.2f} s")
    return rows


def make_conversation(rng: np.random.Generator) -> dict:
    voices = {v.name: v for v in SPEAKERS}
    parts = [_silence(0.4)]
    t = len(parts[0])
    rttm = []
    for i, (speaker, text) in enumerate(CONVERSATION):
        y = _say(text, voices[speaker], rng)
        start, stop = _speech_extent(y)
        rttm.append(f"SPEAKER conversation_3spk 1 {(t + start) / SR:.3f} {(stop - start) / SR:.3f} <NA> <NA> {speaker} <NA> <NA>")
        parts.append(y)
        t += len(y)
        if i < len(CONVERSATION_PAUSES_S):
            parts.append(_silence(CONVERSATION_PAUSES_S[i]))
            t += len(parts[-1])
    parts.append(_silence(0.4))
    y = np.concatenate(parts)
    sf.write(OUT / "conversation_3spk.flac", y, SR, subtype="PCM_16")
    (OUT / "conversation_3spk.rttm").write_text("\n".join(rttm) + "\n")
    print(f"wrote conversation_3spk.flac: {len(y) / SR:.2f} s, {len(rttm)} turns")
    return {"file": "conversation_3spk.flac", "speaker": "ava+ben+cleo", "voice": "see the clips' rows",
            "pitch": "", "rate_wpm": RATE_WPM, "role": "conversation (reference: conversation_3spk.rttm)",
            "text": " | ".join(f"{s}: {t}" for s, t in CONVERSATION), "made_by": MADE_BY}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    rows = make_clips(rng)
    rows.append(make_conversation(rng))
    with (OUT / "MANIFEST.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
