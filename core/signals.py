"""Test-signal generators: tones, chirps, harmonics, noise, clicks and a speech-like signal.

Every generator returns float32 ``y`` of shape (n,) with n = round(duration_s * sr), takes the
rate ``sr`` explicitly and its tunables by keyword, and is reproducible through ``seed`` where
randomness is involved. Sinusoids use the cosine convention of ``librosa.tone`` and
``scipy.signal.chirp`` (phase 0 starts at the peak); pass ``phase=-pi/2`` for a sine.

``GENERATORS`` maps the names shown in lesson 01's signal generator to callables with one
uniform keyword signature ``(*, freq_hz, duration_s, sr, seed, amplitude)``; :func:`generate`
is the validated front door to it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from core.audio import MAX_SR, MIN_SR
from core.errors import ParamError

MAX_DURATION_S = 60.0  # generated signals are for demos; a minute is plenty and stays cheap
DEFAULT_AMPLITUDE = 0.5  # -6 dBFS peak: loud enough to hear, with headroom for mixing
CHIRP_METHODS = ("linear", "exponential")
_CHIRP_ALIASES = {"linear": "linear", "exponential": "exponential", "logarithmic": "exponential",
                  "log": "exponential"}

# speech_like: syllables at ~4 Hz (the modulation peak of speech across languages), grouped
# into phrases separated by pauses, shaped by three fixed formant bands
SYLLABLE_RATE_HZ = 4.0
SYLLABLES_PER_PHRASE = (2, 8)  # inclusive range
PAUSE_S = (0.25, 0.8)  # uniform range of pause lengths between phrases
LEAD_SILENCE_S = (0.2, 0.5)  # silence before the first phrase, so VAD demos see an onset
SYLLABLE_FLOOR = 0.15  # envelope floor between syllables inside a phrase: speech rarely stops there
# (low Hz, high Hz, gain): rough F1, F2, F3 regions of adult vowels, falling with frequency
FORMANT_BANDS_HZ = ((300.0, 900.0, 1.0), (1000.0, 2200.0, 0.5), (2400.0, 3400.0, 0.25))
SPEECH_MIN_SR = 8_000  # the formant bands reach 3.4 kHz: telephone band

# GENERATORS: what the single "frequency" control means for each kind
CHIRP_START_RATIO = 0.1  # "chirp" sweeps linearly from freq_hz / 10 up to freq_hz
N_HARMONICS = 10  # "harmonics": f0 = freq_hz and its first 10 harmonics (those below Nyquist)
CLICK_PERIOD_S = 0.5  # "clicks": one click every 0.5 s, each a decaying freq_hz sinusoid


# --- generators -----------------------------------------------------------------------------


def tone(
    freq_hz: float,
    *,
    duration_s: float,
    sr: int,
    amplitude: float = DEFAULT_AMPLITUDE,
    phase: float = 0.0,
) -> np.ndarray:
    """A pure tone: float32 (n,) with n = round(duration_s * sr).

    Formula: y[n] = A cos(2 pi f n / sr + phase).
    Reference: librosa.tone; Oppenheim & Schafer, "Discrete-Time Signal Processing", 3rd ed.
    (2010), §2.1.
    """
    sr, n = _check_sr(sr), _n_samples(duration_s, sr)
    _check_freq(freq_hz, sr, "tone")
    _check_amplitude(amplitude)
    t = np.arange(n) / sr
    return (amplitude * np.cos(2 * np.pi * freq_hz * t + phase)).astype(np.float32)


def chirp(
    f0_hz: float,
    f1_hz: float,
    *,
    duration_s: float,
    sr: int,
    method: str = "linear",
    amplitude: float = DEFAULT_AMPLITUDE,
    phase: float = 0.0,
) -> np.ndarray:
    """A sweep from ``f0_hz`` at t = 0 to ``f1_hz`` at t = T = duration_s: float32 (n,).

    The phase is the integral of the instantaneous frequency (using f(t) inside cos(2 pi f(t) t)
    would sweep twice as fast — a classic bug). ``method``: "linear" (f(t) = f0 + (f1 - f0) t/T)
    or "exponential" (alias "logarithmic": f(t) = f0 k^(t/T), k = f1/f0, equal time per octave).

    Formula: y = A cos(phi(t) + phase), phi(t) = 2 pi int_0^t f(tau) dtau, i.e.
    linear: 2 pi (f0 t + (f1 - f0) t^2 / (2T)); exponential: 2 pi f0 T (k^(t/T) - 1) / ln k.
    Reference: scipy.signal.chirp; Farina, "Simultaneous measurement of impulse response and
    distortion with a swept-sine technique", AES Convention 108 (2000).
    """
    sr, n = _check_sr(sr), _n_samples(duration_s, sr)
    if method not in _CHIRP_ALIASES:
        raise ParamError(f"chirp method {method!r} is unknown; choose 'linear' or 'exponential'")
    method = _CHIRP_ALIASES[method]
    lowest = 0.0 if method == "linear" else None  # a linear sweep may start or end at 0 Hz
    _check_freq(f0_hz, sr, "chirp", lowest=lowest)
    _check_freq(f1_hz, sr, "chirp", lowest=lowest)
    _check_amplitude(amplitude)
    T = float(duration_s)
    t = np.arange(n) / sr
    if method == "linear":
        phi = 2 * np.pi * (f0_hz * t + (f1_hz - f0_hz) * t**2 / (2 * T))
    elif f0_hz == f1_hz:  # k = 1: the limit of the exponential phase is a plain tone
        phi = 2 * np.pi * f0_hz * t
    else:
        ln_k = math.log(f1_hz / f0_hz)
        phi = 2 * np.pi * f0_hz * T * np.expm1(ln_k * t / T) / ln_k
    return (amplitude * np.cos(phi + phase)).astype(np.float32)


def harmonic_mix(
    f0_hz: float,
    *,
    n_harmonics: int,
    duration_s: float,
    sr: int,
    amplitude: float = DEFAULT_AMPLITUDE,
    rolloff: float = 1.0,
) -> np.ndarray:
    """A harmonic complex (a buzzy, sawtooth-like tone): float32 (n,), peak = ``amplitude``.

    Harmonics k = 1..n_harmonics with k f0 >= sr/2 are left out rather than aliased. All start
    in cosine phase, so the peak, sum_k k^-rolloff, is reached at n = 0 and is divided out.

    Formula: y[n] = A / (sum_k k^-r) * sum_k k^-r cos(2 pi k f0 n / sr), r = rolloff.
    Reference: Rossing, Moore & Wheeler, "The Science of Sound", 3rd ed. (2002), ch. 7
    (1/k amplitudes: the Fourier series of a sawtooth).
    """
    sr, n = _check_sr(sr), _n_samples(duration_s, sr)
    _check_freq(f0_hz, sr, "harmonic mix")
    _check_amplitude(amplitude)
    if isinstance(n_harmonics, bool) or not isinstance(n_harmonics, numbers.Integral) or not (
        1 <= n_harmonics <= 1000
    ):
        raise ParamError(f"n_harmonics must be an integer in 1..1000, got {n_harmonics!r}")
    if not 0.0 <= rolloff <= 4.0:
        raise ParamError(f"rolloff must be in [0, 4] (amplitudes 1/k^rolloff), got {rolloff!r}")
    k = np.arange(1, int(n_harmonics) + 1)
    k = k[k * f0_hz < sr / 2]
    weights = k.astype(np.float64) ** -rolloff
    t = np.arange(n) / sr
    y = np.zeros(n)
    for kk, w in zip(k, weights):  # a loop over harmonics, not samples
        y += w * np.cos(2 * np.pi * kk * f0_hz * t)
    return (amplitude / weights.sum() * y).astype(np.float32)


def white_noise(
    *,
    duration_s: float,
    sr: int,
    amplitude: float = DEFAULT_AMPLITUDE,
    seed: int | None = None,
) -> np.ndarray:
    """Gaussian white noise, scaled so its peak is ``amplitude``: float32 (n,).

    Flat power spectral density: every frequency band of equal width carries equal power.
    Formula: y[n] = A x[n] / max|x|, x[n] ~ N(0, 1) i.i.d.
    Reference: Proakis & Manolakis, "Digital Signal Processing", 4th ed. (2007), §12.1.
    """
    sr, n = _check_sr(sr), _n_samples(duration_s, sr)
    _check_amplitude(amplitude)
    x = np.random.default_rng(seed).standard_normal(n)
    return _peak_normalise(x, amplitude)


def pink_noise(
    *,
    duration_s: float,
    sr: int,
    amplitude: float = DEFAULT_AMPLITUDE,
    seed: int | None = None,
) -> np.ndarray:
    """Pink (1/f) noise by FFT shaping of white noise, peak = ``amplitude``: float32 (n,).

    Power falls by 3 dB per octave (10 dB per decade): every octave carries equal power, as in
    many natural sounds. The DC bin is zeroed (1/f is infinite there).
    Formula: Y(f) = X(f) / sqrt(f) for f > 0, Y(0) = 0, X = rfft of white noise; so P(f) ∝ 1/f.
    Reference: Voss & Clarke, "1/f noise in music and speech", Nature 258 (1975).
    """
    sr, n = _check_sr(sr), _n_samples(duration_s, sr)
    _check_amplitude(amplitude)
    X = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    f = np.fft.rfftfreq(n, d=1.0 / sr)
    X[0] = 0.0
    X[1:] /= np.sqrt(f[1:])
    return _peak_normalise(np.fft.irfft(X, n=n), amplitude)


def clicks(
    times_s: Sequence[float] | np.ndarray,
    *,
    duration_s: float,
    sr: int,
    click_freq_hz: float = 1000.0,
    click_duration_s: float = 0.1,
    amplitude: float = DEFAULT_AMPLITUDE,
) -> np.ndarray:
    """Clicks placed at ``times_s`` (librosa.clicks' click), float32 (n,).

    Each click starts at sample round(t sr) and is a sinusoid of ``click_freq_hz`` decaying by
    2^-10 (-60 dB) over round(click_duration_s sr) samples; clicks past the end are cut off and
    overlapping clicks add. ``click_duration_s=0`` gives one-sample impulses of height
    ``amplitude`` instead: perfectly sharp, flat-spectrum clicks.

    Formula: c[m] = A 2^(-10 m / (N_c - 1)) sin(2 pi f_c m / sr), m = 0..N_c - 1.
    Reference: librosa.clicks (McFee et al., SciPy 2015).
    """
    sr, n = _check_sr(sr), _n_samples(duration_s, sr)
    _check_amplitude(amplitude)
    times = np.atleast_1d(np.asarray(times_s, dtype=np.float64))
    if times.ndim != 1 or not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ParamError("click times must be a list of seconds >= 0, e.g. [0.5, 1.0, 1.5]")
    if click_duration_s < 0:
        raise ParamError(f"click_duration_s must be >= 0, got {click_duration_s!r}")
    positions = np.round(times * sr).astype(np.int64)
    positions = positions[positions < n]
    n_click = round(click_duration_s * sr)
    if n_click <= 1:
        click = np.ones(1)
    else:
        _check_freq(click_freq_hz, sr, "click")
        click = np.logspace(0, -10, num=n_click, base=2.0)
        click *= np.sin(2 * np.pi * click_freq_hz / sr * np.arange(n_click))
    y = np.zeros(n)
    for start in positions:  # a loop over clicks, not samples
        seg = min(len(click), n - start)
        y[start : start + seg] += click[:seg]
    return (amplitude * y).astype(np.float32)


def chirp_with_clicks(
    *,
    duration_s: float,
    sr: int,
    f0_hz: float = 100.0,
    f1_hz: float | None = None,
    click_times_s: Sequence[float] | None = None,
    amplitude: float = DEFAULT_AMPLITUDE,
) -> np.ndarray:
    """Lesson 02's time/frequency-resolution probe: a linear chirp plus sharp clicks, float32 (n,).

    A long STFT window resolves the chirp's frequency but smears each click over the window; a
    short one pins the clicks in time but blurs the chirp over many bins. The chirp (amplitude
    A/2) sweeps ``f0_hz`` -> ``f1_hz`` (default min(4000, 0.45 sr)); one-sample impulses of height
    A/2 sit at ``click_times_s`` (default at 20, 40, 60 and 80 % of the duration), so the peak
    never exceeds A.

    Formula: y = chirp_linear(f0, f1) * A/2 + (A/2) sum_i delta[n - round(t_i sr)].
    Reference: Gabor, "Theory of communication", J. IEE 93 (1946) — the time–frequency
    uncertainty; Allen & Rabiner, "A unified approach to short-time Fourier analysis and
    synthesis", Proc. IEEE 65 (1977).
    """
    sr = _check_sr(sr)
    _check_amplitude(amplitude)
    if f1_hz is None:
        f1_hz = min(4000.0, 0.45 * sr)
    if click_times_s is None:
        click_times_s = [duration_s * r for r in (0.2, 0.4, 0.6, 0.8)]
    y = chirp(f0_hz, f1_hz, duration_s=duration_s, sr=sr, method="linear",
              amplitude=amplitude / 2)
    y += clicks(click_times_s, duration_s=duration_s, sr=sr, click_duration_s=0.0,
                amplitude=amplitude / 2)
    return y


def speech_like_segments(
    duration_s: float,
    *,
    sr: int,
    seed: int | None = None,
    amplitude: float = DEFAULT_AMPLITUDE,
    syllable_rate_hz: float = SYLLABLE_RATE_HZ,
) -> tuple[np.ndarray, tuple[tuple[float, float], ...]]:
    """A speech-like signal and its ground-truth "speech" segments, for VAD demos.

    Gaussian noise shaped by three formant bands (FORMANT_BANDS_HZ, Butterworth band-passes) is
    amplitude-modulated by syllables at ~``syllable_rate_hz`` (each a raised-cosine bump with
    random length and level), grouped in phrases of 2–8 syllables separated by silent pauses of
    0.25–0.8 s. Returns (y float32 (n,) with peak ``amplitude``, segments: ((start_s, end_s), ...)
    of the phrases, where the envelope is non-zero). Silence is exactly zero: add noise to
    taste.

    Formula: y[n] = e[n] sum_b g_b (h_b * w)[n], w white noise, e the syllable envelope.
    Reference: Houtgast & Steeneken, "A review of the MTF concept in room acoustics", JASA 77
    (1985) (speech's ~4 Hz modulation peak); Fant, "Acoustic Theory of Speech Production" (1960).
    """
    sr, n = _check_sr(sr), _n_samples(duration_s, sr)
    _check_amplitude(amplitude)
    if sr < SPEECH_MIN_SR:
        raise ParamError(
            f"speech-like audio needs sr >= {SPEECH_MIN_SR} Hz for its formants up to 3.4 kHz; "
            f"got {sr} Hz"
        )
    if not 0.5 <= syllable_rate_hz <= 20.0:
        raise ParamError(f"syllable_rate_hz must be in 0.5..20 Hz, got {syllable_rate_hz!r}")
    rng = np.random.default_rng(seed)
    envelope = np.zeros(n)
    segments: list[tuple[float, float]] = []
    t = rng.uniform(*LEAD_SILENCE_S)
    while t < duration_s:
        start = t
        for _ in range(rng.integers(SYLLABLES_PER_PHRASE[0], SYLLABLES_PER_PHRASE[1] + 1)):
            d = rng.uniform(0.7, 1.3) / syllable_rate_hz
            i0, i1 = round(t * sr), min(round((t + d) * sr), n)
            if i0 < i1:
                u = np.arange(i1 - i0) / round(d * sr)
                level = rng.uniform(0.4, 1.0)
                envelope[i0:i1] = level * (SYLLABLE_FLOOR
                                           + (1 - SYLLABLE_FLOOR) * np.sin(np.pi * u) ** 2)
            t += d
            if t >= duration_s:
                break
        if round(start * sr) < n:
            segments.append((start, min(t, n / sr)))
        t += rng.uniform(*PAUSE_S)
    noise = rng.standard_normal(n)
    voiced = np.zeros(n)
    from scipy import signal as sps  # deferred: importing scipy.signal costs ~0.7 s of app start-up

    for lo, hi, gain in FORMANT_BANDS_HZ:
        hi = min(hi, 0.45 * sr)
        sos = sps.butter(2, [lo, hi], btype="bandpass", fs=sr, output="sos")
        voiced += gain * sps.sosfilt(sos, noise)
    return _peak_normalise(envelope * voiced, amplitude), tuple(segments)


def speech_like(
    duration_s: float,
    *,
    sr: int,
    seed: int | None = None,
    amplitude: float = DEFAULT_AMPLITUDE,
    syllable_rate_hz: float = SYLLABLE_RATE_HZ,
) -> np.ndarray:
    """The signal of :func:`speech_like_segments` without the segments: float32 (n,).

    Formula: y[n] = e[n] sum_b g_b (h_b * w)[n] (see speech_like_segments).
    Reference: Houtgast & Steeneken, JASA 77 (1985).
    """
    return speech_like_segments(duration_s, sr=sr, seed=seed, amplitude=amplitude,
                                syllable_rate_hz=syllable_rate_hz)[0]


# --- the lesson-01 generator registry -------------------------------------------------------


def _gen_tone(*, freq_hz, duration_s, sr, seed=None, amplitude=DEFAULT_AMPLITUDE):
    return tone(freq_hz, duration_s=duration_s, sr=sr, amplitude=amplitude)


def _gen_chirp(*, freq_hz, duration_s, sr, seed=None, amplitude=DEFAULT_AMPLITUDE):
    return chirp(CHIRP_START_RATIO * freq_hz, freq_hz, duration_s=duration_s, sr=sr,
                 amplitude=amplitude)


def _gen_harmonics(*, freq_hz, duration_s, sr, seed=None, amplitude=DEFAULT_AMPLITUDE):
    return harmonic_mix(freq_hz, n_harmonics=N_HARMONICS, duration_s=duration_s, sr=sr,
                        amplitude=amplitude)


def _gen_white(*, freq_hz=None, duration_s, sr, seed=None, amplitude=DEFAULT_AMPLITUDE):
    return white_noise(duration_s=duration_s, sr=sr, amplitude=amplitude, seed=seed)


def _gen_pink(*, freq_hz=None, duration_s, sr, seed=None, amplitude=DEFAULT_AMPLITUDE):
    return pink_noise(duration_s=duration_s, sr=sr, amplitude=amplitude, seed=seed)


def _gen_clicks(*, freq_hz, duration_s, sr, seed=None, amplitude=DEFAULT_AMPLITUDE):
    _check_duration(duration_s)
    times = np.arange(CLICK_PERIOD_S / 2, duration_s, CLICK_PERIOD_S)
    return clicks(times, duration_s=duration_s, sr=sr, click_freq_hz=freq_hz, amplitude=amplitude)


def _gen_speech(*, freq_hz=None, duration_s, sr, seed=None, amplitude=DEFAULT_AMPLITUDE):
    return speech_like(duration_s, sr=sr, seed=seed, amplitude=amplitude)


# name -> callable(*, freq_hz, duration_s, sr, seed=None, amplitude=0.5) -> float32 (n,);
# the noise and speech-like kinds ignore freq_hz, the deterministic kinds ignore seed
GENERATORS: dict[str, Callable[..., np.ndarray]] = {
    "tone": _gen_tone,
    "chirp": _gen_chirp,  # linear sweep from freq_hz / 10 to freq_hz
    "harmonics": _gen_harmonics,  # f0 = freq_hz, 1/k amplitudes, up to 10 harmonics
    "white noise": _gen_white,
    "pink noise": _gen_pink,
    "clicks": _gen_clicks,  # librosa-style clicks of freq_hz every 0.5 s
    "speech-like": _gen_speech,
}


def generate(
    kind: str,
    *,
    freq_hz: float,
    duration_s: float,
    sr: int,
    seed: int | None = None,
    amplitude: float = DEFAULT_AMPLITUDE,
) -> np.ndarray:
    """Generate a test signal by its registry name (lesson 01's generator): float32 (n,).

    ``kind`` is a key of GENERATORS; what ``freq_hz`` means depends on the kind (see there).
    Formula: y = GENERATORS[kind](freq_hz=..., duration_s=..., sr=..., seed=...).
    Reference: see each generator.
    """
    if kind not in GENERATORS:
        raise ParamError(f"unknown signal kind {kind!r}; choose one of {', '.join(GENERATORS)}")
    return GENERATORS[kind](freq_hz=freq_hz, duration_s=duration_s, sr=sr, seed=seed,
                            amplitude=amplitude)


# --- validation -------------------------------------------------------------------------------


def _check_sr(sr: int) -> int:
    if (isinstance(sr, bool) or not isinstance(sr, numbers.Real) or not math.isfinite(sr)
            or sr != int(sr)):
        raise ParamError(f"sr must be a whole number of Hz, got {sr!r}")
    if not MIN_SR <= sr <= MAX_SR:
        raise ParamError(f"sr={sr} Hz is outside {MIN_SR}..{MAX_SR} Hz; use e.g. 16000")
    return int(sr)


def _check_duration(duration_s: float) -> float:
    if not isinstance(duration_s, numbers.Real) or not math.isfinite(duration_s) or duration_s <= 0:
        raise ParamError(f"duration_s must be a positive number of seconds, got {duration_s!r}")
    if duration_s > MAX_DURATION_S:
        raise ParamError(
            f"duration_s={duration_s:g} s is over the {MAX_DURATION_S:g} s limit for generated "
            f"signals; choose at most {MAX_DURATION_S:g} s"
        )
    return float(duration_s)


def _n_samples(duration_s: float, sr: int) -> int:
    n = round(_check_duration(duration_s) * sr)
    if n < 1:
        raise ParamError(f"duration_s={duration_s:g} s is shorter than one sample at {sr} Hz")
    return n


def _check_freq(freq_hz: float, sr: int, what: str, *, lowest: float | None = None) -> None:
    """0 < freq_hz < sr/2 (or 0 <= freq_hz when ``lowest`` is 0): the sampling theorem's bound."""
    if not isinstance(freq_hz, numbers.Real) or not math.isfinite(freq_hz):
        raise ParamError(f"{what} frequency must be a number of Hz, got {freq_hz!r}")
    if freq_hz < 0 or (freq_hz == 0 and lowest is None):
        raise ParamError(f"{what} frequency must be > 0 Hz, got {freq_hz:g} Hz")
    if freq_hz >= sr / 2:
        raise ParamError(
            f"{freq_hz:g} Hz {what} needs sr > {2 * freq_hz:g} Hz (Nyquist); raise sr or lower "
            f"the frequency below {sr / 2:g} Hz"
        )


def _check_amplitude(amplitude: float) -> None:
    if not isinstance(amplitude, numbers.Real) or not 0.0 <= amplitude <= 1.0:
        raise ParamError(f"amplitude must be in [0, 1] (full scale = 1), got {amplitude!r}")


def _peak_normalise(x: np.ndarray, amplitude: float) -> np.ndarray:
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return (x * (amplitude / peak) if peak > 0 else x).astype(np.float32)
