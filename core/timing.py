"""Speed measurement: latency percentiles and real-time factor over repeated runs.

A single timing is noise: the first call pays for imports, caches and lazy loading, and later
calls scatter with the machine's load. So the harness runs ``warmup`` untimed calls, then
``repeats`` timed ones (bounded by a time budget), and reports the distribution: p50 (typical),
p95/p99 (the slow tail a user notices), never one number.

RTFx ("inverse real-time factor") = seconds of audio processed per second of compute =
audio duration / processing time; RTFx > 1 is faster than real time. It is reported at p50 and
at p95 (the slow end). Reference: the Open ASR Leaderboard's RTFx (Srivastav et al., 2025,
"Open ASR Leaderboard"); Kuhn & Johnson on percentiles vs means for skewed latency.

``engine_benches`` discovers what can be timed here from the engine registry (only engines that
are available and need no download: kind "embedded" or "scratch") plus a few built-in pairs
(our log-mel vs librosa's, eSpeak TTS); ``run_bench`` times one of them on a clip.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.engines import REGISTRY, module_available
from core.errors import EngineUnavailable, ParamError

log = logging.getLogger(__name__)

MIN_REPEATS = 3  # fewer timed runs cannot show a spread
MAX_REPEATS = 200
MAX_WARMUP = 20
DEFAULT_BUDGET_S = 20.0  # stop repeating after this much timed work (at least MIN_REPEATS runs)
MAX_BUDGET_S = 120.0
TTS_PROMPT = "The quick brown fox jumps over the lazy dog. Testing one, two, three."
# core modules that register engines; imported on discovery so their capabilities are listed
ENGINE_MODULES = ("core.asr", "core.tts", "core.quality", "core.classify", "core.speaker", "core.vad")


def percentile(values: np.ndarray, q: float) -> float:
    """q-th percentile (0–100) with linear interpolation between order statistics (numpy's default)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    if v.size == 0:
        raise ParamError("no values to take a percentile of")
    pos = (v.size - 1) * q / 100.0
    lo = int(np.floor(pos))
    hi = min(lo + 1, v.size - 1)
    return float(v[lo] + (pos - lo) * (v[hi] - v[lo]))


@dataclass(frozen=True)
class Timing:
    """Wall-clock times of repeated runs of one callable, in milliseconds."""

    name: str
    times_ms: tuple[float, ...]  # one per timed run, in run order
    warmup: int  # untimed runs before these
    audio_duration_s: float | None  # seconds of audio one run processes (or produces), for RTFx
    budget_hit: bool = False  # the time budget stopped the runs before ``repeats``

    @property
    def n(self) -> int:
        return len(self.times_ms)

    def pct(self, q: float) -> float:
        return percentile(np.asarray(self.times_ms), q)

    @property
    def p50_ms(self) -> float:
        return self.pct(50)

    @property
    def p95_ms(self) -> float:
        return self.pct(95)

    @property
    def p99_ms(self) -> float:
        return self.pct(99)

    @property
    def mean_ms(self) -> float:
        return float(np.mean(self.times_ms))

    def rtfx(self, q: float = 50) -> float | None:
        """Audio seconds per compute second at the q-th percentile time (None without a duration)."""
        if not self.audio_duration_s:
            return None
        t = self.pct(q) / 1e3
        return self.audio_duration_s / t if t > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "runs": self.n, "warmup": self.warmup,
            "p50_ms": self.p50_ms, "p95_ms": self.p95_ms, "p99_ms": self.p99_ms,
            "mean_ms": self.mean_ms, "min_ms": min(self.times_ms), "max_ms": max(self.times_ms),
            "audio_s": self.audio_duration_s, "rtfx_p50": self.rtfx(50), "rtfx_p95": self.rtfx(95),
            "budget_hit": self.budget_hit,
        }  # fmt: skip


def time_callable(
    fn: Callable[[], Any],
    *,
    repeats: int = 10,
    warmup: int = 1,
    audio_duration_s: float | None = None,
    budget_s: float = DEFAULT_BUDGET_S,
    name: str = "",
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Run ``fn()`` ``warmup`` times untimed, then up to ``repeats`` times timed.

    Timed runs stop early once ``budget_s`` seconds of timed work have passed, but never before
    ``MIN_REPEATS``. ``clock`` is injectable so tests can check the arithmetic deterministically.
    """
    if not MIN_REPEATS <= int(repeats) <= MAX_REPEATS:
        raise ParamError(f"repeats={repeats}; use {MIN_REPEATS}–{MAX_REPEATS} (one run is not a measurement)")
    if not 0 <= int(warmup) <= MAX_WARMUP:
        raise ParamError(f"warmup={warmup}; use 0–{MAX_WARMUP} untimed runs")
    if not 0 < float(budget_s) <= MAX_BUDGET_S:
        raise ParamError(f"budget_s={budget_s}; use a time budget in (0, {MAX_BUDGET_S:.0f}] s")
    if audio_duration_s is not None and not audio_duration_s > 0:
        raise ParamError(f"audio_duration_s={audio_duration_s}; give the clip length in seconds (> 0) or None")
    for _ in range(int(warmup)):
        fn()
    times: list[float] = []
    spent = 0.0
    budget_hit = False
    for k in range(int(repeats)):
        t0 = clock()
        fn()
        dt = clock() - t0
        times.append(dt * 1e3)
        spent += dt
        if spent >= budget_s and k + 1 >= MIN_REPEATS and k + 1 < repeats:
            budget_hit = True
            break
    return Timing(name or getattr(fn, "__name__", "callable"), tuple(times), int(warmup), audio_duration_s, budget_hit)


# ---------------------------------------------------------------------------- engine discovery


@dataclass(frozen=True)
class Bench:
    """Something the speed harness can time on a clip."""

    key: str  # "capability/engine", stable: the UI's choice value
    capability: str
    engine: str
    kind: str  # engine kind: "embedded" or "scratch" (hub engines are never timed here)
    description: str
    available: bool
    reason: str | None  # why not available
    rtfx_of: str  # "input" (audio in) or "output" (audio produced, for TTS)


def load_engine_modules() -> tuple[str, ...]:
    """Import the core modules that register engines (cheap by contract); returns those found."""
    found = []
    for name in ENGINE_MODULES:
        if module_available(name):
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001  (one broken module must not hide the others' engines)
                log.warning("could not import %s to list its engines: %s", name, exc)
                continue
            found.append(name)
    return tuple(found)


# capability → how to call the resolved engine object on (y, sr); only capabilities listed here are timed
TIMED_CAPABILITIES = ("resample", "asr", "tts", "mos")


def engine_benches() -> list[Bench]:
    """Every timeable (capability, engine) pair: registry engines plus built-in comparisons."""
    load_engine_modules()
    out: list[Bench] = [
        Bench("features/logmel-ours", "features", "logmel-ours", "scratch", "our log-mel (core.features.log_mel, 80 mels)", True, None, "input"),
        Bench("features/logmel-librosa", "features", "logmel-librosa", "embedded", "librosa melspectrogram + power_to_db (80 mels)",
              module_available("librosa"), None if module_available("librosa") else "librosa is not installed", "input"),
        Bench("tts/espeak-ng", "tts", "espeak-ng", "embedded", "eSpeak NG via core.espeak (formant synthesis)", True, None, "output"),
    ]  # fmt: skip
    for cap in TIMED_CAPABILITIES:
        if cap not in REGISTRY.capabilities():
            continue
        engines = {e.name: e for e in REGISTRY.engines(cap)}
        for st in REGISTRY.status(cap):
            e = engines[st.name]
            if e.kind == "hub":
                continue  # downloads and GPUs are out of scope for an on-CPU, offline harness
            key = f"{cap}/{e.name}"
            if any(b.key == key for b in out):
                continue
            out.append(Bench(key, cap, e.name, e.kind, e.description, st.available, st.reason, "output" if cap == "tts" else "input"))
    return out


def make_runner(bench: Bench, y: np.ndarray, sr: int) -> tuple[Callable[[], Any], float]:
    """A zero-argument callable that runs ``bench`` once on the clip, and the audio seconds it covers."""
    y = np.asarray(y, dtype=np.float32)
    duration = len(y) / sr
    if bench.key == "features/logmel-ours":
        from core.audio import resample
        from core.features import WHISPER, log_mel

        x = resample(y, orig_sr=sr, target_sr=WHISPER.sr) if sr != WHISPER.sr else y
        return (lambda: log_mel(x, WHISPER, scale="db")), duration
    if bench.key == "features/logmel-librosa":
        import librosa

        from core.audio import resample
        from core.features import WHISPER

        x = resample(y, orig_sr=sr, target_sr=WHISPER.sr) if sr != WHISPER.sr else y
        kw = {"sr": WHISPER.sr, "n_fft": WHISPER.n_fft, "hop_length": WHISPER.hop_length, "n_mels": WHISPER.n_mels}
        return (lambda: librosa.power_to_db(librosa.feature.melspectrogram(y=x, **kw), top_db=80.0)), duration
    if bench.key == "tts/espeak-ng":
        from core import espeak

        out, out_sr = espeak.synthesize(TTS_PROMPT)
        return (lambda: espeak.synthesize(TTS_PROMPT)), len(out) / out_sr
    if not bench.available:
        raise EngineUnavailable(f"{bench.key} is not available here: {bench.reason}")
    resolved = REGISTRY.resolve(bench.capability, bench.engine, fallback=False)
    obj = resolved.obj
    if bench.capability == "resample":
        target = 16_000 if sr != 16_000 else 8_000
        return (lambda: obj(y, orig_sr=sr, target_sr=target)), duration
    if bench.capability == "mos":
        from core.quality import dnsmos

        return (lambda: dnsmos(y, sr)), duration
    if bench.capability == "asr":
        from core.quality import transcribe

        return (lambda: transcribe(y, sr, engine=bench.engine)), duration
    if bench.capability == "tts":
        from core.quality import synthesize

        out, out_sr = synthesize(TTS_PROMPT, engine=bench.engine)
        return (lambda: synthesize(TTS_PROMPT, engine=bench.engine)), len(out) / out_sr
    raise ParamError(f"no timing adapter for capability {bench.capability!r}")


def run_bench(bench: Bench, y: np.ndarray, sr: int, *, repeats: int = 5, warmup: int = 1, budget_s: float = DEFAULT_BUDGET_S) -> Timing:
    """Time one bench on a clip (see ``time_callable``); the first, untimed run also loads the engine."""
    fn, duration = make_runner(bench, y, sr)
    return time_callable(fn, repeats=repeats, warmup=warmup, audio_duration_s=duration, budget_s=budget_s, name=bench.key)


def time_interleaved(fns: dict[str, Callable[[], object]], *, rounds: int, block: int) -> dict[str, list[float]]:
    """Seconds per call of each fn, measured in round-robin blocks.

    Each round times every contender for ``block`` calls after one untimed warm-up call, so all
    of them sample the same machine state (shared CPUs drift by 2× over a minute) and no
    contender's idle worker threads (BLAS, OpenMP) are still spinning when the next is timed.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            fn()
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    return times
