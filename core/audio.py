"""Audio at the boundary: decode, validate, convert and resample.

Every handler starts with :func:`load_audio`, which turns whatever arrives (a file path, Gradio's
``(sr, int16 array)`` tuple, a Gradio ``FileData``) into float32 mono at the rate the caller asks,
refusing unusable audio with an :class:`~core.errors.AudioError` that names the value and the fix,
and reporting level problems (silence, clipping, DC offset) as :class:`~core.errors.AudioWarning`.

Layout convention (librosa's): a mono signal is ``y`` of shape ``(n,)``; multichannel audio is
``(channels, n)``. Gradio and soundfile use ``(n, channels)``; the transpose happens here, once.

The module also holds the lesson-01 pieces that a learner studies: integer-to-float scaling
(:func:`to_float32`), channel mixing (:func:`to_mono`), level metering (:func:`level_report`),
naive decimation (:func:`decimate_naive`) and a from-scratch polyphase windowed-sinc resampler
(:func:`resample_sinc`) checked against the production one (:func:`resample`, soxr).
"""

from __future__ import annotations

import math
import numbers
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import soxr

from core.errors import AudioError, AudioWarning, ParamError

# --- limits: every bound the boundary enforces, in one place -----------------------------------
MAX_DURATION_S = 600.0  # 10 min: longer than any lesson needs; keeps CPU work bounded on 2 vCPU
MIN_DURATION_S = 0.1  # 100 ms: a handful of 25 ms analysis frames; shorter has nothing to show
MAX_FILE_BYTES = 200 * 2**20  # 200 MiB: fits 10 min of 48 kHz stereo 24-bit WAV (173 MB); a bigger
# upload is refused from its size alone, before anything is read
MAX_DECODED_SAMPLES = 2**27  # 134,217,728 samples = 512 MiB as float32; a tiny FLAC of silence can
# decode to gigabytes, so frames x channels is checked against this before decoding
MAX_CHANNELS = 32  # more than any mic array here; more is almost surely a transposed array
MIN_SR = 1_000  # Hz. Below 1 kHz nothing speech-like survives; such a value is usually kHz-for-Hz
MAX_SR = 384_000  # Hz. The highest rate real converters offer; above it is a mistaken value

# --- level thresholds: reported as warnings, never errors --------------------------------------
SILENCE_DBFS = -60.0  # peak below this = ~32 LSB at 16 bit: no usable signal, a muted mic
CLIP_LEVEL = 0.999  # |x| at or above this counts as clipped (int16 full scale is 32767/32768)
CLIPPING_WARN_FRACTION = 0.001  # 0.1 %: a peak-normalised file touches full scale at a handful of
# samples, harmless; a clipping recorder flattens hundreds of samples per second
DC_WARN = 0.01  # |mean| of 1 % of full scale (-40 dBFS): well above a decent ADC's offset,
# enough to bias energy-based VAD and to click where audio is cut

# --- ASR readiness (lesson 01's loader check) ---------------------------------------------------
ASR_SR = 16_000  # Hz, the rate of Whisper, wav2vec 2.0 and most ASR front ends
ASR_MIN_DURATION_S = 0.5  # shorter than one word: recognisers return nothing useful
ASR_WINDOW_S = 30.0  # Whisper's input window; longer audio has to be chunked
ASR_MIN_RMS_DBFS = -45.0  # quieter speech sits near the noise floor; raise the gain

# --- resampling ---------------------------------------------------------------------------------
SOXR_QUALITIES = {
    "soxr_vhq": "VHQ",  # 28-bit precision
    "soxr_hq": "HQ",  # 20-bit, librosa's default
    "soxr_mq": "MQ",
    "soxr_lq": "LQ",
    "soxr_qq": "QQ",  # quick: cubic interpolation, no anti-aliasing to speak of
}
SINC_ZEROS = 32  # zero crossings of the sinc kept on each side: the filter's half-length
SINC_ROLLOFF = 0.945  # cutoff as a fraction of the lower Nyquist, leaving room for the transition
SINC_BETA = 10.0  # Kaiser window beta: ~100 dB stopband (Kaiser: beta = 0.1102 (A - 8.7), A in dB)
MAX_SINC_BANK = 2**24  # phases x taps (64 MiB as float32); coprime rates need L = target/gcd
# phases, e.g. 96000 -> 44101 Hz: 44101 phases x 149 taps = 6.6 M
SINC_BLOCK = 2**21  # elements (outputs x taps, or phases x taps) per block: ~16 MB temporaries

SUPPORTED_FILES = "WAV, FLAC, OGG or MP3"
_INT_SCALE = {  # dtype -> (offset, scale): x_float = (x - offset) / scale
    np.dtype(np.int8): (0, 2**7),
    np.dtype(np.uint8): (2**7, 2**7),
    np.dtype(np.int16): (0, 2**15),
    np.dtype(np.int32): (0, 2**31),
}


@dataclass(frozen=True)
class LevelReport:
    """Level meter readings of a signal, over all channels, and the warnings they imply."""

    peak_dbfs: float  # 20 log10 max|x|; -inf for all-zero audio; > 0 for floats beyond full scale
    rms_dbfs: float  # 20 log10 sqrt(mean x^2); a full-scale sine reads -3.01 dBFS
    dc_offset: float  # the channel mean with the largest magnitude, signed, full scale = 1
    clipping_fraction: float  # fraction of samples with |x| >= CLIP_LEVEL, in [0, 1]
    warnings: tuple[str, ...]  # one user-facing message per problem, empty when levels are fine


@dataclass(frozen=True, eq=False)  # eq=False: comparing ndarrays field-wise has no truth value
class Audio:
    """Decoded, validated audio plus what the source was (before any conversion)."""

    y: np.ndarray  # float32, (n,) if mono else (channels, n), at ``sr``
    sr: int  # Hz, rate of ``y``
    source_sr: int  # Hz, rate of the file or array as given
    source_channels: int  # channel count as given
    source_duration_s: float  # seconds, as given
    source_format: str  # "WAV PCM_16", "FLAC PCM_24", "OGG VORBIS", "array int16", ...
    levels: LevelReport  # measured on the source samples, before mixing and resampling
    warnings: tuple[str, ...]  # everything warned while loading (levels and otherwise)

    @property
    def duration_s(self) -> float:
        """Duration of ``y`` in seconds: ``n / sr``."""
        return self.y.shape[-1] / self.sr


# --- public helpers -----------------------------------------------------------------------------


def to_float32(array: np.ndarray) -> np.ndarray:
    """Scale integer PCM samples to float32 in [-1, 1); pass floats through as float32.

    Shape is unchanged. Signed integers are divided by 2**(bits-1) so that the most negative
    code maps to exactly -1.0 (int16: x / 32768; int32: x / 2**31; int8: x / 128); unsigned 8-bit
    (the WAV convention) is offset-binary: (x - 128) / 128. This is the scaling libsndfile uses,
    so an int16 array and the same samples read from a 16-bit WAV give identical floats.

    Formula: x_float = (x - offset) / 2**(bits - 1).
    Reference: Microsoft, "Multimedia Programming Interface and Data Specifications 1.0" (1991),
    WAVE data format, for the 8-bit unsigned / 16-bit signed conventions.
    """
    a = np.asarray(array)
    if a.dtype in _INT_SCALE:
        offset, scale = _INT_SCALE[a.dtype]
        out = a.astype(np.float32)
        if offset:
            out -= np.float32(offset)
        out /= np.float32(scale)  # a power of two, so the division is exact in float32
        return out
    if a.dtype.kind == "f":
        return a.astype(np.float32, copy=False)
    raise AudioError(
        f"unsupported sample type {a.dtype}; pass int16, int32, int8, uint8, float32 or "
        "float64 samples"
    )


def to_mono(y: np.ndarray) -> np.ndarray:
    """Mix ``(channels, n)`` audio down to ``(n,)`` by averaging the channels.

    A 1-D ``y`` is returned unchanged (as float32). Averaging (rather than summing) keeps the
    level of correlated channels and cannot clip; two identical channels give that channel back
    exactly.

    Formula: y_mono[n] = (1/C) sum_c y[c, n].
    Reference: librosa.to_mono (McFee et al., "librosa: Audio and Music Signal Analysis in
    Python", SciPy 2015).
    """
    y = np.asarray(y)
    if y.ndim == 1:
        return y.astype(np.float32, copy=False)
    if y.ndim != 2:
        raise ParamError(f"to_mono expects (n,) or (channels, n) audio, got shape {y.shape}")
    return np.mean(y, axis=0, dtype=np.float32)


def level_report(y: np.ndarray) -> LevelReport:
    """Measure peak, RMS, DC offset and clipping of ``y`` and derive the level warnings.

    ``y``: (n,) or (channels, n), float (full scale = 1) or integer PCM (scaled by
    :func:`to_float32`). All channels are measured together: a clipped left channel is a problem
    even if the mix looks fine. Levels are in dBFS with the "RMS of a full-scale sine is
    -3.01 dBFS" convention (not AES17's +3 dB correction).

    Formulas: peak_dbfs = 20 log10 max|x|; rms_dbfs = 20 log10 sqrt(mean x^2);
    clipping_fraction = #{|x| >= CLIP_LEVEL} / N.
    Reference: IEC 61606-3 / AES17-2015 for dBFS; Zölzer, "Digital Audio Signal Processing",
    2nd ed. (2008), ch. 2.
    """
    x = np.asarray(y)
    if x.dtype.kind in "iu":
        x = to_float32(x)
    if x.ndim == 1:
        x = x[np.newaxis, :]
    if x.ndim != 2:
        raise ParamError(f"level_report expects (n,) or (channels, n) audio, got shape {x.shape}")
    _check_finite(x)
    if x.size == 0:
        return LevelReport(-math.inf, -math.inf, 0.0, 0.0, (_silence_message(-math.inf),))
    ax = np.abs(x)
    peak = float(ax.max())
    rms = math.sqrt(float(np.mean(np.square(x, dtype=np.float64))))
    means = np.mean(x, axis=1, dtype=np.float64)
    dc = float(means[np.argmax(np.abs(means))])
    clipped = float(np.count_nonzero(ax >= CLIP_LEVEL)) / x.size
    peak_dbfs, rms_dbfs = _db(peak), _db(rms)

    found = []
    if peak_dbfs < SILENCE_DBFS:
        found.append(_silence_message(peak_dbfs))
    if clipped >= CLIPPING_WARN_FRACTION:
        beyond = f", peak {peak_dbfs:+.1f} dBFS, beyond full scale" if peak > 1.0 else ""
        found.append(
            f"{_percent(clipped)} of samples are clipped (|x| ≥ {CLIP_LEVEL}{beyond}); "
            "lower the input gain"
        )
    if abs(dc) >= DC_WARN:
        found.append(
            f"DC offset of {dc:.3g}; a high-pass filter or mean removal (y - y.mean()) fixes it"
        )
    return LevelReport(peak_dbfs, rms_dbfs, dc, clipped, tuple(found))


def decimate_naive(y: np.ndarray, factor: int) -> np.ndarray:
    """Keep every ``factor``-th sample with no anti-aliasing filter: the aliasing lesson's foil.

    ``y``: (n,) or (channels, n); returns (..., ceil(n / factor)) at rate ``sr / factor``.
    Anything between the new Nyquist sr/(2 factor) and the old one folds back into the band.

    Formula: y_out[m] = y[m * factor].
    Reference: Oppenheim & Schafer, "Discrete-Time Signal Processing", 3rd ed. (2010), §4.6.
    """
    if isinstance(factor, bool) or not isinstance(factor, numbers.Integral) or factor < 1:
        raise ParamError(f"factor must be an integer >= 1, got {factor!r}")
    return np.asarray(y)[..., :: int(factor)]


def resample(
    y: np.ndarray, *, orig_sr: int, target_sr: int, res_type: str = "soxr_hq"
) -> np.ndarray:
    """Resample with soxr, the production resampler (librosa's default since 0.10).

    ``y``: (n,) or (channels, n) float; returns float32 of shape (..., ceil(n * target_sr /
    orig_sr)), exactly ``librosa.resample(y, orig_sr=..., target_sr=..., res_type=res_type)``.
    ``res_type``: one of ``SOXR_QUALITIES`` ("soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq",
    "soxr_qq").

    Formula: y[n] = sum_k x[k] h(n orig_sr / target_sr - k), h a linear-phase anti-alias lowpass.
    Reference: R. Sykes, libsoxr, "The SoX Resampler library",
    https://sourceforge.net/projects/soxr/ ; see :func:`resample_sinc` for the from-scratch one.
    """
    orig_sr, target_sr = _check_rate_param("orig_sr", orig_sr), _check_rate_param(
        "target_sr", target_sr
    )
    if res_type not in SOXR_QUALITIES:
        raise ParamError(
            f"res_type={res_type!r} is not a soxr quality; choose one of {sorted(SOXR_QUALITIES)}"
        )
    x = np.asarray(y, dtype=np.float32)
    if x.ndim not in (1, 2):
        raise ParamError(f"resample expects (n,) or (channels, n) audio, got shape {x.shape}")
    if orig_sr == target_sr:
        return x
    quality = SOXR_QUALITIES[res_type]
    # soxr wants channels-last, C-contiguous
    out = soxr.resample(np.ascontiguousarray(x.T), orig_sr, target_sr, quality).T
    # soxr returns round(n L / M) samples; like librosa.resample we return ceil(n L / M), every
    # output instant n M / L inside the input, so both resamplers here agree on length. The at
    # most one missing sample is zero, as librosa's fix_length pads.
    n_out = -(-x.shape[-1] * target_sr // orig_sr)
    if out.shape[-1] < n_out:
        out = np.pad(out, [(0, 0)] * (out.ndim - 1) + [(0, n_out - out.shape[-1])])
    return np.ascontiguousarray(out[..., :n_out], dtype=np.float32)


def resample_sinc(
    y: np.ndarray,
    *,
    orig_sr: int,
    target_sr: int,
    zeros: int = SINC_ZEROS,
    rolloff: float = SINC_ROLLOFF,
    beta: float = SINC_BETA,
) -> np.ndarray:
    """Rational polyphase windowed-sinc resampling, from scratch (the lesson's version).

    ``y``: (n,) or (channels, n) float; returns float32 of shape (..., ceil(n L / M)) where
    L / M = target_sr / orig_sr reduced by their gcd. Output sample n sits at input time
    t_n = n M / L (in input samples). The interpolating lowpass is a sinc with cutoff
    fc = min(1, L/M) * rolloff (as a fraction of the input Nyquist, i.e. min(1, L/M) rolloff pi / L
    at the L-times upsampled rate), so that downsampling also removes what would alias;
    it is truncated to ``zeros`` zero crossings on each side by a Kaiser window of parameter
    ``beta``. Writing n M = q L + p, the filter taps for output n depend only on the phase
    p in [0, L): one bank of L filters is built once and each output is a dot product of
    2 ceil(zeros / fc) + 1 input samples around q with bank row p.

    Formula: y[n] = sum_k x[k] h(n M / L - k), h(t) = fc sinc(fc t) w_Kaiser(t fc / zeros).
    References: J. O. Smith, "Digital Audio Resampling Home Page",
    https://ccrma.stanford.edu/~jos/resample/ ; Crochiere & Rabiner, "Multirate Digital Signal
    Processing" (1983), ch. 4.
    """
    orig_sr, target_sr = _check_rate_param("orig_sr", orig_sr), _check_rate_param(
        "target_sr", target_sr
    )
    if isinstance(zeros, bool) or not isinstance(zeros, numbers.Integral) or zeros < 1:
        raise ParamError(f"zeros must be an integer >= 1, got {zeros!r}")
    if not 0.0 < rolloff <= 1.0:
        raise ParamError(f"rolloff must be in (0, 1], got {rolloff!r}")
    if not beta >= 0.0:
        raise ParamError(f"beta must be >= 0, got {beta!r}")
    x = np.asarray(y, dtype=np.float32)
    if x.ndim == 2:
        kw = {"orig_sr": orig_sr, "target_sr": target_sr, "zeros": zeros, "rolloff": rolloff,
              "beta": beta}
        return np.stack([resample_sinc(ch, **kw) for ch in x])
    if x.ndim != 1:
        raise ParamError(f"resample_sinc expects (n,) or (channels, n) audio, got shape {x.shape}")
    if orig_sr == target_sr:
        return x.copy()

    g = math.gcd(orig_sr, target_sr)
    L, M = target_sr // g, orig_sr // g
    fc = min(1.0, L / M) * rolloff
    half_width = zeros / fc  # in input samples
    J = math.ceil(half_width)
    taps = 2 * J + 1
    if L * taps > MAX_SINC_BANK:
        raise ParamError(
            f"{orig_sr} -> {target_sr} Hz needs a {L}-phase filter bank ({L * taps:,} taps); "
            "use resample() (soxr) for rates with so small a common divisor"
        )

    # bank[p, i] = h(j_i + p / L), j_i = i - J: the taps that weight x[q - j_i]; built in row
    # blocks so the float64 temporaries stay small when L is large (coprime rates)
    from scipy import special  # deferred: keeps scipy out of app start-up

    bank = np.empty((L, taps), np.float32)
    rows = max(1, SINC_BLOCK // taps)
    for p0 in range(0, L, rows):
        phases = np.arange(p0, min(p0 + rows, L))
        t = np.arange(-J, J + 1)[np.newaxis, :] + phases[:, np.newaxis] / L  # (rows, taps)
        # scipy's compiled I0: np.i0 is many times slower, and coprime rates need millions of taps
        arg = np.sqrt(np.clip(1.0 - (t / half_width) ** 2, 0.0, None))
        window = np.where(np.abs(t) <= half_width, special.i0(beta * arg), 0.0) / special.i0(beta)
        bank[phases] = fc * np.sinc(fc * t) * window

    n_in = x.shape[0]
    n_out = -(-n_in * L // M)  # ceil(n L / M): every output instant n M / L inside the input
    # zero-pad so every x[q - j] with q in [0, n_in) and |j| <= J is an index into x_pad
    x_pad = np.concatenate([np.zeros(J, np.float32), x, np.zeros(J + 1, np.float32)])
    offsets = (J - np.arange(-J, J + 1))[np.newaxis, :]  # index of x[q - j] is q + J - j
    out = np.empty(n_out, np.float32)
    block = max(1, SINC_BLOCK // taps)
    for start in range(0, n_out, block):
        n = np.arange(start, min(start + block, n_out), dtype=np.int64)
        q, p = np.divmod(n * M, L)
        out[start : start + len(n)] = np.einsum(
            "ij,ij->i", x_pad[q[:, np.newaxis] + offsets], bank[p]
        )
    return out


# --- the boundary ---------------------------------------------------------------------------


def load_audio(
    source: Any,
    *,
    sr: int | None = 16000,
    mono: bool = True,
    max_duration_s: float = MAX_DURATION_S,
    min_duration_s: float = MIN_DURATION_S,
) -> Audio:
    """Decode, validate and convert any audio input into float32 at ``sr`` (mono by default).

    ``source`` is one of: a path (str or Path) to a WAV/FLAC/OGG/MP3 file (format sniffed from
    the content, not the extension); Gradio's ``(sr, array)`` tuple with array int16/int32/
    int8/uint8/float of shape (n,) or (n, channels); a dict with a ``"path"`` key (Gradio
    FileData); an object with a ``.path`` or ``.name`` attribute. ``sr=None`` keeps the source
    rate. Returns :class:`Audio` with ``y`` of shape (n,) if ``mono`` else (channels, n).

    Files are checked (exists, size <= MAX_FILE_BYTES, header duration/rate/channels) before any
    sample is decoded. Unusable audio raises :class:`AudioError`; silence, clipping and DC
    offset are warned (:class:`AudioWarning`) and listed in ``Audio.warnings``. Mono = channel
    mean; resampling = soxr "soxr_hq".

    Formula: y = resample(to_mono(to_float32(x)), source_sr -> sr).
    Reference: libsndfile (E. de Castro Lopo), https://libsndfile.github.io/libsndfile/ ; the
    Gradio Audio component's numpy format, https://www.gradio.app/docs/gradio/audio.
    """
    if sr is not None:
        sr = _check_rate_param("sr", sr)
    if not 0.0 <= min_duration_s <= max_duration_s:
        raise ParamError(
            f"need 0 <= min_duration_s <= max_duration_s, got {min_duration_s} and "
            f"{max_duration_s}"
        )
    limits = (min_duration_s, max_duration_s)
    extra: list[str] = []
    if source is None:
        raise AudioError("no audio given; record, upload or pick an example first")
    path = _as_path(source)
    if path is not None:
        y, source_sr, source_format = _read_file(path, limits, extra)
    elif isinstance(source, (tuple, list)):
        y, source_sr, source_format = _read_tuple(source, limits)
    elif isinstance(source, np.ndarray):
        raise AudioError(
            "a bare array has no sample rate; pass (sr, array) as Gradio does, e.g. (16000, y)"
        )
    else:
        raise AudioError(
            f"cannot read audio from a {type(source).__name__}; pass a file path, "
            "(sr, array) or a Gradio file"
        )

    # y is (channels, n) float32 here and validated as finite and within limits
    levels = level_report(y)
    for msg in (*extra, *levels.warnings):
        warnings.warn(msg, AudioWarning, stacklevel=2)
    channels, n = y.shape
    if mono:
        y = to_mono(y)
    target_sr = source_sr if sr is None else sr
    if target_sr != source_sr:
        y = resample(y, orig_sr=source_sr, target_sr=target_sr)
    return Audio(
        y=np.ascontiguousarray(y, dtype=np.float32),
        sr=target_sr,
        source_sr=source_sr,
        source_channels=channels,
        source_duration_s=n / source_sr,
        source_format=source_format,
        levels=levels,
        warnings=(*extra, *levels.warnings),
    )


def asr_readiness(audio: Audio, *, target_sr: int = ASR_SR) -> tuple[bool, str]:
    """Lesson 01's loader check: is this recording fit for ``target_sr`` mono ASR, and if not, why?

    Judges the *source* (``source_sr``, ``source_channels``, ``source_duration_s``, ``levels``),
    since ``load_audio`` has already converted ``y``. Three kinds of finding:

    - fix (makes it not ready; nothing downstream repairs it): silent (peak < SILENCE_DBFS), too
      quiet (RMS < ASR_MIN_RMS_DBFS), clipped (fraction >= CLIPPING_WARN_FRACTION), DC offset
      (|dc| >= DC_WARN), too short (< ASR_MIN_DURATION_S);
    - will be converted (done automatically by ``load_audio(..., sr=target_sr)``): resampling
      from ``source_sr`` and mixing channels to mono;
    - note: longer than ASR_WINDOW_S (Whisper's 30 s window) means it will be chunked.

    Returns ``(ready, text)``; ``text`` starts with "ready for 16 kHz mono ASR" or "not ready for
    16 kHz mono ASR" and lists one finding per line ("- fix: ...", "- will be converted: ...",
    "- note: ...").
    Reference: Radford et al., "Robust Speech Recognition via Large-Scale Weak Supervision"
    (Whisper, 2022), §2.2, for the 16 kHz / 30 s input contract.
    """
    target_sr = _check_rate_param("target_sr", target_sr)
    lv = audio.levels
    fixes: list[str] = []
    if lv.peak_dbfs < SILENCE_DBFS:
        fixes.append(
            f"audio is silent (peak {lv.peak_dbfs:.1f} dBFS); check the microphone and record again"
        )
    elif lv.rms_dbfs < ASR_MIN_RMS_DBFS:
        fixes.append(
            f"too quiet (RMS {lv.rms_dbfs:.1f} dBFS, below {ASR_MIN_RMS_DBFS:.0f} dBFS); "
            "raise the input gain or speak closer to the microphone"
        )
    if lv.clipping_fraction >= CLIPPING_WARN_FRACTION:
        fixes.append(
            f"{_percent(lv.clipping_fraction)} of samples are clipped; lower the input gain and "
            "record again (clipping cannot be undone)"
        )
    if abs(lv.dc_offset) >= DC_WARN:
        fixes.append(f"DC offset of {lv.dc_offset:.3g}; remove it with a high-pass filter")
    if audio.source_duration_s < ASR_MIN_DURATION_S:
        fixes.append(
            f"audio is {audio.source_duration_s:.2f} s long; record at least "
            f"{ASR_MIN_DURATION_S} s of speech"
        )
    conversions: list[str] = []
    if audio.source_sr != target_sr:
        conversions.append(f"resample from {audio.source_sr} Hz to {target_sr} Hz")
    if audio.source_channels > 1:
        conversions.append(f"mix {audio.source_channels} channels to mono")
    notes: list[str] = []
    if audio.source_duration_s > ASR_WINDOW_S:
        notes.append(
            f"{audio.source_duration_s:.1f} s is longer than the {ASR_WINDOW_S:.0f} s ASR window; "
            "it will be split into chunks"
        )
    ready = not fixes
    label = f"{target_sr / 1000:g} kHz mono ASR"
    lines = [f"ready for {label}" if ready else f"not ready for {label}"]
    lines += [f"- fix: {f}" for f in fixes]
    lines += [f"- will be converted: {c}" for c in conversions]
    lines += [f"- note: {n}" for n in notes]
    return ready, "\n".join(lines)


# --- internals ----------------------------------------------------------------------------


def _db(amplitude: float) -> float:
    return 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf


def _percent(fraction: float) -> str:
    pct = 100.0 * fraction
    return f"{pct:.1f}%" if pct >= 1 else f"{pct:.2g}%"


def _silence_message(peak_dbfs: float) -> str:
    return (
        f"audio is silent (peak {peak_dbfs:.1f} dBFS, below {SILENCE_DBFS:.0f} dBFS); check the "
        "microphone or upload another file"
    )


def _is_whole(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value == int(value)
    )


def _check_rate_param(name: str, value: Any) -> int:
    """A sample-rate *parameter* (not a property of the input): ParamError when out of range."""
    if not _is_whole(value):
        raise ParamError(f"{name} must be a whole number of Hz, got {value!r}")
    if not MIN_SR <= value <= MAX_SR:
        raise ParamError(f"{name}={value} Hz is outside {MIN_SR}..{MAX_SR} Hz; use e.g. 16000")
    return int(value)


def _check_source_rate(value: Any) -> int:
    if not _is_whole(value):
        raise AudioError(f"sample rate {value!r} is not a whole number of Hz; pass e.g. 16000")
    if not MIN_SR <= value <= MAX_SR:
        raise AudioError(
            f"sample rate {value:g} Hz is outside {MIN_SR}..{MAX_SR} Hz; check the rate "
            "(Hz, not kHz) or re-export the audio at 16000-48000 Hz"
        )
    return int(value)


def _check_finite(x: np.ndarray) -> None:
    if x.dtype.kind == "f":
        bad = x.size - int(np.count_nonzero(np.isfinite(x)))
        if bad:
            raise AudioError(
                f"audio contains {bad} NaN/Inf samples; fix the pipeline that produced it or "
                "replace them (np.nan_to_num) before loading"
            )


def _check_shape(
    frames: int, channels: int, sr: int, limits: tuple[float, float], what: str
) -> None:
    """Limits that can be checked from metadata alone, before decoding anything."""
    min_duration_s, max_duration_s = limits
    if channels < 1:
        raise AudioError(f"{what} has no channels; upload a mono or stereo recording")
    if channels > MAX_CHANNELS:
        raise AudioError(
            f"{what} has {channels} channels, more than {MAX_CHANNELS}; mix down or pick fewer "
            "channels (an array must be (samples, channels), as Gradio gives it)"
        )
    if frames == 0:
        raise AudioError(f"{what} contains no samples (empty or truncated); record or upload "
                         "some audio")
    duration_s = frames / sr
    if duration_s > max_duration_s:
        raise AudioError(
            f"audio is {_fmt_duration(duration_s)} long, over the {_fmt_duration(max_duration_s)}"
            " limit; trim it or upload a shorter clip"
        )
    if duration_s < min_duration_s:
        raise AudioError(
            f"audio is {duration_s:.2g} s long; record or upload at least {min_duration_s:g} s"
        )
    if frames * channels > MAX_DECODED_SAMPLES:
        raise AudioError(
            f"audio has {frames * channels:,} samples ({duration_s:.1f} s x {channels} channels "
            f"at {sr} Hz), over the {MAX_DECODED_SAMPLES:,}-sample limit; upload a shorter clip, "
            "fewer channels or a lower sample rate"
        )


def _fmt_duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.3g} s"


def _as_path(source: Any) -> Path | None:
    if isinstance(source, (str, os.PathLike)):
        return Path(source)
    if isinstance(source, dict):
        p = source.get("path")
        if not isinstance(p, (str, os.PathLike)):
            raise AudioError(
                f"file dict has no usable 'path' (keys: {sorted(map(str, source))}); "
                "upload the file again"
            )
        return Path(p)
    for attr in ("path", "name"):
        p = getattr(source, attr, None)
        if isinstance(p, (str, os.PathLike)):
            return Path(p)
    return None


_DATA_CHUNK = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


def _read_file(
    path: Path, limits: tuple[float, float], extra: list[str]
) -> tuple[np.ndarray, int, str]:
    name = path.name or str(path)
    if not path.exists():
        raise AudioError(f"file not found: '{path}'; check the path or upload the file again")
    if not path.is_file():
        raise AudioError(f"'{path}' is not a file (a folder?); pick an audio file")
    size = path.stat().st_size
    if size == 0:
        raise AudioError(f"'{name}' is empty (0 bytes); record or upload the file again")
    if size > MAX_FILE_BYTES:
        raise AudioError(
            f"'{name}' is {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES / 2**20:.0f} MiB "
            "limit; upload a shorter clip or a compressed one (FLAC, OGG)"
        )
    try:
        info = sf.info(str(path))
    except (sf.SoundFileError, RuntimeError, ValueError, TypeError, OSError) as e:
        raise AudioError(
            f"could not decode '{name}' as audio ({_reason(e)}); upload a {SUPPORTED_FILES} file"
        ) from e
    source_sr = _check_source_rate(info.samplerate)
    _check_shape(info.frames, info.channels, source_sr, limits, f"'{name}'")
    try:
        data, _ = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.SoundFileError, RuntimeError, ValueError, TypeError, OSError, MemoryError) as e:
        raise AudioError(
            f"could not decode '{name}' as audio ({_reason(e)}; corrupt or truncated?); "
            f"upload a {SUPPORTED_FILES} file"
        ) from e
    y = np.ascontiguousarray(data.T)  # (channels, n)
    if y.shape[1] != info.frames:  # decoders may stop early on damaged data
        _check_shape(y.shape[1], info.channels, source_sr, limits, f"'{name}'")
    m = _DATA_CHUNK.search(info.extra_info or "")
    if m and 0 < int(m.group(2)) < int(m.group(1)) < 0xFFFF0000:  # not a streaming placeholder
        claimed_s = y.shape[1] / source_sr * int(m.group(1)) / int(m.group(2))
        extra.append(
            f"'{name}' looks truncated: its header promises {claimed_s:.2f} s but only "
            f"{y.shape[1] / source_sr:.2f} s is there; loading what is there"
        )
    _check_finite(y)
    return y, source_sr, f"{info.format} {info.subtype}"


def _read_tuple(source: tuple | list, limits: tuple[float, float]) -> tuple[np.ndarray, int, str]:
    if len(source) != 2:
        raise AudioError(f"expected (sr, array), got a sequence of {len(source)} items")
    rate, array = source
    if isinstance(rate, np.ndarray) and not isinstance(array, np.ndarray):
        raise AudioError("got (array, sr); pass (sr, array) as Gradio does")
    source_sr = _check_source_rate(rate)
    a = np.asarray(array)
    if a.ndim == 0 or a.ndim > 2:
        raise AudioError(
            f"audio array has shape {a.shape}; pass (samples,) or (samples, channels)"
        )
    x = to_float32(a)
    x = x[np.newaxis, :] if x.ndim == 1 else x.T  # Gradio's (n, channels) -> (channels, n)
    _check_shape(x.shape[1], x.shape[0], source_sr, limits, "audio array")
    _check_finite(x)
    return np.ascontiguousarray(x), source_sr, f"array {a.dtype}"


def _reason(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text.replace("\n", " ")[:200]
