"""Aliasing and quantization arithmetic (lesson 01)."""

from __future__ import annotations

import numpy as np
import pytest

from core import sampling
from core.dsp import magnitude_spectrum
from core.errors import ParamError


@pytest.mark.parametrize(
    ("f", "sr", "expected"),
    [(1000, 8000, 1000), (5000, 8000, 3000), (8000, 8000, 0), (9000, 8000, 1000), (4000, 8000, 4000), (19000, 16000, 3000), (0, 16000, 0)],
)
def test_alias_frequency_golden(f, sr, expected):
    assert sampling.alias_frequency(f, sr) == pytest.approx(expected)


@pytest.mark.parametrize(("f", "sr"), [(5000, 8000), (7300, 11025), (13000, 16000), (440, 4000), (19999, 22050)])
def test_sampled_tone_appears_at_predicted_alias(f, sr):
    y = sampling.sample_tone(f, sr=sr, duration_s=1.0)
    spec = magnitude_spectrum(y, sr)
    assert spec.peak_hz == pytest.approx(sampling.alias_frequency(f, sr), abs=2 * spec.bin_hz)


def test_alias_and_rate_validation():
    with pytest.raises(ParamError, match="freq_hz"):
        sampling.alias_frequency(float("nan"), 8000)
    with pytest.raises(ParamError, match="sr"):
        sampling.alias_frequency(100, 0)
    with pytest.raises(ParamError, match="out of range"):
        sampling.check_rate(10)
    assert sampling.check_rate(44100.2) == 44100


def test_quantize_levels_and_clipping():
    y = np.linspace(-1, 1, 1001, dtype=np.float32)
    q = sampling.quantize(y, bits=2)
    assert sorted(set(np.round(q, 6).tolist())) == [-1.0, -0.5, 0.0, 0.5]  # 2^2 levels, top clipped
    assert sampling.quantize(y, bits=16).dtype == np.float32
    for bad in (0, 33, 2.5):
        with pytest.raises(ParamError, match="bits"):
            sampling.quantize(y, bits=bad)


@pytest.mark.parametrize("bits", [4, 8, 12, 16])
def test_full_scale_sine_snr_follows_6_02b_plus_1_76(bits):
    sr = 48_000
    t = np.arange(sr) / sr
    # a non-harmonic frequency so the error is noise-like, as the rule assumes
    y = (np.sin(2 * np.pi * 997.13 * t) * (1 - 2.0**-bits)).astype(np.float64)
    q = sampling.quantization_snr(y, bits=bits)
    assert q.rule_db == pytest.approx(6.02 * bits + 1.76)
    # the sine sits a hair below full scale; at few bits the error is less noise-like (looser bound)
    assert q.snr_db == pytest.approx(q.rule_at_level_db, abs=1.0 if bits < 8 else 0.3)


def test_quieter_signal_loses_its_headroom_and_dither_costs_snr():
    sr = 16_000
    t = np.arange(sr) / sr
    y = 0.1 * np.sin(2 * np.pi * 997.13 * t)  # -20 dB below full scale
    q = sampling.quantization_snr(y, bits=10)
    assert q.rule_at_level_db == pytest.approx(q.rule_db - 20.0, abs=0.01)
    assert q.snr_db == pytest.approx(q.rule_at_level_db, abs=0.6)
    dithered = sampling.quantization_snr(y, bits=10, dither=True)
    assert dithered.snr_db < q.snr_db - 3  # TPDF dither adds noise (about 4.8 dB) in exchange for decorrelation
    with pytest.raises(ParamError, match="silent"):
        sampling.quantization_snr(np.zeros(100), bits=8)
