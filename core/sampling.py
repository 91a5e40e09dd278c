"""Sampling and quantization: where aliases come from and what each bit buys.

Lesson 01's arithmetic lives here; the demo only draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.errors import ParamError

ANALOG_SR = 96_000  # the "continuous" reference rate: twice the highest tone we offer (20 kHz) with margin
MIN_SR, MAX_SR = 1_000, 192_000
MIN_BITS, MAX_BITS = 1, 32
FADE_S = 0.02  # 20 ms fades: long enough that their spectrum stays within ~50 Hz of the tone


def alias_frequency(freq_hz: float, sr: float) -> float:
    """Frequency (Hz) at which a real tone of ``freq_hz`` appears after sampling at ``sr``.

    Formula: f_alias = |f − sr · round(f / sr)|, which folds f into [0, sr/2].
    Reference: Oppenheim & Schafer, *Discrete-Time Signal Processing*, 3rd ed., §4.2.
    """
    if not (math.isfinite(freq_hz) and freq_hz >= 0):
        raise ParamError(f"freq_hz={freq_hz} must be a finite frequency ≥ 0 Hz")
    if not (math.isfinite(sr) and sr > 0):
        raise ParamError(f"sr={sr} must be a positive sample rate in Hz")
    return float(abs(freq_hz - sr * round(freq_hz / sr)))


def check_rate(sr: float) -> int:
    """Validate a user-chosen sample rate and return it as int."""
    if not math.isfinite(sr) or not (MIN_SR <= sr <= MAX_SR):
        raise ParamError(f"sample rate {sr} Hz is out of range; choose {MIN_SR}–{MAX_SR} Hz")
    return int(round(sr))


def sample_tone(
    freq_hz: float, *, sr: int, duration_s: float, amplitude: float = 0.5, fade_s: float = FADE_S
) -> np.ndarray:
    """Sample cos(2π f t) at ``sr`` with no anti-aliasing filter: ideal, instantaneous sampling.

    This is what "naive decimation" of a continuous signal means: a tone above sr/2 comes out
    as a tone at ``alias_frequency(freq_hz, sr)``. Unlike ``signals.tone`` it accepts any
    frequency, on purpose. Half-Hann fades of ``fade_s`` at both ends keep the switch-on click
    (broadband, so it would pass any filter) out of the lesson.
    Shape (round(duration_s · sr),), float32.
    """
    n = int(round(duration_s * sr))
    t = np.arange(n, dtype=np.float64) / sr
    y = amplitude * np.cos(2 * np.pi * freq_hz * t)
    n_fade = min(int(fade_s * sr), n // 2)
    if n_fade > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n_fade) / n_fade)
        y[:n_fade] *= ramp
        y[n - n_fade :] *= ramp[::-1]
    return y.astype(np.float32)


@dataclass(frozen=True)
class Quantized:
    y: np.ndarray  # quantized signal, float32 in [-1, 1)
    error: np.ndarray  # y − x
    bits: int
    snr_db: float  # 10·log10(Σx² / Σe²) measured
    rule_db: float  # 6.02·b + 1.76, the full-scale-sine rule
    rule_at_level_db: float  # the rule shifted by the signal's level relative to a full-scale sine


def quantize(y: np.ndarray, *, bits: int, dither: bool = False, seed: int | None = 0) -> np.ndarray:
    """Uniform mid-tread quantization of ``y`` (float in [-1, 1]) to ``bits`` bits, returned as float32.

    Formula: q = clip(round(x · 2^(b−1)), −2^(b−1), 2^(b−1) − 1) / 2^(b−1); with ``dither``,
    TPDF noise of ±1 LSB is added before rounding, which decorrelates the error from the signal.
    Reference: Pohlmann, *Principles of Digital Audio*, 6th ed., ch. 2.
    """
    if not (MIN_BITS <= int(bits) <= MAX_BITS) or int(bits) != bits:
        raise ParamError(f"bits={bits} is out of range; choose a whole number from {MIN_BITS} to {MAX_BITS}")
    scale = float(2 ** (int(bits) - 1))
    x = np.asarray(y, dtype=np.float64) * scale
    if dither:
        rng = np.random.default_rng(seed)
        x = x + rng.uniform(-0.5, 0.5, x.shape) + rng.uniform(-0.5, 0.5, x.shape)
    q = np.clip(np.round(x), -scale, scale - 1) / scale
    return q.astype(np.float32)


def quantization_snr(y: np.ndarray, *, bits: int, dither: bool = False) -> Quantized:
    """Quantize ``y`` and measure SNR against the 6.02·b + 1.76 dB rule.

    The rule holds for a full-scale sine (RMS = 1/√2, i.e. −3.01 dBFS); a quieter signal loses
    its distance from full scale: rule_at_level = 6.02·b + 1.76 + (rms_dbfs + 3.01).
    Reference: Bennett (1948), "Spectra of quantized signals", Bell Syst. Tech. J. 27(3).
    """
    x = np.asarray(y, dtype=np.float32)
    q = quantize(x, bits=bits, dither=dither)
    err = q.astype(np.float64) - x
    p_sig = float(np.mean(x.astype(np.float64) ** 2))
    p_err = float(np.mean(err**2))
    if p_sig == 0.0:
        raise ParamError("the signal is silent, so its SNR is undefined; use a tone or louder audio")
    snr = float("inf") if p_err == 0.0 else 10 * math.log10(p_sig / p_err)
    rule = 6.02 * bits + 1.76
    rms_dbfs = 10 * math.log10(p_sig)
    return Quantized(
        y=q,
        error=err.astype(np.float32),
        bits=int(bits),
        snr_db=snr,
        rule_db=rule,
        rule_at_level_db=rule + rms_dbfs + 10 * math.log10(2),
    )
