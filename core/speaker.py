"""Speaker recognition (lesson 06): embeddings, cosine scoring, S-norm, enrolment, verification, identification.

The lesson's pipeline: a clip of any length → a fixed-size *speaker embedding* (a point on the
unit sphere where one person's clips cluster together) → a *score* between two embeddings
(cosine similarity) → a *decision* (accept when score ≥ threshold). Verification (1:1) asks
"is this the claimed speaker?"; identification (1:N) asks "which enrolled speaker is this?".
How good an embedding is shows in the trial scores: the EER and minDCF in ``core.metrics``.

Engines (capability ``"speaker"``, in preference order), all behind one interface
(:class:`SpeakerEncoder`: ``embed`` for a whole clip, ``embed_windows`` for diarization windows):

- ``ecapa`` (hub): SpeechBrain ECAPA-TDNN trained on VoxCeleb (speechbrain/spkrec-ecapa-voxceleb), 192-d;
- ``wavlm-sv`` (hub): WavLM-Base+ with an x-vector head (microsoft/wavlm-base-plus-sv), 512-d;
- ``resemblyzer`` (embedded): the GE2E LSTM encoder (Wan et al., 2018) whose weights ship in the
  ``resemblyzer`` wheel, 256-d;
- ``mfcc-stats`` (scratch): mean and std over time of 19 MFCCs (c1..c19, via
  ``core.classify.mfcc_statistics``) standardised with a background set (the built-in eSpeak
  clips) — the pre-deep-learning baseline, 38-d.

Everything here works on 16 kHz float32 mono audio (``core.audio.load_audio(..., sr=16000)``).
"""

from __future__ import annotations

import abc

import csv
import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.engines import REGISTRY, Engine, hub_probe, model_source, module_available, torch_threads
from core.errors import AudioError, AudioWarning, ParamError

CAPABILITY = "speaker"
SR = 16_000  # Hz: every speaker model here works at 16 kHz
ECAPA_ID = "speechbrain/spkrec-ecapa-voxceleb"
WAVLM_ID = "microsoft/wavlm-base-plus-sv"
ASSETS = Path(__file__).resolve().parents[1] / "assets" / "speakers"  # scripts/make_speaker_trials.py

# --- limits, enforced before any model runs --------------------------------------------------------
MAX_CLIP_S = 60.0  # per clip: a minute says everything about a voice; longer only costs time
MIN_SPEECH_S = 0.5  # active speech below this is refused: a syllable or two carries no identity
SHORT_SPEECH_S = 2.0  # below this the clip works but is warned about: EERs rise steeply under 2-3 s
MAX_ENROLL_CLIPS = 5  # verification enrolment: 1-5 clips
RECOMMENDED_ENROLL_CLIPS = 3  # fewer clean clips than this → a warning (one clip = one session's channel)
MAX_TRIAL_FILES = 40  # evaluation: 40 files = 780 trials, seconds of embedding on 2 cores
MAX_TRIAL_TOTAL_S = 600.0  # evaluation: 10 minutes of audio in all
MAX_ROSTER = 10  # identification: speakers enrolled per session

# --- speech activity used to validate clips (frames of 25 ms every 10 ms) ----------------------------
FRAME_S = 0.025
HOP_S = 0.010
SPEECH_FLOOR_DBFS = -55.0  # a frame quieter than this is never speech (16-bit noise floor ≈ -90 dBFS;
# a muted or unplugged mic sits around -60 to -70)
SPEECH_RANGE_DB = 35.0  # frames within 35 dB of the loudest 10 ms count as active: the dynamic range
# of read speech; quieter frames are pauses, breaths and room noise

# --- "what hurts" degradations ---------------------------------------------------------------------
CONDITIONS = ("clean", "short", "noise", "telephone")
TELEPHONE_BAND_HZ = (300.0, 3400.0)  # ITU-T G.712 narrow-band telephone channel
TELEPHONE_SR = 8_000  # Hz: G.711 sampling rate
MU_LAW_MU = 255  # G.711 µ-law companding, 8 bits per sample

# Cosine thresholds that separate same/different speakers reasonably out of the box. ecapa: the
# SpeechBrain recipe's verify_batch default; wavlm-sv: the model card's (neither tuned here: no hub
# access). resemblyzer: its EER thresholds measured 0.846 on the LibriSpeech clips and 0.877 on the
# built-in eSpeak trials (targets ≥ 0.846, impostors ≤ 0.79 on both) → 0.83. mfcc-stats: 0.81 and
# 0.55 — its scale moves with the recording conditions, the baseline's weakness → 0.6. Always
# re-tune on your own trials: the lesson's point (tests/test_speaker.py checks the built-in example).
DEFAULT_THRESHOLDS = {"ecapa": 0.25, "wavlm-sv": 0.86, "resemblyzer": 0.83, "mfcc-stats": 0.6}


# ------------------------------------------------------------------------------------ speech checks


def frame_db(y: np.ndarray, sr: int = SR, *, frame_s: float = FRAME_S, hop_s: float = HOP_S) -> np.ndarray:
    """RMS level of each frame in dBFS: (n_frames,), frames of ``frame_s`` every ``hop_s`` (no padding).

    Formula: L_t = 10·log10(mean(y[tH : tH + W]²) + 1e-12).
    """
    y = np.asarray(y, dtype=np.float64)
    W, H = max(1, round(frame_s * sr)), max(1, round(hop_s * sr))
    if len(y) < W:
        return np.array([10.0 * np.log10(np.mean(y**2) + 1e-12)]) if len(y) else np.zeros(0)
    n = 1 + (len(y) - W) // H
    c = np.concatenate([[0.0], np.cumsum(y**2)])
    starts = np.arange(n) * H
    power = (c[starts + W] - c[starts]) / W
    return 10.0 * np.log10(np.maximum(power, 0.0) + 1e-12)


def speech_mask(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """Active frames (25 ms every 10 ms): level above SPEECH_FLOOR_DBFS and within SPEECH_RANGE_DB of the loudest.

    A deliberately simple energy detector: enough to refuse silent clips, measure how much speech
    a clip holds and drop pauses before MFCC statistics (lesson 14 covers real VADs).
    """
    db = frame_db(y, sr)
    if db.size == 0:
        return np.zeros(0, dtype=bool)
    return (db > SPEECH_FLOOR_DBFS) & (db > db.max() - SPEECH_RANGE_DB)


def active_speech_s(y: np.ndarray, sr: int = SR) -> float:
    """Seconds of active speech (``speech_mask`` frames × hop)."""
    return float(np.count_nonzero(speech_mask(y, sr))) * HOP_S


def check_clip(y: np.ndarray, sr: int = SR, *, what: str = "the clip") -> float:
    """Refuse a clip with no usable speech, warn about a short one; returns its active speech in s.

    Raises ``AudioError`` when the clip is silent (nothing above SPEECH_FLOOR_DBFS) or holds less
    than MIN_SPEECH_S of active speech; warns (``AudioWarning``) under SHORT_SPEECH_S.
    """
    y = np.asarray(y)
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    peak_db = 20.0 * np.log10(peak) if peak > 0 else -np.inf
    if peak_db <= SPEECH_FLOOR_DBFS:
        raise AudioError(
            f"{what} is silent (peak {peak_db:.0f} dBFS, below {SPEECH_FLOOR_DBFS:.0f} dBFS); "
            "record it again closer to the microphone or upload a clip with speech"
        )
    speech_s = active_speech_s(y, sr)
    if speech_s < MIN_SPEECH_S:
        raise AudioError(
            f"{what} has only {speech_s:.2f} s of speech ({len(y) / sr:.2f} s in all); a voice needs at "
            f"least {MIN_SPEECH_S} s to embed, and 3 s or more to be recognised reliably"
        )
    if speech_s < SHORT_SPEECH_S:
        warnings.warn(
            f"{what} has only {speech_s:.1f} s of speech; under {SHORT_SPEECH_S:.0f} s speaker scores get "
            "noticeably less reliable (see the 'What hurts' tab)",
            AudioWarning,
            stacklevel=2,
        )
    return speech_s


def load_clip(source: Any, *, what: str = "the clip") -> np.ndarray:
    """Decode any audio input to 16 kHz float32 mono (≤ MAX_CLIP_S) and ``check_clip`` it."""
    from core.audio import load_audio

    clip = load_audio(source, sr=SR, max_duration_s=MAX_CLIP_S)
    check_clip(clip.y, SR, what=what)
    return clip.y


def trim_to_speech(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """Keep only the active frames' hops (pauses removed), or ``y`` itself when too little is active."""
    mask = speech_mask(y, sr)
    H = round(HOP_S * sr)
    if np.count_nonzero(mask) * HOP_S < MIN_SPEECH_S:
        return np.asarray(y, dtype=np.float32)
    keep = np.repeat(mask, H)
    out = np.asarray(y[: keep.size], dtype=np.float32)[keep[: len(y)]]
    return out


# ---------------------------------------------------------------------------------------- scoring


def l2_normalize(X: np.ndarray, *, axis: int = -1, eps: float = 1e-12) -> np.ndarray:
    """Scale vectors to unit Euclidean length along ``axis`` (zero vectors stay zero).

    Formula: x̂ = x / max(‖x‖₂, ε). On the unit sphere, cosine similarity is a dot product and
    Euclidean distance is √(2 − 2·cos).
    """
    X = np.asarray(X, dtype=np.float64)
    norm = np.linalg.norm(X, axis=axis, keepdims=True)
    return X / np.maximum(norm, eps)


def cosine_scores(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of A (m, d) with every row of B (n, d) → (m, n), in [−1, 1].

    Formula: s(a, b) = â·b̂ with â = a/‖a‖ (``l2_normalize``). 1-D inputs are treated as one row.
    Reference: Dehak et al. (2010), "Cosine similarity scoring without score normalization
    techniques", Odyssey — cosine scoring of i-vectors, still the default for x-vectors/ECAPA.
    """
    A, B = np.atleast_2d(A), np.atleast_2d(B)
    if A.shape[1] != B.shape[1]:
        raise ParamError(f"embeddings of different sizes ({A.shape[1]} and {B.shape[1]}); score embeddings from one engine")
    return l2_normalize(A) @ l2_normalize(B).T


def cosine_score(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (see ``cosine_scores``)."""
    return float(cosine_scores(a, b)[0, 0])


def enroll(embeddings: np.ndarray) -> np.ndarray:
    """Speaker model from k enrolment embeddings (k, d): the L2-normalised mean of the L2-normalised embeddings.

    Averaging several clips cancels what is particular to each (words, channel, mood) and keeps
    what they share: the voice. Formula: m = normalize(Σ_k ê_k / k).
    Reference: Wan et al. (2018), "Generalized end-to-end loss for speaker verification", ICASSP
    (the "centroid" of a speaker's utterance embeddings).
    """
    E = np.atleast_2d(np.asarray(embeddings, dtype=np.float64))
    if E.shape[0] == 0:
        raise ParamError("no enrolment embeddings; enrol at least one clip")
    return l2_normalize(l2_normalize(E).mean(axis=0))


def s_norm(
    scores: np.ndarray,
    enroll_cohort: np.ndarray,
    test_cohort: np.ndarray,
    *,
    top_k: int | None = None,
) -> np.ndarray:
    """Symmetric score normalization (S-norm) of an (m, n) score matrix against a cohort.

    ``enroll_cohort`` (m, c): each enrolment side's scores against c cohort (impostor) embeddings;
    ``test_cohort`` (n, c): the same for each test side. Each raw score is z-normalised with the
    impostor statistics of both sides and the two are averaged, which puts every speaker's scores
    on a common scale so one threshold fits all. ``top_k`` uses only the k highest cohort scores
    of each side (adaptive S-norm, AS-norm).
    Formula: s' = ½[(s − μ_e)/σ_e + (s − μ_t)/σ_t], μ·, σ· = mean, std of that side's cohort scores.
    Reference: Kenny (2010), "Bayesian speaker verification with heavy-tailed priors", Odyssey;
    Matějka et al. (2017), "Analysis of score normalization in multilingual speaker recognition",
    Interspeech (AS-norm).
    """
    S = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    Ce = np.atleast_2d(np.asarray(enroll_cohort, dtype=np.float64))
    Ct = np.atleast_2d(np.asarray(test_cohort, dtype=np.float64))
    if Ce.shape[0] != S.shape[0] or Ct.shape[0] != S.shape[1]:
        raise ParamError(
            f"cohort scores {Ce.shape} and {Ct.shape} do not match a {S.shape} score matrix; "
            "give one row of cohort scores per enrolment side and per test side"
        )
    if min(Ce.shape[1], Ct.shape[1]) < 2:
        raise ParamError("S-norm needs at least 2 cohort speakers to estimate a mean and a spread")

    def stats(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if top_k is not None:
            k = int(top_k)
            if not 2 <= k <= C.shape[1]:
                raise ParamError(f"top_k={top_k} must be between 2 and the cohort size {C.shape[1]}")
            C = -np.sort(-C, axis=1)[:, :k]
        return C.mean(axis=1), np.maximum(C.std(axis=1), 1e-6)

    mu_e, sd_e = stats(Ce)
    mu_t, sd_t = stats(Ct)
    return 0.5 * ((S - mu_e[:, None]) / sd_e[:, None] + (S - mu_t[None, :]) / sd_t[None, :])


@dataclass(frozen=True)
class Verification:
    """Outcome of one 1:1 verification."""

    score: float  # cosine between the enrolled speaker model and the test embedding, in [−1, 1]
    threshold: float  # accept when score ≥ threshold
    accept: bool
    n_enroll: int  # clips in the enrolment


def verify(enroll_embeddings: np.ndarray, test_embedding: np.ndarray, *, threshold: float) -> Verification:
    """Verification (1:1): score the test embedding against the enrolled speaker model, accept at ≥ threshold."""
    if not np.isfinite(threshold):
        raise ParamError(f"threshold={threshold} must be a finite number (a cosine, between -1 and 1)")
    E = np.atleast_2d(enroll_embeddings)
    score = cosine_score(enroll(E), test_embedding)
    return Verification(score=score, threshold=float(threshold), accept=bool(score >= threshold), n_enroll=E.shape[0])


@dataclass(frozen=True)
class Identification:
    """Outcome of one 1:N identification."""

    ranking: tuple[tuple[str, float], ...]  # (speaker, cosine score), best first
    best: str | None  # the top speaker, or None when its score is under the threshold (open set)
    threshold: float | None


def identify(roster: dict[str, np.ndarray], test_embedding: np.ndarray, *, threshold: float | None = None) -> Identification:
    """Identification (1:N): rank enrolled speaker models by cosine score against the test embedding.

    Closed set (``threshold`` None): the best-scoring speaker is the answer. Open set: answer
    "unknown" (``best`` None) when even the best score is under ``threshold`` — the speaker may
    not be enrolled at all.
    """
    if not roster:
        raise ParamError("no speakers enrolled yet; enrol at least one speaker first")
    names = list(roster)
    models = np.stack([np.asarray(roster[n], dtype=np.float64) for n in names])
    scores = cosine_scores(models, test_embedding)[:, 0]
    order = np.argsort(-scores, kind="stable")
    ranking = tuple((names[i], float(scores[i])) for i in order)
    best = ranking[0][0] if threshold is None or ranking[0][1] >= threshold else None
    return Identification(ranking=ranking, best=best, threshold=None if threshold is None else float(threshold))


# ------------------------------------------------------------------------------------------ trials


def as_file_list(files: Any) -> list[Any]:
    """Normalise a file input to a list: None → [], one path/dict/tuple → [it], a list → itself."""
    if files is None:
        return []
    if isinstance(files, (str, Path, dict)) or (isinstance(files, tuple) and len(files) == 2 and not isinstance(files[0], (str, dict))):
        return [files]
    return list(files)


def file_name(source: Any) -> str:
    """A short display name for a file input (its base name), or "audio" for arrays."""
    if isinstance(source, dict):
        source = source.get("orig_name") or source.get("path") or "audio"
    if isinstance(source, (str, Path)):
        return Path(source).name
    return getattr(source, "name", None) or "audio"


def load_trial_files(files: Any, speaker_labels: Any) -> tuple[list[np.ndarray], list[str], list[str]]:
    """Validate and decode an evaluation set: (clips at 16 kHz, labels, file names).

    Checks, before decoding anything: 2..MAX_TRIAL_FILES files, one label per file, ≥ 2 speakers
    and ≥ 1 same-speaker pair; then each clip (≤ MAX_CLIP_S, with speech) and the total duration.
    """
    items = as_file_list(files)
    if len(items) < 3:
        raise ParamError(
            f"got {len(items)} file(s); an evaluation needs at least 3 (two clips of one speaker and one of another)"
        )
    if len(items) > MAX_TRIAL_FILES:
        raise ParamError(f"got {len(items)} files; evaluate at most {MAX_TRIAL_FILES} at a time")
    names = [file_name(f) for f in items]
    labels = parse_labels(speaker_labels, names)
    check_trial_labels(labels)
    clips, total = [], 0.0
    for k, (f, name) in enumerate(zip(items, names), start=1):
        y = load_clip(f, what=f"file {k} ('{name}')")
        total += len(y) / SR
        if total > MAX_TRIAL_TOTAL_S:
            raise ParamError(
                f"the files add up to more than {MAX_TRIAL_TOTAL_S / 60:.0f} minutes of audio; use fewer or shorter clips"
            )
        clips.append(y)
    return clips, labels, names


def parse_labels(text: str | Sequence[str] | None, files: Sequence[str]) -> list[str]:
    """One speaker label per file: from a comma/newline-separated string or list, or from the file names.

    Empty ``text``: each file's label is its name up to the first "_" ("ava_2.flac" → "ava").
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        labels = [Path(str(f)).name.split("_")[0].split(".")[0] for f in files]
    elif isinstance(text, str):
        labels = [t.strip() for t in text.replace("\n", ",").split(",") if t.strip()]
    else:
        labels = [str(t).strip() for t in text]
    if len(labels) != len(files):
        raise ParamError(
            f"got {len(files)} files but {len(labels)} speaker labels; give exactly one label per file, "
            "in file order, separated by commas (or leave the labels empty to use each file name up to its first '_')"
        )
    if any(not lab for lab in labels):
        raise ParamError("a speaker label is empty; give every file a speaker name")
    return labels


def check_trial_labels(labels: Sequence[str]) -> None:
    """An evaluation needs ≥ 2 speakers (non-target trials) and one speaker with ≥ 2 clips (target trials)."""
    counts: dict[str, int] = {}
    for lab in labels:
        counts[lab] = counts.get(lab, 0) + 1
    if len(counts) < 2:
        raise ParamError(
            f"all {len(labels)} files have the speaker label {next(iter(counts), '?')!r}; an evaluation needs "
            "at least 2 different speakers to form non-target trials"
        )
    if max(counts.values()) < 2:
        raise ParamError(
            "every speaker has only one file, so there is no target (same-speaker) trial; "
            "give at least one speaker two or more clips"
        )


def all_pairs(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every unordered pair of files as a trial: (i, j, is_target), i < j, each (n(n−1)/2,)."""
    n = len(labels)
    i, j = np.triu_indices(n, k=1)
    lab = np.asarray(labels, dtype=object)
    return i, j, (lab[i] == lab[j]).astype(bool)


def trial_scores(embeddings: np.ndarray, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Cosine scores and target flags of all pairs of ``embeddings`` (n, d): (scores, is_target)."""
    i, j, target = all_pairs(labels)
    S = cosine_scores(embeddings, embeddings)
    return S[i, j], target


def snorm_trial_scores(embeddings: np.ndarray, labels: Sequence[str], *, top_k: int | None = None) -> np.ndarray | None:
    """S-normalised scores of all pairs, each with a cohort that excludes both trial speakers.

    The cohort of trial (i, j) is every other file whose speaker is neither i's nor j's — so no
    score is normalised with the statistics of its own speakers. Returns None when some trial
    would have fewer than 2 cohort files (fewer than 3 speakers, or one dominant speaker).
    """
    lab = np.asarray(labels, dtype=object)
    S = cosine_scores(embeddings, embeddings)
    i, j, _ = all_pairs(labels)
    out = np.empty(len(i))
    for t, (a, b) in enumerate(zip(i, j)):
        cohort = np.flatnonzero((lab != lab[a]) & (lab != lab[b]))
        if cohort.size < 2:
            return None
        k = None if top_k is None else min(int(top_k), cohort.size)
        out[t] = s_norm(S[a, b], S[a, cohort][None], S[b, cohort][None], top_k=k)[0, 0]
    return out


def degraded_trial_scores(clean: np.ndarray, degraded: np.ndarray, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Trials where the enrolment side is clean and the test side degraded: all ordered pairs i ≠ j.

    ``clean``, ``degraded``: (n, d) embeddings of the same n files. Returns (scores, is_target),
    each (n(n−1),).
    """
    lab = np.asarray(labels, dtype=object)
    S = cosine_scores(clean, degraded)
    i, j = np.nonzero(~np.eye(len(lab), dtype=bool))
    return S[i, j], (lab[i] == lab[j]).astype(bool)


# ------------------------------------------------------------------------------------ degradations


def degrade(
    y: np.ndarray,
    sr: int = SR,
    *,
    condition: str,
    duration_s: float = 2.0,
    snr_db: float = 10.0,
    seed: int = 0,
) -> np.ndarray:
    """The test-side conditions that hurt speaker recognition, applied to a 16 kHz clip.

    - ``clean``: unchanged;
    - ``short``: the central ``duration_s`` of the speech (from first to last active frame);
    - ``noise``: pink noise added at ``snr_db`` relative to the power of the active speech frames;
    - ``telephone``: 300–3400 Hz band-pass (4th-order Butterworth, zero phase), 8 kHz sampling and
      8-bit µ-law (G.711), back to 16 kHz for the models — a channel mismatch.
    Formula (noise): n ← n · √(P_speech / (P_noise · 10^(SNR/10))).
    Reference: Hansen & Hasan (2015), "Speaker recognition by machines and humans", IEEE Signal
    Process. Mag. 32(6) — duration, noise and channel as the main mismatch factors.
    """
    from scipy import signal as sps

    from core.audio import resample
    from core.signals import pink_noise

    y = np.asarray(y, dtype=np.float32)
    if condition == "clean":
        return y.copy()
    if condition == "short":
        if not 0.2 <= float(duration_s) <= MAX_CLIP_S:
            raise ParamError(f"duration_s={duration_s} is out of range; choose 0.2–{MAX_CLIP_S:.0f} s")
        mask = speech_mask(y, sr)
        H = round(HOP_S * sr)
        active = np.flatnonzero(mask)
        lo, hi = (active[0] * H, min(len(y), (active[-1] + 1) * H + int(FRAME_S * sr))) if active.size else (0, len(y))
        n = round(float(duration_s) * sr)
        mid = (lo + hi) // 2
        start = int(np.clip(mid - n // 2, 0, max(0, len(y) - n)))
        return y[start : start + n].copy()
    if condition == "noise":
        if not -20.0 <= float(snr_db) <= 60.0:
            raise ParamError(f"snr_db={snr_db} is out of range; choose -20 to 60 dB")
        mask = speech_mask(y, sr)
        H = round(HOP_S * sr)
        keep = np.repeat(mask, H)[: len(y)]
        p_speech = float(np.mean(y[: keep.size][keep] ** 2)) if keep.any() else float(np.mean(y**2))
        noise = pink_noise(duration_s=len(y) / sr, sr=sr, seed=seed, amplitude=1.0)[: len(y)].astype(np.float64)
        noise *= np.sqrt(p_speech / (np.mean(noise**2) * 10.0 ** (float(snr_db) / 10.0)))
        return (y + noise).astype(np.float32)
    if condition == "telephone":
        sos = sps.butter(4, TELEPHONE_BAND_HZ, btype="bandpass", fs=sr, output="sos")
        band = sps.sosfiltfilt(sos, y).astype(np.float32)
        narrow = resample(band, orig_sr=sr, target_sr=TELEPHONE_SR)
        mu = float(MU_LAW_MU)
        x = np.clip(narrow, -1.0, 1.0)
        code = np.round((np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu) + 1.0) * 127.5)  # 8-bit codes 0..255
        xq = code / 127.5 - 1.0
        decoded = np.sign(xq) * np.expm1(np.abs(xq) * np.log1p(mu)) / mu
        return resample(decoded.astype(np.float32), orig_sr=TELEPHONE_SR, target_sr=sr)
    raise ParamError(f"condition {condition!r} is not one of: {', '.join(CONDITIONS)}")


def degraded_trials(
    encoder: SpeakerEncoder,
    clips: Sequence[np.ndarray],
    labels: Sequence[str],
    *,
    condition: str,
    value: float,
    clean: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Clean-enrolment / degraded-test trials of a labelled set: (scores, is_target, degraded clips).

    ``value`` is the test duration in s for "short" and the SNR in dB for "noise" (ignored for
    "telephone"); ``clean`` the clips' clean embeddings when already computed. Each clip gets its
    own noise seed, so a rerun gives the same numbers.
    """
    if clean is None:
        clean = encoder.embed_many(clips)
    ys = [degrade(y, condition=condition, duration_s=value, snr_db=value, seed=k) for k, y in enumerate(clips)]
    scores, targets = degraded_trial_scores(clean, encoder.embed_many(ys), labels)
    return scores, targets, ys


def evaluate_encoder(encoder: SpeakerEncoder, clips: Sequence[np.ndarray], labels: Sequence[str], *, p_target: float = 0.01) -> dict[str, Any]:
    """Embed a labelled set and score all pairs: the ``core.metrics.verification_report`` keys plus
    scores, targets (the trial list), eer_snorm (None with < 3 speakers), ms_per_clip, engine."""
    import time

    from core import metrics

    t0 = time.perf_counter()
    E = encoder.embed_many(clips)
    ms = (time.perf_counter() - t0) * 1e3 / max(len(clips), 1)
    scores, targets = trial_scores(E, labels)
    out: dict[str, Any] = metrics.verification_report(scores, targets, p_target=p_target)
    sn = snorm_trial_scores(E, labels)
    out.update(scores=scores, targets=targets, eer_snorm=None if sn is None else metrics.eer(sn, targets)[0],
               ms_per_clip=ms, engine=encoder.name)
    return out


# ----------------------------------------------------------------------------------------- engines


class SpeakerEncoder(abc.ABC):
    """A loaded speaker-embedding engine: ``embed`` one clip, ``embed_windows`` many short windows.

    Both take 16 kHz float32 mono audio and return L2-normalised float32 embeddings.
    """

    name: str = ""
    dim: int = 0

    @abc.abstractmethod
    def _embed(self, y: np.ndarray) -> np.ndarray:
        """One clip's raw (not yet normalised) embedding, (dim,)."""

    def _embed_windows(self, windows: list[np.ndarray]) -> np.ndarray:
        return np.stack([self._embed(w) for w in windows])

    def embed(self, y: np.ndarray) -> np.ndarray:
        """Embedding of a whole clip (the engine's own preprocessing included): (dim,) float32, unit length."""
        return l2_normalize(self._embed(np.asarray(y, dtype=np.float32))).astype(np.float32)

    def embed_many(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """``embed`` every clip: (n, dim)."""
        return np.stack([self.embed(y) for y in clips]) if len(clips) else np.zeros((0, self.dim), np.float32)

    def embed_windows(self, windows: Sequence[np.ndarray]) -> np.ndarray:
        """Embeddings of short speech windows (diarization; no silence trimming): (n, dim), unit length."""
        if not len(windows):
            return np.zeros((0, self.dim), np.float32)
        return l2_normalize(self._embed_windows([np.asarray(w, dtype=np.float32) for w in windows])).astype(np.float32)


class EcapaEncoder(SpeakerEncoder):
    """SpeechBrain ECAPA-TDNN: 80 Fbank → SE-Res2Net TDNN → attentive statistics pooling → 192-d.

    Reference: Desplanques et al. (2020), "ECAPA-TDNN: Emphasized channel attention, propagation
    and aggregation in TDNN based speaker verification", Interspeech.
    """

    name = "ecapa"
    BATCH = 16

    def __init__(self, model: Any) -> None:
        self.model = model
        self.dim = int(self._embed(np.zeros(SR // 2, np.float32) + 1e-3).shape[-1])

    def _embed(self, y: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            e = self.model.encode_batch(torch.from_numpy(np.ascontiguousarray(y))[None])  # (1, 1, d)
        return e.reshape(-1).numpy()

    def _embed_windows(self, windows: list[np.ndarray]) -> np.ndarray:
        import torch

        out = []
        for b in range(0, len(windows), self.BATCH):
            chunk = windows[b : b + self.BATCH]
            n = max(len(w) for w in chunk)
            wavs = torch.zeros(len(chunk), n)  # (batch, time), zero-padded
            for k, w in enumerate(chunk):
                wavs[k, : len(w)] = torch.from_numpy(w)
            lens = torch.tensor([len(w) / n for w in chunk])  # relative lengths, as SpeechBrain expects
            with torch.inference_mode():
                out.append(self.model.encode_batch(wavs, lens).reshape(len(chunk), -1).numpy())  # (batch, d)
        return np.concatenate(out)


class WavLMEncoder(SpeakerEncoder):
    """WavLM-Base+ (self-supervised transformer) + x-vector TDNN head fine-tuned on VoxCeleb1: 512-d.

    Reference: Chen et al. (2022), "WavLM: Large-scale self-supervised pre-training for full stack
    speech processing", IEEE JSTSP 16(6).
    """

    name = "wavlm-sv"
    BATCH = 8

    def __init__(self, model: Any, feature_extractor: Any) -> None:
        self.model = model
        self.feature_extractor = feature_extractor
        self.dim = int(model.config.xvector_output_dim)

    def _run(self, clips: list[np.ndarray]) -> np.ndarray:
        import torch

        inputs = self.feature_extractor(clips, sampling_rate=SR, padding=True, return_tensors="pt")
        with torch.inference_mode():
            return self.model(**inputs).embeddings.numpy()  # (batch, xvector_output_dim)

    def _embed(self, y: np.ndarray) -> np.ndarray:
        return self._run([y])[0]

    def _embed_windows(self, windows: list[np.ndarray]) -> np.ndarray:
        return np.concatenate([self._run(windows[b : b + self.BATCH]) for b in range(0, len(windows), self.BATCH)])


class ResemblyzerEncoder(SpeakerEncoder):
    """Resemblyzer's GE2E encoder: 40 mel bands → 3-layer LSTM (256) → 256-d, averaged over 1.6 s partials.

    Whole clips get the package's own preprocessing (volume normalised to -30 dBFS, long silences
    cut with WebRTC VAD); windows only the volume normalisation.
    Reference: Wan et al. (2018), "Generalized end-to-end loss for speaker verification", ICASSP.
    """

    name = "resemblyzer"
    dim = 256

    def __init__(self, encoder: Any) -> None:
        self.encoder = encoder

    def _embed(self, y: np.ndarray) -> np.ndarray:
        from resemblyzer import audio as ra

        wav = ra.normalize_volume(y, ra.audio_norm_target_dBFS, increase_only=True)
        trimmed = ra.trim_long_silences(wav)
        if len(trimmed) >= MIN_SPEECH_S * SR:  # WebRTC VAD can drop nearly everything on odd audio
            wav = trimmed
        with torch_threads(1):
            return self.encoder.embed_utterance(wav.astype(np.float32))

    def _embed_windows(self, windows: list[np.ndarray]) -> np.ndarray:
        from resemblyzer import audio as ra

        with torch_threads(1):
            return np.stack([
                self.encoder.embed_utterance(ra.normalize_volume(w, ra.audio_norm_target_dBFS, increase_only=True).astype(np.float32))
                for w in windows
            ])


class MfccStatsEncoder(SpeakerEncoder):
    """The from-scratch baseline: mean and std of MFCC c1..c19 over the active frames, standardised.

    c0 (log energy) is dropped so loudness does not count as identity. The 38 statistics are
    z-scored with a background set's mean and spread — without that, every voice's average
    spectrum looks alike to a cosine (the shared "speech" direction dominates).
    Formula: e = (stats(MFCC(trim(y)))[c1..c19] − μ_bg) / σ_bg.
    Reference: Reynolds (1995), "Speaker identification and verification using Gaussian mixture
    speaker models", Speech Commun. 17 — MFCC statistics as the classic speaker features.
    """

    name = "mfcc-stats"
    N_MFCC = 20

    def __init__(self, mean: np.ndarray | None = None, scale: np.ndarray | None = None) -> None:
        self.mean = mean
        self.scale = scale
        self.dim = 2 * (self.N_MFCC - 1)

    def raw(self, y: np.ndarray) -> np.ndarray:
        from core.classify import mfcc_statistics

        stats = mfcc_statistics(trim_to_speech(y), SR, n_mfcc=self.N_MFCC, moments=("mean", "std"))
        return np.delete(stats, [0, self.N_MFCC]).astype(np.float64)  # drop mean(c0), std(c0)

    def _embed(self, y: np.ndarray) -> np.ndarray:
        x = self.raw(y)
        if self.mean is not None and self.scale is not None:
            x = (x - self.mean) / self.scale
        return x


# ---- loaders (imports inside: registering an engine never imports torch or a model) -----------


def _load_ecapa() -> SpeakerEncoder:
    from speechbrain.inference.speaker import EncoderClassifier

    source = model_source(ECAPA_ID)
    # savedir=None: read the files where they are (hub cache or local folder); pretrained_path is
    # the yaml's own variable for the checkpoint location, pointed at the same source
    model = EncoderClassifier.from_hparams(
        source=source, overrides={"pretrained_path": source}, savedir=None, run_opts={"device": "cpu"}
    )
    model.eval()
    return EcapaEncoder(model)


def _load_wavlm() -> SpeakerEncoder:
    from transformers import AutoFeatureExtractor, WavLMForXVector

    source = model_source(WAVLM_ID)
    feature_extractor = AutoFeatureExtractor.from_pretrained(source)
    model = WavLMForXVector.from_pretrained(source).eval()
    return WavLMEncoder(model, feature_extractor)


def _load_resemblyzer() -> SpeakerEncoder:
    with warnings.catch_warnings():  # resemblyzer 0.1.4 imports scipy.ndimage.morphology (deprecated alias)
        warnings.simplefilter("ignore", DeprecationWarning)
        from resemblyzer import VoiceEncoder
    # the wheel's own loader: torch.load of its bundled pretrained.pt
    encoder = ResemblyzerEncoder(VoiceEncoder(device="cpu", verbose=False))
    rng = np.random.default_rng(0)
    encoder.embed(0.1 * rng.standard_normal(2 * SR).astype(np.float32))  # warm-up: the first LSTM call is slow
    return encoder


@functools.lru_cache(maxsize=1)
def background_clips() -> tuple[np.ndarray, ...]:
    """The built-in eSpeak speaker clips (assets/speakers, all roles but the conversation), 16 kHz."""
    from core.audio import load_audio

    rows = manifest()
    return tuple(load_audio(ASSETS / r["file"], sr=SR).y for r in rows if r["role"] in ("enroll", "test", "impostor"))


def _load_mfcc() -> SpeakerEncoder:
    from core.classify import standardize

    encoder = MfccStatsEncoder()
    clips = background_clips()
    if len(clips) < 4:
        raise FileNotFoundError(f"the background clips are missing from {ASSETS}; run python -m scripts.make_speaker_trials")
    _, mean, scale = standardize(np.stack([encoder.raw(y) for y in clips]))
    return MfccStatsEncoder(mean, scale)


def manifest() -> list[dict[str, str]]:
    """Rows of assets/speakers/MANIFEST.csv (file, speaker, voice, pitch, rate_wpm, role, text, made_by)."""
    path = ASSETS / "MANIFEST.csv"
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return [r for r in csv.DictReader(f) if (ASSETS / r["file"]).exists()]


REGISTRY.register(
    Engine(
        capability=CAPABILITY,
        name="ecapa",
        kind="hub",
        description="SpeechBrain ECAPA-TDNN trained on VoxCeleb (192-d), the production standard",
        load=_load_ecapa,
        probe=hub_probe(ECAPA_ID, packages=("speechbrain", "torch")),
        model_id=ECAPA_ID,
    )
)
REGISTRY.register(
    Engine(
        capability=CAPABILITY,
        name="wavlm-sv",
        kind="hub",
        description="WavLM-Base+ with an x-vector head fine-tuned on VoxCeleb1 (512-d)",
        load=_load_wavlm,
        probe=hub_probe(WAVLM_ID, packages=("transformers", "torch")),
        model_id=WAVLM_ID,
    )
)
REGISTRY.register(
    Engine(
        capability=CAPABILITY,
        name="resemblyzer",
        kind="embedded",
        description="Resemblyzer GE2E LSTM encoder (256-d), weights inside the wheel",
        load=_load_resemblyzer,
        probe=lambda: next(
            (f"the Python package {p!r} is not installed" for p in ("resemblyzer", "webrtcvad", "torch") if not module_available(p)),
            None,
        ),
    )
)
REGISTRY.register(
    Engine(
        capability=CAPABILITY,
        name="mfcc-stats",
        kind="scratch",
        description="from scratch: MFCC mean + std (c1..c19), standardised on the built-in eSpeak clips (38-d)",
        load=_load_mfcc,
    )
)

ENGINE_NAMES = REGISTRY.names(CAPABILITY)  # ("ecapa", "wavlm-sv", "resemblyzer", "mfcc-stats")


def resolve(engine: str | None = None):
    """The loaded engine for ``engine`` (falling back in preference order): a ``core.engines.Resolved``."""
    return REGISTRY.resolve(CAPABILITY, engine)


def default_threshold(engine: str) -> float:
    """A reasonable starting cosine threshold for ``engine`` (see DEFAULT_THRESHOLDS)."""
    return DEFAULT_THRESHOLDS.get(engine, 0.5)


# ------------------------------------------------------- local model folders (offline tests, benchmarks)
# The hub engines' code path is exercised without a network by pointing their model id at a folder
# with the same layout as the hub repository (core.engines.use_local_model). These writers build such
# folders with *random* weights: they prove loading, preprocessing, inference and postprocessing, and
# give honest timings for the architecture — never meaningful scores.

ECAPA_SIZES = {  # (n_mels, channels, attention_channels, lin_neurons)
    "tiny": (24, [16, 16, 16, 16, 48], 8, 12),
    "full": (80, [1024, 1024, 1024, 1024, 3072], 128, 192),  # speechbrain/spkrec-ecapa-voxceleb
}

_ECAPA_YAML = """\
# Same structure as speechbrain/spkrec-ecapa-voxceleb's hyperparams.yaml; sizes: {size}, random weights.
pretrained_path: {model_id}
n_mels: {n_mels}
out_n_neurons: 4
compute_features: !new:speechbrain.lobes.features.Fbank
    n_mels: !ref <n_mels>
mean_var_norm: !new:speechbrain.processing.features.InputNormalization
    norm_type: sentence
    std_norm: False
embedding_model: !new:speechbrain.lobes.models.ECAPA_TDNN.ECAPA_TDNN
    input_size: !ref <n_mels>
    channels: {channels}
    kernel_sizes: [5, 3, 3, 3, 1]
    dilations: [1, 2, 3, 4, 1]
    attention_channels: {attention}
    lin_neurons: {lin}
classifier: !new:speechbrain.lobes.models.ECAPA_TDNN.Classifier
    input_size: {lin}
    out_neurons: !ref <out_n_neurons>
mean_var_norm_emb: !new:speechbrain.processing.features.InputNormalization
    norm_type: global
    std_norm: False
modules:
    compute_features: !ref <compute_features>
    mean_var_norm: !ref <mean_var_norm>
    embedding_model: !ref <embedding_model>
    mean_var_norm_emb: !ref <mean_var_norm_emb>
    classifier: !ref <classifier>
label_encoder: !new:speechbrain.dataio.encoder.CategoricalEncoder
pretrainer: !new:speechbrain.utils.parameter_transfer.Pretrainer
    loadables:
        embedding_model: !ref <embedding_model>
        mean_var_norm_emb: !ref <mean_var_norm_emb>
        classifier: !ref <classifier>
        label_encoder: !ref <label_encoder>
    paths:
        embedding_model: !ref <pretrained_path>/embedding_model.ckpt
        mean_var_norm_emb: !ref <pretrained_path>/mean_var_norm_emb.ckpt
        classifier: !ref <pretrained_path>/classifier.ckpt
        label_encoder: !ref <pretrained_path>/label_encoder.txt
"""


def write_random_ecapa(folder: str | Path, *, size: str = "tiny", seed: int = 0) -> dict[str, Any]:
    """Write a random-weight ECAPA-TDNN in the spkrec-ecapa-voxceleb layout (hyperparams.yaml + checkpoints).

    Returns the embedding model's state dict as saved, so a test can check the loader used it.
    """
    import torch
    from hyperpyyaml import load_hyperpyyaml

    n_mels, channels, attention, lin = ECAPA_SIZES[size]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = _ECAPA_YAML.format(size=size, model_id=ECAPA_ID, n_mels=n_mels, channels=channels, attention=attention, lin=lin)
    (folder / "hyperparams.yaml").write_text(text)
    torch.manual_seed(seed)
    hp = load_hyperpyyaml(text)
    state = {k: v.clone() for k, v in hp["embedding_model"].state_dict().items()}
    torch.save(hp["embedding_model"].state_dict(), folder / "embedding_model.ckpt")
    torch.save(hp["classifier"].state_dict(), folder / "classifier.ckpt")
    norm = hp["mean_var_norm_emb"]
    norm(torch.randn(4, 1, lin), torch.ones(4))  # accumulate global statistics so there is something to save
    norm._save(folder / "mean_var_norm_emb.ckpt")
    hp["label_encoder"].update_from_iterable(["spk0", "spk1", "spk2", "spk3"])
    hp["label_encoder"].save(folder / "label_encoder.txt")
    return state


def random_wavlm_config(size: str = "tiny") -> Any:
    """A WavLMConfig for WavLMForXVector: "tiny" (2 layers of 32, 12-d x-vector) or "full" (Base+ sizes, 512-d)."""
    from transformers import WavLMConfig

    if size == "full":
        return WavLMConfig()  # the defaults are WavLM-Base(+) sizes, with the x-vector head of wavlm-base-plus-sv
    return WavLMConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
        conv_dim=(32, 32, 32), conv_stride=(5, 4, 4), conv_kernel=(10, 4, 4), num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2, tdnn_dim=(16, 16, 24), tdnn_kernel=(5, 3, 1), tdnn_dilation=(1, 2, 1),
        xvector_output_dim=12, num_buckets=16, max_bucket_distance=40,
    )


def write_random_wavlm(folder: str | Path, *, size: str = "tiny", seed: int = 0) -> Any:
    """Write a random-weight WavLMForXVector + its feature extractor with save_pretrained; returns the model."""
    import torch
    from transformers import Wav2Vec2FeatureExtractor, WavLMForXVector

    torch.manual_seed(seed)
    model = WavLMForXVector(random_wavlm_config(size)).eval()
    model.save_pretrained(folder)
    Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=SR, padding_value=0.0, do_normalize=True,
                             return_attention_mask=True).save_pretrained(folder)
    return model
