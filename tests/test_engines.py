"""The engine registry: preference order, lazy loading, fallbacks with reasons, allow-list, offline."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from core import engines
from core.engines import REGISTRY, Engine, Registry
from core.errors import EngineUnavailable, ParamError
from tests._server import ROOT


def _raise(exc: Exception):
    raise exc


def _engine(name, *, load, probe=lambda: None, kind="embedded", capability="demo", model_id=None):
    return Engine(capability=capability, name=name, kind=kind, description=name, load=load, probe=probe, model_id=model_id)


def test_preference_order_and_lazy_cached_load():
    calls = []
    reg = Registry()
    reg.register(_engine("first", load=lambda: calls.append("first") or "A"))
    reg.register(_engine("second", load=lambda: calls.append("second") or "B"))
    assert calls == []  # registering loads nothing
    r = reg.resolve("demo")
    assert (r.name, r.obj, r.skipped) == ("first", "A", ())
    assert reg.resolve("demo").obj == "A"
    assert calls == ["first"]  # cached: loaded once


def test_unavailable_engines_are_skipped_with_their_reason():
    reg = Registry()
    reg.register(_engine("hubby", load=lambda: _raise(AssertionError("probe said no: must not load")), probe=lambda: "offline and not cached"))
    reg.register(_engine("broken", load=lambda: _raise(OSError("weights missing"))))
    reg.register(_engine("embedded", load=lambda: "ok", kind="scratch"))
    r = reg.resolve("demo")
    assert r.name == "embedded"
    assert r.skipped[0] == ("hubby", "offline and not cached")
    assert r.skipped[1][0] == "broken" and "weights missing" in r.skipped[1][1]
    assert r.summary()["skipped"][1]["engine"] == "broken"
    status = {s.name: s for s in reg.status("demo")}
    assert not status["broken"].available and "weights missing" in status["broken"].reason  # failure remembered
    assert status["embedded"].available


def test_preferred_engine_first_and_no_fallback():
    reg = Registry()
    reg.register(_engine("a", load=lambda: "A"))
    reg.register(_engine("b", load=lambda: "B"))
    assert reg.resolve("demo", "b").obj == "B"
    reg2 = Registry()
    reg2.register(_engine("a", load=lambda: "A"))
    reg2.register(_engine("b", load=lambda: "B", probe=lambda: "needs a GPU, and none is present"))
    with pytest.raises(EngineUnavailable, match="needs a GPU"):
        reg2.resolve("demo", "b", fallback=False)
    assert reg2.resolve("demo", "b").name == "a"


def test_unknown_names_and_capabilities_are_param_errors():
    with pytest.raises(ParamError, match="choose one of: soxr, sinc"):
        REGISTRY.resolve("resample", "../../etc/passwd")
    with pytest.raises(ParamError, match="unknown capability"):
        REGISTRY.resolve("teleport")
    reg = Registry()
    reg.register(_engine("a", load=lambda: "A"))
    with pytest.raises(ValueError, match="already registered"):
        reg.register(_engine("a", load=lambda: "A"))


def test_hub_ids_must_be_allow_listed():
    with pytest.raises(ParamError, match="not one this app loads"):
        _engine("evil", load=lambda: None, kind="hub", model_id="someone/evil-model")
    with pytest.raises(ParamError):
        engines.model_source("http://example.com/model")
    ok = _engine("whisper", load=lambda: None, kind="hub", model_id="openai/whisper-tiny")
    assert ok.model_id == "openai/whisper-tiny"


def test_offline_hub_probe_reports_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    probe = engines.hub_probe("openai/whisper-tiny")
    assert engines.hub_offline()
    assert "offline" in probe() and "openai/whisper-tiny" in probe()
    # a local folder registered for the id (how tests serve tiny random models) makes it available
    with engines.use_local_model("openai/whisper-tiny", tmp_path):
        assert probe() is None
        assert engines.model_source("openai/whisper-tiny") == str(tmp_path)
    assert engines.model_source("openai/whisper-tiny") == "openai/whisper-tiny"
    assert "not installed" in engines.hub_probe("openai/whisper-tiny", packages=("no_such_pkg_xyz",))()


def test_gpu_probe_without_gpu(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert "GPU" in engines.hub_probe("kyutai/moshiko-pytorch-bf16", needs_gpu=True)()


def test_resample_capability_both_engines_agree():
    sr_in, sr_out = 48_000, 16_000
    t = np.arange(sr_in) / sr_in
    y = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    soxr = REGISTRY.resolve("resample", "soxr")
    sinc = REGISTRY.resolve("resample", "sinc")
    assert (soxr.engine.kind, sinc.engine.kind) == ("embedded", "scratch")
    a = soxr.obj(y, orig_sr=sr_in, target_sr=sr_out)
    b = sinc.obj(y, orig_sr=sr_in, target_sr=sr_out)
    assert len(a) == len(b) == sr_out
    core = slice(200, -200)  # edges differ by each filter's start-up
    err = a[core] - b[core]
    snr = 10 * np.log10(np.sum(a[core] ** 2) / np.sum(err**2))
    assert snr > 60


def test_engines_module_imports_no_model_library():
    code = "import sys, core.engines; print([m for m in ('torch', 'transformers', 'soxr') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_unreachable_hub_is_reported_without_waiting_for_download_retries(monkeypatch, tmp_path):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setattr(engines, "_hub_state", {})
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    probe = engines.hub_probe("openai/whisper-base")
    assert "cannot be reached" in probe()
    assert engines._hub_state["reachable"] is False  # remembered, not re-checked on every call
