"""Three feature mistakes that give arrays of the right shape and the wrong meaning (lesson 02).

Each function computes the correct features and the mistaken ones side by side and the numbers
that expose the difference; the demo only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core import features
from core.audio import resample
from core.errors import ParamError

MODEL_SR = 16_000  # the rate the imagined model was trained at (Whisper's)
MISMATCH_SR = 44_100  # a common recording rate fed to it without resampling
MAX_PITFALL_S = 30.0  # analyse at most the first 30 s: the lesson is visible in seconds


@dataclass(frozen=True)
class Panel:
    data: np.ndarray  # (rows, frames) to draw as an image
    title: str
    ylabel: str
    units: str
    duration_s: float  # the time the frames span, as the front end believes it


@dataclass(frozen=True)
class PitfallReport:
    panels: tuple[Panel, ...]
    explanation: str  # Markdown
    numbers: dict = field(default_factory=dict)


def _centroid_hz(log_mel_db: np.ndarray, cfg: features.MelConfig) -> float:
    """Energy-weighted mean band frequency of a dB log-mel, in Hz."""
    centres = features.mel_frequencies(cfg.n_mels + 2, fmin=cfg.fmin, fmax=cfg.fmax or cfg.sr / 2, htk=cfg.htk)[1:-1]
    w = 10.0 ** (log_mel_db.mean(axis=1) / 10.0)
    return float(np.sum(w * centres) / np.sum(w))


def sample_rate_mismatch(y: np.ndarray, sr: int) -> PitfallReport:
    """Features of audio at ``MISMATCH_SR`` computed as if it were ``MODEL_SR`` (no resampling).

    The front end maps sample index n to time n / 16000 and bin k to k · 16000 / n_fft, so every
    frequency is read ``MISMATCH_SR / MODEL_SR`` = 2.76× too low and the clip lasts 2.76× longer.
    """
    cfg = features.WHISPER
    right = resample(y, orig_sr=sr, target_sr=MODEL_SR)
    wrong = resample(y, orig_sr=sr, target_sr=MISMATCH_SR)  # samples as a 44.1 kHz recorder stores them
    lm_right = features.log_mel(right, cfg)
    lm_wrong = features.log_mel(wrong, cfg)  # cfg.sr says 16 kHz: the mistake
    factor = MISMATCH_SR / MODEL_SR
    c_right, c_wrong = _centroid_hz(lm_right, cfg), _centroid_hz(lm_wrong, cfg)
    numbers = {
        "true_sr": MISMATCH_SR,
        "assumed_sr": MODEL_SR,
        "frequency_factor": 1 / factor,
        "duration_right_s": len(right) / MODEL_SR,
        "duration_wrong_s": len(wrong) / MODEL_SR,
        "centroid_right_hz": c_right,
        "centroid_wrong_hz": c_wrong,
        "shape_right": list(lm_right.shape),
        "shape_wrong": list(lm_wrong.shape),
    }
    text = (
        f"A {MISMATCH_SR} Hz recording fed to a 16 kHz front end without resampling: the model "
        f"hears everything {factor:.2f}× lower and {factor:.2f}× slower. The spectral centroid moves "
        f"from **{c_right:.0f} Hz** to **{c_wrong:.0f} Hz** and {len(right) / MODEL_SR:.2f} s becomes "
        f"{len(wrong) / MODEL_SR:.2f} s — same mel count, no error raised. Fix: resample to the model's rate."
    )
    panels = (
        Panel(lm_right, "Right: resampled to 16 kHz", "mel band", "dB", len(right) / MODEL_SR),
        Panel(lm_wrong, f"Wrong: {MISMATCH_SR} Hz samples read as 16 kHz", "mel band", "dB", len(wrong) / MODEL_SR),
    )
    return PitfallReport(panels, text, numbers)


def mel_count_mismatch(y: np.ndarray, sr: int, *, expected: int = 80, produced: int = 128) -> PitfallReport:
    """A model expecting ``expected`` mel bands given the first ``expected`` of ``produced`` bands.

    A careless ``[:80]`` slice of a 128-band front end (Whisper large-v3's) keeps the bands below
    the 81st centre frequency, so the top of the spectrum is cut off and every band is narrower.
    """
    y16 = resample(y, orig_sr=sr, target_sr=MODEL_SR)
    cfg_e = features.MelConfig(n_mels=expected)
    cfg_p = features.MelConfig(n_mels=produced)
    lm_e = features.log_mel(y16, cfg_e)
    lm_p = features.log_mel(y16, cfg_p)
    sliced = lm_p[:expected]
    edges_p = features.mel_frequencies(produced + 2, fmin=0.0, fmax=MODEL_SR / 2)
    top_hz = float(edges_p[expected + 1])
    numbers = {
        "expected_n_mels": expected,
        "produced_n_mels": produced,
        "sliced_top_hz": top_hz,
        "expected_top_hz": MODEL_SR / 2,
        "mean_abs_diff_db": float(np.mean(np.abs(sliced - lm_e))),
    }
    text = (
        f"A model trained on {expected} mel bands fed the first {expected} of {produced}: the shapes match, "
        f"but band {expected} now ends at **{top_hz:.0f} Hz** instead of {MODEL_SR // 2} Hz, so everything "
        f"above is gone and every band means a different frequency (mean difference "
        f"{numbers['mean_abs_diff_db']:.1f} dB). Fix: build the filterbank the model was trained with."
    )
    dur = len(y16) / MODEL_SR
    panels = (
        Panel(lm_e, f"Right: {expected} bands, 0–8000 Hz", "mel band", "dB", dur),
        Panel(lm_p, f"Produced: {produced} bands", "mel band", "dB", dur),
        Panel(sliced, f"Wrong: first {expected} of {produced} (0–{top_hz:.0f} Hz)", "mel band", "dB", dur),
    )
    return PitfallReport(panels, text, numbers)


def db_vs_log(y: np.ndarray, sr: int) -> PitfallReport:
    """The same mel power under three log conventions: dB, Whisper's scaled log10, and ln.

    10·log10(S) = 10·log10(S), log10 → (L + 4)/4, ln(S) = ln(10)·log10(S): a factor and an offset
    apart, so a network normalised for one sees values far outside its training range.
    """
    y16 = resample(y, orig_sr=sr, target_sr=MODEL_SR)
    cfg = features.WHISPER
    M = features.melspectrogram(y16, **cfg.kwargs())
    scales = {"db": "dB", "whisper": "Whisper scaled log10", "ln": "ln"}
    out = {s: features.scale_log_mel(M, s) for s in scales}
    numbers = {
        s: {"min": float(v.min()), "max": float(v.max()), "mean": float(v.mean())} for s, v in out.items()
    }
    text = (
        "One mel spectrogram, three logs. dB spans "
        f"**{numbers['db']['min']:.0f} … {numbers['db']['max']:.0f}**, Whisper's scaled log10 "
        f"**{numbers['whisper']['min']:.2f} … {numbers['whisper']['max']:.2f}**, natural log "
        f"**{numbers['ln']['min']:.1f} … {numbers['ln']['max']:.1f}**. The pictures look alike; the numbers "
        "a network sees differ by a factor of up to 40 and an offset. Fix: use the exact log, floor and "
        "scaling the model was trained with."
    )
    dur = len(y16) / MODEL_SR
    panels = tuple(Panel(out[s], label, "mel band", label, dur) for s, label in scales.items())
    return PitfallReport(panels, text, numbers)


PITFALLS = {
    "sample-rate mismatch": sample_rate_mismatch,
    "mel-count mismatch": mel_count_mismatch,
    "dB vs log": db_vs_log,
}


def pitfall_demo(y: np.ndarray, sr: int, which: str) -> PitfallReport:
    """Run one pitfall by name on at most the first ``MAX_PITFALL_S`` seconds of ``y``."""
    if which not in PITFALLS:
        raise ParamError(f"pitfall {which!r} is not one of: {', '.join(PITFALLS)}")
    return PITFALLS[which](np.asarray(y, dtype=np.float32)[: int(MAX_PITFALL_S * sr)], int(sr))
