"""The engine registry: one place that decides which implementation serves a capability.

A *capability* ("resample", later "asr", "tts", "speaker", ...) lists its engines in order of
preference: production models from the Hugging Face Hub first, then embedded engines that need
no download (weights inside a PyPI wheel, small models trained by ``scripts/``, or the
from-scratch implementation). Resolution walks that list:

1. ``probe()`` answers cheaply, without loading weights, whether the engine could serve here
   (package importable, not offline for an uncached hub model, GPU present when needed) and,
   when not, *why*;
2. ``load()`` is a lazy, cached getter (imports happen inside it, never at module import);
   an exception while loading marks the engine unavailable with the exception as the reason;
3. the first engine that loads serves, and the caller gets the skipped engines with reasons so
   the UI can say which engine answered and why the others did not.

Hub model ids come only from ``ALLOWED_MODEL_IDS``; users pick among engines by name and never
type a repo id. ``trust_remote_code`` is never passed. Tests load hub engines without a network
by pointing a model id at a local folder holding a tiny random-weight model
(``use_local_model``), which exercises the same getter.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import EngineUnavailable, ParamError

# Every hub model the app may load. Later lessons add theirs here, nowhere else.
ALLOWED_MODEL_IDS: frozenset[str] = frozenset(
    {
        "openai/whisper-tiny",
        "openai/whisper-base",
        "facebook/wav2vec2-base-960h",
        "MIT/ast-finetuned-audioset-10-10-0.4593",
        "speechbrain/spkrec-ecapa-voxceleb",
        "microsoft/wavlm-base-plus-sv",
        "facebook/mms-tts-eng",
        "microsoft/speecht5_tts",
        "microsoft/speecht5_hifigan",
        "microsoft/speecht5_vc",
        "facebook/musicgen-small",
        "facebook/musicgen-melody",
        "facebook/encodec_24khz",
        "descript/dac_16khz",
        "kyutai/mimi",
        "kyutai/moshiko-pytorch-bf16",
        "laion/clap-htsat-unfused",
        "facebook/audioseal",
    }
)

KINDS = ("hub", "embedded", "scratch")  # preference order within a capability is explicit, not by kind

_OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def hub_offline() -> bool:
    """True when the environment forbids hub downloads (``HF_HUB_OFFLINE=1`` or ``TRANSFORMERS_OFFLINE=1``)."""
    return any(os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"} for name in _OFFLINE_ENV)


def module_available(name: str) -> bool:
    """True when ``import name`` would find a module, without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, then restore the previous count.

    Small models (LSTMs on a few partials, toy CTC/Whisper training) gain nothing from a second
    thread, and on a busy 2-core machine spinning OpenMP threads were measured to slow them many
    times over. torch's setting is per process: a concurrent request sees it only as a speed
    change while the block runs.
    """
    import torch

    before = torch.get_num_threads()
    if before != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


# --------------------------------------------------------------------------------------------
# Local overrides for hub ids (tests, air-gapped deployments): id -> folder with the weights.
_local_models: dict[str, Path] = {}
_local_lock = threading.Lock()


def check_model_id(model_id: str) -> str:
    """Return ``model_id`` if it is allow-listed, else raise ``ParamError``."""
    if model_id not in ALLOWED_MODEL_IDS:
        raise ParamError(
            f"model {model_id!r} is not one this app loads; choose one of the listed engines instead"
        )
    return model_id


def model_source(model_id: str) -> str:
    """Where to load an allow-listed hub model from: a registered local folder, else the hub id."""
    check_model_id(model_id)
    with _local_lock:
        local = _local_models.get(model_id)
    return str(local) if local is not None else model_id


@contextlib.contextmanager
def use_local_model(model_id: str, folder: str | os.PathLike[str]) -> Iterator[None]:
    """Serve ``model_id`` from ``folder`` inside the ``with`` block (a tiny random-weight model in tests).

    Cached loads are cleared on entry and exit so the getter really reloads from the folder.
    """
    check_model_id(model_id)
    with _local_lock:
        previous = _local_models.get(model_id)
        _local_models[model_id] = Path(folder)
    REGISTRY.clear_cache()
    try:
        yield
    finally:
        with _local_lock:
            if previous is None:
                _local_models.pop(model_id, None)
            else:
                _local_models[model_id] = previous
        REGISTRY.clear_cache()


def is_local_override(model_id: str) -> bool:
    with _local_lock:
        return model_id in _local_models


def hub_cached(model_id: str) -> bool:
    """True when the model's config is already in the local Hugging Face cache (no download needed)."""
    if is_local_override(model_id):
        return True
    if not module_available("huggingface_hub"):
        return False
    from huggingface_hub import try_to_load_from_cache

    for filename in ("config.json", "preprocessor_config.json", "hyperparams.yaml"):
        found = try_to_load_from_cache(model_id, filename)
        if isinstance(found, str):
            return True
    return False


HUB_CHECK_TIMEOUT_S = 3.0  # a reachable hub answers a TCP connect in well under a second
HUB_CHECK_TTL_S = 300.0  # re-check reachability at most every 5 minutes
_hub_state: dict[str, float | bool] = {}


def hub_reachable() -> bool:
    """Whether the Hugging Face Hub endpoint accepts a TCP connection (cached for 5 minutes).

    Without this, a machine with no network and no ``HF_HUB_OFFLINE`` spends about a minute in
    the download library's retries before an engine falls back.
    """
    now = time.monotonic()
    if now - float(_hub_state.get("checked_at", -1e9)) < HUB_CHECK_TTL_S:
        return bool(_hub_state["reachable"])
    import socket
    from urllib.parse import urlparse

    endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname or "huggingface.co", port), timeout=HUB_CHECK_TIMEOUT_S):
            reachable = True
    except OSError:
        reachable = False
    _hub_state.update(checked_at=now, reachable=reachable)
    return reachable


def hub_probe(model_id: str, *, packages: tuple[str, ...] = (), needs_gpu: bool = False) -> Callable[[], str | None]:
    """Build a cheap probe for a hub engine: packages importable, GPU if needed, reachable or cached."""
    check_model_id(model_id)

    def probe() -> str | None:
        for package in packages:
            if not module_available(package):
                return f"the Python package {package!r} is not installed"
        if needs_gpu:
            if not module_available("torch"):
                return "needs torch with a GPU"
            import torch

            if not torch.cuda.is_available():
                return "needs a GPU, and none is present"
        if hub_cached(model_id):
            return None
        if hub_offline():
            return f"offline (HF_HUB_OFFLINE) and {model_id} is not in the local cache"
        if not hub_reachable():
            return f"the Hugging Face Hub cannot be reached and {model_id} is not in the local cache"
        return None

    return probe


# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Engine:
    """One implementation of a capability."""

    capability: str  # what it does, e.g. "resample"
    name: str  # short stable name shown in the UI and accepted by the API, e.g. "soxr"
    kind: str  # "hub" (downloaded model), "embedded" (no download) or "scratch" (our own code)
    description: str  # one line for the UI
    load: Callable[[], Any]  # lazy getter; returns the ready-to-use object (a model, a function)
    probe: Callable[[], str | None] = lambda: None  # None when it could serve, else the reason
    model_id: str | None = None  # allow-listed hub id for kind == "hub"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"engine kind must be one of {KINDS}, not {self.kind!r}")
        if self.kind == "hub":
            if self.model_id is None:
                raise ValueError(f"hub engine {self.name!r} needs a model_id")
            check_model_id(self.model_id)


@dataclass(frozen=True)
class EngineStatus:
    name: str
    kind: str
    available: bool
    reason: str | None  # why not available (None when available)


@dataclass(frozen=True)
class Resolved:
    """The engine that serves a request, its loaded object, and the engines skipped on the way."""

    engine: Engine
    obj: Any
    skipped: tuple[tuple[str, str], ...] = ()  # (engine name, reason)
    load_ms: float = 0.0  # time spent loading on this call (0 when already cached)

    @property
    def name(self) -> str:
        return self.engine.name

    def summary(self) -> dict[str, Any]:
        """Machine-readable engine report for result JSON."""
        return {
            "engine": self.engine.name,
            "kind": self.engine.kind,
            "skipped": [{"engine": n, "reason": r} for n, r in self.skipped],
        }


@dataclass
class Registry:
    """Capabilities → engines in preference order, with cached lazy loading."""

    _engines: dict[str, list[Engine]] = field(default_factory=dict)
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    _failures: dict[tuple[str, str], str] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def register(self, engine: Engine) -> Engine:
        with self._lock:
            engines = self._engines.setdefault(engine.capability, [])
            if any(e.name == engine.name for e in engines):
                raise ValueError(f"engine {engine.name!r} already registered for {engine.capability!r}")
            engines.append(engine)
        return engine

    def capabilities(self) -> tuple[str, ...]:
        return tuple(self._engines)

    def engines(self, capability: str) -> tuple[Engine, ...]:
        try:
            return tuple(self._engines[capability])
        except KeyError:
            raise ParamError(
                f"unknown capability {capability!r}; known: {', '.join(sorted(self._engines))}"
            ) from None

    def names(self, capability: str) -> tuple[str, ...]:
        return tuple(e.name for e in self.engines(capability))

    def engine(self, capability: str, name: str) -> Engine:
        for e in self.engines(capability):
            if e.name == name:
                return e
        raise ParamError(
            f"unknown {capability} engine {name!r}; choose one of: {', '.join(self.names(capability))}"
        )

    def _reason(self, engine: Engine) -> str | None:
        key = (engine.capability, engine.name)
        if key in self._cache:
            return None
        if key in self._failures:
            return self._failures[key]
        try:
            return engine.probe()
        except Exception as exc:  # a probe must never take the app down
            return f"probe failed: {type(exc).__name__}: {exc}"

    def status(self, capability: str) -> tuple[EngineStatus, ...]:
        """Availability of every engine of a capability, without loading any weights."""
        out = []
        for e in self.engines(capability):
            reason = self._reason(e)
            out.append(EngineStatus(e.name, e.kind, reason is None, reason))
        return tuple(out)

    def _load(self, engine: Engine) -> tuple[Any, float]:
        key = (engine.capability, engine.name)
        with self._lock:
            if key in self._cache:
                return self._cache[key], 0.0
            t0 = time.perf_counter()
            obj = engine.load()
            self._cache[key] = obj
            return obj, (time.perf_counter() - t0) * 1e3

    def resolve(self, capability: str, preferred: str | None = None, *, fallback: bool = True) -> Resolved:
        """Load the engine that serves ``capability``.

        ``preferred`` (an engine name) is tried first; with ``fallback`` the rest follow in
        preference order. Raises ``EngineUnavailable`` listing every engine's reason when none
        serves.
        """
        engines = list(self.engines(capability))
        if preferred is not None:
            chosen = self.engine(capability, preferred)
            engines.remove(chosen)
            engines = [chosen] + (engines if fallback else [])
        skipped: list[tuple[str, str]] = []
        for e in engines:
            reason = self._reason(e)
            if reason is None:
                try:
                    obj, load_ms = self._load(e)
                except Exception as exc:  # loading a model can fail in many library-specific ways
                    reason = f"failed to load: {type(exc).__name__}: {exc}"
                    self._failures[(e.capability, e.name)] = reason
                else:
                    return Resolved(e, obj, tuple(skipped), load_ms)
            skipped.append((e.name, reason))
        detail = "; ".join(f"{n}: {r}" for n, r in skipped)
        raise EngineUnavailable(f"no {capability} engine could serve ({detail})")

    def clear_cache(self) -> None:
        """Forget loaded objects and remembered load failures (tests, or after going online)."""
        with self._lock:
            self._cache.clear()
            self._failures.clear()


REGISTRY = Registry()


# --------------------------------------------------------------------------------------------
# Built-in capability: resampling. Needs no model, and shows the registry's contract end to end:
# the production library first, our from-scratch polyphase resampler as the fallback.


def _load_soxr() -> Callable[..., Any]:
    from core.audio import resample

    import soxr  # noqa: F401  (fail here, at load time, when the library is missing)

    return resample


def _load_sinc() -> Callable[..., Any]:
    from core.audio import resample_sinc

    return resample_sinc


REGISTRY.register(
    Engine(
        capability="resample",
        name="soxr",
        kind="embedded",
        description="libsoxr (the SoX resampler), high quality",
        load=_load_soxr,
        probe=lambda: None if module_available("soxr") else "the Python package 'soxr' is not installed",
    )
)
REGISTRY.register(
    Engine(
        capability="resample",
        name="sinc",
        kind="scratch",
        description="from-scratch polyphase windowed-sinc (Kaiser) resampler",
        load=_load_sinc,
    )
)
