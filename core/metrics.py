"""Evaluation metrics, from scratch: ROC/AUC and the metrics built on them.

Sections (each lesson adds its own, and reuses the shared primitives at the top):
  - shared primitives: roc_curve, auc
  - classification (lesson 03): confusion matrix, precision/recall/F1, average precision
  - verification (lessons 06, 17): EER, minDCF, DET
Every function is checked against scikit-learn in tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import ParamError
from core.textnorm import NormOptions
from core.textnorm import normalize as _normalize


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
#
# Multi-class metrics on label sequences (any hashable labels: strings or ints) and on score
# matrices (n_samples, n_classes). Each equals its scikit-learn namesake (tests/test_metrics_classification.py).


def _class_labels(y_true: np.ndarray, y_pred: np.ndarray | None, labels: object) -> np.ndarray:
    if labels is not None:
        lab = np.asarray(labels)
        if lab.ndim != 1 or lab.size == 0:
            raise ParamError("labels must be a non-empty list of class labels")
        if np.unique(lab).size != lab.size:
            raise ParamError("labels contains repeats; list each class once")
        return lab
    parts = [y_true] if y_pred is None else [y_true, y_pred]
    return np.unique(np.concatenate(parts))


def _true_pred(y_true: object, y_pred: object) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true).ravel()
    p = np.asarray(y_pred).ravel()
    if t.shape != p.shape:
        raise ParamError(f"got {t.size} true labels and {p.size} predictions; give one prediction per sample")
    if t.size == 0:
        raise ParamError("no samples given")
    return t, p


def confusion_matrix(y_true: object, y_pred: object, *, labels: object = None) -> np.ndarray:
    """Counts C[i, j] of samples of true class labels[i] predicted as labels[j] → (n_classes, n_classes) int64.

    ``labels`` fixes the order (default: sorted union of both); samples whose class is not in
    ``labels`` are ignored. Rows sum to each class's support, the diagonal holds the hits.
    Formula: C[i, j] = #{n : y_n = l_i, ŷ_n = l_j}.
    Reference: Stehman (1997), Remote Sens. Environ. 62(1); sklearn.metrics.confusion_matrix.
    """
    t, p = _true_pred(y_true, y_pred)
    lab = _class_labels(t, p, labels)
    index = {v: i for i, v in enumerate(lab.tolist())}
    ti = np.array([index.get(v, -1) for v in t.tolist()])
    pi = np.array([index.get(v, -1) for v in p.tolist()])
    keep = (ti >= 0) & (pi >= 0)
    C = np.zeros((lab.size, lab.size), dtype=np.int64)
    np.add.at(C, (ti[keep], pi[keep]), 1)
    return C


def accuracy(y_true: object, y_pred: object) -> float:
    """Fraction of samples predicted correctly (top-1 accuracy)."""
    t, p = _true_pred(y_true, y_pred)
    return float(np.mean(t == p))


def precision_recall_f1(
    y_true: object, y_pred: object, *, labels: object = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-class (precision, recall, F1, support), each (n_classes,), classes in ``labels`` order.

    Formulas: P_c = TP_c / (TP_c + FP_c), R_c = TP_c / (TP_c + FN_c), F1_c = 2 P_c R_c / (P_c + R_c),
    support_c = TP_c + FN_c; a 0/0 is reported as 0 (scikit-learn's zero_division=0).
    Reference: van Rijsbergen (1979), *Information Retrieval*, ch. 7;
    sklearn.metrics.precision_recall_fscore_support.
    """
    C = confusion_matrix(y_true, y_pred, labels=labels).astype(np.float64)
    tp = np.diag(C)
    pred = C.sum(axis=0)
    support = C.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pred > 0, tp / pred, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        denom = precision + recall
        f1 = np.where(denom > 0, 2 * precision * recall / np.where(denom > 0, denom, 1.0), 0.0)
    return precision, recall, f1, support.astype(np.int64)


def macro_f1(y_true: object, y_pred: object, *, labels: object = None) -> float:
    """Unweighted mean of the per-class F1 scores: every class counts the same, however rare.

    Formula: macro-F1 = (1/C) Σ_c F1_c. Under class imbalance it drops when a rare class is
    missed, where accuracy barely moves. Reference: sklearn.metrics.f1_score(average="macro").
    """
    return float(np.mean(precision_recall_f1(y_true, y_pred, labels=labels)[2]))


def _score_matrix(y_true: object, scores: object, labels: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    S = np.asarray(scores, dtype=np.float64)
    t = np.asarray(y_true).ravel()
    if S.ndim != 2 or S.shape[0] != t.size or t.size == 0:
        raise ParamError(f"scores must be (n_samples, n_classes) with one row per label; got {S.shape} for {t.size} labels")
    if not np.all(np.isfinite(S)):
        raise ParamError("scores contain NaN or Inf; every score must be a finite number")
    lab = np.arange(S.shape[1]) if labels is None else _class_labels(t, None, labels)
    if lab.size != S.shape[1]:
        raise ParamError(f"{lab.size} labels for {S.shape[1]} score columns; give one label per column")
    index = {v: i for i, v in enumerate(lab.tolist())}
    missing = [v for v in np.unique(t).tolist() if v not in index]
    if missing:
        raise ParamError(f"true label {missing[0]!r} is not one of the score columns' labels")
    return np.array([index[v] for v in t.tolist()]), S, lab


def top_k_accuracy(y_true: object, scores: object, *, k: int = 5, labels: object = None) -> float:
    """Fraction of samples whose true class is among the k highest-scoring classes.

    ``scores`` (n_samples, n_classes); columns are classes 0 … C−1, or ``labels`` in order.
    A class tied with the true class's score does not push it out of the top k (scikit-learn
    breaks such ties by column order instead; the two agree whenever scores are distinct).
    Reference: sklearn.metrics.top_k_accuracy_score.
    """
    ti, S, _ = _score_matrix(y_true, scores, labels)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ParamError(f"k={k!r} must be a positive integer")
    # rank of the true class = number of classes scoring strictly higher
    true_score = S[np.arange(S.shape[0]), ti]
    rank = np.sum(S > true_score[:, None], axis=1)
    return float(np.mean(rank < k))


def precision_recall_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall of "score ≥ θ" at every distinct threshold: (precision, recall, thresholds).

    Thresholds decrease (one per distinct score), recall rises from its first value to 1.
    Formula: P(θ) = TP(θ) / (TP(θ) + FP(θ)), R(θ) = TP(θ) / #positives.
    Reference: Manning, Raghavan & Schütze (2008), *Introduction to IR*, §8.4.
    """
    s, y = _scores_labels(scores, labels)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    distinct = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tps = np.cumsum(y)[distinct]
    precision = tps / (distinct + 1)
    recall = tps / tps[-1]
    return precision, recall, s[distinct]


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Average precision: precision averaged over the recall steps of the ranking (no interpolation).

    Formula: AP = Σ_n (R_n − R_{n−1}) · P_n over distinct thresholds, R_0 = 0 — the area under
    the step-wise precision–recall curve. A random ranking scores the positive rate, a perfect one 1.
    Reference: sklearn.metrics.average_precision_score; Zhu (2004), "Recall, precision and average precision".
    """
    precision, recall, _ = precision_recall_curve(scores, labels)
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def one_vs_rest(y_true: object, scores: object, *, labels: object = None) -> dict[str, object]:
    """One-vs-rest ROC-AUC and average precision of every class, and their macro means.

    Class c's binary problem: positives are samples of class c, the score is column c.
    Returns {"labels", "roc_auc" (C,), "average_precision" (C,), "macro_roc_auc", "mean_ap"};
    a class absent from ``y_true`` (or present in every sample) has NaN and is left out of the
    means. macro_roc_auc equals sklearn's roc_auc_score(multi_class="ovr", average="macro") and
    mean_ap is the "mAP" reported for AudioSet.
    Reference: Fawcett (2006); Gemmeke et al. (2017), "Audio Set", ICASSP (mAP).
    """
    ti, S, lab = _score_matrix(y_true, scores, labels)
    aucs = np.full(S.shape[1], np.nan)
    aps = np.full(S.shape[1], np.nan)
    for c in range(S.shape[1]):
        pos = ti == c
        if pos.any() and not pos.all():
            aucs[c] = roc_auc(S[:, c], pos)
            aps[c] = average_precision(S[:, c], pos)
    ok = ~np.isnan(aucs)
    if not ok.any():
        raise ParamError("no class has both positive and negative samples; ROC-AUC is undefined")
    return {
        "labels": lab.tolist(),
        "roc_auc": aucs,
        "average_precision": aps,
        "macro_roc_auc": float(aucs[ok].mean()),
        "mean_ap": float(aps[ok].mean()),
    }


# ------------------------------------------------------------------ verification (lessons 06, 17)


DCF_P_TARGET = 0.01  # NIST SRE 2008-10 / VoxSRC operating point: 1 % of trials are targets
DCF_C_MISS = 1.0
DCF_C_FA = 1.0
DET_EPS = 1e-4  # rates are clipped to [ε, 1 − ε] before the probit: Φ⁻¹(0) = −∞ cannot be drawn
DET_TICKS = (0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95)  # probabilities for DET axes


def far_frr(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False acceptance and false rejection rates at every threshold: (thresholds, far, frr).

    Shapes: scores, labels (n,) → three (k,) arrays, thresholds decreasing from +inf (the
    ``roc_curve`` points). A trial is accepted when score ≥ threshold, so FAR rises and FRR falls
    as the threshold drops.
    Formula: FAR(θ) = FPR(θ) = #{s ≥ θ, non-target} / N;  FRR(θ) = 1 − TPR(θ) = #{s < θ, target} / P.
    Reference: Bimbot et al. (2004), "A tutorial on text-independent speaker verification",
    EURASIP J. Appl. Signal Process. 2004(4).
    """
    fpr, tpr, thresholds = roc_curve(scores, labels)
    return thresholds, fpr, 1.0 - tpr


def error_rates_at(scores: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, float]:
    """(FAR, FRR) when accepting every trial with score ≥ ``threshold``."""
    s, y = _scores_labels(scores, labels)
    accept = s >= float(threshold)
    return float(np.mean(accept[~y])), float(np.mean(~accept[y]))


def eer(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Equal error rate and its threshold: (eer, threshold), interpolated at the FAR = FRR crossing.

    The ROC points are joined by straight lines (the convex-combination of neighbouring
    thresholds); the EER is where that polyline crosses FRR = FAR, i.e. the ROC meets the line
    TPR = 1 − FPR. The threshold is interpolated with the same weight between the two thresholds
    bracketing the crossing (the finite one when the other is +inf). Perfect separation gives 0,
    identical target and non-target score distributions give 0.5.
    Formula: find i with d_i = FRR_i − FAR_i ≥ 0 > d_{i+1}; t = d_i / (d_i − d_{i+1});
    EER = FAR_i + t·(FAR_{i+1} − FAR_i).
    Reference: Brümmer & du Preez (2006), "Application-independent evaluation of speaker
    detection", Comput. Speech Lang. 20(2-3) — the ROCCH-EER idea; NIST SRE evaluation plans.
    """
    thresholds, far, frr = far_frr(scores, labels)
    d = frr - far  # +1 at the first point (reject all), −1 at the last (accept all), non-increasing
    k = int(np.argmax(d <= 0.0))  # first point at or past the crossing (exists: d[-1] = −1)
    if d[k] == 0.0:
        return float(far[k]), float(thresholds[k])
    i = k - 1
    t = d[i] / (d[i] - d[k])
    value = far[i] + t * (far[k] - far[i])
    lo, hi = thresholds[k], thresholds[i]
    threshold = lo if not np.isfinite(hi) else hi + t * (lo - hi)
    return float(value), float(threshold)


def _check_dcf_params(p_target: float, c_miss: float, c_fa: float) -> None:
    if not 0.0 < float(p_target) < 1.0:
        raise ParamError(f"p_target={p_target} must be strictly between 0 and 1 (e.g. 0.01 or 0.05)")
    if not (float(c_miss) > 0.0 and float(c_fa) > 0.0):
        raise ParamError(f"costs must be positive, got c_miss={c_miss}, c_fa={c_fa}")


def dcf(
    p_miss: float | np.ndarray,
    p_fa: float | np.ndarray,
    *,
    p_target: float = DCF_P_TARGET,
    c_miss: float = DCF_C_MISS,
    c_fa: float = DCF_C_FA,
    normalize: bool = True,
) -> float | np.ndarray:
    """Detection cost for given miss and false-alarm rates (scalars or arrays).

    Formula: C_det = C_miss·P_miss·P_target + C_fa·P_fa·(1 − P_target); normalized by
    C_default = min(C_miss·P_target, C_fa·(1 − P_target)), the cost of always rejecting or always
    accepting, whichever is cheaper (so a useless system scores 1).
    Reference: NIST, "The NIST Year 2010 Speaker Recognition Evaluation Plan", section 3.1.
    """
    _check_dcf_params(p_target, c_miss, c_fa)
    cost = c_miss * np.asarray(p_miss, dtype=np.float64) * p_target + c_fa * np.asarray(p_fa, dtype=np.float64) * (1.0 - p_target)
    if normalize:
        cost = cost / min(c_miss * p_target, c_fa * (1.0 - p_target))
    return float(cost) if np.ndim(cost) == 0 else cost


def min_dcf(
    scores: np.ndarray,
    labels: np.ndarray,
    *,
    p_target: float = DCF_P_TARGET,
    c_miss: float = DCF_C_MISS,
    c_fa: float = DCF_C_FA,
    normalize: bool = True,
) -> tuple[float, float]:
    """Minimum detection cost over all thresholds and the threshold that reaches it: (min_dcf, threshold).

    Evaluated at every ROC point, including "reject all" (threshold +inf) and "accept all" (the
    lowest score), so the normalized value is ≤ 1. Lower is better; unlike the EER it weighs
    false acceptances by how rare impostors are assumed to be (``p_target``).
    Formula: minDCF = min_θ C_det(P_miss(θ), P_fa(θ)) / C_default (see ``dcf``).
    Reference: NIST SRE 2010 evaluation plan; VoxSRC uses p_target = 0.05 or 0.01, C_miss = C_fa = 1.
    """
    _check_dcf_params(p_target, c_miss, c_fa)
    thresholds, far, frr = far_frr(scores, labels)
    costs = dcf(frr, far, p_target=p_target, c_miss=c_miss, c_fa=c_fa, normalize=normalize)
    i = int(np.argmin(costs))
    return float(costs[i]), float(thresholds[i])


def det_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detection error trade-off: (fpr, fnr, thresholds), thresholds increasing, as scikit-learn.

    Same points as ``far_frr`` but trimmed to the useful range (from the last threshold with no
    false alarm to the first with no miss) and ordered by increasing threshold, matching
    ``sklearn.metrics.det_curve(..., drop_intermediate=False)``. Plot ``probit(fpr)`` against
    ``probit(fnr)``: with Gaussian-like score distributions the curve becomes a straight line.
    Reference: Martin et al. (1997), "The DET curve in assessment of detection task
    performance", Eurospeech.
    """
    fpr, tpr, thresholds = roc_curve(scores, labels)
    fnr = 1.0 - tpr
    first = int(np.searchsorted(fpr, fpr[0], side="right")) - 1  # last point with fpr == 0
    last = int(np.searchsorted(tpr, 1.0)) + 1  # first point with fnr == 0, inclusive
    sl = slice(first, last)
    return fpr[sl][::-1].copy(), fnr[sl][::-1].copy(), thresholds[sl][::-1].copy()


def probit(p: float | np.ndarray, *, eps: float = DET_EPS) -> float | np.ndarray:
    """Normal deviate Φ⁻¹(p) (scipy.stats.norm.ppf) of a rate clipped to [eps, 1 − eps]: the DET axes."""
    from scipy.stats import norm

    return norm.ppf(np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps))


def verification_report(
    scores: np.ndarray,
    labels: np.ndarray,
    *,
    p_target: float = DCF_P_TARGET,
    c_miss: float = DCF_C_MISS,
    c_fa: float = DCF_C_FA,
) -> dict[str, float | int]:
    """EER, minDCF and AUC of a trial list in one call (see ``eer``, ``min_dcf``, ``roc_auc``).

    Returns a dict: eer, threshold_at_eer, min_dcf, threshold_at_min_dcf (+inf = reject all),
    p_target, auc, n_target, n_nontarget.
    """
    s, y = _scores_labels(scores, labels)
    e, e_thr = eer(s, y)
    m, m_thr = min_dcf(s, y, p_target=p_target, c_miss=c_miss, c_fa=c_fa)
    return {
        "eer": e, "threshold_at_eer": e_thr, "min_dcf": m, "threshold_at_min_dcf": m_thr, "p_target": float(p_target),
        "auc": roc_auc(s, y), "n_target": int(y.sum()), "n_nontarget": int((~y).sum()),
    }


# ------------------------------------------------------------------ transcription (lessons 04, 05, 17)
# Word and character error rates from a Levenshtein alignment with full backtrace, written from
# scratch (checked against jiwer 4.0, counts included, in tests/test_wer.py).


ALIGN_OPS = ("=", "S", "D", "I")  # hit, substitution, deletion (ref word missing), insertion (extra hyp word)
MAX_ALIGN_CELLS = 25_000_000  # (n_ref + 1) × (n_hyp + 1) int32 cells ≈ 100 MB; longer texts: split, use corpus_wer
SMALL_ALIGN_CELLS = 2_500  # up to ~50 × 50 tokens the DP runs in plain Python (faster than numpy rows there)


def _edit_matrix(ref: list[int], hyp: list[int]) -> np.ndarray:
    """Levenshtein DP matrix D (n+1, m+1): D[i, j] = edits turning ref[:i] into hyp[:j].

    D[i, j] = min(D[i-1, j] + 1, D[i, j-1] + 1, D[i-1, j-1] + [ref[i-1] ≠ hyp[j-1]]).
    Each row is vectorised: the left-neighbour recursion D[i, j] = min(t[j], D[i, j-1] + 1) is a
    running minimum, D[i, j] − j = min_{k ≤ j}(t[k] − k), so one row costs a few numpy calls.
    """
    n, m = len(ref), len(hyp)
    if (n + 1) * (m + 1) > MAX_ALIGN_CELLS:
        raise ParamError(
            f"aligning {n} reference tokens with {m} hypothesis tokens needs {(n + 1) * (m + 1):,} cells "
            f"(limit {MAX_ALIGN_CELLS:,}); split the text into utterances and use corpus_wer"
        )
    if n * m <= SMALL_ALIGN_CELLS:  # sentence-sized: plain Python beats numpy's per-call overhead
        prev = list(range(m + 1))
        rows = [prev]
        for i in range(1, n + 1):
            r_i = ref[i - 1]
            cur = [i]
            for j in range(1, m + 1):
                cur.append(min(prev[j - 1] + (r_i != hyp[j - 1]), prev[j] + 1, cur[j - 1] + 1))
            rows.append(cur)
            prev = cur
        return np.asarray(rows, dtype=np.int32)
    h = np.asarray(hyp, dtype=np.int64)
    cols = np.arange(m + 1, dtype=np.int32)
    D = np.empty((n + 1, m + 1), dtype=np.int32)
    D[0] = cols
    t = np.empty(m + 1, dtype=np.int32)
    for i in range(1, n + 1):
        t[0] = i
        np.minimum(D[i - 1, 1:] + 1, D[i - 1, :-1] + (h != ref[i - 1]), out=t[1:])
        D[i] = np.minimum.accumulate(t - cols) + cols
    return D


def align_tokens(ref: list, hyp: list) -> list[tuple[str, object, object]]:
    """Minimum-edit alignment of two token sequences: [(op, ref_token, hyp_token), ...].

    op is "=" (hit), "S" (substitution), "D" (deletion: ref_token, hyp_token None) or "I"
    (insertion: ref_token None). The number of non-hits is the Levenshtein distance.
    Among equally short alignments, the one chosen matches RapidFuzz (used by jiwer), so hit and
    error counts agree with jiwer: common prefix and suffix are hits, and the backtrace from the
    end prefers a deletion, then an insertion, then the diagonal.
    Reference: Wagner & Fischer (1974), "The string-to-string correction problem", JACM 21(1);
    Hyyrö (2004), "A note on bit-parallel alignment computation".
    """
    vocab: dict[object, int] = {}
    r = [vocab.setdefault(tok, len(vocab)) for tok in ref]
    h = [vocab.setdefault(tok, len(vocab)) for tok in hyp]
    p = 0  # common prefix
    while p < len(r) and p < len(h) and r[p] == h[p]:
        p += 1
    s = 0  # common suffix
    while s < len(r) - p and s < len(h) - p and r[-1 - s] == h[-1 - s]:
        s += 1
    r_mid, h_mid = r[p : len(r) - s], h[p : len(h) - s]
    D = _edit_matrix(r_mid, h_mid).tolist() if r_mid and h_mid else None
    i, j = len(r_mid), len(h_mid)
    back: list[tuple[str, int | None, int | None]] = []
    while i and j:
        if D[i][j] == D[i - 1][j] + 1:  # deletion is optimal here
            i -= 1
            back.append(("D", i, None))
        elif j > 1 and D[i][j - 1] < D[i - 1][j - 1]:  # stepping left then stays on an optimal path
            j -= 1
            back.append(("I", None, j))
        else:
            i, j = i - 1, j - 1
            back.append(("=" if r_mid[i] == h_mid[j] else "S", i, j))
    back += [("D", k, None) for k in range(i - 1, -1, -1)] + [("I", None, k) for k in range(j - 1, -1, -1)]
    out: list[tuple[str, object, object]] = [("=", ref[k], hyp[k]) for k in range(p)]
    for op, a, b in reversed(back):
        out.append((op, None if a is None else ref[p + a], None if b is None else hyp[p + b]))
    out += [("=", ref[len(ref) - s + k], hyp[len(hyp) - s + k]) for k in range(s)]
    return out


def _count(alignment: list[tuple[str, object, object]]) -> tuple[int, int, int, int]:
    hits = subs = dels = ins = 0
    for op, _, _ in alignment:
        if op == "=":
            hits += 1
        elif op == "S":
            subs += 1
        elif op == "D":
            dels += 1
        else:
            ins += 1
    return hits, subs, dels, ins


@dataclass(frozen=True)
class WerResult:
    """Word (and character) error rate of one hypothesis against one reference, with the alignment."""

    wer: float  # (S + D + I) / N words; may exceed 1 when the hypothesis has many insertions
    cer: float  # the same over characters of the normalised text (spaces included, as jiwer)
    hits: int  # words in both (H)
    substitutions: int  # words replaced (S)
    deletions: int  # reference words missing from the hypothesis (D)
    insertions: int  # hypothesis words not in the reference (I)
    alignment: list[tuple[str, str | None, str | None]]  # (op, ref_word, hyp_word), op in "=", "S", "D", "I"
    n_ref_words: int  # N = H + S + D
    n_hyp_words: int  # H + S + I
    reference: str = ""  # the normalised reference that was scored
    hypothesis: str = ""  # the normalised hypothesis that was scored
    char_hits: int = 0
    char_substitutions: int = 0
    char_deletions: int = 0
    char_insertions: int = 0
    n_ref_chars: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions


def _norm_pair(reference: str, hypothesis: str, normalize: bool | NormOptions) -> tuple[str, str]:
    if not isinstance(reference, str) or not isinstance(hypothesis, str):
        raise ParamError("reference and hypothesis must be text (str)")
    if not isinstance(normalize, (bool, NormOptions)):
        raise ParamError(f"normalize must be True, False or a NormOptions, not {normalize!r}")
    return _normalize(reference, normalize), _normalize(hypothesis, normalize)


def wer(reference: str, hypothesis: str, *, normalize: bool | NormOptions = True) -> WerResult:
    """Word error rate WER = (S + D + I) / N and character error rate, with the full alignment.

    Args:
        reference: the correct transcript (must contain at least one word after normalisation).
        hypothesis: the recogniser's transcript (may be empty: then every word is a deletion).
        normalize: ``True`` for the Whisper-like English normaliser (core.textnorm), ``False`` for
            none (only whitespace), or a ``core.textnorm.NormOptions``.

    N is the number of reference words; S, D, I the substitutions, deletions and insertions of a
    minimum-edit alignment (``align_tokens``). CER is the same over characters.
    Reference: Jurafsky & Martin, "Speech and Language Processing" (3rd ed.), §16.5 (WER).
    """
    ref, hyp = _norm_pair(reference, hypothesis, normalize)
    if not ref:
        what = "empty" if not reference.strip() else f"empty after normalisation ({reference[:60]!r} has no words)"
        raise ParamError(f"the reference is {what}; WER divides by the number of reference words, so give at least one word")
    ref_words, hyp_words = ref.split(), hyp.split()
    alignment = align_tokens(ref_words, hyp_words)
    h, s, d, i = _count(alignment)
    ch, cs, cd, ci = _count(align_tokens(list(ref), list(hyp)))
    return WerResult(
        wer=(s + d + i) / len(ref_words),
        cer=(cs + cd + ci) / len(ref),
        hits=h, substitutions=s, deletions=d, insertions=i,
        alignment=alignment,
        n_ref_words=len(ref_words), n_hyp_words=len(hyp_words),
        reference=ref, hypothesis=hyp,
        char_hits=ch, char_substitutions=cs, char_deletions=cd, char_insertions=ci, n_ref_chars=len(ref),
    )  # fmt: skip


def cer(reference: str, hypothesis: str, *, normalize: bool | NormOptions = True) -> float:
    """Character error rate (S + D + I) / N over characters of the normalised texts; see ``wer``."""
    return wer(reference, hypothesis, normalize=normalize).cer


@dataclass(frozen=True)
class CorpusWerResult:
    """Corpus-level error rates: total errors over total reference words (not a mean of per-utterance WERs)."""

    wer: float  # Σ(S + D + I) / Σ N over all utterances
    cer: float  # the same over characters
    hits: int
    substitutions: int
    deletions: int
    insertions: int
    n_ref_words: int
    n_ref_chars: int
    n_utterances: int
    utterances: list[WerResult | None]  # per utterance; None where the reference is empty


def corpus_wer(refs: list[str], hyps: list[str], *, normalize: bool | NormOptions = True) -> CorpusWerResult:
    """Corpus WER = Σ errors / Σ reference words over utterance pairs (jiwer's list behaviour).

    Utterances with an empty reference are allowed (their hypothesis words count as insertions)
    as long as the corpus has at least one reference word. Long utterances weigh more, as they
    should: averaging per-utterance WERs would let a one-word utterance count as much as a speech.
    """
    refs, hyps = list(refs), list(hyps)
    if len(refs) != len(hyps):
        raise ParamError(f"got {len(refs)} references and {len(hyps)} hypotheses; give one hypothesis per reference")
    if not refs:
        raise ParamError("no utterances given; give at least one reference/hypothesis pair")
    tot = np.zeros(4, dtype=np.int64)
    ctot = np.zeros(4, dtype=np.int64)
    n_words = n_chars = 0
    per: list[WerResult | None] = []
    for ref_text, hyp_text in zip(refs, hyps):
        ref, hyp = _norm_pair(ref_text, hyp_text, normalize)
        if ref:
            r = wer(ref, hyp, normalize=False)
            per.append(r)
            tot += (r.hits, r.substitutions, r.deletions, r.insertions)
            ctot += (r.char_hits, r.char_substitutions, r.char_deletions, r.char_insertions)
            n_words += r.n_ref_words
            n_chars += r.n_ref_chars
        else:
            per.append(None)
            tot[3] += len(hyp.split())
            ctot[3] += len(hyp)
    if n_words == 0:
        raise ParamError("every reference is empty after normalisation; corpus WER needs at least one reference word")
    return CorpusWerResult(
        wer=float(tot[1:].sum() / n_words), cer=float(ctot[1:].sum() / n_chars),
        hits=int(tot[0]), substitutions=int(tot[1]), deletions=int(tot[2]), insertions=int(tot[3]),
        n_ref_words=n_words, n_ref_chars=n_chars, n_utterances=len(refs), utterances=per,
    )  # fmt: skip
