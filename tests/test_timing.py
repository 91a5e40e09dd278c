"""The speed harness (core.timing): percentiles, RTFx, warm-up, budget, engine discovery."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from core import timing
from core.errors import ParamError


def fake_clock(durations_s):
    """A clock whose consecutive (start, stop) pairs are ``durations_s`` apart."""
    t = itertools.count()
    it = iter(durations_s)
    state = {"now": 0.0, "start": True}

    def clock():
        next(t)
        if state["start"]:
            state["start"] = False
            return state["now"]
        state["start"] = True
        state["now"] += next(it)
        return state["now"]

    return clock


def test_percentile_matches_numpy():
    rng = np.random.default_rng(0)
    for n in (1, 2, 5, 17, 100):
        v = rng.exponential(size=n)
        for q in (0, 50, 90, 95, 99, 100):
            assert timing.percentile(v, q) == pytest.approx(np.percentile(v, q))


def test_time_callable_reports_a_distribution_and_rtfx():
    calls = []
    durations = [0.010, 0.020, 0.030, 0.040, 0.100]
    t = timing.time_callable(lambda: calls.append(1), repeats=5, warmup=2, audio_duration_s=2.0,
                             clock=fake_clock(durations), name="x")  # fmt: skip
    assert len(calls) == 7  # 2 warm-up + 5 timed
    assert t.times_ms == pytest.approx(tuple(1e3 * d for d in durations))
    assert t.p50_ms == pytest.approx(30.0)
    assert t.p95_ms == pytest.approx(np.percentile([10, 20, 30, 40, 100], 95))
    assert t.rtfx(50) == pytest.approx(2.0 / 0.030)
    assert t.rtfx(95) < t.rtfx(50)  # the slow end is slower
    d = t.as_dict()
    assert {"p50_ms", "p95_ms", "p99_ms", "rtfx_p50", "rtfx_p95", "runs"} <= set(d)
    assert d["runs"] == 5 and not d["budget_hit"]


def test_budget_stops_early_but_never_below_min_repeats():
    t = timing.time_callable(lambda: None, repeats=50, warmup=0, budget_s=1.0, clock=fake_clock([0.6] * 50))
    assert t.n == timing.MIN_REPEATS and t.budget_hit  # 0.6 s each: budget spent after 2, minimum is 3
    t = timing.time_callable(lambda: None, repeats=50, warmup=0, budget_s=1.0, clock=fake_clock([0.3] * 50))
    assert t.n == 4 and t.budget_hit


def test_no_single_number_and_bad_parameters():
    with pytest.raises(ParamError, match="one run is not a measurement"):
        timing.time_callable(lambda: None, repeats=1)
    with pytest.raises(ParamError, match="warmup"):
        timing.time_callable(lambda: None, warmup=-1)
    with pytest.raises(ParamError, match="budget"):
        timing.time_callable(lambda: None, budget_s=0)
    with pytest.raises(ParamError, match="clip length"):
        timing.time_callable(lambda: None, audio_duration_s=0)
    assert timing.time_callable(lambda: None, repeats=3).rtfx() is None


def test_engine_discovery_lists_only_offline_engines():
    benches = timing.engine_benches()
    keys = {b.key for b in benches}
    assert {"features/logmel-ours", "features/logmel-librosa", "tts/espeak-ng", "resample/soxr", "resample/sinc", "mos/dnsmos"} <= keys
    assert all(b.kind in ("embedded", "scratch") for b in benches)
    assert len(keys) == len(benches)


def test_run_bench_on_a_clip():
    from core import signals

    y = signals.speech_like(duration_s=1.0, sr=16_000, seed=0)
    by_key = {b.key: b for b in timing.engine_benches()}
    for key in ("features/logmel-ours", "resample/soxr", "tts/espeak-ng"):
        t = timing.run_bench(by_key[key], y, 16_000, repeats=3, warmup=1)
        assert t.n == 3 and all(v > 0 for v in t.times_ms)
        assert t.audio_duration_s > 0 and t.rtfx() > 0
    assert by_key["tts/espeak-ng"].rtfx_of == "output"
