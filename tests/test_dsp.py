"""core.dsp: FFTs against numpy, windows against scipy, STFT/ISTFT and dB against librosa.

Tolerances are stated per test. float64 paths agree with the references to rounding (~1e-12
relative); float32 STFTs agree to ~1e-6 of the spectrum's peak, because librosa computes the
FFT in float64 and we keep float32 throughout.
"""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest
import scipy.signal

from core import dsp
from core.errors import ParamError

SR = 16_000
RNG = np.random.default_rng(1234)
NOISE = RNG.standard_normal(SR)  # 1 s, float64
F64_RTOL = 1e-10  # relative to the largest |S|
F32_RTOL = 2e-6  # float32 STFT vs librosa's float64-computed one, relative to the largest |S|


def _close_rel(a: np.ndarray, b: np.ndarray, rtol: float) -> None:
    assert a.shape == b.shape
    scale = max(float(np.max(np.abs(b))), 1e-30)
    assert float(np.max(np.abs(a - b))) <= rtol * scale


def _stft_reference(y, *, n_fft, hop_length, win_length=None, window="hann", center=True, pad_mode="constant"):
    """The textbook STFT: pad the whole signal, frame, window, FFT in float64."""
    win_length = win_length or n_fft
    if center:
        y = np.pad(y, n_fft // 2, mode=pad_mode)
    w = scipy.signal.get_window(window, win_length, fftbins=True)
    lpad = (n_fft - win_length) // 2
    w = np.pad(w, (lpad, n_fft - win_length - lpad))
    frames = librosa.util.frame(np.asarray(y, np.float64), frame_length=n_fft, hop_length=hop_length)
    return np.fft.rfft(frames * w[:, None], axis=0)


# ---------------------------------------------------------------------------------------------
# DFT / FFT
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "expected"), [(1, 1), (2, 2), (3, 4), (400, 512), (512, 512), (513, 1024)])
def test_next_pow2_golden(n, expected):
    assert dsp.next_pow2(n) == expected


@pytest.mark.parametrize("bad", [0, -4, 2.5])
def test_next_pow2_rejects_non_positive(bad):
    with pytest.raises(ParamError, match="positive integer"):
        dsp.next_pow2(bad)


@pytest.mark.parametrize("n", [1, 2, 7, 64, 400, 1024])
@pytest.mark.parametrize("complex_input", [False, True])
def test_dft_matches_numpy(n, complex_input):
    x = RNG.standard_normal(n) + (1j * RNG.standard_normal(n) if complex_input else 0)
    # O(N²) sums of N terms: absolute error ~ N·eps·|x|; 1e-9 leaves a wide margin at N=1024.
    np.testing.assert_allclose(dsp.dft(x), np.fft.fft(x), rtol=0, atol=1e-9)


def test_dft_golden_impulse_and_constant():
    x = np.zeros(8)
    x[0] = 1.0
    np.testing.assert_allclose(dsp.dft(x), np.ones(8), atol=1e-15)  # an impulse has a flat spectrum
    np.testing.assert_allclose(dsp.dft(np.ones(8)), [8, 0, 0, 0, 0, 0, 0, 0], atol=1e-13)  # DC only


@pytest.mark.parametrize("log2n", [0, 1, 2, 3, 5, 8, 10, 14])
@pytest.mark.parametrize("complex_input", [False, True])
def test_fft_radix2_matches_numpy(log2n, complex_input):
    n = 1 << log2n
    x = RNG.standard_normal(n) + (1j * RNG.standard_normal(n) if complex_input else 0)
    X = dsp.fft_radix2(x)
    assert X.dtype == np.complex128 and X.shape == (n,)
    # log2(N) butterfly stages: error ~ log2(N)·eps·sqrt(N)·|x|; stated: rtol 1e-12 of max|X|.
    _close_rel(X, np.fft.fft(x), 1e-12)


def test_fft_radix2_batch_and_float32():
    x = RNG.standard_normal((3, 2, 256)).astype(np.float32)
    _close_rel(dsp.fft_radix2(x), np.fft.fft(x.astype(np.float64), axis=-1), 1e-12)


def test_fft_radix2_equals_dft():
    x = RNG.standard_normal(128) + 1j * RNG.standard_normal(128)
    np.testing.assert_allclose(dsp.fft_radix2(x), dsp.dft(x), rtol=0, atol=1e-11)


def test_fft_radix2_rejects_non_power_of_two_with_fix():
    with pytest.raises(ParamError) as err:
        dsp.fft_radix2(np.ones(400))
    msg = str(err.value)
    assert "N=400" in msg and "power-of-two" in msg and "512" in msg and "zero-pad" in msg


def test_fft_parseval():
    x = RNG.standard_normal(1024)
    X = dsp.fft_radix2(x)
    assert np.sum(np.abs(X) ** 2) / 1024 == pytest.approx(np.sum(x**2), rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Windows and frames
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("window", ["hann", "hamming", "blackman", "rectangular", "boxcar", "rect"])
@pytest.mark.parametrize("win_length", [1, 2, 3, 16, 400, 401, 2048])
@pytest.mark.parametrize("fftbins", [True, False])
def test_get_window_matches_scipy(window, win_length, fftbins):
    ref_name = "boxcar" if window in ("rectangular", "rect") else window
    w = dsp.get_window(window, win_length, fftbins=fftbins)
    ref = scipy.signal.get_window(ref_name, win_length, fftbins=fftbins)
    assert w.shape == (win_length,) and w.dtype == np.float64
    assert np.max(np.abs(w - ref)) <= 1e-12


@pytest.mark.parametrize("window", ["hann", "hamming", "blackman"])
def test_window_symmetry_and_periodic_relation(window):
    sym = dsp.get_window(window, 401, fftbins=False)
    np.testing.assert_allclose(sym, sym[::-1], atol=1e-15)  # symmetric: w[n] = w[M-1-n]
    periodic = dsp.get_window(window, 400, fftbins=True)
    np.testing.assert_allclose(periodic, sym[:-1], atol=1e-15)  # periodic(M) = symmetric(M+1)[:-1]
    assert periodic.max() <= 1.0 + 1e-15 and periodic.min() >= -1e-15


def test_periodic_hann_overlap_adds_to_a_constant():
    # COLA at 75 % overlap: Σ_t w[n − t·N/4] = 2 for the periodic Hann window (why fftbins=True).
    w = dsp.get_window("hann", 400)
    ola = sum(np.roll(np.pad(w, (0, 1200)), k * 100) for k in range(16))[400:1200]
    np.testing.assert_allclose(ola, 2.0, atol=1e-12)


def test_get_window_is_cached_read_only():
    w = dsp.get_window("hann", 64)
    assert not w.flags.writeable
    assert dsp.get_window("hann", 64) is w


def test_get_window_unknown_name_lists_valid_ones():
    with pytest.raises(ParamError) as err:
        dsp.get_window("kaiserr", 64)
    msg = str(err.value)
    assert "kaiserr" in msg and all(name in msg for name in dsp.WINDOWS)


def test_get_window_accepts_array_of_right_length():
    w = np.linspace(0, 1, 8)
    np.testing.assert_array_equal(dsp.get_window(w, 8), w)
    with pytest.raises(ParamError, match=r"\(9,\)"):
        dsp.get_window(w, 9)


@pytest.mark.parametrize(("frame_length", "hop_length"), [(400, 160), (512, 512), (256, 1), (7, 3)])
def test_frame_matches_librosa(frame_length, hop_length):
    y = NOISE[:5000]
    frames = dsp.frame(y, frame_length=frame_length, hop_length=hop_length)
    np.testing.assert_array_equal(frames, librosa.util.frame(y, frame_length=frame_length, hop_length=hop_length))
    assert not frames.flags.writeable
    assert np.shares_memory(frames, y)  # a view, not a copy


def test_frame_rejects_short_signal():
    with pytest.raises(ParamError, match="fewer than frame_length=400"):
        dsp.frame(np.zeros(100), frame_length=400, hop_length=160)


# ---------------------------------------------------------------------------------------------
# STFT
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_fft", [256, 400, 512, 2048])
@pytest.mark.parametrize("hop_length", [None, 160])
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stft_matches_librosa(n_fft, hop_length, center, dtype):
    y = NOISE[:8000].astype(dtype)
    S = dsp.stft(y, n_fft=n_fft, hop_length=hop_length, center=center)
    ref = librosa.stft(y, n_fft=n_fft, hop_length=hop_length, center=center)
    assert S.dtype == ref.dtype  # float32 → complex64, float64 → complex128
    _close_rel(S, ref, F32_RTOL if dtype == np.float32 else F64_RTOL)


@pytest.mark.parametrize("window", ["hann", "hamming", "blackman", "rectangular"])
@pytest.mark.parametrize(("n_fft", "win_length"), [(512, 400), (2048, 1001), (400, 400)])
def test_stft_windows_and_short_window_match_librosa(window, n_fft, win_length):
    librosa_window = "boxcar" if window == "rectangular" else window
    S = dsp.stft(NOISE, n_fft=n_fft, hop_length=128, win_length=win_length, window=window)
    ref = librosa.stft(NOISE, n_fft=n_fft, hop_length=128, win_length=win_length, window=librosa_window)
    _close_rel(S, ref, F64_RTOL)


@pytest.mark.parametrize("pad_mode", dsp.PAD_MODES)
@pytest.mark.parametrize("n", [1, 3, 199, 200, 201, 399, 400, 401, 557, 1000, 4001])
@pytest.mark.parametrize(("n_fft", "hop_length"), [(400, 160), (400, 400), (256, 100), (512, 1), (401, 7)])
def test_stft_edge_frames_equal_full_padding(pad_mode, n, n_fft, hop_length):
    # The STFT pads only its edge frames; it must equal padding the whole signal.
    y = NOISE[:n]
    S = dsp.stft(y, n_fft=n_fft, hop_length=hop_length, pad_mode=pad_mode)
    ref = _stft_reference(y, n_fft=n_fft, hop_length=hop_length, pad_mode=pad_mode)
    _close_rel(S, ref, F64_RTOL)


@pytest.mark.parametrize("pad_mode", dsp.PAD_MODES)
def test_stft_pad_modes_match_librosa(pad_mode):
    y = NOISE[:16000]
    S = dsp.stft(y, n_fft=256, hop_length=160, pad_mode=pad_mode)
    ref = librosa.stft(y, n_fft=256, hop_length=160, pad_mode=pad_mode)
    # librosa 0.11 builds its last 'reflect'/'symmetric' frame from a slightly short tail
    # (it differs from np.pad by ~1e-6 here); that frame is checked against full padding above.
    _close_rel(S[:, :-1], ref[:, :-1], F64_RTOL)


def test_stft_multichannel_is_per_channel():
    y = np.stack([NOISE[:4000], NOISE[4000:8000]])
    S = dsp.stft(y, n_fft=400, hop_length=160)
    assert S.shape == (2, 201, 26)
    for c in range(2):
        _close_rel(S[c], dsp.stft(y[c], n_fft=400, hop_length=160), 1e-15)


def test_stft_power_frames_equals_abs_stft_power(monkeypatch):
    # Small blocks so that many threaded tasks, and the head/tail sources, are exercised.
    monkeypatch.setattr(dsp, "CHUNK_FRAMES", 7)
    y = NOISE[:8000].astype(np.float32)
    for power in (1.0, 2.0, 1.5):
        P = dsp.stft_power_frames(y, n_fft=400, hop_length=160, power=power)
        ref = np.abs(librosa.stft(y.astype(np.float64), n_fft=400, hop_length=160)).T ** power
        assert P.dtype == np.float32 and P.flags.c_contiguous
        _close_rel(P, ref, 1e-5)
    P = dsp.stft_power_frames(np.stack([y, -y]), n_fft=400, hop_length=160, center=False)
    np.testing.assert_allclose(P[0], P[1], rtol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"n_fft": 400, "hop_length": 800}, ["hop_length=800", "n_fft=400", "hop_length <= n_fft"]),
        ({"n_fft": 0}, ["n_fft=0", "positive integer"]),
        ({"n_fft": -2}, ["n_fft=-2"]),
        ({"n_fft": 400.0}, ["n_fft=400.0"]),
        ({"n_fft": 400, "win_length": 512}, ["win_length=512", "n_fft=400"]),
        ({"n_fft": 400, "hop_length": 0}, ["hop_length=0"]),
        ({"n_fft": 400, "pad_mode": "wrap"}, ["pad_mode='wrap'", "reflect"]),
        ({"n_fft": 400, "window": "hanning2"}, ["hanning2", "hamming"]),
    ],
)
def test_stft_bad_params_raise_helpful_param_error(kwargs, words):
    with pytest.raises(ParamError) as err:
        dsp.stft(NOISE[:4000], **kwargs)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_stft_bad_signals():
    with pytest.raises(ParamError, match="center=False"):
        dsp.stft(np.zeros(100), n_fft=400, center=False)
    with pytest.raises(ParamError, match="int16"):
        dsp.stft(np.zeros(1000, dtype=np.int16), n_fft=400)
    with pytest.raises(ParamError, match="NaN"):
        dsp.stft(np.full(1000, np.nan), n_fft=400)
    with pytest.raises(ParamError, match="at least one sample"):
        dsp.stft(np.zeros(0), n_fft=400)
    assert issubclass(ParamError, ValueError)  # callers catching ValueError keep working


# ---------------------------------------------------------------------------------------------
# ISTFT
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_fft", "hop_length", "win_length", "window"),
    [(400, 160, None, "hann"), (512, 128, 400, "hann"), (2048, 512, None, "hamming"), (256, 64, 200, "blackman")],
)
@pytest.mark.parametrize("center", [True, False])
def test_istft_perfect_reconstruction_and_librosa_parity(n_fft, hop_length, win_length, window, center):
    y = NOISE
    S = dsp.stft(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window, center=center)
    length = len(y) if center else None
    y_hat = dsp.istft(
        S, hop_length=hop_length, win_length=win_length, n_fft=n_fft, window=window, center=center, length=length
    )
    ref = librosa.istft(
        S, hop_length=hop_length, win_length=win_length, n_fft=n_fft, window=window, center=center, length=length
    )
    assert y_hat.shape == ref.shape and y_hat.dtype == np.float64
    np.testing.assert_allclose(y_hat, ref, rtol=0, atol=1e-12)
    # Perfect reconstruction wherever the windows cover the signal (all of it when centred;
    # without centring the first/last samples lie under a window tail that is exactly 0).
    inner = slice(0, len(y)) if center else slice(n_fft, len(y_hat) - n_fft)
    np.testing.assert_allclose(y_hat[inner], y[: len(y_hat)][inner], rtol=0, atol=1e-6)


def test_istft_float32_and_length_handling():
    y = NOISE[:8000].astype(np.float32)
    S = dsp.stft(y, n_fft=400, hop_length=160)
    y_hat = dsp.istft(S, hop_length=160)
    assert y_hat.dtype == np.float32 and y_hat.shape == librosa.istft(S, hop_length=160).shape
    np.testing.assert_allclose(y_hat[: len(y_hat)], y[: len(y_hat)], atol=1e-5)
    for length in (100, 8000, 9000):  # shorter, exact, and longer than the signal
        ours = dsp.istft(S, hop_length=160, length=length)
        ref = librosa.istft(S, hop_length=160, length=length)
        assert ours.shape == (length,)
        np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_istft_rejects_mismatched_n_fft():
    S = dsp.stft(NOISE[:4000], n_fft=400)
    with pytest.raises(ParamError, match="201 frequency bins"):
        dsp.istft(S, n_fft=512)


# ---------------------------------------------------------------------------------------------
# dB
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", [1.0, 0.5, np.max])
@pytest.mark.parametrize("top_db", [80.0, 40.0, None])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_power_and_amplitude_to_db_match_librosa(ref, top_db, dtype):
    S = (np.abs(librosa.stft(NOISE[:4000], n_fft=256)) ** 2).astype(dtype)
    S[:, :3] = 0.0  # digital silence hits the amin floor
    ours = dsp.power_to_db(S, ref=ref, top_db=top_db)
    theirs = librosa.power_to_db(S, ref=ref, top_db=top_db)
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4 if dtype == np.float32 else 1e-10)
    A = np.sqrt(S)
    np.testing.assert_allclose(
        dsp.amplitude_to_db(A, ref=ref, top_db=top_db),
        librosa.amplitude_to_db(A, ref=ref, top_db=top_db),
        rtol=0,
        atol=1e-4 if dtype == np.float32 else 1e-10,
    )


def test_power_to_db_golden_and_in_place():
    S = np.array([1.0, 10.0, 100.0, 1e-12])
    np.testing.assert_allclose(dsp.power_to_db(S, top_db=None), [0.0, 10.0, 20.0, -100.0])
    np.testing.assert_allclose(dsp.power_to_db(S, top_db=25.0), [0.0, 10.0, 20.0, -5.0])
    out = dsp.power_to_db(S, out=S)
    assert out is S
    assert dsp.amplitude_to_db(np.array([1.0, 0.1]), top_db=None) == pytest.approx([0.0, -20.0])


@pytest.mark.parametrize(("kwargs", "word"), [({"amin": 0}, "amin=0"), ({"top_db": -1}, "top_db=-1")])
def test_power_to_db_bad_params(kwargs, word):
    with pytest.raises(ParamError, match=word):
        dsp.power_to_db(np.ones(3), **kwargs)


# ---------------------------------------------------------------------------------------------
# Magnitude spectrum (lesson 01)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("freq_hz", [1000.3, 440.0, 1234.5, 3999.9])
@pytest.mark.parametrize("n_fft", [None, 4096])
def test_magnitude_spectrum_peak_within_a_tenth_of_a_bin(freq_hz, n_fft):
    t = np.arange(SR) / SR
    y = (0.5 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    spec = dsp.magnitude_spectrum(y, SR, n_fft=n_fft)
    assert spec.bin_hz == SR / (n_fft or SR)
    assert abs(spec.peak_hz - freq_hz) <= 0.1 * spec.bin_hz
    assert spec.freqs_hz.shape == spec.magnitude_db.shape == (1 + (n_fft or SR) // 2,)
    # Amplitude 0.5 reads −6.02 dBFS, less at most the Hann window's 1.42 dB scalloping loss.
    assert -6.02 - 1.43 <= spec.magnitude_db.max() <= -6.02 + 0.01


def test_magnitude_spectrum_level_on_bin_centre_and_silence():
    t = np.arange(1024) / SR
    spec = dsp.magnitude_spectrum(np.cos(2 * np.pi * 64 * SR / 1024 * t), SR)  # exactly bin 64
    assert spec.peak_hz == pytest.approx(1000.0, abs=1e-9)
    assert spec.magnitude_db.max() == pytest.approx(0.0, abs=1e-9)  # full scale → 0 dBFS
    assert np.isnan(dsp.magnitude_spectrum(np.zeros(1024), SR).peak_hz)


def test_magnitude_spectrum_ignores_dc_offset():
    t = np.arange(SR) / SR
    spec = dsp.magnitude_spectrum(0.8 + 0.1 * np.sin(2 * np.pi * 300 * t), SR)
    assert spec.peak_hz == pytest.approx(300.0, abs=0.1)


def test_magnitude_spectrum_bad_params():
    with pytest.raises(ParamError, match="sr=0"):
        dsp.magnitude_spectrum(np.ones(64), 0)
    with pytest.raises(ParamError, match="mono"):
        dsp.magnitude_spectrum(np.ones((2, 64)), SR)


def test_no_librosa_warnings_needed():
    # Our STFT never warns where librosa would (n_fft > len(y) with centring): it just pads.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dsp.stft(NOISE[:100], n_fft=400).shape == (201, 2)  # hop 100: frames at 0 and 100
