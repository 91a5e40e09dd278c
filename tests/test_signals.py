"""Tests for core.signals: frequencies, phase integrals, spectra, click positions, seeds, limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal as sps

from core import signals
from core.errors import ParamError
from core.signals import (
    GENERATORS,
    chirp,
    chirp_with_clicks,
    clicks,
    generate,
    harmonic_mix,
    pink_noise,
    speech_like,
    speech_like_segments,
    tone,
    white_noise,
)

SR = 16000


def peak_bin_freq(y: np.ndarray, sr: int) -> tuple[float, float]:
    """(frequency of the largest FFT bin, bin width), Hann-windowed."""
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return float(np.argmax(spectrum) * sr / len(y)), sr / len(y)


@pytest.mark.parametrize("freq_hz, sr", [(440.0, 16000), (1234.5, 22050), (7000.0, 16000),
                                         (50.0, 8000)])
def test_tone_frequency_within_one_bin(freq_hz, sr):
    y = tone(freq_hz, duration_s=0.5, sr=sr, amplitude=0.3)
    assert y.dtype == np.float32 and y.shape == (sr // 2,)
    f, width = peak_bin_freq(y, sr)
    assert abs(f - freq_hz) <= width
    assert np.max(np.abs(y)) == pytest.approx(0.3, abs=1e-3)


def test_tone_golden_and_phase():
    np.testing.assert_allclose(tone(4000, duration_s=4 / SR, sr=SR, amplitude=1.0),
                               [1, 0, -1, 0], atol=1e-6)  # sr/4: cos at quarter turns
    np.testing.assert_allclose(tone(4000, duration_s=4 / SR, sr=SR, amplitude=1.0,
                                    phase=-np.pi / 2), [0, 1, 0, -1], atol=1e-6)


@pytest.mark.parametrize(
    "f0, f1, method, scipy_method",
    [(100.0, 4000.0, "linear", "linear"), (6000.0, 50.0, "linear", "linear"),
     (0.0, 3000.0, "linear", "linear"), (50.0, 7000.0, "exponential", "logarithmic"),
     (5000.0, 200.0, "logarithmic", "logarithmic"), (440.0, 440.0, "exponential", "linear")],
)
def test_chirp_matches_scipy(f0, f1, method, scipy_method):
    duration_s = 2.0
    y = chirp(f0, f1, duration_s=duration_s, sr=SR, method=method, amplitude=0.5)
    t = np.arange(round(duration_s * SR)) / SR
    ref = sps.chirp(t, f0=f0, t1=duration_s, f1=f1, method=scipy_method)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y / 0.5, ref, atol=1e-4, rtol=0)


def test_chirp_instantaneous_frequency_reaches_f1():
    # a frequency-in-the-phase bug (cos(2 pi f(t) t)) would end at 2 f1 - f0; check f(T) = f1
    y = chirp(500, 3000, duration_s=1.0, sr=SR).astype(np.float64)
    analytic = sps.hilbert(y)
    inst_f = np.diff(np.unwrap(np.angle(analytic))) * SR / (2 * np.pi)
    assert np.median(inst_f[-1200:-200]) == pytest.approx(3000 * 0.95 + 500 * 0.05, rel=0.01)


def test_harmonic_mix_amplitudes_and_nyquist():
    y = harmonic_mix(1000, n_harmonics=5, duration_s=1.0, sr=SR, amplitude=0.8)
    assert np.max(np.abs(y)) == pytest.approx(0.8, abs=1e-6)  # peak at n = 0
    mag = np.abs(np.fft.rfft(y)) / (len(y) / 2)  # 1 s: bin k is k Hz, tones sit on bins
    h = mag[[1000, 2000, 3000, 4000, 5000]]
    np.testing.assert_allclose(h / h[0], [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5], rtol=1e-4)
    # harmonics at or above Nyquist are omitted, not aliased
    y2 = harmonic_mix(3000, n_harmonics=5, duration_s=1.0, sr=SR)
    mag2 = np.abs(np.fft.rfft(y2))
    assert np.count_nonzero(mag2 > 1e-3 * mag2.max()) == 2  # 3 and 6 kHz only


def test_white_noise_flat_and_seeded():
    a = white_noise(duration_s=2.0, sr=SR, seed=1)
    np.testing.assert_array_equal(a, white_noise(duration_s=2.0, sr=SR, seed=1))
    assert not np.array_equal(a, white_noise(duration_s=2.0, sr=SR, seed=2))
    assert np.max(np.abs(a)) == pytest.approx(0.5)
    f, pxx = sps.welch(a, fs=SR, nperseg=1024)
    band = (f > 100) & (f < 7000)
    slope = np.polyfit(np.log10(f[band]), 10 * np.log10(pxx[band]), 1)[0]
    assert abs(slope) < 1.0  # dB per decade: flat


def test_pink_noise_slope_is_minus_10_db_per_decade():
    y = pink_noise(duration_s=10.0, sr=SR, seed=0)
    np.testing.assert_array_equal(y, pink_noise(duration_s=10.0, sr=SR, seed=0))
    f, pxx = sps.welch(y, fs=SR, nperseg=4096)
    band = (f >= 20) & (f <= 6000)
    slope = np.polyfit(np.log10(f[band]), 10 * np.log10(pxx[band]), 1)[0]
    assert slope == pytest.approx(-10.0, abs=1.5)
    assert abs(float(np.mean(y))) < 1e-3 and np.max(np.abs(y)) == pytest.approx(0.5)


def test_clicks_match_librosa_and_sit_at_their_times():
    librosa = pytest.importorskip("librosa")
    times = [0.0, 0.25, 0.5, 0.95]  # whole samples at 16 kHz; the last click runs off the end
    y = clicks(times, duration_s=1.0, sr=SR, click_freq_hz=1000, click_duration_s=0.1,
               amplitude=1.0)
    ref = librosa.clicks(times=np.array(times), sr=SR, click_freq=1000, click_duration=0.1,
                         length=SR)
    np.testing.assert_allclose(y, ref, atol=1e-6)
    imp = clicks([0.1, 0.5, 2.0], duration_s=1.0, sr=SR, click_duration_s=0.0, amplitude=0.7)
    assert np.flatnonzero(imp).tolist() == [1600, 8000]  # 2.0 s is past the end: dropped
    assert imp[1600] == pytest.approx(0.7)


def test_chirp_with_clicks():
    y = chirp_with_clicks(duration_s=2.0, sr=SR, f0_hz=100, f1_hz=4000, amplitude=0.8)
    smooth = chirp(100, 4000, duration_s=2.0, sr=SR, amplitude=0.4)
    assert np.flatnonzero(np.abs(y - smooth) > 1e-6).tolist() == [6400, 12800, 19200, 25600]
    assert np.max(np.abs(y)) <= 0.8 + 1e-6


def test_speech_like_segments_pauses_and_seed():
    y, segments = speech_like_segments(8.0, sr=SR, seed=3)
    np.testing.assert_array_equal(y, speech_like(8.0, sr=SR, seed=3))
    assert not np.array_equal(y, speech_like(8.0, sr=SR, seed=4))
    assert y.dtype == np.float32 and y.shape == (8 * SR,)
    assert np.max(np.abs(y)) == pytest.approx(0.5)
    assert len(segments) >= 2 and segments[0][0] >= 0.2
    mask = np.zeros(len(y), bool)
    for start, end in segments:
        assert 0 <= start < end <= 8.0
        mask[round(start * SR):round(end * SR)] = True
    assert np.all(y[~mask] == 0)  # pauses are exact silence
    assert 0.3 < mask.mean() < 0.95
    # syllabic modulation: the envelope's spectrum peaks near 4 Hz
    env = np.abs(sps.hilbert(y.astype(np.float64)))
    env = sps.resample_poly(env, 1, 160)  # 100 Hz envelope rate
    f, pxx = sps.welch(env - env.mean(), fs=100, nperseg=256)
    in_range = (f > 1) & (f < 20)
    assert 1.5 < f[in_range][np.argmax(pxx[in_range])] < 8
    # formant shaping: most energy below 4 kHz
    f, pxx = sps.welch(y, fs=SR, nperseg=1024)
    assert pxx[f < 4000].sum() > 0.95 * pxx.sum()


@pytest.mark.parametrize("kind", list(GENERATORS))
def test_every_generator_kind(kind):
    y = generate(kind, freq_hz=440.0, duration_s=1.5, sr=SR, seed=0)
    assert y.dtype == np.float32 and y.shape == (24000,)
    assert 0 < np.max(np.abs(y)) <= signals.DEFAULT_AMPLITUDE + 1e-6
    np.testing.assert_array_equal(y, GENERATORS[kind](freq_hz=440.0, duration_s=1.5, sr=SR,
                                                      seed=0))


def test_generator_kinds_are_the_lesson_01_list():
    assert list(GENERATORS) == ["tone", "chirp", "harmonics", "white noise", "pink noise",
                                "clicks", "speech-like"]
    f, width = peak_bin_freq(generate("tone", freq_hz=1000, duration_s=1.0, sr=SR), SR)
    assert abs(f - 1000) <= width


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: tone(1000, duration_s=1.0, sr=1500), r"1000 Hz tone needs sr > 2000 Hz"),
        (lambda: tone(0, duration_s=1.0, sr=SR), "must be > 0 Hz"),
        (lambda: tone(-5, duration_s=1.0, sr=SR), "must be > 0 Hz"),
        (lambda: tone(440, duration_s=61.0, sr=SR), "over the 60 s limit"),
        (lambda: tone(440, duration_s=0.0, sr=SR), "positive number of seconds"),
        (lambda: tone(440, duration_s=1e-6, sr=SR), "shorter than one sample"),
        (lambda: tone(440, duration_s=1.0, sr=100), r"sr=100 Hz is outside"),
        (lambda: tone(440, duration_s=1.0, sr=16000.5), "whole number"),
        (lambda: tone(440, duration_s=1.0, sr=SR, amplitude=1.5), r"amplitude must be in \[0, 1\]"),
        (lambda: chirp(100, 9000, duration_s=1.0, sr=SR), r"9000 Hz chirp needs sr > 18000 Hz"),
        (lambda: chirp(0, 1000, duration_s=1.0, sr=SR, method="exponential"), "> 0 Hz"),
        (lambda: chirp(100, 1000, duration_s=1.0, sr=SR, method="cubic"), "'linear' or"),
        (lambda: harmonic_mix(100, n_harmonics=0, duration_s=1.0, sr=SR), "n_harmonics"),
        (lambda: clicks([-1.0], duration_s=1.0, sr=SR), "seconds >= 0"),
        (lambda: clicks([0.5], duration_s=1.0, sr=SR, click_freq_hz=9000), "needs sr > 18000"),
        (lambda: speech_like(2.0, sr=4000), r"needs sr >= 8000 Hz"),
        (lambda: generate("square", freq_hz=440, duration_s=1.0, sr=SR), "unknown signal kind"),
        (lambda: generate("tone", freq_hz=9000, duration_s=1.0, sr=SR), "needs sr > 18000"),
        (lambda: white_noise(duration_s=math.inf, sr=SR), "positive number of seconds"),
    ],
)
def test_bad_arguments_raise_param_error(call, match):
    with pytest.raises(ParamError, match=match):
        call()


def test_param_error_is_a_value_error():
    with pytest.raises(ValueError):
        tone(1000, duration_s=1.0, sr=1500)
