"""Frames, windows, the Fourier transform and the short-time Fourier transform.

Two kinds of code live here, side by side on purpose:

* the lesson's **from-scratch** versions — a naive O(N²) DFT and an iterative radix-2
  Cooley–Tukey FFT — written for reading, and checked against ``numpy.fft``;
* the **production** path used by every other module — ``stft``/``istft`` framed with stride
  tricks and transformed with ``scipy.fft`` — numerically equal to ``librosa.stft``/``istft``.

Arrays follow librosa's conventions: time is the last axis, a spectrogram is
``(..., 1 + n_fft // 2, n_frames)``, float32 audio gives a complex64 STFT.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from core.errors import ParamError


@functools.cache
def _scipy_fft():
    """scipy.fft, imported on first use: the import costs ~0.5 s of app start-up on 2 vCPUs."""
    import scipy.fft

    return scipy.fft

# Cosine-sum coefficients a_k of w[n] = Σ_k (−1)^k a_k cos(2πkn / (M−1)); Harris (1978), Table 1.
_COSINE_SUMS: dict[str, tuple[float, ...]] = {
    "hann": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.50, 0.08),
    "rectangular": (1.0,),
}
_WINDOW_ALIASES = {"hanning": "hann", "boxcar": "rectangular", "rect": "rectangular", "ones": "rectangular"}
WINDOWS = tuple(_COSINE_SUMS)  # ('hann', 'hamming', 'blackman', 'rectangular')

PAD_MODES = ("constant", "edge", "reflect", "symmetric")  # np.pad modes that make sense for audio edges

# scipy.fft splits a batch of frames across threads; the Space has 2 vCPUs, so -1 (all cores) is
# both the fastest setting measured here and harmless on a laptop.
FFT_WORKERS = -1
N_THREADS = max(1, min(os.cpu_count() or 1, 8))  # threads of the chunked power-spectrogram path
CHUNK_FRAMES = 512  # frames per task: ~800 kB of float32 frames, so a chunk stays in L2 cache

MAX_DFT_N = 4096  # the naive DFT's N×N complex matrix is 256 MiB at this size
SPECTRUM_AMIN = 1e-7  # amplitude floor of magnitude_spectrum: −140 dBFS, below 24-bit noise
# Half-width of each window's main lobe in bins: a DC offset's energy fills bins below this,
# so the peak search of magnitude_spectrum starts there (Harris 1978, Table 1).
MAIN_LOBE_BINS = {"hann": 2, "hamming": 2, "blackman": 3, "rectangular": 1}


# --------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------


def _positive_int(value: object, name: str, hint: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ParamError(f"{name}={value!r} must be a positive integer; {hint}")
    return int(value)


def _as_audio(y: np.ndarray) -> np.ndarray:
    """Return ``y`` as a floating ndarray with at least one sample, or raise ParamError."""
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.floating):
        raise ParamError(
            f"y has dtype {y.dtype}; STFT input must be real floating-point audio "
            "(convert with core.audio, or y.astype(np.float32) / 32768 for int16)"
        )
    if y.ndim == 0 or y.shape[-1] == 0:
        raise ParamError(f"y has shape {y.shape}; it needs at least one sample along the last axis")
    # A sum is a cheap finiteness probe; only if it fails do we pay for the exact elementwise test.
    if not np.isfinite(y.sum()) and not np.isfinite(y).all():
        raise ParamError("y contains NaN or infinite samples; clean or re-decode the audio first")
    return y


def check_stft_params(n_fft: int, hop_length: int | None, win_length: int | None) -> tuple[int, int, int]:
    """Validate STFT sizes and fill librosa's defaults; returns (n_fft, hop_length, win_length).

    Rules: all positive integers, win_length <= n_fft (default n_fft), hop_length <= n_fft
    (default win_length // 4). Raises ParamError naming the value and the fix.
    """
    n_fft = _positive_int(n_fft, "n_fft", "typical values are 400 (25 ms at 16 kHz) or 2048")
    if win_length is None:
        win_length = n_fft
    win_length = _positive_int(win_length, "win_length", f"use 1 <= win_length <= n_fft={n_fft}")
    if win_length > n_fft:
        raise ParamError(
            f"win_length={win_length} is larger than n_fft={n_fft}; "
            "use win_length <= n_fft (the window is zero-padded up to n_fft)"
        )
    if hop_length is None:
        hop_length = max(win_length // 4, 1)
    hop_length = _positive_int(hop_length, "hop_length", f"typically n_fft // 4 = {max(n_fft // 4, 1)}")
    if hop_length > n_fft:
        raise ParamError(
            f"hop_length={hop_length} is larger than n_fft={n_fft}; "
            f"use hop_length <= n_fft (typically n_fft // 4 = {max(n_fft // 4, 1)}), "
            "otherwise samples between frames are never analysed"
        )
    return n_fft, hop_length, win_length


# --------------------------------------------------------------------------------------------
# The Fourier transform, from scratch
# --------------------------------------------------------------------------------------------


def next_pow2(n: int) -> int:
    """Smallest power of two ``>= n`` (``n >= 1``); e.g. ``next_pow2(400) == 512``.

    Formula: 2^⌈log₂ n⌉ (computed exactly with integer bit length, not floats).
    Reference: Cormen et al., *Introduction to Algorithms*, 3rd ed., §30.2.
    """
    n = _positive_int(n, "n", "pass a length of at least 1")
    return 1 << (n - 1).bit_length()


def _dft_matrix(n: int) -> np.ndarray:
    k = np.arange(n)
    # Reducing n·k modulo n keeps the angle in [0, 2π) so cos/sin stay accurate for large n.
    return np.exp(-2j * np.pi * (np.outer(k, k) % n) / n)


@functools.lru_cache(maxsize=2)
def _dft_matrix_cached(n: int) -> np.ndarray:
    w = _dft_matrix(n)
    w.flags.writeable = False
    return w


def dft(x: np.ndarray) -> np.ndarray:
    """Naive discrete Fourier transform along the last axis, as one matrix product.

    Shapes: ``x`` (..., N) real or complex → (..., N) complex128.
    Formula: X[k] = Σₙ x[n] · e^{−2πi kn/N}, i.e. X = W x with W[k, n] = e^{−2πi kn/N}.
    Cost O(N²) time and memory — the point of the lesson is that ``fft_radix2`` is O(N log N).
    Reference: Oppenheim & Schafer, *Discrete-Time Signal Processing*, 3rd ed., §8.1.
    """
    x = np.asarray(x)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ParamError(f"x has shape {x.shape}; the DFT needs at least one sample")
    n = x.shape[-1]
    if n > MAX_DFT_N:
        raise ParamError(
            f"x has {n} samples; the naive DFT builds an N×N matrix ({16 * n * n / 2**20:.0f} MiB), "
            f"so keep N <= {MAX_DFT_N} or use fft_radix2"
        )
    # Small matrices are cached so that timing the lesson measures the O(N²) product, not exp().
    W = _dft_matrix_cached(n) if n <= 2048 else _dft_matrix(n)
    return x.astype(np.complex128, copy=False) @ W.T


@functools.lru_cache(maxsize=32)
def _fft_plan(n: int) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Bit-reversal permutation and per-stage twiddles for an n-point radix-2 FFT."""
    bits = n.bit_length() - 1
    idx = np.arange(n)
    rev = np.zeros(n, dtype=np.intp)
    for b in range(bits):
        rev |= ((idx >> b) & 1) << (bits - 1 - b)
    # Twiddles are computed per stage from exact angles rather than by repeated multiplication,
    # whose rounding error would grow with log N.
    twiddles = tuple(np.exp(-2j * np.pi * np.arange(m // 2) / m) for m in (2 << s for s in range(bits)))
    rev.flags.writeable = False
    for t in twiddles:
        t.flags.writeable = False
    return rev, twiddles


def fft_radix2(x: np.ndarray) -> np.ndarray:
    """Iterative radix-2 decimation-in-time Cooley–Tukey FFT along the last axis.

    Shapes: ``x`` (..., N) real or complex with N a power of two → (..., N) complex128.
    Formula: X[k] = E[k] + e^{−2πi k/N} O[k], X[k + N/2] = E[k] − e^{−2πi k/N} O[k], where E and O
    are the N/2-point DFTs of the even and odd samples. After a bit-reversal permutation the
    recursion unrolls into log₂N stages of N/2 butterflies; each stage is one vectorised numpy
    step over all blocks (and over any leading batch axes).
    Reference: Cooley & Tukey (1965), "An algorithm for the machine calculation of complex
    Fourier series", Math. Comp. 19; Cormen et al., *Introduction to Algorithms*, §30.3.
    """
    x = np.asarray(x)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ParamError(f"x has shape {x.shape}; the FFT needs at least one sample")
    n = x.shape[-1]
    if n & (n - 1):
        raise ParamError(
            f"fft_radix2 needs a power-of-two length, got N={n}; "
            f"zero-pad to next_pow2({n}) = {next_pow2(n)} samples (np.pad(x, (0, {next_pow2(n) - n})))"
        )
    rev, twiddles = _fft_plan(n)
    batch = x.shape[:-1]
    a = x[..., rev].astype(np.complex128, copy=False)
    for w in twiddles:
        half = w.shape[0]
        blocks = a.reshape(*batch, n // (2 * half), 2 * half)  # adjacent sub-DFTs of length `half`
        even = blocks[..., :half]
        odd = blocks[..., half:] * w
        a = np.concatenate((even + odd, even - odd), axis=-1)
    return a.reshape(x.shape)


# --------------------------------------------------------------------------------------------
# Windows and frames
# --------------------------------------------------------------------------------------------


def check_window(window: str) -> str:
    """Canonical name of a window ('boxcar' → 'rectangular'), or ParamError listing valid names."""
    if not isinstance(window, str):
        raise ParamError(f"window={window!r} must be a window name: one of {', '.join(WINDOWS)}")
    name = _WINDOW_ALIASES.get(window.lower(), window.lower())
    if name not in _COSINE_SUMS:
        valid = ", ".join(repr(w) for w in WINDOWS + tuple(_WINDOW_ALIASES))
        raise ParamError(f"unknown window {window!r}; choose one of {valid}")
    return name


@functools.lru_cache(maxsize=64)
def _cosine_window(name: str, win_length: int, fftbins: bool) -> np.ndarray:
    coeffs = _COSINE_SUMS[name]
    if win_length == 1 or name == "rectangular":
        w = np.ones(win_length)
    else:
        # A periodic (DFT-even) window is the symmetric window of length M+1 without its last
        # sample, so that consecutive frames tile with a constant overlap-add sum.
        m = win_length + 1 if fftbins else win_length
        n = np.arange(win_length)
        w = np.zeros(win_length)
        for k, a in enumerate(coeffs):
            w += (-1) ** k * a * np.cos(2.0 * np.pi * k * n / (m - 1))
    w.flags.writeable = False
    return w


def get_window(window: str | np.ndarray, win_length: int, *, fftbins: bool = True) -> np.ndarray:
    """A cosine-sum analysis window of ``win_length`` samples, float64, shape (win_length,).

    Formula: w[n] = Σ_k (−1)^k a_k cos(2πkn / (M−1)) with hann a=(½, ½), hamming (0.54, 0.46),
    blackman (0.42, 0.5, 0.08), rectangular a=(1,); M = win_length + 1 when ``fftbins`` (periodic,
    for spectral analysis) else M = win_length (symmetric, for filter design).
    An array of length ``win_length`` is passed through (librosa's convention).
    The result is cached and read-only; copy it before modifying.
    Reference: Harris (1978), "On the use of windows for harmonic analysis with the DFT",
    Proc. IEEE 66(1); matches ``scipy.signal.get_window``.
    """
    win_length = _positive_int(win_length, "win_length", "use the number of samples in one frame, e.g. 400")
    if isinstance(window, np.ndarray) or (not isinstance(window, str) and isinstance(window, (list, tuple))):
        w = np.asarray(window, dtype=np.float64)
        if w.shape != (win_length,):
            raise ParamError(f"window array has shape {w.shape}; it must have shape ({win_length},) = (win_length,)")
        return w
    if not isinstance(window, str):
        raise ParamError(f"window={window!r} must be a name ({', '.join(WINDOWS)}) or an array")
    return _cosine_window(check_window(window), win_length, bool(fftbins))


def _padded_window(window: str | np.ndarray, win_length: int, n_fft: int, dtype: np.dtype) -> np.ndarray:
    """The analysis window zero-padded (centred) to n_fft, in the STFT's working dtype."""
    if isinstance(window, str):
        return _padded_window_cached(check_window(window), win_length, n_fft, np.dtype(dtype).str)
    w = get_window(window, win_length)
    lpad = (n_fft - win_length) // 2
    return np.pad(w, (lpad, n_fft - win_length - lpad)).astype(dtype)


@functools.lru_cache(maxsize=64)
def _padded_window_cached(name: str, win_length: int, n_fft: int, dtype: str) -> np.ndarray:
    w = _cosine_window(name, win_length, True)
    lpad = (n_fft - win_length) // 2  # librosa.util.pad_center puts the extra zero on the right
    w = np.pad(w, (lpad, n_fft - win_length - lpad)).astype(dtype)
    w.flags.writeable = False
    return w


def _rows(y: np.ndarray, frame_length: int, hop_length: int, n_frames: int) -> np.ndarray:
    """Read-only strided view (..., n_frames, frame_length) of y's last axis; no copy."""
    s = y.strides[-1]
    return as_strided(
        y,
        shape=y.shape[:-1] + (n_frames, frame_length),
        strides=y.strides[:-1] + (hop_length * s, s),
        writeable=False,
    )


def frame(y: np.ndarray, *, frame_length: int, hop_length: int) -> np.ndarray:
    """Slice the last axis of ``y`` into overlapping frames without copying.

    Shapes: ``y`` (..., n) → read-only view (..., frame_length, n_frames),
    n_frames = 1 + ⌊(n − frame_length) / hop_length⌋; frame t is y[t·hop_length : t·hop_length + frame_length].
    Reference: ``librosa.util.frame`` (same layout); numpy ``as_strided``.
    """
    y = np.asarray(y)
    frame_length = _positive_int(frame_length, "frame_length", "e.g. 400 samples (25 ms at 16 kHz)")
    hop_length = _positive_int(hop_length, "hop_length", f"typically frame_length // 4 = {max(frame_length // 4, 1)}")
    if y.ndim == 0:
        raise ParamError("y is a scalar; frame() needs an array with a time axis")
    n = y.shape[-1]
    if n < frame_length:
        raise ParamError(
            f"y has {n} samples, fewer than frame_length={frame_length}; pad the signal or use a shorter frame"
        )
    n_frames = 1 + (n - frame_length) // hop_length
    return _rows(y, frame_length, hop_length, n_frames).swapaxes(-1, -2)


def _pad_last(y: np.ndarray, before: int, after: int, mode: str) -> np.ndarray:
    return np.pad(y, [(0, 0)] * (y.ndim - 1) + [(before, after)], mode=mode)


def _frame_sources(
    y: np.ndarray, *, n_fft: int, hop_length: int, center: bool, pad_mode: str
) -> tuple[int, list[tuple[int, np.ndarray]]]:
    """The STFT's frames as strided views: (n_frames, [(first frame index, rows (..., k, n_fft)), ...]).

    With ``center`` the frames are those of ``np.pad(y, n_fft // 2, mode=pad_mode)``, but only the
    few frames that touch an edge are read from padded copies; the interior frames are views of
    ``y`` itself (librosa does the same), which saves a full copy of the signal.
    """
    n = y.shape[-1]
    if not center:
        n_frames = 1 + (n - n_fft) // hop_length
        return n_frames, [(0, _rows(y, n_fft, hop_length, n_frames))]
    pad = n_fft // 2
    n_frames = 1 + (n + 2 * pad - n_fft) // hop_length
    first = -(-pad // hop_length)  # first frame that starts inside y
    last = (n + pad - n_fft) // hop_length  # last frame that ends inside y
    if last < first:  # too short for an interior: pad the whole (short) signal
        return n_frames, [(0, _rows(_pad_last(y, pad, pad, pad_mode), n_fft, hop_length, n_frames))]
    start = first * hop_length - pad
    sources = [(first, _rows(y[..., start:], n_fft, hop_length, last - first + 1))]
    if first > 0:
        # +1 sample so that 'reflect' sees the same neighbours it would in the full signal.
        need = (first - 1) * hop_length + n_fft - pad + 1
        head = _pad_last(y[..., :need], pad, 0, pad_mode)
        sources.insert(0, (0, _rows(head, n_fft, hop_length, first)))
    if last + 1 < n_frames:
        s = (last + 1) * hop_length - pad  # y index where the first tail frame starts
        s0 = max(0, min(s, n - pad - 1))  # keep pad + 1 real samples for 'reflect'
        tail = _pad_last(y[..., s0:], 0, pad, pad_mode)[..., s - s0 :]
        sources.append((last + 1, _rows(tail, n_fft, hop_length, n_frames - last - 1)))
    return n_frames, sources


def _windowed_frames(
    y: np.ndarray, *, n_fft: int, hop_length: int, window: np.ndarray, center: bool, pad_mode: str
) -> np.ndarray:
    """Windowed frames, C-contiguous (..., n_frames, n_fft), in y's dtype."""
    n_frames, sources = _frame_sources(y, n_fft=n_fft, hop_length=hop_length, center=center, pad_mode=pad_mode)
    out = np.empty(y.shape[:-1] + (n_frames, n_fft), dtype=y.dtype)
    for t0, rows in sources:
        np.multiply(rows, window, out=out[..., t0 : t0 + rows.shape[-2], :])
    return out


@functools.lru_cache(maxsize=1)
def _thread_pool() -> ThreadPoolExecutor:
    # Created on first use, never at import. numpy ufuncs, scipy.fft and BLAS release the GIL,
    # so plain threads share the frames across cores without copying the signal to processes.
    return ThreadPoolExecutor(max_workers=N_THREADS, thread_name_prefix="dsp")


# --------------------------------------------------------------------------------------------
# STFT / ISTFT
# --------------------------------------------------------------------------------------------


def _stft_setup(
    y: np.ndarray,
    n_fft: int,
    hop_length: int | None,
    win_length: int | None,
    window: str | np.ndarray,
    center: bool,
    pad_mode: str,
) -> tuple[np.ndarray, int, int, np.ndarray]:
    """Validate STFT arguments; return (y in its working dtype, n_fft, hop_length, padded window)."""
    y = _as_audio(y)
    n_fft, hop_length, win_length = check_stft_params(n_fft, hop_length, win_length)
    if center:
        if pad_mode not in PAD_MODES:
            raise ParamError(f"pad_mode={pad_mode!r} is not supported; choose one of {', '.join(PAD_MODES)}")
    elif y.shape[-1] < n_fft:
        raise ParamError(
            f"y has {y.shape[-1]} samples, fewer than n_fft={n_fft}, and center=False; "
            "use center=True (pads the edges), a smaller n_fft, or a longer signal"
        )
    # float32 stays float32 end to end (librosa upcasts the frames to float64 and casts back).
    dtype = np.float32 if y.dtype == np.float32 else np.float64
    y = y.astype(dtype, copy=False)
    win = _padded_window(window, win_length, n_fft, dtype)
    return y, n_fft, hop_length, win


def stft_frames(
    y: np.ndarray,
    *,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: str | np.ndarray = "hann",
    center: bool = True,
    pad_mode: str = "constant",
) -> np.ndarray:
    """Time-major STFT, the layout the FFT produces (one frame per row).

    Shapes: ``y`` (..., n) float → (..., n_frames, 1 + n_fft // 2) complex, C-contiguous;
    ``stft(y)`` is this array with its last two axes swapped (a view, no copy — the same
    memory layout librosa returns).
    Formula: X[t, k] = Σₙ w[n] · y[t·hop_length + n − n_fft/2] · e^{−2πi kn/n_fft}.
    Reference: Allen & Rabiner (1977), "A unified approach to short-time Fourier analysis and
    synthesis", Proc. IEEE 65(11); numerically equal to ``librosa.stft``.
    """
    y, n_fft, hop_length, win = _stft_setup(y, n_fft, hop_length, win_length, window, center, pad_mode)
    frames = _windowed_frames(y, n_fft=n_fft, hop_length=hop_length, window=win, center=center, pad_mode=pad_mode)
    # The frames buffer is ours, so the FFT may overwrite it.
    return _scipy_fft().rfft(frames, axis=-1, overwrite_x=True, workers=FFT_WORKERS)


def stft(
    y: np.ndarray,
    *,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: str | np.ndarray = "hann",
    center: bool = True,
    pad_mode: str = "constant",
) -> np.ndarray:
    """Short-time Fourier transform, librosa's layout and defaults.

    Shapes: ``y`` (..., n) float → (..., 1 + n_fft // 2, n_frames) complex64 for float32 input,
    complex128 for float64; n_frames = 1 + n // hop_length when ``center`` (frames centred on
    t·hop_length, edges padded with ``pad_mode``), else 1 + (n − n_fft) // hop_length.
    Defaults: win_length = n_fft, hop_length = win_length // 4; a window shorter than n_fft is
    zero-padded on both sides (centred).
    Formula: S[k, t] = Σₙ w[n] · y[t·hop_length + n − n_fft/2] · e^{−2πi kn/n_fft}.
    Reference: Allen & Rabiner (1977), Proc. IEEE 65(11); parity with ``librosa.stft`` (0.11,
    whose default pad_mode is 'constant').
    """
    return stft_frames(
        y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window, center=center, pad_mode=pad_mode
    ).swapaxes(-1, -2)


def stft_power_frames(
    y: np.ndarray,
    *,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: str | np.ndarray = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    power: float = 2.0,
) -> np.ndarray:
    """Time-major power spectrogram |STFT|**power, the fast path under every mel feature.

    Shapes: ``y`` (..., n) → (..., n_frames, 1 + n_fft // 2), C-contiguous; float32 for float32
    input, float64 otherwise. Equal to ``np.abs(stft(y, ...)).swapaxes(-1, -2) ** power``, but
    frames go through window → rfft → power in blocks of CHUNK_FRAMES on N_THREADS threads, so
    each block stays in cache, all cores work, and no complex spectrogram is ever stored.
    Formula: P[t, k] = |Σₙ w[n] · y[t·hop_length + n − n_fft/2] · e^{−2πi kn/n_fft}|^power.
    Reference: Allen & Rabiner (1977), Proc. IEEE 65(11).
    """
    y, n_fft, hop_length, win = _stft_setup(y, n_fft, hop_length, win_length, window, center, pad_mode)
    if isinstance(power, bool) or not (isinstance(power, (int, float)) and np.isfinite(power) and power > 0):
        raise ParamError(f"power={power!r} must be > 0 (2 for power, 1 for magnitude)")
    n_frames, sources = _frame_sources(y, n_fft=n_fft, hop_length=hop_length, center=center, pad_mode=pad_mode)
    out = np.empty(y.shape[:-1] + (n_frames, 1 + n_fft // 2), dtype=y.dtype)
    tasks = [
        (t0 + a, rows[..., a : a + CHUNK_FRAMES, :])
        for t0, rows in sources
        for a in range(0, rows.shape[-2], CHUNK_FRAMES)
    ]

    def run(task: tuple[int, np.ndarray]) -> None:
        t0, rows = task
        X = _scipy_fft().rfft(rows * win, axis=-1, overwrite_x=True, workers=1)
        Xf = X.view(X.real.dtype)  # (..., k, 2·F): re, im interleaved
        # |X|² as re² + im² in place: np.abs would take a square root (hypot) only for us to
        # square it again, ~3× slower.
        np.square(Xf, out=Xf)
        P = np.add(Xf[..., 0::2], Xf[..., 1::2], out=out[..., t0 : t0 + rows.shape[-2], :])
        if power == 1.0:
            np.sqrt(P, out=P)
        elif power != 2.0:
            np.power(P, power / 2.0, out=P)

    if N_THREADS > 1 and len(tasks) > 1:
        list(_thread_pool().map(run, tasks))  # list() re-raises a worker's exception here
    else:
        for task in tasks:
            run(task)
    return out


def _overlap_add(frames: np.ndarray, hop_length: int) -> np.ndarray:
    """Sum frames (..., n_frames, n_fft) placed hop_length apart → (..., n_fft + hop·(n_frames−1)).

    Vectorised over frames: each frame is cut into ⌈n_fft/hop⌉ hop-sized blocks and block k of
    frame t lands on output block t + k, so there are only ⌈n_fft/hop⌉ numpy additions.
    """
    *batch, n_frames, n_fft = frames.shape
    k_blocks = -(-n_fft // hop_length)
    if k_blocks * hop_length != n_fft:
        frames = _pad_last(frames, 0, k_blocks * hop_length - n_fft, "constant")
    blocks = frames.reshape(*batch, n_frames, k_blocks, hop_length)
    out = np.zeros((*batch, n_frames + k_blocks - 1, hop_length), dtype=frames.dtype)
    for k in range(k_blocks):
        out[..., k : k + n_frames, :] += blocks[..., k, :]
    return out.reshape(*batch, -1)[..., : n_fft + hop_length * (n_frames - 1)]


def istft(
    S: np.ndarray,
    *,
    hop_length: int | None = None,
    win_length: int | None = None,
    n_fft: int | None = None,
    window: str | np.ndarray = "hann",
    center: bool = True,
    length: int | None = None,
) -> np.ndarray:
    """Inverse STFT by weighted overlap-add with window-sum-square normalisation.

    Shapes: ``S`` (..., 1 + n_fft // 2, n_frames) complex → y (..., n) float32 for complex64
    input, float64 otherwise; n = ``length`` if given, else n_fft + hop·(n_frames − 1) − 2·(n_fft//2)
    when ``center``. Defaults as in ``stft``; n_fft = 2·(n_bins − 1).
    Formula: y[m] = Σ_t w[m − t·hop] · irfft(S[:, t])[m − t·hop] / Σ_t w²[m − t·hop]
    (least-squares inverse; exact wherever the window-sum-square is non-zero).
    Reference: Griffin & Lim (1984), "Signal estimation from modified short-time Fourier
    transform", IEEE TASSP 32(2); parity with ``librosa.istft``.
    """
    S = np.asarray(S)
    if S.ndim < 2:
        raise ParamError(f"S has shape {S.shape}; istft needs (..., 1 + n_fft // 2, n_frames)")
    n_bins = S.shape[-2]
    if n_fft is None:
        n_fft = 2 * (n_bins - 1)
        if n_fft <= 0:
            raise ParamError(f"S has {n_bins} frequency bin(s); pass n_fft explicitly")
    n_fft, hop_length, win_length = check_stft_params(n_fft, hop_length, win_length)
    if n_bins != 1 + n_fft // 2:
        raise ParamError(
            f"S has {n_bins} frequency bins but n_fft={n_fft} implies 1 + n_fft // 2 = {1 + n_fft // 2}; "
            "pass the n_fft used for the forward STFT"
        )
    pad = n_fft // 2 if center else 0
    n_frames = S.shape[-1]
    if length is not None:
        length = _positive_int(length, "length", "pass the number of samples of the original signal")
        # Frames entirely beyond the requested length contribute nothing; skip them like librosa.
        n_frames = min(n_frames, -(-(length + 2 * pad) // hop_length))
    real = np.float32 if S.dtype == np.complex64 else np.float64
    win = _padded_window(window, win_length, n_fft, real)

    frames = _scipy_fft().irfft(S[..., :n_frames].swapaxes(-1, -2), n=n_fft, axis=-1, workers=FFT_WORKERS)
    frames = frames.astype(real, copy=False)
    frames *= win
    y = _overlap_add(frames, hop_length)
    wss = _overlap_add(np.broadcast_to(win.astype(np.float64) ** 2, (n_frames, n_fft)), hop_length)

    n_out = length if length is not None else n_fft + hop_length * (n_frames - 1) - 2 * pad
    y = y[..., pad : pad + n_out]
    wss = wss[pad : pad + n_out]
    if y.shape[-1] < n_out:  # a requested length past the last frame reads as silence
        y = _pad_last(y, 0, n_out - y.shape[-1], "constant")
        wss = np.pad(wss, (0, n_out - wss.shape[-1]))
    y = np.array(y, dtype=real)  # own, contiguous
    # Where no window covers a sample (wss ≈ 0) dividing would amplify rounding noise; leave it.
    nz = wss > np.finfo(real).tiny
    y[..., nz] /= wss[nz].astype(real)
    return y


# --------------------------------------------------------------------------------------------
# Decibels
# --------------------------------------------------------------------------------------------


def power_to_db(
    S: np.ndarray,
    *,
    ref: float | Callable[[np.ndarray], float] = 1.0,
    amin: float = 1e-10,
    top_db: float | None = 80.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Convert a power spectrogram to decibels, clipped ``top_db`` below its peak.

    Shapes: any → same shape, float. ``ref`` is a value or a function of S (e.g. ``np.max`` for
    0 dB at the peak); ``out=S`` computes in place (S must then be a float array).
    Formula: S_dB = 10·log10(max(S, amin)) − 10·log10(max(|ref|, amin)), then
    S_dB = max(S_dB, max(S_dB) − top_db) over the whole array.
    Reference: ``librosa.power_to_db`` (exact parity).
    """
    if amin <= 0:
        raise ParamError(f"amin={amin} must be > 0; it is the floor that keeps log10 finite (e.g. 1e-10)")
    if top_db is not None and top_db < 0:
        raise ParamError(f"top_db={top_db} must be >= 0 dB (e.g. 80), or None for no clipping")
    S = np.asarray(S)
    if np.iscomplexobj(S):
        raise ParamError("S is complex; pass np.abs(S)**2 (power) or use amplitude_to_db(np.abs(S))")
    ref_value = ref(S) if callable(ref) else np.abs(ref)
    out = np.maximum(S, amin, out=out)
    np.log10(out, out=out)
    out *= 10.0
    out -= 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        np.maximum(out, out.max() - top_db, out=out)
    return out


def amplitude_to_db(
    S: np.ndarray,
    *,
    ref: float | Callable[[np.ndarray], float] = 1.0,
    amin: float = 1e-5,
    top_db: float | None = 80.0,
) -> np.ndarray:
    """Convert an amplitude (magnitude) spectrogram to decibels.

    Shapes: any (complex input is reduced with |S|) → same shape, float.
    Formula: S_dB = 20·log10(max(|S|, amin)) − 20·log10(max(|ref|, amin)), clipped ``top_db``
    below the peak; equal to power_to_db(|S|², ref=ref², amin=amin², top_db).
    Reference: ``librosa.amplitude_to_db`` (exact parity).
    """
    if amin <= 0:
        raise ParamError(f"amin={amin} must be > 0; it is the floor that keeps log10 finite (e.g. 1e-5)")
    magnitude = np.abs(np.asarray(S))
    ref_value = ref(magnitude) if callable(ref) else np.abs(ref)
    power = np.square(magnitude, out=magnitude)
    return power_to_db(power, ref=ref_value**2, amin=amin**2, top_db=top_db)


# --------------------------------------------------------------------------------------------
# One spectrum of a whole clip (lesson 01)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spectrum:
    freqs_hz: np.ndarray  # (1 + n_fft // 2,) bin centre frequencies, 0 … sr/2
    magnitude_db: np.ndarray  # (1 + n_fft // 2,) level in dBFS: a full-scale sine reads ≈ 0 dB
    peak_hz: float  # dominant frequency, refined between bins (nan for silence)
    bin_hz: float  # frequency resolution sr / n_fft (bin spacing, not the window's main lobe)


def magnitude_spectrum(y: np.ndarray, sr: float, *, n_fft: int | None = None, window: str = "hann") -> Spectrum:
    """Windowed magnitude spectrum of a clip with a sub-bin estimate of its dominant frequency.

    Shapes: ``y`` (n,) → Spectrum with (1 + n_fft // 2,) arrays. ``y[:n_fft]`` is windowed over
    min(n, n_fft) samples and zero-padded to ``n_fft`` (default: n). Levels are scaled by
    2/Σw so a sine of amplitude A reads 20·log10(A) dBFS. The peak search skips DC and its
    window main lobe (MAIN_LOBE_BINS, in units of the unpadded window's bins): an offset is not a tone.
    Formula: with α, β, γ the dB levels of bins k−1, k, k+1 around the maximum,
    p = ½(α − γ)/(α − 2β + γ) and peak_hz = (k + p)·sr/n_fft (parabolic interpolation).
    Reference: Smith, *Spectral Audio Signal Processing* (2011), "Quadratic Interpolation of
    Spectral Peaks"; Harris (1978) for the window's coherent gain.
    """
    y = _as_audio(y)
    if y.ndim != 1:
        raise ParamError(f"y has shape {y.shape}; magnitude_spectrum takes mono audio (n,)")
    if not (np.isfinite(sr) and sr > 0):
        raise ParamError(f"sr={sr} must be a positive sample rate in Hz")
    n_fft = y.shape[0] if n_fft is None else _positive_int(n_fft, "n_fft", "or None to use the clip length")
    seg = y[:n_fft].astype(np.float64)
    w = get_window(window, seg.shape[0])
    X = np.abs(_scipy_fft().rfft(seg * w, n=n_fft))
    gain = np.full(X.shape, 2.0 / w.sum())
    gain[0] /= 2.0  # DC and Nyquist have no mirror image in the one-sided spectrum
    if n_fft % 2 == 0:
        gain[-1] /= 2.0
    mag = X * gain
    magnitude_db = 20.0 * np.log10(np.maximum(mag, SPECTRUM_AMIN))
    freqs_hz = np.arange(X.shape[0]) * (sr / n_fft)
    bin_hz = sr / n_fft
    peak_hz = float("nan")
    lobe = MAIN_LOBE_BINS[check_window(window)] if isinstance(window, str) else 2
    k0 = min(X.shape[0] - 1, lobe * -(-n_fft // seg.shape[0]))
    if X.shape[0] > 1 and mag[k0:].max() > SPECTRUM_AMIN:
        k = k0 + int(np.argmax(mag[k0:]))
        p = 0.0
        if k + 1 < X.shape[0]:
            a, b, c = magnitude_db[k - 1 : k + 2]
            denom = a - 2.0 * b + c
            if denom < 0:  # a true local maximum: the parabola opens downward
                p = 0.5 * (a - c) / denom
        peak_hz = float((k + p) * bin_hz)
    return Spectrum(freqs_hz=freqs_hz, magnitude_db=magnitude_db, peak_hz=peak_hz, bin_hz=float(bin_hz))
