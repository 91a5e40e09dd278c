"""Classification metrics (core.metrics, lesson 03 section): parity with scikit-learn, golden values, errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from core import metrics
from core.errors import ParamError

TOL = 1e-12


@pytest.fixture(scope="module")
def multiclass():
    """600 samples, 5 string classes, imbalanced, with scores that are informative but imperfect."""
    rng = np.random.default_rng(0)
    classes = np.array(["bird", "clap", "noise", "speech", "tone"])
    y = rng.choice(5, size=600, p=[0.4, 0.25, 0.2, 0.1, 0.05])
    logits = rng.normal(size=(600, 5)) + 1.5 * np.eye(5)[y]
    P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return classes, y, P


def test_confusion_matrix_golden():
    # hand-worked: true a a a b b b c, predicted a a b b b a c
    C = metrics.confusion_matrix(list("aaabbbc"), list("aabbbac"))
    assert C.tolist() == [[2, 1, 0], [1, 2, 0], [0, 0, 1]]
    assert C.dtype == np.int64


def test_confusion_matrix_matches_sklearn(multiclass):
    classes, y, P = multiclass
    t, p = classes[y], classes[P.argmax(1)]
    np.testing.assert_array_equal(metrics.confusion_matrix(t, p), skm.confusion_matrix(t, p))
    order = ["tone", "speech", "bird", "clap", "noise"]
    np.testing.assert_array_equal(metrics.confusion_matrix(t, p, labels=order), skm.confusion_matrix(t, p, labels=order))
    subset = ["tone", "bird"]  # samples outside the listed classes are ignored, as in scikit-learn
    np.testing.assert_array_equal(metrics.confusion_matrix(t, p, labels=subset), skm.confusion_matrix(t, p, labels=subset))


def test_precision_recall_f1_match_sklearn(multiclass):
    classes, y, P = multiclass
    t, p = classes[y], classes[P.argmax(1)]
    ours = metrics.precision_recall_f1(t, p)
    ref = skm.precision_recall_fscore_support(t, p, zero_division=0)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, atol=TOL)
    assert metrics.macro_f1(t, p) == pytest.approx(skm.f1_score(t, p, average="macro"), abs=TOL)
    assert metrics.accuracy(t, p) == pytest.approx(skm.accuracy_score(t, p), abs=TOL)


def test_zero_division_is_zero_as_in_sklearn():
    # class "c" is never predicted (precision 0/0) and "d" never occurs (recall 0/0)
    t, p = list("aabbc"), list("abbbd")
    labels = ["a", "b", "c", "d"]
    ours = metrics.precision_recall_f1(t, p, labels=labels)
    ref = skm.precision_recall_fscore_support(t, p, labels=labels, zero_division=0)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, atol=TOL)
    assert metrics.macro_f1(t, p, labels=labels) == pytest.approx(skm.f1_score(t, p, labels=labels, average="macro", zero_division=0))


def test_macro_f1_punishes_a_missed_rare_class_where_accuracy_does_not():
    t = ["common"] * 95 + ["rare"] * 5
    p = ["common"] * 100
    assert metrics.accuracy(t, p) == pytest.approx(0.95)
    assert metrics.macro_f1(t, p) == pytest.approx((2 * 0.95 / 1.95) / 2)  # (F1_common + 0) / 2


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_top_k_accuracy_matches_sklearn(multiclass, k):
    _, y, P = multiclass
    assert metrics.top_k_accuracy(y, P, k=k) == pytest.approx(skm.top_k_accuracy_score(y, P, k=k, labels=range(5)), abs=TOL)
    assert metrics.top_k_accuracy(y, P, k=1) == pytest.approx(metrics.accuracy(y, P.argmax(1)))


def test_top_k_accuracy_with_string_labels(multiclass):
    classes, y, P = multiclass
    ours = metrics.top_k_accuracy(classes[y], P, k=2, labels=classes)
    assert ours == pytest.approx(skm.top_k_accuracy_score(classes[y], P, k=2, labels=classes))


def test_average_precision_matches_sklearn_with_and_without_ties():
    rng = np.random.default_rng(1)
    y = rng.random(300) < 0.3
    s = rng.normal(size=300) + y
    assert metrics.average_precision(s, y) == pytest.approx(skm.average_precision_score(y, s), abs=TOL)
    s_tied = np.round(s, 1)  # many ties: they move together in both implementations
    assert metrics.average_precision(s_tied, y) == pytest.approx(skm.average_precision_score(y, s_tied), abs=TOL)


def test_average_precision_golden():
    # ranking: +, −, +, −  → P@1 = 1, P@3 = 2/3 → AP = 0.5·1 + 0.5·2/3
    assert metrics.average_precision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]) == pytest.approx(0.5 + 1 / 3)
    assert metrics.average_precision([4, 3, 2, 1], [1, 1, 0, 0]) == pytest.approx(1.0)


def test_precision_recall_curve_matches_sklearn():
    rng = np.random.default_rng(2)
    y = rng.random(200) < 0.4
    s = np.round(rng.normal(size=200) + y, 1)
    p, r, th = metrics.precision_recall_curve(s, y)
    p_ref, r_ref, th_ref = skm.precision_recall_curve(y, s, drop_intermediate=False)
    # scikit-learn lists thresholds increasing and appends the (precision 1, recall 0) end point
    np.testing.assert_allclose(p, p_ref[:-1][::-1], atol=TOL)
    np.testing.assert_allclose(r, r_ref[:-1][::-1], atol=TOL)
    np.testing.assert_allclose(th, th_ref[::-1], atol=TOL)


def test_one_vs_rest_matches_sklearn(multiclass):
    classes, y, P = multiclass
    ovr = metrics.one_vs_rest(classes[y], P, labels=classes)
    assert ovr["macro_roc_auc"] == pytest.approx(skm.roc_auc_score(classes[y], P, multi_class="ovr", labels=classes), abs=TOL)
    for c in range(5):
        assert ovr["roc_auc"][c] == pytest.approx(skm.roc_auc_score(y == c, P[:, c]), abs=TOL)
        assert ovr["average_precision"][c] == pytest.approx(skm.average_precision_score(y == c, P[:, c]), abs=TOL)
    assert ovr["mean_ap"] == pytest.approx(skm.average_precision_score(np.eye(5)[y], P, average="macro"), abs=TOL)
    assert ovr["labels"] == classes.tolist()


def test_one_vs_rest_skips_a_class_absent_from_the_truth():
    y = np.array([0, 0, 1, 1, 0, 1])
    P = np.random.default_rng(3).random((6, 3))
    ovr = metrics.one_vs_rest(y, P)
    assert np.isnan(ovr["roc_auc"][2]) and np.isnan(ovr["average_precision"][2])
    assert ovr["macro_roc_auc"] == pytest.approx(np.mean([skm.roc_auc_score(y == c, P[:, c]) for c in (0, 1)]))


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: metrics.confusion_matrix([1, 2, 3], [1, 2]), "one prediction per sample"),
        (lambda: metrics.confusion_matrix([], []), "no samples"),
        (lambda: metrics.confusion_matrix([1, 2], [1, 2], labels=[1, 1]), "repeats"),
        (lambda: metrics.top_k_accuracy([0, 1], np.ones((3, 2))), "one row per label"),
        (lambda: metrics.top_k_accuracy([0, 1], [[0.1, np.nan], [0.2, 0.3]]), "finite"),
        (lambda: metrics.top_k_accuracy([0, 1], np.eye(2), k=0), "positive integer"),
        (lambda: metrics.top_k_accuracy(["a", "z"], np.eye(2), labels=["a", "b"]), "not one of"),
        (lambda: metrics.average_precision([0.1, 0.2], [0, 0]), "all negative"),
        (lambda: metrics.one_vs_rest([0, 0], np.eye(2)), "undefined"),
    ],
)
def test_bad_input_raises_param_error(call, words):
    with pytest.raises(ParamError, match=words):
        call()
