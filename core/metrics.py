"""Evaluation metrics, from scratch: ROC/AUC and the metrics built on them.

Sections (each lesson adds its own, and reuses the shared primitives at the top):
  - shared primitives: roc_curve, auc
  - classification (lesson 03): confusion matrix, precision/recall/F1, average precision
  - verification (lessons 06, 17): EER, minDCF, DET
Every function is checked against scikit-learn in tests.
"""

from __future__ import annotations

import numpy as np

from core.errors import ParamError


def _scores_labels(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels).ravel()
    if s.shape != y.shape:
        raise ParamError(f"got {s.size} scores and {y.size} labels; give one label per score")
    if s.size == 0:
        raise ParamError("no scores given; give at least one positive and one negative trial")
    if not np.all(np.isfinite(s)):
        raise ParamError("scores contain NaN or Inf; every score must be a finite number")
    y = y.astype(bool) if y.dtype != bool else y
    if y.all() or not y.any():
        raise ParamError(
            f"labels are all {'positive' if y.all() else 'negative'}; a ROC needs both target (1) and non-target (0) trials"
        )
    return s, y


def roc_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Receiver operating characteristic: (fpr, tpr, thresholds), thresholds decreasing.

    Shapes: scores, labels (n,) → three (k,) arrays, k ≤ n + 1. Accept when score ≥ threshold.
    The first point is (0, 0) at threshold +inf; one point per distinct score after that
    (scikit-learn's ``drop_intermediate=False``).
    Formula: TPR(θ) = #{s ≥ θ, y = 1} / P, FPR(θ) = #{s ≥ θ, y = 0} / N.
    Reference: Fawcett (2006), "An introduction to ROC analysis", Pattern Recognit. Lett. 27(8).
    """
    s, y = _scores_labels(scores, labels)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    # last index of each run of equal scores: ties move together
    distinct = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tps = np.cumsum(y)[distinct]
    fps = (distinct + 1) - tps
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    thresholds = np.r_[np.inf, s[distinct]]
    return fpr, tpr, thresholds


def auc(x: np.ndarray, y: np.ndarray) -> float:
    """Area under a curve by the trapezoidal rule; ``x`` must be monotonic.

    Formula: A = Σ (x_{i+1} − x_i)(y_{i+1} + y_i)/2.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.size < 2:
        raise ParamError("auc needs two equal-length arrays with at least 2 points")
    dx = np.diff(x)
    if np.any(dx < 0) and np.any(dx > 0):
        raise ParamError("x must be monotonic (sorted) for an area under the curve")
    return float(abs(np.sum(dx * (y[1:] + y[:-1]) / 2.0)))


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the probability that a random target outscores a random non-target."""
    fpr, tpr, _ = roc_curve(scores, labels)
    return auc(fpr, tpr)


# ------------------------------------------------------------------ classification (lesson 03)


# ------------------------------------------------------------------ verification (lessons 06, 17)
