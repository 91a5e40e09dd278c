"""Speech quality and distribution metrics: DNSMOS, PESQ, STOI, SI-SNR and Fréchet distances.

Two families:

* **Non-intrusive** (no reference): DNSMOS P.835 predicts the mean opinion scores listeners
  would give for the speech signal (SIG), the background (BAK) and overall (OVRL), on 1–5, from
  the audio alone (ONNX models shipped in the ``speechmos`` wheel; served as the embedded
  "dnsmos" engine of the "mos" capability).
* **Intrusive** (need the clean reference): PESQ (ITU-T P.862, via ``pesq``), STOI (via
  ``pystoi``) and SI-SNR (from scratch). Both signals are brought to 16 kHz mono, the delay
  between them is removed by cross-correlation, and they are cut to a common length.

For *sets* of clips (a TTS system's output against real speech), the Fréchet distance between
Gaussians fitted to clip embeddings (the FID/FAD recipe) compares distributions rather than
pairs; the diagonal-covariance approximation is computed beside the full one to show what the
correlations contribute.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.engines import REGISTRY, Engine, module_available
from core.errors import AudioError, ParamError
from core.espeak import HARVARD_SENTENCES

SR = 16_000  # Hz: DNSMOS, wide-band PESQ and our STOI all run at 16 kHz
PESQ_NB_SR = 8_000  # Hz: narrow-band PESQ (P.862) is defined on telephone-band audio
PESQ_MIN_S = 0.25  # the pesq library refuses shorter buffers (its own limit)
STOI_MIN_S = 0.4  # STOI needs ≥ 30 frames of 25.6 ms at 10 kHz with 50 % overlap ≈ 0.4 s of speech
DNSMOS_MIN_S = 0.5  # shorter clips are looped by speechmos up to its 9.01 s window; less is meaningless
MAX_QUALITY_S = 60.0  # DNSMOS costs one 9 s window per second of audio: bound it before work starts
SILENCE_PEAK_DBFS = -60.0  # peak below this: no signal to rate (matches core.audio.SILENCE_DBFS)
MAX_DELAY_S = 0.5  # the largest reference/degraded delay searched for by cross-correlation
MAX_EMBED_DIM = 512  # full-covariance Fréchet: sqrtm of a d × d matrix, O(d³)


# ---------------------------------------------------------------------------- checks


def _mono(y: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(y, dtype=np.float64)
    if x.ndim != 1:
        raise ParamError(f"{name} has shape {x.shape}; pass mono audio (n,) (see core.audio.to_mono)")
    if x.size == 0:
        raise AudioError(f"{name} is empty; record or upload some audio")
    if not np.all(np.isfinite(x)):
        raise AudioError(f"{name} contains NaN or Inf samples; it cannot be scored")
    return x


def peak_dbfs(y: np.ndarray) -> float:
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def _check_not_silent(y: np.ndarray, name: str, metric: str) -> None:
    p = peak_dbfs(y)
    if p < SILENCE_PEAK_DBFS:
        raise AudioError(
            f"{name} is silent (peak {p:.1f} dBFS, below {SILENCE_PEAK_DBFS:.0f} dBFS); {metric} needs speech "
            "to rate — record closer to the microphone or upload another clip"
        )


def _check_duration(y: np.ndarray, sr: int, minimum_s: float, name: str, metric: str) -> None:
    d = len(y) / sr
    if d < minimum_s:
        raise AudioError(f"{name} is {d:.3f} s long; {metric} needs at least {minimum_s} s")
    if d > MAX_QUALITY_S:
        raise AudioError(f"{name} is {d:.1f} s long; score at most {MAX_QUALITY_S:.0f} s at a time (trim it)")


def _to_sr(y: np.ndarray, sr: int, target: int) -> np.ndarray:
    if int(sr) == target:
        return y
    from core.audio import resample

    return np.asarray(resample(y.astype(np.float32), orig_sr=int(sr), target_sr=target), dtype=np.float64)


# ---------------------------------------------------------------------------- DNSMOS


@dataclass(frozen=True)
class DnsmosScores:
    """DNSMOS P.835 predictions on the 1–5 MOS scale, averaged over 9 s windows hopped by 1 s."""

    sig: float  # speech signal quality (distortion of the voice itself)
    bak: float  # background quality (noise intrusiveness; 5 = no noticeable noise)
    ovrl: float  # overall quality
    p808: float  # the single-number P.808 MOS model shipped beside it
    duration_s: float


def _load_dnsmos():
    from speechmos import (
        dnsmos as module,  # ONNX sessions are built on first run and then kept
    )

    return module


REGISTRY.register(
    Engine(
        capability="mos",
        name="dnsmos",
        kind="embedded",
        description="DNSMOS P.835 (Microsoft), ONNX models shipped in the speechmos wheel",
        load=_load_dnsmos,
        probe=lambda: None
        if module_available("speechmos") and module_available("onnxruntime")
        else "needs the Python packages 'speechmos' and 'onnxruntime'",
    )
)


def dnsmos(y: np.ndarray, sr: int) -> DnsmosScores:
    """Non-intrusive MOS of a speech clip: SIG, BAK and OVRL on 1–5 (higher is better).

    ``y`` (n,) float mono in [-1, 1] at ``sr`` Hz (resampled to 16 kHz), 0.5–60 s, not silent.
    The networks see 9.01 s windows (shorter clips are looped to fill one) and their raw outputs
    are mapped to MOS with the published 3rd-order polynomials; windows are averaged.
    Reference: Reddy, Gopal & Cutler (2022), "DNSMOS P.835: a non-intrusive perceptual objective
    speech quality metric to evaluate noise suppressors", ICASSP.
    """
    x = _to_sr(_mono(y, "audio"), sr, SR)
    _check_duration(x, SR, DNSMOS_MIN_S, "the audio", "DNSMOS")
    _check_not_silent(x, "the audio", "DNSMOS")
    x = np.clip(x, -1.0, 1.0).astype(np.float32)
    module = REGISTRY.resolve("mos", "dnsmos").obj
    out = module.run(x, sr=SR)
    return DnsmosScores(
        sig=float(out["sig_mos"]), bak=float(out["bak_mos"]), ovrl=float(out["ovrl_mos"]),
        p808=float(out["p808_mos"]), duration_s=len(x) / SR,
    )  # fmt: skip


# ---------------------------------------------------------------------------- reference-based


def estimate_delay(reference: np.ndarray, degraded: np.ndarray, *, sr: int, max_delay_s: float = MAX_DELAY_S) -> int:
    """Delay of ``degraded`` behind ``reference`` in samples (negative: it is ahead).

    The lag maximising the cross-correlation c[k] = Σ_n ref[n] · deg[n + k], |k| ≤ max_delay_s·sr,
    computed with one FFT of the zero-padded signals.
    Reference: Knapp & Carter (1976), "The generalized correlation method for estimation of time
    delay", IEEE TASSP 24(4) (here without the frequency weighting).
    """
    r = _mono(reference, "reference") - np.mean(reference)
    d = _mono(degraded, "degraded audio") - np.mean(degraded)
    n = len(r) + len(d) - 1
    nfft = 1 << (n - 1).bit_length()
    c = np.fft.irfft(np.conj(np.fft.rfft(r, nfft)) * np.fft.rfft(d, nfft), nfft)
    max_lag = int(min(max_delay_s * sr, len(d) - 1, len(r) - 1))
    lags = np.r_[np.arange(0, max_lag + 1), np.arange(-max_lag, 0)]
    values = np.r_[c[: max_lag + 1], c[nfft - max_lag :]] if max_lag > 0 else c[:1]
    return int(lags[int(np.argmax(values))])


def align_pair(
    reference: np.ndarray, degraded: np.ndarray, *, sr: int, compensate_delay: bool = True
) -> tuple[np.ndarray, np.ndarray, int]:
    """Remove the delay between two signals and cut both to their common length: (ref, deg, lag)."""
    r, d = _mono(reference, "reference"), _mono(degraded, "degraded audio")
    lag = estimate_delay(r, d, sr=sr) if compensate_delay else 0
    if lag > 0:
        d = d[lag:]
    elif lag < 0:
        r = r[-lag:]
    n = min(len(r), len(d))
    return r[:n], d[:n], lag


def si_snr(reference: np.ndarray, estimate: np.ndarray, *, eps: float = 1e-12) -> float:
    """Scale-invariant signal-to-noise ratio in dB (higher is better; unchanged by any gain on ``estimate``).

    Both (n,) signals are made zero-mean; the estimate is projected on the reference:
    s_t = (⟨ŝ, s⟩ / ‖s‖²) s, e = ŝ − s_t, SI-SNR = 10 log10(‖s_t‖² / ‖e‖²).
    Reference: Le Roux et al. (2019), "SDR — half-baked or well done?", ICASSP.
    """
    s = _mono(reference, "reference")
    e_hat = _mono(estimate, "estimate")
    if s.shape != e_hat.shape:
        raise ParamError(f"reference has {len(s)} samples and estimate {len(e_hat)}; align them first (align_pair)")
    s = s - s.mean()
    e_hat = e_hat - e_hat.mean()
    dot = functools.partial(np.einsum, "i,i->")  # not BLAS: its threads stall on a busy 2-core machine
    energy = float(dot(s, s))
    if energy <= eps:
        raise AudioError("the reference is silent (or constant); SI-SNR measures against a non-silent reference")
    s_target = (dot(e_hat, s) / energy) * s
    noise = e_hat - s_target
    return float(10.0 * np.log10((dot(s_target, s_target) + eps) / (dot(noise, noise) + eps)))


def pesq_score(reference: np.ndarray, degraded: np.ndarray, *, sr: int, mode: str = "wb") -> float:
    """PESQ MOS-LQO of ``degraded`` against ``reference`` (ITU-T P.862.2 wide band or P.862 narrow band).

    Both (n,) at ``sr`` (resampled to 16 kHz for "wb", 8 kHz for "nb"), time-aligned and of equal
    length (see ``align_pair``), at least 0.25 s. Scale: about 1.0 (bad) to 4.64 (wb) / 4.55 (nb).
    Reference: ITU-T P.862 (2001) and P.862.2 (2007); the ``pesq`` package wraps the ITU C code.
    """
    if mode not in ("wb", "nb"):
        raise ParamError(f"PESQ mode must be 'wb' (16 kHz) or 'nb' (8 kHz), not {mode!r}")
    target = SR if mode == "wb" else PESQ_NB_SR
    r = _to_sr(_mono(reference, "reference"), sr, target)
    d = _to_sr(_mono(degraded, "degraded audio"), sr, target)
    n = min(len(r), len(d))
    _check_duration(r[:n], target, PESQ_MIN_S, "the reference (after alignment)", "PESQ")
    _check_not_silent(r, "the reference", "PESQ")
    from pesq import pesq
    from pesq.cypesq import PesqError

    try:
        return float(pesq(target, r[:n], d[:n], mode))
    except PesqError as exc:  # e.g. NoUtterancesError: no speech found by P.862's VAD
        raise AudioError(f"PESQ could not score this pair ({type(exc).__name__}: {exc}); it needs speech in both clips") from None


def stoi_score(reference: np.ndarray, degraded: np.ndarray, *, sr: int, extended: bool = False) -> float:
    """Short-time objective intelligibility in [0, 1] (extended: ESTOI); higher is more intelligible.

    Correlation of 384 ms envelopes in 15 one-third-octave bands at 10 kHz after removing silent
    frames (pystoi resamples internally). Inputs aligned and of equal length, ≥ 0.4 s of speech.
    Reference: Taal et al. (2011), "An algorithm for intelligibility prediction of time–frequency
    weighted noisy speech", IEEE TASLP 19(7); Jensen & Taal (2016) for ESTOI.
    """
    r, d = _mono(reference, "reference"), _mono(degraded, "degraded audio")
    n = min(len(r), len(d))
    _check_duration(r[:n], sr, STOI_MIN_S, "the reference (after alignment)", "STOI")
    _check_not_silent(r, "the reference", "STOI")
    from pystoi import stoi

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = float(stoi(r[:n], d[:n], int(sr), extended=extended))
    if any("Not enough STFT frames" in str(w.message) for w in caught):
        raise AudioError(f"after removing silent frames the reference has under {STOI_MIN_S} s of speech; STOI needs more")
    return value


@dataclass(frozen=True)
class QualityReport:
    """Everything ``quality_report`` measured; reference-based fields are None without a reference."""

    dnsmos: DnsmosScores | None
    pesq: float | None  # wide-band PESQ (MOS-LQO)
    stoi: float | None
    si_snr_db: float | None
    delay_ms: float | None  # the delay removed before the intrusive metrics
    compared_s: float | None  # length of the aligned pair that was compared


def quality_report(
    y: np.ndarray, sr: int, *, reference: np.ndarray | None = None, ref_sr: int | None = None, with_dnsmos: bool = True
) -> QualityReport:
    """DNSMOS of ``y`` and, when a reference is given, PESQ (wb), STOI and SI-SNR against it.

    Both are resampled to 16 kHz; the delay is removed and lengths are aligned before the
    intrusive metrics. A reference-based metric that cannot be computed (too short, silent)
    raises, since the caller asked for it; DNSMOS failures raise too.
    """
    x = _to_sr(_mono(y, "audio"), sr, SR)
    mos = dnsmos(x, SR) if with_dnsmos else None
    if reference is None:
        return QualityReport(mos, None, None, None, None, None)
    r = _to_sr(_mono(reference, "reference"), ref_sr or sr, SR)
    _check_duration(r, SR, PESQ_MIN_S, "the reference", "PESQ")
    _check_not_silent(r, "the reference", "PESQ, STOI and SI-SNR")
    r_al, x_al, lag = align_pair(r, x, sr=SR)
    return QualityReport(
        dnsmos=mos,
        pesq=pesq_score(r_al, x_al, sr=SR),
        stoi=stoi_score(r_al, x_al, sr=SR),
        si_snr_db=si_snr(r_al, x_al),
        delay_ms=1000.0 * lag / SR,
        compared_s=len(r_al) / SR,
    )


# ---------------------------------------------------------------------------- Fréchet distance


def gaussian_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and unbiased covariance (d, d) of embeddings X (n, d), n ≥ 2."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ParamError(f"embeddings must be (n, d) with n ≥ 2 clips, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ParamError("embeddings contain NaN or Inf")
    return X.mean(axis=0), np.atleast_2d(np.cov(X, rowvar=False))


def frechet_distance(
    mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray, *, diagonal: bool = False, eps: float = 1e-6
) -> float:
    """Fréchet (2-Wasserstein²) distance between N(μ₁, Σ₁) and N(μ₂, Σ₂).

    Full: d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^{1/2}), with scipy.linalg.sqrtm; when the product
    is near-singular (fewer clips than dimensions) ``eps`` is added to both diagonals, as the FID
    reference code does, and a tiny imaginary part from round-off is dropped.
    Diagonal approximation (only variances kept): d² = ‖μ₁ − μ₂‖² + Σ_k (σ₁ₖ − σ₂ₖ)².
    Reference: Dowson & Landau (1982), J. Multivar. Anal. 12(3); Heusel et al. (2017) (FID);
    Kilgour et al. (2019), "Fréchet Audio Distance", Interspeech.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    c1, c2 = np.atleast_2d(np.asarray(cov1, np.float64)), np.atleast_2d(np.asarray(cov2, np.float64))
    d = mu1.shape[0]
    if mu2.shape != (d,) or c1.shape != (d, d) or c2.shape != (d, d):
        raise ParamError(f"shapes do not match: mu {mu1.shape} / {mu2.shape}, cov {c1.shape} / {c2.shape}")
    mean_term = float(np.sum((mu1 - mu2) ** 2))
    if diagonal:
        s1 = np.sqrt(np.clip(np.diag(c1), 0.0, None))
        s2 = np.sqrt(np.clip(np.diag(c2), 0.0, None))
        return mean_term + float(np.sum((s1 - s2) ** 2))
    if d > MAX_EMBED_DIM:
        raise ParamError(f"embedding dimension {d} > {MAX_EMBED_DIM}; use diagonal=True or reduce the dimension")
    from scipy.linalg import sqrtm

    covmean = sqrtm(c1 @ c2)
    if not np.all(np.isfinite(covmean)):
        offset = np.eye(d) * eps
        covmean = sqrtm((c1 + offset) @ (c2 + offset))
    covmean = np.real(covmean)
    value = mean_term + float(np.trace(c1) + np.trace(c2) - 2.0 * np.trace(covmean))
    return max(value, 0.0)  # round-off can give −1e-12 for identical sets


@dataclass(frozen=True)
class FrechetResult:
    full: float  # with full covariances
    diagonal: float  # variances only
    mean_term: float  # ‖μ₁ − μ₂‖², shared by both
    n1: int
    n2: int
    dim: int
    rank_deficient: bool  # fewer clips than dimensions in a set: its covariance is singular


def frechet_from_embeddings(X1: np.ndarray, X2: np.ndarray) -> FrechetResult:
    """Fréchet distance between two sets of embeddings (n₁, d) and (n₂, d), full and diagonal."""
    mu1, c1 = gaussian_stats(X1)
    mu2, c2 = gaussian_stats(X2)
    if mu1.shape != mu2.shape:
        raise ParamError(f"the two sets have embeddings of size {mu1.shape[0]} and {mu2.shape[0]}; use one embedding")
    n1, n2, d = len(X1), len(X2), mu1.shape[0]
    return FrechetResult(
        full=frechet_distance(mu1, c1, mu2, c2),
        diagonal=frechet_distance(mu1, c1, mu2, c2, diagonal=True),
        mean_term=float(np.sum((mu1 - mu2) ** 2)),
        n1=n1, n2=n2, dim=d, rank_deficient=min(n1, n2) <= d,
    )  # fmt: skip


EMBEDDINGS = ("mfcc_stats", "logmel_mean")


@lru_cache(maxsize=4)
def _logmel_cfg(sr: int):
    from core.features import MelConfig

    return MelConfig(sr=sr, n_fft=400, hop_length=160, win_length=400, n_mels=40, fmin=20.0, fmax=min(7600.0, sr / 2))


def clip_embedding(y: np.ndarray, sr: int, *, kind: str = "mfcc_stats") -> np.ndarray:
    """A fixed-size vector per clip for distribution metrics.

    "mfcc_stats": mean and standard deviation over time of 20 MFCCs (core.classify.mfcc_statistics,
    40 dims); "logmel_mean": the mean over time of a 40-band log-mel spectrogram (dB, 40 dims).
    Clips are resampled to 16 kHz first so sets recorded at different rates compare.
    """
    if kind not in EMBEDDINGS:
        raise ParamError(f"embedding must be one of {EMBEDDINGS}, not {kind!r}")
    x = _to_sr(_mono(y, "clip"), sr, SR).astype(np.float32)
    if kind == "mfcc_stats":
        from core.classify import mfcc_statistics

        return np.asarray(mfcc_statistics(x, SR), dtype=np.float64)
    from core.features import log_mel

    if len(x) < 400:
        raise ParamError(f"clip is {1000 * len(x) / SR:.0f} ms; pass at least one 25 ms frame")
    S = log_mel(x, _logmel_cfg(SR), scale="db")
    return np.asarray(S, dtype=np.float64).mean(axis=1)


def add_noise(y: np.ndarray, *, snr_db: float, kind: str = "pink", seed: int | None = 0) -> np.ndarray:
    """``y`` plus white or pink noise scaled to the given SNR: 10 log10(Σy² / Σn²) = snr_db. float32 (n,)."""
    from core import signals

    x = _mono(y, "audio")
    if kind not in ("white", "pink"):
        raise ParamError(f"noise kind must be 'white' or 'pink', not {kind!r}")
    gen = signals.white_noise if kind == "white" else signals.pink_noise
    noise = np.asarray(gen(duration_s=len(x) / SR, sr=SR, seed=seed), dtype=np.float64)[: len(x)]
    noise = np.pad(noise, (0, len(x) - len(noise)))
    p_sig, p_noise = float(np.mean(x**2)), float(np.mean(noise**2))
    if p_sig == 0.0:
        raise AudioError("the audio is silent; there is no signal to set an SNR against")
    noise *= math.sqrt(p_sig / (10 ** (snr_db / 10.0)) / max(p_noise, 1e-20))
    return (x + noise).astype(np.float32)


# Harvard sentences 1-7 and 9 of list 1 (IEEE 1969 "Recommended practice for speech quality measurements")
EXAMPLE_PROMPTS = HARVARD_SENTENCES[:7] + HARVARD_SENTENCES[8:9]


def example_sets(n: int = 8, *, snr_db: float = 5.0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Two generated sets of 16 kHz clips for the Fréchet demo: clean eSpeak speech, and the same
    prompts spoken lower and faster with pink noise at ``snr_db`` — a known, audible shift."""
    from core import espeak

    if not 2 <= n <= len(EXAMPLE_PROMPTS):
        raise ParamError(f"n={n}; the example sets have 2–{len(EXAMPLE_PROMPTS)} clips")
    set_a, set_b = [], []
    for k, prompt in enumerate(EXAMPLE_PROMPTS[:n]):
        y, sr = espeak.synthesize(prompt)
        set_a.append(_to_sr(np.asarray(y, np.float64), sr, SR).astype(np.float32))
        y2, sr2 = espeak.synthesize(prompt, pitch=20, rate_wpm=220)
        set_b.append(add_noise(_to_sr(np.asarray(y2, np.float64), sr2, SR), snr_db=snr_db, seed=k))
    return set_a, set_b


# ---------------------------------------------------------------------------- TTS → ASR round trip


def synthesize(text: str, *, engine: str | None = None) -> tuple[np.ndarray, int, str]:
    """Speak ``text`` with a TTS engine: (y float32, sr, engine name).

    "espeak-ng" (or None when no "tts" capability is registered) uses core.espeak; other names
    are resolved through the registry's "tts" capability (lesson 07).
    """
    from core import espeak

    if engine in (None, "espeak-ng") and (engine == "espeak-ng" or "tts" not in REGISTRY.capabilities()):
        y, sr = espeak.synthesize(text)
        return np.asarray(y, np.float32), int(sr), "espeak-ng"
    resolved = REGISTRY.resolve("tts", engine)
    y, sr = _call_tts(resolved.obj, text)
    return y, sr, resolved.name


def _call_tts(obj, text: str) -> tuple[np.ndarray, int]:
    out = obj(text) if callable(obj) else obj.synthesize(text)
    y, sr = (out.y, out.sr) if hasattr(out, "y") else out
    return np.asarray(y, dtype=np.float32), int(sr)


def asr_engines() -> tuple[str, ...]:
    """Names of the registered "asr" engines (lesson 04), importing core.asr if present; () when none."""
    from core.timing import load_engine_modules

    load_engine_modules()
    return REGISTRY.names("asr") if "asr" in REGISTRY.capabilities() else ()


def transcribe(y: np.ndarray, sr: int, *, engine: str | None = None) -> tuple[str, str]:
    """Transcribe a clip through lesson 04's recogniser (core.asr, capability "asr"): (text, engine name).

    ``engine`` None takes the first engine that serves here (hub models are skipped offline).
    """
    if not asr_engines():
        from core.errors import EngineUnavailable

        raise EngineUnavailable("no speech recogniser is registered yet (lesson 04's 'asr' engines); the round trip and batch ASR need one")
    from core import asr

    out = asr.transcribe(np.asarray(y, dtype=np.float32), engine, sr=int(sr), fallback=engine is None)
    return out.text, out.engine


@dataclass(frozen=True)
class RoundTripItem:
    prompt: str
    transcript: str
    wer: float
    cer: float
    audio_s: float


@dataclass(frozen=True)
class RoundTrip:
    """TTS → ASR → error rates over a prompt list: an intelligibility proxy for the TTS engine."""

    items: list[RoundTripItem]
    corpus_wer: float
    corpus_cer: float
    tts_engine: str
    asr_engine: str


MAX_PROMPTS = 20
MAX_PROMPT_CHARS = 300


def round_trip(prompts: list[str], *, tts_engine: str | None = None, asr_engine: str | None = None, normalize: object = True) -> RoundTrip:
    """Speak each prompt, recognise it, and score the transcript against the prompt (corpus WER/CER).

    A low CER says the recogniser understood the synthetic speech: a cheap, automatic proxy for
    intelligibility used in TTS papers (e.g. VALL-E, Wang et al. 2023, reports WER of an ASR
    system on the synthesised speech). It conflates TTS and ASR errors: read it with both names.
    """
    from core.metrics import corpus_wer, wer

    prompts = [p.strip() for p in prompts if p and p.strip()]
    if not prompts:
        raise ParamError("no prompts given; write one sentence per line")
    if len(prompts) > MAX_PROMPTS:
        raise ParamError(f"{len(prompts)} prompts; use at most {MAX_PROMPTS}")
    long = [p for p in prompts if len(p) > MAX_PROMPT_CHARS]
    if long:
        raise ParamError(f"a prompt has {len(long[0])} characters; keep each under {MAX_PROMPT_CHARS}")
    items, hyps = [], []
    tts_name = asr_name = ""
    for p in prompts:
        y, sr, tts_name = synthesize(p, engine=tts_engine)
        text, asr_name = transcribe(y, sr, engine=asr_engine)
        hyps.append(text)
        try:
            r = wer(p, text, normalize=normalize)
            w, c = r.wer, r.cer
        except ParamError:  # a prompt of only punctuation
            w = c = float("nan")
        items.append(RoundTripItem(p, text, w, c, len(y) / sr))
    total = corpus_wer(prompts, hyps, normalize=normalize)
    return RoundTrip(items, total.wer, total.cer, tts_name, asr_name)


# ---------------------------------------------------------------------------- synthetic verification scores

MAX_TRIALS = 100_000  # per class, for the Gaussian score explorer


def gaussian_trials(
    *, mu_target: float, sd_target: float, mu_nontarget: float, sd_nontarget: float,
    n_target: int, n_nontarget: int, seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Scores and labels (1 = target) drawn from two Gaussians: the textbook verification model."""
    if sd_target <= 0 or sd_nontarget <= 0:
        raise ParamError(f"standard deviations must be > 0, got {sd_target} and {sd_nontarget}")
    if not (1 <= n_target <= MAX_TRIALS and 1 <= n_nontarget <= MAX_TRIALS):
        raise ParamError(f"trial counts must be 1–{MAX_TRIALS:,} per class, got {n_target} and {n_nontarget}")
    rng = np.random.default_rng(seed)
    scores = np.r_[rng.normal(mu_target, sd_target, int(n_target)), rng.normal(mu_nontarget, sd_nontarget, int(n_nontarget))]
    labels = np.r_[np.ones(int(n_target), dtype=np.int64), np.zeros(int(n_nontarget), dtype=np.int64)]
    return scores, labels


def gaussian_eer(*, mu_target: float, sd_target: float, mu_nontarget: float, sd_nontarget: float) -> tuple[float, float]:
    """Theoretical EER and its threshold for Gaussian target/non-target scores: (eer, threshold).

    P_miss(θ) = Φ((θ − μ_t)/σ_t) equals P_fa(θ) = 1 − Φ((θ − μ_n)/σ_n) at
    θ* = (μ_t σ_n + μ_n σ_t)/(σ_t + σ_n), giving EER = Φ((μ_n − μ_t)/(σ_t + σ_n)).
    """
    from scipy.stats import norm

    if sd_target <= 0 or sd_nontarget <= 0:
        raise ParamError(f"standard deviations must be > 0, got {sd_target} and {sd_nontarget}")
    theta = (mu_target * sd_nontarget + mu_nontarget * sd_target) / (sd_target + sd_nontarget)
    return float(norm.cdf((mu_nontarget - mu_target) / (sd_target + sd_nontarget))), float(theta)
