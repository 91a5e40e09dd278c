"""Shared metric primitives vs scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from core import metrics
from core.errors import ParamError


@pytest.mark.parametrize("seed", range(6))
def test_roc_curve_and_auc_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    labels = rng.integers(0, 2, n)
    labels[:2] = [0, 1]
    scores = np.round(rng.normal(labels * rng.uniform(0, 2), 1.0), int(rng.integers(0, 3)))  # rounding makes ties
    fpr, tpr, thr = metrics.roc_curve(scores, labels)
    fpr_r, tpr_r, thr_r = skm.roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, fpr_r, atol=1e-12)
    np.testing.assert_allclose(tpr, tpr_r, atol=1e-12)
    np.testing.assert_allclose(thr[1:], thr_r[1:])
    assert metrics.roc_auc(scores, labels) == pytest.approx(skm.roc_auc_score(labels, scores), abs=1e-12)


def test_auc_golden_and_bad_input():
    assert metrics.roc_auc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]) == 1.0
    assert metrics.roc_auc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == 0.5
    assert metrics.auc([0, 1], [1, 1]) == 1.0
    for scores, labels, words in [([1, 2], [1], "one label"), ([], [], "no scores"), ([1, 2], [1, 1], "both"),
                                  ([np.nan, 1], [0, 1], "NaN")]:
        with pytest.raises(ParamError, match=words):
            metrics.roc_curve(scores, labels)
