"""Mel scale, mel filterbank, log-mel spectrogram, Whisper's front end, MFCC and deltas.

Everything here matches librosa numerically (see tests/test_features.py for the tolerances),
and ``log_mel`` is the fast path the app uses everywhere: float32 end to end, frames windowed,
transformed (``scipy.fft``) and squared in cache-sized blocks on all cores
(``core.dsp.stft_power_frames``), then one BLAS product with a cached filterbank and an in-place
log (benchmarks/features.py compares it with librosa and torchaudio).

Layout follows librosa: features are (..., n_features, n_frames), time on the last axis.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from core.dsp import WINDOWS, check_stft_params, check_window, power_to_db, stft_power_frames
from core.errors import ParamError

# Slaney's auditory-toolbox mel scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above
# with 27 mels per factor 6.4 in frequency. Constants as in librosa.hz_to_mel.
_F_SP = 200.0 / 3  # Hz per mel in the linear region
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP  # 15.0
_LOGSTEP = np.log(6.4) / 27.0  # ≈ 0.0687 (natural-log units per mel)

MAX_N_FFT = 2**16  # 4 s at 16 kHz; beyond this a "frame" is no longer short-time
MAX_N_MELS = 1024  # far beyond any front end (Whisper uses 128); bounds the filterbank's memory
MAX_SR = 384_000  # Hz, the same ceiling as core.audio: the highest rate real converters offer
MEL_NORMS = ("slaney", None)
LOG_SCALES = ("db", "log10", "ln", "whisper")
DELTA_MODES = ("interp", "nearest", "mirror", "constant", "wrap")
LOG_AMIN = 1e-10  # power floor before a log: −100 dB, far below 16-bit quantisation noise

# Whisper's front end (openai/whisper, whisper/audio.py); names as there.
SAMPLE_RATE = 16_000
N_FFT = 400  # 25 ms
HOP_LENGTH = 160  # 10 ms
CHUNK_LENGTH = 30  # seconds per Whisper input window
N_SAMPLES = CHUNK_LENGTH * SAMPLE_RATE  # 480000
N_FRAMES = N_SAMPLES // HOP_LENGTH  # 3000
WHISPER_DYNAMIC_RANGE = 8.0  # log10 units kept below the peak: 80 dB


# --------------------------------------------------------------------------------------------
# The mel scale
# --------------------------------------------------------------------------------------------


def hz_to_mel(f: float | np.ndarray, *, htk: bool = False) -> np.floating | np.ndarray:
    """Convert frequency in Hz to mels; scalars give numpy scalars, arrays give arrays.

    Formula: HTK m = 2595·log10(1 + f/700); Slaney m = 3f/200 for f < 1 kHz, else
    15 + 27·ln(f/1000)/ln(6.4) (so 1000 Hz ↦ 15 mel).
    Reference: Stevens, Volkmann & Newman (1937); O'Shaughnessy, *Speech Communication* (1987)
    for HTK's form; Slaney, *Auditory Toolbox* tech. report #1998-010. Parity with
    ``librosa.hz_to_mel``.
    """
    f = np.asanyarray(f)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    mels = f / _F_SP
    if f.ndim:
        log_t = f >= _MIN_LOG_HZ
        mels[log_t] = _MIN_LOG_MEL + np.log(f[log_t] / _MIN_LOG_HZ) / _LOGSTEP
    elif f >= _MIN_LOG_HZ:
        mels = _MIN_LOG_MEL + np.log(f / _MIN_LOG_HZ) / _LOGSTEP
    return mels


def mel_to_hz(m: float | np.ndarray, *, htk: bool = False) -> np.floating | np.ndarray:
    """Convert mels to frequency in Hz; the exact inverse of ``hz_to_mel``.

    Formula: HTK f = 700·(10^{m/2595} − 1); Slaney f = 200m/3 for m < 15, else
    1000·6.4^{(m − 15)/27}.
    Reference: Slaney, *Auditory Toolbox* (1998); parity with ``librosa.mel_to_hz``.
    """
    m = np.asanyarray(m)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    freqs = _F_SP * m
    if m.ndim:
        log_t = m >= _MIN_LOG_MEL
        freqs[log_t] = _MIN_LOG_HZ * np.exp(_LOGSTEP * (m[log_t] - _MIN_LOG_MEL))
    elif m >= _MIN_LOG_MEL:
        freqs = _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL))
    return freqs


def mel_frequencies(n_mels: int = 128, *, fmin: float = 0.0, fmax: float = 11025.0, htk: bool = False) -> np.ndarray:
    """``n_mels`` frequencies (Hz, float64) equally spaced on the mel scale from fmin to fmax.

    Formula: f_i = mel_to_hz(m(fmin) + i·(m(fmax) − m(fmin))/(n_mels − 1)), i = 0 … n_mels − 1.
    Reference: parity with ``librosa.mel_frequencies``.
    """
    mels = np.linspace(hz_to_mel(fmin, htk=htk), hz_to_mel(fmax, htk=htk), n_mels)
    return mel_to_hz(mels, htk=htk)


# --------------------------------------------------------------------------------------------
# The mel filterbank
# --------------------------------------------------------------------------------------------


def _check_sr(sr: float) -> float:
    if isinstance(sr, (bool, np.bool_)) or not isinstance(sr, (int, float, np.integer, np.floating)):
        raise ParamError(f"sr={sr!r} must be a sample rate in Hz, e.g. 16000")
    if not (math.isfinite(sr) and 0 < sr <= MAX_SR):
        raise ParamError(f"sr={sr} Hz is out of range; use a sample rate in (0, {MAX_SR}] Hz, e.g. 16000")
    return float(sr)


def _check_band(sr: float, fmin: float, fmax: float | None) -> tuple[float, float]:
    nyquist = sr / 2
    fmax = nyquist if fmax is None else fmax
    if not math.isfinite(fmin) or fmin < 0:
        raise ParamError(f"fmin={fmin} Hz must be >= 0 Hz")
    if not math.isfinite(fmax) or fmax > nyquist:
        raise ParamError(
            f"fmax={fmax} Hz is above the Nyquist frequency sr/2 = {nyquist:g} Hz; "
            f"use fmax <= {nyquist:g} (or None for sr/2), or raise sr"
        )
    if fmin >= fmax:
        raise ParamError(f"fmin={fmin} Hz must be below fmax={fmax} Hz; lower fmin or raise fmax")
    return float(fmin), float(fmax)


def _n_empty_filters(sr: float, n_fft: int, n_mels: int, fmin: float, fmax: float, htk: bool) -> int:
    """How many filters have no FFT bin strictly inside their support (librosa's 'empty')."""
    mel_f = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax, htk=htk)
    fftfreqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    lo, hi = mel_f[:-2], mel_f[2:]
    inside = np.searchsorted(fftfreqs, hi, side="left") - np.searchsorted(fftfreqs, lo, side="right")
    # librosa exempts a filter whose lower edge is exactly 0 Hz (it only touches the DC bin).
    return int(np.count_nonzero((inside <= 0) & (lo != 0)))


@functools.lru_cache(maxsize=256)
def max_mels(sr: float, n_fft: int, fmin: float = 0.0, fmax: float | None = None, htk: bool = False) -> int:
    """Largest ``n_mels`` for which no mel filter is empty at this FFT resolution.

    A triangle i spans (f_i, f_{i+2}); once the spacing of the lowest triangles falls below the
    bin spacing sr/n_fft, some triangle holds no bin and its channel is always zero.
    Formula: max{M : ∀ i < M, ∃ k with f_i < k·sr/n_fft < f_{i+2}}, by bisection over M.
    Reference: the "empty filters" check of ``librosa.filters.mel``.
    """
    sr = _check_sr(sr)
    n_fft = check_stft_params(n_fft, 1, None)[0]
    fmin, fmax = _check_band(sr, fmin, fmax)
    lo, hi = 0, 2 * (1 + n_fft // 2) + 2  # a bin lies inside at most two triangles
    while lo < hi:  # largest M with no empty filter, assuming emptiness is monotone in M
        mid = (lo + hi + 1) // 2
        if _n_empty_filters(sr, n_fft, mid, fmin, fmax, htk) == 0:
            lo = mid
        else:
            hi = mid - 1
    while lo > 0 and _n_empty_filters(sr, n_fft, lo, fmin, fmax, htk):  # guard non-monotone corners
        lo -= 1
    return lo


@functools.lru_cache(maxsize=64)
def _mel_filterbank_cached(
    sr: float, n_fft: int, n_mels: int, fmin: float, fmax: float, htk: bool, norm: str | None
) -> np.ndarray:
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    fftfreqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    mel_f = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax, htk=htk)
    fdiff = np.diff(mel_f)
    # librosa's arithmetic in librosa's order (float64 ramps stored into float32), so the two agree
    # bit for bit; one row at a time keeps memory at O(n_bins) beyond the result.
    for i in range(n_mels):
        lower = (fftfreqs - mel_f[i]) / fdiff[i]  # rising edge: 0 at f_i, 1 at f_{i+1}
        upper = (mel_f[i + 2] - fftfreqs) / fdiff[i + 1]  # falling edge: 1 at f_{i+1}, 0 at f_{i+2}
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    if norm == "slaney":
        # Equal area: each triangle's height is 2 / its width in Hz, so a flat spectrum gives
        # every channel the same energy density whatever its bandwidth.
        weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    weights.flags.writeable = False
    return weights


def _check_mel(
    sr: float, n_fft: int, n_mels: int, fmin: float, fmax: float | None, htk: bool, norm: str | None
) -> tuple[float, int, int, float, float]:
    sr = _check_sr(sr)
    n_fft = check_stft_params(n_fft, 1, None)[0]
    if n_fft > MAX_N_FFT:
        raise ParamError(f"n_fft={n_fft} is larger than {MAX_N_FFT}; short-time analysis uses 256–4096 samples")
    if isinstance(n_mels, (bool, np.bool_)) or not isinstance(n_mels, (int, np.integer)) or n_mels < 1:
        raise ParamError(f"n_mels={n_mels!r} must be a positive integer, e.g. 80 or 128")
    if n_mels > MAX_N_MELS:
        raise ParamError(f"n_mels={n_mels} is larger than {MAX_N_MELS}; speech and music front ends use 40–128")
    if norm not in MEL_NORMS:
        raise ParamError(f"norm={norm!r} is not supported; use 'slaney' (equal-area triangles) or None (peak 1)")
    fmin, fmax = _check_band(sr, fmin, fmax)
    n_empty = _n_empty_filters(sr, n_fft, int(n_mels), fmin, fmax, htk)
    if n_empty:  # librosa only warns; an always-zero channel is a configuration error
        raise ParamError(
            f"n_mels={n_mels} is too many for n_fft={n_fft} at sr={sr:g} Hz between {fmin:g} and {fmax:g} Hz: "
            f"{n_empty} filter(s) would contain no FFT bin; use n_mels <= {max_mels(sr, n_fft, fmin, fmax, htk)} "
            f"or raise n_fft (bins are {sr / n_fft:.1f} Hz apart)"
        )
    return sr, n_fft, int(n_mels), fmin, fmax


def mel_filterbank(
    *,
    sr: float,
    n_fft: int,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    norm: str | None = "slaney",
) -> np.ndarray:
    """Triangular mel filterbank, float32 (n_mels, 1 + n_fft // 2); cached and read-only.

    Filter i rises linearly from f_i to f_{i+1} and falls to f_{i+2}, f = mel_frequencies(n_mels + 2,
    fmin, fmax), f_k = k·sr/n_fft:
    W[i, k] = max(0, min((f_k − f_i)/(f_{i+1} − f_i), (f_{i+2} − f_k)/(f_{i+2} − f_{i+1}))).
    norm='slaney' scales row i by 2/(f_{i+2} − f_i) (equal area); None keeps peak 1.
    fmax defaults to sr/2. Raises ParamError (librosa only warns) if some filter would be empty.
    Reference: Davis & Mermelstein (1980), IEEE TASSP 28(4); Slaney, *Auditory Toolbox* (1998);
    equal to ``librosa.filters.mel``.
    """
    sr, n_fft, n_mels, fmin, fmax = _check_mel(sr, n_fft, n_mels, fmin, fmax, bool(htk), norm)
    return _mel_filterbank_cached(sr, n_fft, n_mels, fmin, fmax, bool(htk), norm)


# --------------------------------------------------------------------------------------------
# Configuration and presets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MelConfig:
    """The knobs of a log-mel front end, one field per slider; defaults are Whisper's."""

    sr: int = 16_000  # sample rate (Hz) the audio is resampled to before analysis
    n_fft: int = 400  # FFT size in samples (25 ms at 16 kHz); sets the bin spacing sr/n_fft
    hop_length: int = 160  # samples between frame starts (10 ms at 16 kHz): 100 frames/s
    win_length: int | None = None  # window length in samples, zero-padded to n_fft; None = n_fft
    window: str = "hann"  # taper applied to each frame: trades leakage against resolution
    center: bool = True  # pad n_fft // 2 at both ends so frame t is centred on t·hop_length
    n_mels: int = 80  # number of mel bands (Whisper: 80; large-v3: 128)
    fmin: float = 0.0  # lowest filter edge (Hz)
    fmax: float | None = None  # highest filter edge (Hz); None = sr / 2
    htk: bool = False  # mel formula: HTK 2595·log10(1 + f/700), or Slaney's linear/log (False)
    norm: str | None = "slaney"  # 'slaney' equal-area triangles, or None for peak height 1
    power: float = 2.0  # exponent on |STFT|: 2 = power, 1 = magnitude

    @property
    def n_bins(self) -> int:
        """Number of FFT bins per frame, 1 + n_fft // 2."""
        return 1 + self.n_fft // 2

    @property
    def frame_ms(self) -> float:
        """Analysis window length in milliseconds."""
        return 1000.0 * (self.win_length or self.n_fft) / self.sr

    @property
    def hop_ms(self) -> float:
        """Frame period in milliseconds."""
        return 1000.0 * self.hop_length / self.sr

    def validate(self) -> MelConfig:
        """Raise ParamError naming the first absurd field and its fix; return self if all fine."""
        _check_sr(self.sr)
        check_stft_params(self.n_fft, self.hop_length, self.win_length)
        if not isinstance(self.window, str):
            raise ParamError(f"window={self.window!r} must be one of {', '.join(WINDOWS)}")
        check_window(self.window)
        if not (isinstance(self.power, (int, float)) and math.isfinite(self.power) and self.power > 0):
            raise ParamError(f"power={self.power!r} must be > 0 (2 for power, 1 for magnitude)")
        _check_mel(self.sr, self.n_fft, self.n_mels, self.fmin, self.fmax, bool(self.htk), self.norm)
        return self

    def kwargs(self) -> dict[str, object]:
        """The fields as keyword arguments for ``melspectrogram`` (and ``mfcc``)."""
        return asdict(self)


def speech_config(sr: int = 16_000, *, n_mels: int = 40) -> MelConfig:
    """The classic ASR front end at any rate: 25 ms Hamming frames every 10 ms, HTK mel, 20–7600 Hz.

    n_fft = round(0.025·sr) (400 at 16 kHz, 200 at 8 kHz), hop = round(0.010·sr); fmax is
    min(7600, 0.475·sr) to keep clear of the anti-aliasing roll-off. Unnormalised (peak 1)
    triangles, as in HTK and Kaldi's fbank.
    Reference: Young et al., *The HTK Book* (3.4), §5.4; Povey et al. (2011), Kaldi.
    """
    sr = int(_check_sr(sr))
    return MelConfig(
        sr=sr,
        n_fft=round(0.025 * sr),
        hop_length=round(0.010 * sr),
        window="hamming",
        n_mels=n_mels,
        fmin=20.0,
        fmax=min(7600.0, 0.475 * sr),
        htk=True,
        norm=None,
    ).validate()


WHISPER = MelConfig()  # 16 kHz, n_fft 400, hop 160, 80 Slaney mels, slaney norm: openai/whisper
SPEECH = speech_config(16_000)  # 16 kHz, 25 ms / 10 ms → n_fft 400, hop 160; 40 HTK mels, 20–7600 Hz
# Music: the 50 ms frame rounded up to a power of two at 22.05 kHz (1102.5 → 2048 samples = 93 ms;
# bins 10.8 Hz apart, a semitone from ~180 Hz up) with 4× overlap (hop 512 = 23 ms): librosa's defaults.
MUSIC = MelConfig(sr=22_050, n_fft=2048, hop_length=512, n_mels=128)
PRESETS: dict[str, MelConfig] = {"whisper": WHISPER, "speech": SPEECH, "music": MUSIC}


# --------------------------------------------------------------------------------------------
# Mel spectrogram and log-mel
# --------------------------------------------------------------------------------------------


def melspectrogram(
    y: np.ndarray | None = None,
    *,
    sr: float = 22_050,
    S: np.ndarray | None = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: int | None = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    power: float = 2.0,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    norm: str | None = "slaney",
) -> np.ndarray:
    """Mel-frequency spectrogram; defaults are librosa's (music at 22.05 kHz).

    Shapes: ``y`` (..., n) float → (..., n_mels, n_frames), float32 for float32 input (float64
    otherwise). Alternatively pass ``S`` (..., 1 + n_fft // 2, n_frames), a precomputed
    |STFT|**power, and it is only projected onto the filterbank.
    Formula: M[m, t] = Σ_k W[m, k] · |X[k, t]|^power, W = mel_filterbank(sr, n_fft, ...).
    Reference: Davis & Mermelstein (1980), IEEE TASSP 28(4); parity with
    ``librosa.feature.melspectrogram``.
    """
    if (y is None) == (S is None):
        raise ParamError("pass exactly one of y (audio) or S (a power spectrogram)")
    if S is not None:
        S = np.asarray(S)
        n_fft = 2 * (S.shape[-2] - 1) if S.ndim >= 2 else 0
        if n_fft <= 0 or np.iscomplexobj(S):
            raise ParamError(
                f"S has shape {S.shape} and dtype {S.dtype}; pass a real (..., 1 + n_fft // 2, n_frames) array"
            )
        fb = mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm)
        return np.matmul(fb.astype(np.result_type(S.dtype, np.float32), copy=False), S)
    # Build (and validate) the filterbank before the expensive part.
    fb = mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm)
    return _mel_power(
        y,
        fb,
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=win_length,
        window=window,
        center=center,
        pad_mode=pad_mode,
        power=power,
    )


def _mel_power(y: np.ndarray, fb: np.ndarray, **stft_kwargs: object) -> np.ndarray:
    """fb @ |STFT|**power → (..., n_mels, n_frames), C-contiguous, in y's precision."""
    P = stft_power_frames(y, **stft_kwargs)  # type: ignore[arg-type]  # (..., T, F)
    # (n_mels, F) @ (..., F, T): BLAS reads P transposed in place, so the result comes out
    # (n_mels, T) C-contiguous with no copy.
    return np.matmul(fb.astype(P.dtype, copy=False), P.swapaxes(-1, -2))


def _check_log_args(scale: str, amin: float, top_db: float | None) -> None:
    if scale not in LOG_SCALES:
        raise ParamError(f"scale={scale!r} is not one of {', '.join(LOG_SCALES)}")
    if not amin > 0:
        raise ParamError(f"amin={amin} must be > 0; it is the floor that keeps the log finite (e.g. 1e-10)")
    if top_db is not None and not top_db >= 0:
        raise ParamError(f"top_db={top_db} must be >= 0 dB (e.g. 80), or None for no clipping")


def scale_log_mel(
    S: np.ndarray,
    scale: Literal["db", "log10", "ln", "whisper"] = "db",
    *,
    amin: float = LOG_AMIN,
    top_db: float | None = 80.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Compress a mel power spectrogram (..., n_mels, n_frames) with one of the usual logs.

    'db':      10·log10(max(S, amin)) re 1.0, clipped ``top_db`` below the array's peak
               (librosa.power_to_db; 80 dB keeps digital silence from dominating a colour scale);
    'log10':   log10(max(S, amin));  'ln': ln(max(S, amin))  (no clipping);
    'whisper': L = log10(max(S, 1e-10)), L = max(L, max(L) − 8) per clip, then (L + 4)/4 —
               Whisper's input scaling, roughly in [−1, 1.5].
    The scales differ by a factor (10 or ln 10) and an offset, so a model trained on one is fed
    nonsense by another. ``out=S`` computes in place.
    Formula (db): L = 10·log10(max(S, amin, max(S)·10^(−top_db/10))) — clipping before the log
    is the same as after, since log is monotone, and saves a pass.
    Reference: librosa.power_to_db; Radford et al. (2022) for 'whisper'.
    """
    _check_log_args(scale, amin, top_db)
    S = np.asarray(S)
    if np.iscomplexobj(S):
        raise ParamError("S is complex; pass a power spectrogram np.abs(S)**2")
    floor = amin
    if scale == "whisper":
        floor = LOG_AMIN
    elif scale == "db" and top_db is not None and S.size:
        floor = max(amin, float(S.max()) * 10.0 ** (-top_db / 10.0))
    out = np.maximum(S, floor, out=out)
    if scale == "ln":
        return np.log(out, out=out)
    np.log10(out, out=out)
    if scale == "db":
        out *= 10.0
    elif scale == "whisper":
        axes = (-2, -1) if out.ndim >= 2 else (-1,)
        np.maximum(out, out.max(axis=axes, keepdims=True) - WHISPER_DYNAMIC_RANGE, out=out)
        out += 4.0
        out /= 4.0
    return out


def log_mel(
    y: np.ndarray,
    cfg: MelConfig = WHISPER,
    *,
    scale: Literal["db", "log10", "ln", "whisper"] = "db",
    amin: float = LOG_AMIN,
    top_db: float | None = 80.0,
) -> np.ndarray:
    """Log-mel spectrogram of ``y`` with the front end described by ``cfg``; the app's fast path.

    Shapes: ``y`` (..., n) float at ``cfg.sr`` → (..., n_mels, n_frames), C-contiguous, in y's
    precision: float32 audio is analysed in float32 (fast; the FFT's rounding is relative to a
    frame's energy, so bands 60 dB below a frame's peak differ from librosa's float64 FFT by up
    to ~2e-4 log10 units = 2e-3 dB), float64 audio in float64 (equal to librosa to ~1e-12).
    ``scale`` as in ``scale_log_mel``: 'db' (default; ``top_db`` below the peak, 80 dB as librosa
    and Whisper), 'log10', 'ln' or 'whisper'.
    Formula: L[m, t] = 10·log10(max(Σ_k W[m, k]·|X[k, t]|², amin)).
    Reference: librosa.power_to_db(librosa.feature.melspectrogram(...)) (parity ≤ 1e-4 log10 units).
    """
    _check_log_args(scale, amin, top_db)  # before the expensive part
    cfg.validate()
    fb = mel_filterbank(
        sr=cfg.sr, n_fft=cfg.n_fft, n_mels=cfg.n_mels, fmin=cfg.fmin, fmax=cfg.fmax, htk=cfg.htk, norm=cfg.norm
    )
    M = _mel_power(
        y,
        fb,
        n_fft=cfg.n_fft,
        hop_length=cfg.hop_length,
        win_length=cfg.win_length,
        window=cfg.window,
        center=cfg.center,
        power=cfg.power,
    )
    return scale_log_mel(M, scale, amin=amin, top_db=top_db, out=M)


def whisper_log_mel(y: np.ndarray, *, n_mels: int = 80, pad_or_trim: bool = True) -> np.ndarray:
    """Whisper's log-mel input: (..., n_mels, 3000) float32 for a 30 s window of 16 kHz audio.

    Steps (openai/whisper, audio.py): pad with zeros / trim to N_SAMPLES = 480000; STFT with
    n_fft 400, hop 160, periodic Hann, center=True with **reflect** padding (torch.stft's
    default); drop the last frame (3001 → 3000); power; Slaney mel (80 or 128 bands);
    L = log10(max(M, 1e-10)); L = max(L, max(L) − 8); L = (L + 4) / 4. The max is taken per clip.
    With pad_or_trim=False the clip keeps its length and gives n // 160 frames.
    Reference: Radford et al. (2022), "Robust Speech Recognition via Large-Scale Weak
    Supervision", §2.2; parity with whisper.log_mel_spectrogram and transformers'
    WhisperFeatureExtractor.
    """
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.floating):
        raise ParamError(f"y has dtype {y.dtype}; pass float audio in [-1, 1] at 16 kHz")
    y = y.astype(np.float32, copy=False)
    if pad_or_trim:
        n = y.shape[-1]
        y = y[..., :N_SAMPLES] if n >= N_SAMPLES else np.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, N_SAMPLES - n)])
    elif y.shape[-1] <= N_FFT // 2:
        raise ParamError(
            f"y has {y.shape[-1]} samples; reflect padding needs more than {N_FFT // 2}; use pad_or_trim=True"
        )
    fb = mel_filterbank(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=n_mels)
    M = _mel_power(y, fb, n_fft=N_FFT, hop_length=HOP_LENGTH, window="hann", pad_mode="reflect")
    L = np.ascontiguousarray(M[..., :-1])  # Whisper drops the last frame: 3001 → 3000
    return scale_log_mel(L, "whisper", out=L)


# --------------------------------------------------------------------------------------------
# Cepstra and deltas
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _dct_basis(n: int, norm: str | None) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    C = 2.0 * np.cos(np.pi * k * (2 * i + 1) / (2 * n))
    if norm == "ortho":
        # Scale rows so that C is orthonormal: C·Cᵀ = I, which makes the DCT energy-preserving.
        C[0] *= np.sqrt(1.0 / (4 * n))
        C[1:] *= np.sqrt(1.0 / (2 * n))
    C.flags.writeable = False
    return C


def dct_ii(x: np.ndarray, *, axis: int = -2, norm: str | None = "ortho") -> np.ndarray:
    """Type-II discrete cosine transform along ``axis`` as a (cached) matrix product.

    Shapes: any → same shape, float. Formula: X[k] = 2·Σₙ x[n]·cos(πk(2n + 1)/(2N)); with
    norm='ortho' X[0] is scaled by √(1/4N) and X[k>0] by √(1/2N), making the transform orthonormal.
    The default axis −2 is the feature axis of a (..., n_mels, n_frames) spectrogram.
    Reference: Ahmed, Natarajan & Rao (1974), "Discrete Cosine Transform", IEEE Trans. Computers;
    parity with ``scipy.fft.dct(x, type=2, norm=...)``.
    """
    if norm not in ("ortho", None):
        raise ParamError(f"norm={norm!r} is not supported; use 'ortho' or None")
    x = np.asarray(x)
    if x.ndim == 0:
        raise ParamError("x is a scalar; the DCT needs an array")
    if not -x.ndim <= axis < x.ndim:
        raise ParamError(f"axis={axis} is out of range for an array with {x.ndim} dimension(s)")
    n = x.shape[axis]
    if n == 0:
        raise ParamError(f"x has length 0 along axis {axis}")
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    C = _dct_basis(n, norm).astype(dtype, copy=False)
    # Move the transform axis last and multiply by Cᵀ: BLAS takes the transposed views without copies.
    out = np.matmul(np.moveaxis(x, axis, -1), C.T)
    return np.moveaxis(out, -1, axis)


def mfcc(
    y: np.ndarray | None = None,
    *,
    sr: float | None = None,
    S: np.ndarray | None = None,
    n_mfcc: int = 20,
    lifter: float = 0,
    **mel_kwargs: object,
) -> np.ndarray:
    """Mel-frequency cepstral coefficients, (..., n_mfcc, n_frames).

    ``S`` is a log-power mel spectrogram in dB (..., n_mels, n_frames); if omitted it is
    power_to_db(melspectrogram(y, sr=sr, **mel_kwargs)) with melspectrogram's (librosa's) defaults.
    Formula: c = DCT-II_ortho(S)[:n_mfcc]; with lifter L > 0, c_k ← c_k·(1 + (L/2)·sin(π(k+1)/L)).
    Reference: Davis & Mermelstein (1980), IEEE TASSP 28(4); Juang et al. (1987) for liftering;
    parity with ``librosa.feature.mfcc``.
    """
    if S is None:
        if y is None:
            raise ParamError("pass y (audio, with sr) or S (a log-power mel spectrogram in dB)")
        if sr is None:
            raise ParamError("sr is required with y; pass the sample rate in Hz, e.g. sr=16000")
        S = power_to_db(melspectrogram(y, sr=sr, **mel_kwargs))  # type: ignore[arg-type]
    S = np.asarray(S)
    if S.ndim < 2:
        raise ParamError(f"S has shape {S.shape}; pass (..., n_mels, n_frames)")
    n_mels = S.shape[-2]
    if isinstance(n_mfcc, bool) or not isinstance(n_mfcc, (int, np.integer)) or not 1 <= n_mfcc <= n_mels:
        raise ParamError(f"n_mfcc={n_mfcc!r} must be an integer in [1, n_mels={n_mels}]; typical values are 13–20")
    if not math.isfinite(lifter) or lifter < 0:
        raise ParamError(f"lifter={lifter} must be >= 0 (0 disables liftering; HTK uses 22)")
    M = dct_ii(S, axis=-2, norm="ortho")[..., :n_mfcc, :]
    if lifter > 0:
        # Raising the higher coefficients evens out their variances (they shrink with k).
        li = np.sin(np.pi * np.arange(1, 1 + n_mfcc, dtype=M.dtype) / lifter)
        M *= (1 + (lifter / 2) * li)[:, None]
    return M


@functools.lru_cache(maxsize=32)
def _delta_weights(width: int, order: int) -> np.ndarray:
    """Correlation weights w_n, n = −N … N, giving the order-th derivative of a local LS polynomial."""
    half = width // 2
    n = np.arange(-half, half + 1, dtype=np.float64)
    if order == 1:
        # The lesson's regression formula: d_t = Σ n·c_{t+n} / Σ n²
        #                                      = Σ_{n≥1} n·(c_{t+n} − c_{t−n}) / (2·Σ_{n≥1} n²).
        w = n / np.sum(n**2)
    else:
        # Fit c_{t+n} ≈ Σ_j a_j n^j by least squares; the order-th derivative at n = 0 is order!·a_order,
        # and a = pinv(V)·c is linear in c, so row `order` of pinv(V) gives the weights.
        V = n[:, None] ** np.arange(order + 1)[None, :]
        w = math.factorial(order) * np.linalg.pinv(V)[order]
    w.flags.writeable = False
    return w


def delta(
    data: np.ndarray,
    *,
    width: int = 9,
    order: int = 1,
    axis: int = -1,
    mode: Literal["interp", "nearest", "mirror", "constant", "wrap"] = "interp",
) -> np.ndarray:
    """Local derivative of a feature sequence ("delta features"), same shape as ``data``.

    Each output is the order-th derivative of the least-squares polynomial of degree ``order``
    fitted to the ``width`` frames around it. For order 1 this is the regression formula
    d_t = Σ_{n=1}^{N} n·(c_{t+n} − c_{t−n}) / (2·Σ_{n=1}^{N} n²), N = width // 2.
    Edges: 'interp' fits the first/last full window (so the edge value is that of the nearest
    full window), the other modes extend the signal like scipy.ndimage ('mirror' reflects
    without repeating the edge, 'nearest' repeats it, 'constant' uses zeros, 'wrap' is periodic).
    Reference: Furui (1986), "Speaker-independent isolated word recognition using dynamic
    features of speech spectrum", IEEE TASSP 34(1); Savitzky & Golay (1964); parity with
    ``librosa.feature.delta`` (scipy.signal.savgol_filter with polyorder = deriv = order).
    """
    data = np.atleast_1d(np.asarray(data))
    if mode not in DELTA_MODES:
        raise ParamError(f"mode={mode!r} is not one of {', '.join(DELTA_MODES)}")
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 3 or width % 2 != 1:
        raise ParamError(f"width={width!r} must be an odd integer >= 3 (e.g. 9 frames = ±4)")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ParamError(f"order={order!r} must be a positive integer (1 = delta, 2 = delta-delta)")
    if order >= width:
        raise ParamError(f"order={order} must be smaller than width={width}; widen the window")
    if not -data.ndim <= axis < data.ndim:
        raise ParamError(f"axis={axis} is out of range for an array with {data.ndim} dimension(s)")
    n_t = data.shape[axis]
    if mode == "interp" and width > n_t:
        raise ParamError(
            f"width={width} is larger than the {n_t} frames along axis {axis}; "
            f"use width <= {n_t if n_t % 2 else n_t - 1} or mode='nearest'"
        )
    dtype = data.dtype if data.dtype in (np.float32, np.float64) else np.float64
    x = np.moveaxis(data, axis, -1).astype(np.float64)
    w = _delta_weights(int(width), int(order))
    half = width // 2
    if mode != "interp":
        np_mode = {"nearest": "edge", "mirror": "reflect", "constant": "constant", "wrap": "wrap"}[mode]
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode=np_mode)
    n_valid = x.shape[-1] - 2 * half
    out = np.zeros(x.shape[:-1] + (n_valid,))
    for j, wj in enumerate(w):  # width taps: a short loop of whole-array multiply-adds
        if wj != 0.0:
            out += wj * x[..., j : j + n_valid]
    if mode == "interp":
        # The order-th derivative of a degree-`order` fit is constant, so the fit over the first
        # (last) full window gives the same value at every edge frame it covers.
        out = np.concatenate(
            [np.repeat(out[..., :1], half, axis=-1), out, np.repeat(out[..., -1:], half, axis=-1)], axis=-1
        )
    return np.moveaxis(out, -1, axis).astype(dtype, copy=False)


def cmvn(data: np.ndarray, *, axis: int = -1, variance: bool = True, eps: float = 1e-8) -> np.ndarray:
    """Cepstral mean (and variance) normalisation along ``axis`` (time, by default).

    Shapes: (..., n_coeff, n_frames) → same. Removes each coefficient's mean — a fixed channel
    (microphone, room) is additive in the log-spectral and cepstral domains — and, with
    ``variance``, scales it to unit variance, so c0's large log-energy no longer dominates.
    Formula: ĉ[k, t] = (c[k, t] − μ_k) / max(σ_k, eps).
    Reference: Viikki & Laurila (1998), "Cepstral domain segmental feature vector normalization
    for noise robust speech recognition", Speech Communication 25.
    """
    x = np.asarray(data, dtype=np.float64)
    out = x - x.mean(axis=axis, keepdims=True)
    if variance:
        out /= np.maximum(x.std(axis=axis, keepdims=True), eps)
    return out.astype(np.result_type(data, np.float32), copy=False)
