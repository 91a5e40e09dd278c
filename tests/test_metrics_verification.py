"""Verification metrics (lessons 06, 17): FAR/FRR, EER, minDCF, DET — parity with scikit-learn and SpeechBrain, golden values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from sklearn import metrics as skm

from core import metrics
from core.errors import ParamError


def _random_trials(seed: int, *, n: int | None = None, decimals: int | None = None):
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(6, 300))
    y = rng.random(n) < rng.uniform(0.1, 0.6)
    y[:2] = [True, False]
    s = rng.normal(size=n) + rng.uniform(0.0, 3.0) * y
    if decimals is not None:
        s = np.round(s, decimals)  # ties
    return s, y


def _eer_reference(scores, labels) -> float:
    """EER from scikit-learn's ROC: root of FNR − FPR along the ROC polyline (brentq on its arc parameter)."""
    fpr, tpr, _ = skm.roc_curve(labels, scores, drop_intermediate=False)
    u = np.arange(fpr.size, dtype=float)
    f = lambda x: (1.0 - np.interp(x, u, tpr)) - np.interp(x, u, fpr)
    x = brentq(f, 0.0, u[-1], xtol=1e-12)
    return float(np.interp(x, u, fpr))


@pytest.mark.parametrize("seed", range(40))
def test_far_frr_and_det_match_scikit_learn(seed):
    s, y = _random_trials(seed, decimals=seed % 3 if seed % 4 == 0 else None)
    thresholds, far, frr = metrics.far_frr(s, y)
    fpr, tpr, thr = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(far, fpr, atol=1e-12)
    np.testing.assert_allclose(frr, 1 - tpr, atol=1e-12)
    np.testing.assert_array_equal(thresholds, thr)
    ours = metrics.det_curve(s, y)
    ref = skm.det_curve(y, s, drop_intermediate=False)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("seed", range(40))
def test_eer_matches_the_crossing_on_scikit_learns_roc(seed):
    s, y = _random_trials(seed, decimals=1 if seed % 5 == 0 else None)
    value, threshold = metrics.eer(s, y)
    assert value == pytest.approx(_eer_reference(s, y), abs=1e-9)
    far, frr = metrics.error_rates_at(s, y, threshold)
    # no score lies strictly between the two ROC points bracketing the crossing, so the interpolated
    # threshold realises the upper point, where FAR ≤ EER ≤ FRR
    assert far - 1e-12 <= value <= frr + 1e-12


@pytest.mark.parametrize("seed", range(10))
def test_eer_and_min_dcf_agree_with_speechbrain(seed):
    torch = pytest.importorskip("torch")
    from speechbrain.utils.metric_stats import EER, minDCF

    s, y = _random_trials(seed, n=200)
    pos, neg = torch.tensor(s[y]), torch.tensor(s[~y])
    sb_eer, _ = EER(pos, neg)
    # SpeechBrain picks the threshold minimising |FAR − FRR| without interpolating: within one trial's step
    assert metrics.eer(s, y)[0] == pytest.approx(sb_eer, abs=1.0 / min(y.sum(), (~y).sum()))
    sb_dcf, _ = minDCF(pos, neg, p_target=0.01)
    ours, _ = metrics.min_dcf(s, y, p_target=0.01, normalize=False)
    assert ours == pytest.approx(sb_dcf, abs=1e-6)


@pytest.mark.parametrize("p_target", [0.01, 0.05, 0.5])
def test_min_dcf_is_the_minimum_of_the_formula_over_scikit_learns_roc(p_target):
    for seed in range(20):
        s, y = _random_trials(seed)
        fpr, tpr, thr = skm.roc_curve(y, s, drop_intermediate=False)
        c = (1 - tpr) * p_target + fpr * (1 - p_target)
        c_norm = c / min(p_target, 1 - p_target)
        value, threshold = metrics.min_dcf(s, y, p_target=p_target)
        assert value == pytest.approx(c_norm.min(), abs=1e-12)
        assert threshold == thr[int(np.argmin(c_norm))]
        assert 0.0 <= value <= 1.0


def test_golden_eer_values():
    # perfect separation → 0, at the lowest target score
    assert metrics.eer([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == (0.0, 0.8)
    # identical distributions → 0.5
    assert metrics.eer([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])[0] == 0.5
    assert metrics.eer([1, 2, 3, 1, 2, 3], [0, 0, 0, 1, 1, 1]) == (0.5, 2.5)
    # hand-worked: FAR = FRR = 1/3 exactly at threshold 0.7
    assert metrics.eer([0.9, 0.8, 0.4, 0.7, 0.3, 0.2], [1, 1, 1, 0, 0, 0]) == pytest.approx((1 / 3, 0.7))
    # hand-worked interpolation: between θ = 0.8 (FAR .25, FRR .5) and θ = 0.6 (FAR .25, FRR 0), halfway
    assert metrics.eer([0.9, 0.6, 0.8, 0.5, 0.4, 0.3], [1, 1, 0, 0, 0, 0]) == pytest.approx((0.25, 0.7))
    # inverted scores → 1
    assert metrics.eer([0.9, 0.8, 0.1, 0.2], [0, 0, 1, 1])[0] == pytest.approx(1.0)


def test_golden_min_dcf_and_dcf():
    # p_target = 0.5, unit costs: normalized DCF = P_miss + P_fa; points (FAR, FRR) = (0,1) (0,.5) (.25,.5) (.25,0) ...
    assert metrics.min_dcf([0.9, 0.6, 0.8, 0.5, 0.4, 0.3], [1, 1, 0, 0, 0, 0], p_target=0.5) == (0.25, 0.6)
    assert metrics.min_dcf([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == (0.0, 0.8)
    # a useless system costs at most C_default: normalized minDCF 1 (reject everything)
    value, threshold = metrics.min_dcf([0.5] * 4, [0, 1, 0, 1])
    assert value == 1.0 and threshold == np.inf
    assert metrics.dcf(0.1, 0.01, p_target=0.01) == pytest.approx((0.1 * 0.01 + 0.01 * 0.99) / 0.01)
    assert metrics.dcf(0.1, 0.01, p_target=0.01, normalize=False) == pytest.approx(0.1 * 0.01 + 0.01 * 0.99)
    assert metrics.dcf(1.0, 0.0, p_target=0.01, c_miss=10) == pytest.approx(1.0 * 10 * 0.01 / min(10 * 0.01, 0.99))


def test_min_dcf_grows_as_impostors_get_rarer_to_miss():
    s, y = _random_trials(3, n=400)
    values = [metrics.min_dcf(s, y, p_target=p)[0] for p in (0.5, 0.1, 0.01, 0.001)]
    eer = metrics.eer(s, y)[0]
    assert values[0] <= 2 * eer + 1e-12  # p = 0.5: minDCF = min(FAR + FRR) ≤ 2·EER
    assert values == sorted(values)  # the rarer targets are, the harder a low cost


def test_report_and_probit():
    s, y = _random_trials(7, n=300)
    rep = metrics.verification_report(s, y, p_target=0.05)
    assert set(rep) == {"eer", "threshold_at_eer", "min_dcf", "threshold_at_min_dcf", "p_target", "auc", "n_target", "n_nontarget"}
    assert rep["auc"] == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert rep["n_target"] == y.sum() and rep["n_nontarget"] == (~y).sum()
    assert 0 <= rep["eer"] <= 1 and 0 <= rep["min_dcf"] <= 1
    from scipy.stats import norm

    p = np.array([0.0, 0.01, 0.5, 0.99, 1.0])
    np.testing.assert_allclose(metrics.probit(p), norm.ppf(np.clip(p, metrics.DET_EPS, 1 - metrics.DET_EPS)))
    assert metrics.probit(0.5) == pytest.approx(0.0)


def test_invariances():
    s, y = _random_trials(11, n=150)
    e, thr = metrics.eer(s, y)
    # a monotone transform of the scores moves the thresholds, not the error rates
    e2, _ = metrics.eer(np.exp(s), y)
    assert e2 == pytest.approx(e)
    assert metrics.min_dcf(3 * s + 1, y)[0] == pytest.approx(metrics.min_dcf(s, y)[0])
    # trial order does not matter
    perm = np.random.default_rng(0).permutation(s.size)
    assert metrics.eer(s[perm], y[perm]) == pytest.approx((e, thr))


@pytest.mark.parametrize(
    ("scores", "labels", "kwargs", "words"),
    [
        ([0.1, 0.2], [1, 1], {}, "both target"),
        ([0.1, 0.2, 0.3], [1, 0], {}, "one label per score"),
        ([0.1, np.nan], [1, 0], {}, "NaN"),
        ([], [], {}, "no scores"),
        ([0.1, 0.2], [1, 0], {"p_target": 0.0}, "p_target"),
        ([0.1, 0.2], [1, 0], {"p_target": 1.5}, "p_target"),
        ([0.1, 0.2], [1, 0], {"c_fa": -1}, "costs"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(scores, labels, kwargs, words):
    with pytest.raises(ParamError, match=words):
        if kwargs:
            metrics.min_dcf(scores, labels, **kwargs)
        else:
            metrics.eer(scores, labels)
