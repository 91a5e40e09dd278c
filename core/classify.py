"""Audio classification (lesson 03): pooled MFCC embeddings, k-NN, a small CNN, augmentation.

The lesson's arc, in this module's order:

1. a clip becomes a feature matrix (MFCC or log-mel, (n_features, n_frames));
2. *pooling* turns it into one fixed-size vector (moments over time: ``mfcc_statistics``);
3. a classifier maps vectors to classes — k-NN with cosine distance (``KNNClassifier``), which
   also powers the teach-it-yourself few-shot classifier (``fewshot``);
4. a CNN learns the whole mapping from the log-mel (``build_cnn``, trained by
   ``scripts/train_classifier.py`` with ``spec_augment`` and ``mixup``), and its penultimate layer
   is a learned embedding;
5. a transformer on spectrogram patches (AST, 527 AudioSet classes) is the production model.

Engines (``core.engines.REGISTRY``; loading is lazy, nothing heavy is imported here):
``sound-classification``: ``ast-audioset`` (hub), ``toy-cnn`` (embedded, weights in
assets/classifier, trained with torch, served by a numpy forward pass), ``mfcc-knn`` (scratch: k-NN over MFCC statistics of the same training clips);
``clip-embedding``: ``mfcc-stats`` (scratch), ``toy-cnn`` (the CNN's penultimate layer).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core import features
from core.audio import SILENCE_DBFS, load_audio
from core.engines import REGISTRY, Engine, hub_probe, model_source, module_available
from core.errors import AudioError, LabWarning, ParamError

# ---- constants ---------------------------------------------------------------------------------

SR = 16_000  # Hz; every embedding and model in this module works at 16 kHz
MOMENTS = ("mean", "std", "skew", "kurtosis")  # the pooling statistics mfcc_statistics knows
DEFAULT_MOMENTS = ("mean", "std")
_EPS = 1e-8

# The CNN's front end: 25 ms / 10 ms frames, 64 Slaney mels up to Nyquist, 1 s windows.
CNN_MEL = features.MelConfig(sr=SR, n_fft=400, hop_length=160, n_mels=64)
WINDOW_S = 1.0  # the CNN sees 1 s at a time; longer clips are cut into windows
WINDOW_FRAMES = 1 + int(WINDOW_S * SR) // CNN_MEL.hop_length  # 101 frames (center=True)
WINDOW_HOP_FRAMES = WINDOW_FRAMES // 2  # 50 frames = 0.5 s: windows overlap by half
DYNAMIC_RANGE_DB = 80.0  # each window is scaled to its own peak and floored 80 dB below it
GATE_DB = 30.0  # windows whose peak is more than 30 dB below the clip's loudest window are pauses
CNN_CHANNELS = (16, 32, 64, 64)  # conv block widths; 2×2 max-pool after all but the last
CNN_EMBED_DIM = 64  # width of the penultimate layer: the CNN's embedding

# Clip limits for this lesson (the loader enforces them before decoding everything).
MAX_CLIP_S = 60.0  # classify_predict: a minute of audio is plenty for a clip-level label
MIN_CLIP_S = 0.1  # shorter than a few 25 ms frames has nothing to classify
MAX_EXAMPLE_S = 10.0  # few-shot examples: a clap or a word takes a second or two
MAX_EXAMPLES = 20  # few-shot example files per request (e.g. 5 classes × 4)
MIN_CLASSES, MAX_CLASSES = 2, 5  # the teach-it-yourself classifier's range
MIN_PER_CLASS = 3  # leave-one-out needs ≥ 2 left in the class; 3 gives it a fair chance
FEWSHOT_K = 3  # neighbours voting in the few-shot k-NN
FEWSHOT_TEMPERATURE = 0.1  # softmax temperature on cosine similarity for the neighbours' votes
TOP_K = 5  # labels returned by classify for the 527-class hub model

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "classifier"
CNN_WEIGHTS = ASSETS / "toy_cnn.safetensors"
CNN_CARD = ASSETS / "toy_cnn.json"  # classes, front end, training recipe, held-out metrics
HELDOUT = ASSETS / "heldout.npz"  # held-out labels and scores of toy-cnn and mfcc-knn; k-NN references
AST_ID = "MIT/ast-finetuned-audioset-10-10-0.4593"


# ---- 1. pooled MFCC embeddings -------------------------------------------------------------------


def _check_moments(moments: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(moments, str):
        moments = (moments,)
    moments = tuple(moments)
    bad = [m for m in moments if m not in MOMENTS]
    if not moments or bad:
        raise ParamError(f"moments={moments!r}: pick one or more of {', '.join(MOMENTS)}")
    if len(set(moments)) != len(moments):
        raise ParamError(f"moments={moments!r} repeats a statistic; list each at most once")
    return moments


def pool_moments(F: np.ndarray, *, moments: Sequence[str] = DEFAULT_MOMENTS) -> np.ndarray:
    """Pool a feature sequence F (n_features, n_frames) over time → (len(moments)·n_features,) float32.

    Statistics per row, concatenated in the order of ``moments``: mean μ = E[x];
    std σ = √E[(x−μ)²] (population, ddof=0); skew E[(x−μ)³]/σ³; kurtosis E[(x−μ)⁴]/σ⁴ − 3
    (excess, Fisher). A constant row (σ ≈ 0) has skew and kurtosis 0 by definition here.
    Reference: statistics pooling, e.g. Snyder et al. (2018), "X-vectors", ICASSP; the moments
    equal scipy.stats.skew / kurtosis with bias=True.
    """
    moments = _check_moments(moments)
    F = np.asarray(F, dtype=np.float64)
    if F.ndim != 2 or F.shape[1] < 1:
        raise ParamError(f"F has shape {F.shape}; pass (n_features, n_frames) with at least one frame")
    mu = F.mean(axis=1)
    d = F - mu[:, None]
    sd = np.sqrt(np.mean(d**2, axis=1))
    flat = sd <= _EPS * (1.0 + np.abs(mu))
    safe = np.where(flat, 1.0, sd)
    out = []
    for m in moments:
        if m == "mean":
            out.append(mu)
        elif m == "std":
            out.append(sd)
        elif m == "skew":
            out.append(np.where(flat, 0.0, np.mean(d**3, axis=1) / safe**3))
        else:
            out.append(np.where(flat, 0.0, np.mean(d**4, axis=1) / safe**4 - 3.0))
    return np.concatenate(out).astype(np.float32)


def mfcc_statistics(
    y: np.ndarray,
    sr: int = SR,
    *,
    n_mfcc: int = 20,
    moments: Sequence[str] = DEFAULT_MOMENTS,
) -> np.ndarray:
    """Fixed-size embedding of a clip: moments over time of its MFCCs → (len(moments)·n_mfcc,) float32.

    ``y`` (n,) float mono audio at ``sr`` Hz, at least one 25 ms frame long. Front end:
    core.features.speech_config(sr) — 25 ms Hamming frames every 10 ms, 40 HTK mels from 20 Hz to
    min(7600, 0.475·sr) — then MFCC c_0 … c_{n_mfcc−1} (core.features.mfcc, dB log, ortho DCT).
    Layout: [stat_1(c_0 … c_{n_mfcc−1}), stat_2(…), …] in the order of ``moments`` (any of
    "mean", "std", "skew", "kurtosis"; see ``pool_moments``), so d = 40 for the default
    ("mean", "std") with n_mfcc = 20, and d = 80 with all four.
    Formula: e = concat_m stat_m over frames t of MFCC(y)[k, t], k = 0 … n_mfcc − 1.
    Not normalised: c_0 (log energy) makes the mean depend on level, so compare embeddings after
    ``standardize`` (per-dimension z-scores), as ``KNNClassifier`` does.
    Reference: Davis & Mermelstein (1980), IEEE TASSP 28(4); statistics pooling (Snyder et al., 2018).
    """
    moments = _check_moments(moments)
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ParamError(f"y has shape {y.shape}; pass mono audio (n,) — see core.audio.to_mono")
    cfg = features.speech_config(int(sr))
    if y.shape[0] < cfg.n_fft:
        raise ParamError(
            f"clip is {y.shape[0]} samples ({1000 * y.shape[0] / sr:.0f} ms); "
            f"pass at least one {cfg.frame_ms:.0f} ms frame ({cfg.n_fft} samples)"
        )
    kw = cfg.kwargs()
    kw.pop("sr")
    if isinstance(n_mfcc, bool) or not isinstance(n_mfcc, (int, np.integer)) or not 1 <= n_mfcc <= cfg.n_mels:
        raise ParamError(f"n_mfcc={n_mfcc!r} must be an integer in [1, {cfg.n_mels}]; typical values are 13–20")
    M = features.mfcc(y, sr=sr, n_mfcc=int(n_mfcc), **kw)  # (n_mfcc, n_frames)
    return pool_moments(M, moments=moments)


# ---- 2. k-NN with cosine distance ----------------------------------------------------------------


def standardize(X: np.ndarray, *, mean: np.ndarray | None = None, scale: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-dimension z-scores: returns (Z, mean, scale) with Z = (X − mean) / scale.

    ``X`` (n, d). Without ``mean``/``scale`` they are fitted on X (population std); dimensions
    with zero spread get scale 1 so they stay 0 instead of exploding.
    """
    X = np.asarray(X, dtype=np.float64)
    if mean is None or scale is None:
        mean = X.mean(axis=0)
        scale = X.std(axis=0)
        scale = np.where(scale > _EPS * (1.0 + np.abs(mean)), scale, 1.0)
    return (X - mean) / scale, mean, scale


def cosine_similarity(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of A (n, d) with every row of B (m, d) → (n, m), in [−1, 1].

    Formula: cos(a, b) = a·b / (‖a‖‖b‖); a zero vector has similarity 0 with everything.
    Cosine *distance* is 1 − cos (scikit-learn's metric="cosine").
    """
    A = np.atleast_2d(np.asarray(A, dtype=np.float64))
    B = np.atleast_2d(np.asarray(B, dtype=np.float64))
    if A.shape[1] != B.shape[1]:
        raise ParamError(f"vectors of different sizes: {A.shape[1]} and {B.shape[1]}")
    na = np.linalg.norm(A, axis=1, keepdims=True)
    nb = np.linalg.norm(B, axis=1, keepdims=True)
    S = (A / np.where(na > 0, na, 1.0)) @ (B / np.where(nb > 0, nb, 1.0)).T
    return np.clip(S, -1.0, 1.0)


@dataclass
class KNNClassifier:
    """k-nearest-neighbour classifier with cosine distance, from scratch.

    ``fit(X, labels)`` stores the (optionally standardised) reference vectors; a query's class
    scores are the votes of its k most similar references. ``weights="uniform"`` gives every
    neighbour one vote (scikit-learn's KNeighborsClassifier(metric="cosine") — parity-tested);
    ``"softmax"`` weights neighbour i by exp(cos_i / T), so closer neighbours count more and the
    scores are smooth. Ties in the vote go to the class listed first (sorted), as in scikit-learn.
    Reference: Cover & Hart (1967), "Nearest neighbor pattern classification", IEEE Trans. IT 13(1).
    """

    k: int = 5  # neighbours that vote
    weights: str = "uniform"  # "uniform" (one vote each) or "softmax" (exp(cos/T))
    temperature: float = FEWSHOT_TEMPERATURE  # T for weights="softmax"
    standardize: bool = True  # z-score every dimension on the references before the cosine
    classes_: np.ndarray = field(default=None, init=False, repr=False)  # sorted class labels
    _X: np.ndarray = field(default=None, init=False, repr=False)
    _y: np.ndarray = field(default=None, init=False, repr=False)  # class index per reference
    _mean: np.ndarray = field(default=None, init=False, repr=False)
    _scale: np.ndarray = field(default=None, init=False, repr=False)

    def fit(self, X: np.ndarray, labels: Sequence[Any]) -> KNNClassifier:
        X = np.asarray(X, dtype=np.float64)
        labels = np.asarray(labels)
        if X.ndim != 2 or X.shape[0] != labels.shape[0] or X.shape[0] == 0:
            raise ParamError(f"got X of shape {X.shape} and {labels.shape[0]} labels; give one label per row")
        if self.weights not in ("uniform", "softmax"):
            raise ParamError(f"weights={self.weights!r} must be 'uniform' or 'softmax'")
        if isinstance(self.k, bool) or not isinstance(self.k, (int, np.integer)) or self.k < 1:
            raise ParamError(f"k={self.k!r} must be a positive integer")
        if not self.temperature > 0:
            raise ParamError(f"temperature={self.temperature} must be > 0 (e.g. 0.1)")
        self.classes_, self._y = np.unique(labels, return_inverse=True)
        if self.standardize:
            self._X, self._mean, self._scale = standardize(X)
        else:
            self._X, self._mean, self._scale = X, np.zeros(X.shape[1]), np.ones(X.shape[1])
        return self

    def _check_fitted(self) -> None:
        if self._X is None:
            raise ParamError("call fit(X, labels) before predicting")

    def transform(self, Q: np.ndarray) -> np.ndarray:
        """Queries (m, d) in the references' standardised space."""
        self._check_fitted()
        return standardize(np.atleast_2d(Q), mean=self._mean, scale=self._scale)[0]

    def kneighbors(self, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cosine distances (m, k'), indices (m, k')) of the k' = min(k, n_refs) nearest references."""
        S = cosine_similarity(self.transform(Q), self._X)  # (m, n_refs)
        k = min(int(self.k), S.shape[1])
        idx = np.argsort(-S, axis=1, kind="stable")[:, :k]
        return 1.0 - np.take_along_axis(S, idx, axis=1), idx

    def predict_proba(self, Q: np.ndarray) -> np.ndarray:
        """Class scores (m, n_classes), each row summing to 1, columns in ``classes_`` order."""
        dist, idx = self.kneighbors(Q)
        if self.weights == "uniform":
            w = np.ones_like(dist)
        else:
            z = (1.0 - dist) / self.temperature
            w = np.exp(z - z.max(axis=1, keepdims=True))
        P = np.zeros((dist.shape[0], self.classes_.size))
        np.add.at(P, (np.arange(dist.shape[0])[:, None], self._y[idx]), w)
        return P / P.sum(axis=1, keepdims=True)

    def predict(self, Q: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(Q), axis=1)]


def pca_2d(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Principal-component projection to 2-D: (Z (n, 2), components (2, d), mean (d,), explained ratio (2,)).

    Centre, take the SVD X − μ = U Σ Vᵀ; the top two right singular vectors are the directions
    of largest variance and Z = (X − μ) V₂. Signs are fixed so each component's largest-|value|
    entry is positive (scikit-learn's svd_flip convention differs only in sign).
    Formula: explained ratio_i = σ_i² / Σ_j σ_j².  Reference: Pearson (1901); Jolliffe (2002).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ParamError(f"PCA needs at least 2 vectors (n, d); got shape {X.shape}")
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    comps = np.zeros((2, X.shape[1]))
    r = min(2, Vt.shape[0])
    comps[:r] = Vt[:r]
    signs = np.sign(comps[np.arange(2), np.argmax(np.abs(comps), axis=1)])
    comps *= np.where(signs == 0, 1.0, signs)[:, None]
    var = s**2
    ratio = np.zeros(2)
    total = var.sum()
    if total > 0:
        ratio[:r] = var[:r] / total
    return (X - mean) @ comps.T, comps, mean, ratio


# ---- 3. the teach-it-yourself (few-shot) classifier ------------------------------------------------


def parse_labels(text: str | Sequence[str] | None) -> list[str]:
    """One label per example from a comma- or newline-separated text; whitespace collapsed.

    Empty entries are refused (they are almost always a stray comma), except a trailing
    separator. Labels are kept as typed; ``fewshot_set`` merges spellings that differ only
    in case or spacing.
    """
    if text is None:
        return []
    if isinstance(text, str):
        parts = re.split(r"[,;\n]", text.strip())
        if len(parts) > 1 and not parts[-1].strip():
            parts = parts[:-1]  # a trailing separator
    else:
        parts = list(text)
    labels = [" ".join(str(p).split()) for p in parts]
    if labels == [""]:
        return []
    empty = [i + 1 for i, lab in enumerate(labels) if not lab]
    if empty:
        raise ParamError(
            f"label {empty[0]} is empty; give one label per file separated by commas or new lines, e.g. 'clap, clap, clap, snap, snap, snap'"
        )
    return labels


def load_clip(source: Any, *, max_duration_s: float = MAX_CLIP_S, what: str = "audio") -> np.ndarray:
    """Decode ``source`` to float32 mono at 16 kHz, refusing silence; ``what`` names it in messages.

    The loader's level warnings (clipping, DC offset) are passed on, prefixed with ``what``.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            clip = load_audio(source, sr=SR, max_duration_s=max_duration_s, min_duration_s=MIN_CLIP_S)
        except AudioError as exc:
            raise AudioError(f"{what}: {exc}") from None
    if clip.levels.peak_dbfs < SILENCE_DBFS:
        raise AudioError(
            f"{what} is silent (peak {clip.levels.peak_dbfs:.1f} dBFS); record it again closer to the "
            "microphone or choose another file"
        )
    for w in caught:
        warnings.warn(f"{what}: {w.message}" if issubclass(w.category, LabWarning) else w.message,
                      w.category, stacklevel=2)
    return clip.y


@dataclass(frozen=True)
class FewShotSet:
    """Validated teach-it-yourself examples: audio, class per example, and the class list."""

    ys: tuple[np.ndarray, ...]  # float32 mono 16 kHz clips, one per example
    labels: tuple[str, ...]  # class of each example (canonical spelling)
    classes: tuple[str, ...]  # distinct classes, in order of first appearance
    names: tuple[str, ...]  # file names, for messages and tables
    notes: tuple[str, ...] = ()  # what was adjusted (merged spellings, duplicates found)


def file_path(f: Any) -> str:
    """The path of an uploaded file: a str/Path, a Gradio FileData dict, or an object with .path/.name."""
    if isinstance(f, dict):
        f = f.get("path") or f.get("name")
    f = getattr(f, "path", None) or getattr(f, "name", None) or f
    if not isinstance(f, (str, Path)):
        raise ParamError(f"cannot read an example from a {type(f).__name__}; upload audio files")
    return str(f)


def fewshot_set(files: Sequence[Any] | None, labels_text: str | Sequence[str] | None) -> FewShotSet:
    """Validate and load the examples of the teach-it-yourself classifier.

    Rules (each broken one raises ``ParamError``/``AudioError`` naming the fix): one label per
    file; at most MAX_EXAMPLES files of at most MAX_EXAMPLE_S seconds each; MIN_CLASSES–MAX_CLASSES
    classes; at least MIN_PER_CLASS examples per class; no silent example. Labels that differ
    only in case or spacing ("Clap", "clap ") are the same class; identical audio files are
    reported (they make the leave-one-out score optimistic) but kept.
    """
    files = [] if files is None else ([files] if isinstance(files, (str, Path, dict)) else list(files))
    labels = parse_labels(labels_text)
    if not files:
        raise ParamError(
            f"no example files; upload or record at least {MIN_PER_CLASS} clips for each of "
            f"{MIN_CLASSES}+ classes, or load a built-in example set"
        )
    if len(files) != len(labels):
        raise ParamError(
            f"got {len(files)} example file(s) but {len(labels)} label(s); give exactly one label per file, "
            "in the same order, separated by commas or new lines"
        )
    if len(files) > MAX_EXAMPLES:
        raise ParamError(f"got {len(files)} example files; use at most {MAX_EXAMPLES} (e.g. 5 classes × 4)")
    notes: list[str] = []
    canon: dict[str, str] = {}
    merged: dict[str, set[str]] = {}
    out_labels = []
    for lab in labels:
        key = lab.casefold()
        canon.setdefault(key, lab)
        merged.setdefault(key, set()).add(lab)
        out_labels.append(canon[key])
    for key, spellings in merged.items():
        if len(spellings) > 1:
            notes.append(f"treated {', '.join(repr(s) for s in sorted(spellings))} as one class {canon[key]!r}")
    classes = tuple(dict.fromkeys(out_labels))
    counts = {c: out_labels.count(c) for c in classes}
    if len(classes) < MIN_CLASSES:
        raise ParamError(
            f"all examples are labelled {classes[0]!r}; a classifier needs at least {MIN_CLASSES} classes — "
            "add examples of another sound"
        )
    if len(classes) > MAX_CLASSES:
        raise ParamError(f"got {len(classes)} classes ({', '.join(classes)}); use at most {MAX_CLASSES}")
    single = [c for c, n in counts.items() if n == 1]
    if single:
        raise ParamError(
            f"class {single[0]!r} has only one example; with one example there is nothing to compare it with "
            f"(leave-one-out would leave the class empty) — add at least {MIN_PER_CLASS - 1} more"
        )
    few = [(c, n) for c, n in counts.items() if n < MIN_PER_CLASS]
    if few:
        c, n = few[0]
        raise ParamError(f"class {c!r} has {n} examples; give at least {MIN_PER_CLASS} per class")
    names = [Path(file_path(f)).name for f in files]
    ys = []
    for i, (f, name) in enumerate(zip(files, names)):
        ys.append(load_clip(file_path(f), max_duration_s=MAX_EXAMPLE_S, what=f"example {i + 1} ({name})"))
    seen: dict[str, int] = {}
    for i, y in enumerate(ys):
        h = hashlib.sha1(y.tobytes()).hexdigest()
        if h in seen:
            notes.append(
                f"examples {seen[h] + 1} ({names[seen[h]]}) and {i + 1} ({names[i]}) are identical audio, "
                "so leave-one-out accuracy is optimistic; record distinct takes"
            )
        else:
            seen[h] = i
    return FewShotSet(tuple(ys), tuple(out_labels), classes, tuple(names), tuple(notes))


@dataclass(frozen=True)
class FewShotResult:
    """The few-shot classifier's answer for one query, and how well it does on its own examples."""

    classes: tuple[str, ...]  # in order of first appearance
    prediction: str | None  # the query's class (None without a query)
    scores: dict[str, float]  # query: softmax-weighted k-NN votes per class, summing to 1
    similarity: dict[str, float]  # query: cosine similarity to the nearest example of each class
    loo_predictions: tuple[str, ...]  # leave-one-out prediction for each example
    loo_accuracy: float  # fraction of examples whose LOO prediction is their label
    confusion: np.ndarray  # (n_classes, n_classes) LOO counts, rows = true, columns = predicted
    points: np.ndarray  # (n_examples, 2) PCA projection of the standardised embeddings
    query_point: np.ndarray | None  # (2,) the query in the same projection
    explained: np.ndarray  # (2,) variance ratio of the two components


def fewshot(
    embeddings: np.ndarray,
    labels: Sequence[str],
    query: np.ndarray | None = None,
    *,
    k: int = FEWSHOT_K,
    temperature: float = FEWSHOT_TEMPERATURE,
) -> FewShotResult:
    """Teach-it-yourself classifier: softmax-weighted cosine k-NN on standardised embeddings.

    ``embeddings`` (n, d), ``labels`` (n,), ``query`` (d,) or None. Leave-one-out: each example
    is classified by a k-NN fitted (standardisation included) on the other n − 1, so the
    score is an honest estimate of accuracy on new takes. The projection is PCA of the
    standardised examples, the query projected with the same mean and axes.
    Formula: score_c(q) = Σ_{i ∈ N_k(q), y_i = c} e^{cos(q, x_i)/T} / Σ_{i ∈ N_k(q)} e^{cos(q, x_i)/T}.
    Reference: Cover & Hart (1967); leave-one-out: Lachenbruch & Mickey (1968).
    """
    from core import metrics

    X = np.asarray(embeddings, dtype=np.float64)
    labels = list(labels)
    if X.ndim != 2 or X.shape[0] != len(labels):
        raise ParamError(f"got embeddings of shape {X.shape} and {len(labels)} labels; one label per row")
    classes = tuple(dict.fromkeys(labels))
    if len(classes) < 2:
        raise ParamError("need examples of at least 2 classes")
    n = X.shape[0]
    loo = []
    for i in range(n):
        keep = np.arange(n) != i
        knn = KNNClassifier(k=k, weights="softmax", temperature=temperature).fit(X[keep], np.asarray(labels)[keep])
        loo.append(str(knn.predict(X[i : i + 1])[0]))
    loo_acc = float(np.mean([p == t for p, t in zip(loo, labels)]))
    C = metrics.confusion_matrix(labels, loo, labels=list(classes))
    knn = KNNClassifier(k=k, weights="softmax", temperature=temperature).fit(X, np.asarray(labels))
    Z = knn.transform(X)
    points, comps, mean, ratio = pca_2d(Z)
    prediction, scores, sims, qpoint = None, {}, {}, None
    if query is not None:
        q = np.asarray(query, dtype=np.float64).reshape(1, -1)
        P = knn.predict_proba(q)[0]
        by_class = dict(zip(knn.classes_.tolist(), P.tolist()))
        scores = {c: float(by_class.get(c, 0.0)) for c in classes}
        S = cosine_similarity(knn.transform(q), Z)[0]
        lab = np.asarray(labels)
        sims = {c: float(S[lab == c].max()) for c in classes}
        # argmax over classes in the k-NN's (sorted) order, so ties resolve as predict() does
        prediction = str(knn.classes_[int(np.argmax(P))])
        qpoint = ((knn.transform(q) - mean) @ comps.T)[0]
    return FewShotResult(classes, prediction, scores, sims, tuple(loo), loo_acc, C, points, qpoint, ratio)


# ---- 4. augmentation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecAugmentConfig:
    """SpecAugment's masking policy (Park et al., 2019), one field per slider."""

    n_freq_masks: int = 2  # number of frequency bands blanked
    freq_mask_param: int = 8  # F: each band is f ~ U{0 … F} mel bins wide
    n_time_masks: int = 2  # number of time spans blanked
    time_mask_param: int = 10  # T: each span is t ~ U{0 … T} frames long (10 ms each)


def spec_augment(
    S: np.ndarray,
    cfg: SpecAugmentConfig = SpecAugmentConfig(),
    *,
    rng: np.random.Generator | int | None = None,
    mask_value: float | None = None,
) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
    """Frequency and time masking of a (log-)spectrogram S (n_mels, n_frames) → (copy, masks).

    Each frequency mask blanks bins [f0, f0 + f) with f ~ U{0 … F}, f0 ~ U{0 … n_mels − f};
    each time mask frames [t0, t0 + t) likewise; masks may overlap. Blanked cells get
    ``mask_value`` (default: the mean of S, i.e. 0 after normalisation, as in the paper).
    ``masks`` lists ("freq" | "time", start, width). Time warping is omitted (the paper found
    it the least useful part).
    Reference: Park et al. (2019), "SpecAugment: A Simple Data Augmentation Method for ASR",
    Interspeech.
    """
    S = np.array(S, copy=True)
    if S.ndim != 2:
        raise ParamError(f"S has shape {S.shape}; pass one spectrogram (n_mels, n_frames)")
    for name in ("n_freq_masks", "freq_mask_param", "n_time_masks", "time_mask_param"):
        v = getattr(cfg, name)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ParamError(f"{name}={v!r} must be a whole number >= 0")
    rng = np.random.default_rng(rng)
    value = float(S.mean()) if mask_value is None else float(mask_value)
    masks = []
    n_f, n_t = S.shape
    for axis, count, param, size in (("freq", cfg.n_freq_masks, cfg.freq_mask_param, n_f),
                                     ("time", cfg.n_time_masks, cfg.time_mask_param, n_t)):
        for _ in range(count):
            width = int(rng.integers(0, min(param, size) + 1))
            start = int(rng.integers(0, size - width + 1))
            if axis == "freq":
                S[start : start + width, :] = value
            else:
                S[:, start : start + width] = value
            masks.append((axis, start, width))
    return S, masks


def mixup(
    x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray, *, lam: float
) -> tuple[np.ndarray, np.ndarray]:
    """Mixup of two examples with weight λ: (λ·x1 + (1−λ)·x2, λ·y1 + (1−λ)·y2).

    ``x`` are inputs of equal shape (waveforms or spectrograms), ``y`` one-hot (or soft) targets.
    λ is usually drawn from Beta(α, α) (``mixup_lambda``); the network is trained on the mixed
    input against the mixed target, which smooths its decision boundaries.
    Reference: Zhang et al. (2018), "mixup: Beyond Empirical Risk Minimization", ICLR.
    """
    if not 0.0 <= lam <= 1.0:
        raise ParamError(f"lam={lam} must be in [0, 1]")
    x1, x2 = np.asarray(x1), np.asarray(x2)
    if x1.shape != x2.shape:
        raise ParamError(f"mixup needs inputs of the same shape; got {x1.shape} and {x2.shape}")
    y1, y2 = np.asarray(y1, dtype=np.float64), np.asarray(y2, dtype=np.float64)
    return lam * x1 + (1.0 - lam) * x2, lam * y1 + (1.0 - lam) * y2


def mixup_lambda(alpha: float, *, rng: np.random.Generator | int | None = None) -> float:
    """Draw λ ~ Beta(α, α); α → 0 gives λ near 0 or 1 (little mixing), α = 1 uniform λ."""
    if not alpha > 0 or not math.isfinite(alpha):
        raise ParamError(f"alpha={alpha} must be > 0 (0.2–0.4 is typical for audio)")
    return float(np.random.default_rng(rng).beta(alpha, alpha))


# ---- 5. the CNN on log-mels ------------------------------------------------------------------------


def _mel_power(y: np.ndarray) -> np.ndarray:
    return features.melspectrogram(np.asarray(y, dtype=np.float32), **CNN_MEL.kwargs())  # (n_mels, T)


def normalise_window(M: np.ndarray) -> np.ndarray:
    """Scale mel power windows (..., n_mels, T) to the CNN's input range: peak → +1, 80 dB below → −1.

    Formula: x = (max(10·log10(M / max M), −80) + 40) / 40, per window; the recording's gain
    cancels exactly, so the model sees the shape of the spectrum, not its loudness. A window of
    digital silence is all −1.
    """
    M = np.asarray(M, dtype=np.float64)
    peak = M.max(axis=(-2, -1), keepdims=True)
    ratio = M / np.where(peak > 0, peak, 1.0)
    L = 10.0 * np.log10(np.maximum(ratio, 10.0 ** (-DYNAMIC_RANGE_DB / 10)))
    return ((L + DYNAMIC_RANGE_DB / 2) / (DYNAMIC_RANGE_DB / 2)).astype(np.float32)


@dataclass(frozen=True)
class Windows:
    """A clip cut into the CNN's 1 s windows."""

    x: np.ndarray  # (n_windows, n_mels, WINDOW_FRAMES) float32, normalised log-mel per window
    starts_s: np.ndarray  # (n_windows,) window start times in seconds
    level_db: np.ndarray  # (n_windows,) each window's peak mel power in dB (re 1.0)
    active: np.ndarray  # (n_windows,) bool: within GATE_DB of the loudest window

    @property
    def weights(self) -> np.ndarray:
        w = self.active.astype(np.float64)
        return w / w.sum()


def cnn_windows(y: np.ndarray) -> Windows:
    """Cut 16 kHz audio into 1 s log-mel windows, hop 0.5 s; a shorter clip is centred in one.

    The mel power is computed once for the whole clip (CNN_MEL), padded with zeros (−80 dB
    after normalisation) to at least WINDOW_FRAMES frames, cut into windows of WINDOW_FRAMES
    frames every WINDOW_HOP_FRAMES (the last window is aligned to the end), and each window is
    normalised to its own peak (``normalise_window``).
    """
    M = _mel_power(y)  # (n_mels, T)
    T = M.shape[1]
    offset = 0
    if T < WINDOW_FRAMES:
        offset = (WINDOW_FRAMES - T) // 2
        M = np.pad(M, ((0, 0), (offset, WINDOW_FRAMES - T - offset)))
        T = WINDOW_FRAMES
    starts = list(range(0, T - WINDOW_FRAMES + 1, WINDOW_HOP_FRAMES))
    if starts[-1] != T - WINDOW_FRAMES:
        starts.append(T - WINDOW_FRAMES)
    W = np.stack([M[:, s : s + WINDOW_FRAMES] for s in starts])  # (n_windows, n_mels, frames)
    level = 10.0 * np.log10(np.maximum(W.max(axis=(1, 2)), 1e-10))
    active = level >= level.max() - GATE_DB
    hop_s = CNN_MEL.hop_length / SR
    return Windows(normalise_window(W), (np.asarray(starts) - offset).clip(min=0) * hop_s, level, active)


@functools.lru_cache(maxsize=1)
def _cnn_class() -> type:
    import torch
    from torch import nn

    class SmallCNN(nn.Module):
        """Four 3×3 conv blocks (BN, ReLU, 2×2 max-pool) → mean over time → dense embedding → classes."""

        def __init__(self, n_classes: int, n_mels: int, channels: tuple[int, ...], embed_dim: int, dropout: float):
            super().__init__()
            layers: list[nn.Module] = []
            c_in = 1
            for i, c in enumerate(channels):
                layers += [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
                if i < len(channels) - 1:
                    layers.append(nn.MaxPool2d(2))
                c_in = c
            self.features = nn.Sequential(*layers)
            n_freq = n_mels // 2 ** (len(channels) - 1)
            # Frequency position is kept (flattened), time is averaged: a sound is what it is
            # wherever it happens in the window, but 300 Hz and 3 kHz are different things.
            self.embedding = nn.Sequential(nn.Linear(c_in * n_freq, embed_dim), nn.ReLU())
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(embed_dim, n_classes)

        def embed(self, x: torch.Tensor) -> torch.Tensor:
            h = self.features(x[:, None])  # (B, 1, n_mels, T) → (B, C, n_mels/8, T/8)
            h = h.mean(dim=3).flatten(1)  # (B, C · n_mels/8)
            return self.embedding(h)  # (B, embed_dim)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.dropout(self.embed(x)))  # (B, n_classes) logits

    return SmallCNN


def build_cnn(n_classes: int, *, n_mels: int = CNN_MEL.n_mels, channels: Sequence[int] = CNN_CHANNELS,
              embed_dim: int = CNN_EMBED_DIM, dropout: float = 0.3) -> Any:
    """A small CNN for (B, n_mels, frames) log-mel windows → (B, n_classes) logits; ``.embed`` gives (B, embed_dim).

    Conv3×3–BN–ReLU blocks with 2×2 max-pooling between them, time-averaged, then a dense
    ReLU layer (the embedding) and a linear classifier. About 0.1 M parameters for the defaults.
    Reference: the VGG-style audio CNNs of Hershey et al. (2017), "CNN architectures for
    large-scale audio classification", ICASSP; Kong et al. (2020), PANNs.
    """
    if n_mels % 2 ** (len(channels) - 1):
        raise ParamError(f"n_mels={n_mels} must be divisible by {2 ** (len(channels) - 1)} for {len(channels)} blocks")
    return _cnn_class()(int(n_classes), int(n_mels), tuple(int(c) for c in channels), int(embed_dim), float(dropout))


@dataclass(frozen=True)
class ClipScores:
    """Class scores for a clip, whole-clip and per window."""

    classes: tuple[str, ...]
    scores: np.ndarray  # (n_classes,) clip scores (probabilities; independent sigmoids if multilabel)
    multilabel: bool  # True: AudioSet-style independent scores; False: softmax over classes
    window_scores: np.ndarray | None = None  # (n_windows, n_classes)
    window_starts_s: np.ndarray | None = None  # (n_windows,)
    window_active: np.ndarray | None = None  # (n_windows,) bool, windows that counted

    def top(self, k: int | None = None) -> list[tuple[str, float]]:
        """(label, score) pairs, best first; ties keep class order."""
        order = np.argsort(-self.scores, kind="stable")
        if k is not None:
            order = order[:k]
        return [(self.classes[i], float(self.scores[i])) for i in order]


BN_EPS = 1e-5  # torch.nn.BatchNorm2d's default epsilon


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return None
    return ThreadpoolController()


def _single_thread_blas() -> Any:
    """Context: numpy's BLAS on one thread. These products are small (≤ 30k × 576 · 576 × 64), so a
    second thread gains little, and a thread pool stalls badly when other processes share the cores."""
    import contextlib

    ctl = _blas_controller()
    return contextlib.nullcontext() if ctl is None else ctl.limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class NumpyCNN:
    """Inference of ``build_cnn``'s network in numpy: each conv is one matrix product (im2col).

    Batch norm is folded into the convolution (eval mode: y = γ(x − μ)/√(σ² + ε) + β is affine,
    so W' = W·g, b' = β − μ·g with g = γ/√(σ² + ε)). Arrays are channels-last. Equal to the torch
    module to float32 rounding (tests/test_classify.py). Why not torch: a model this small is
    dominated by per-call overhead, and torch's thread pool stalls when other processes share the
    CPU; numpy gives steady latency and needs no torch import to serve.
    Reference: Chellapilla et al. (2006), "High performance convolutional neural networks for
    document processing" (convolution as im2col + GEMM); Ioffe & Szegedy (2015) for batch norm.
    """

    convs: tuple[tuple[np.ndarray, np.ndarray], ...]  # per block: W (C_in·9, C_out), b (C_out,)
    embed_w: np.ndarray  # (C·F', embed_dim)
    embed_b: np.ndarray  # (embed_dim,)
    head_w: np.ndarray  # (embed_dim, n_classes)
    head_b: np.ndarray  # (n_classes,)

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray], n_blocks: int) -> NumpyCNN:
        convs = []
        for i in range(n_blocks):
            conv, bn = f"features.{4 * i}", f"features.{4 * i + 1}"  # conv, BN, ReLU, (pool) per block
            W = state[f"{conv}.weight"].astype(np.float64)  # (C_out, C_in, 3, 3)
            g = state[f"{bn}.weight"] / np.sqrt(state[f"{bn}.running_var"] + BN_EPS)
            b = state[f"{bn}.bias"] - state[f"{bn}.running_mean"] * g
            convs.append(((W * g[:, None, None, None]).reshape(W.shape[0], -1).T.astype(np.float32), b.astype(np.float32)))
        def f32(key: str) -> np.ndarray:
            return np.ascontiguousarray(state[key], dtype=np.float32)

        return cls(tuple(convs), f32("embedding.0.weight").T.copy(), f32("embedding.0.bias"),
                   f32("head.weight").T.copy(), f32("head.bias"))

    def embed(self, x: np.ndarray) -> np.ndarray:
        """(B, n_mels, T) windows → (B, embed_dim) penultimate activations."""
        with _single_thread_blas():
            return self._embed(x)

    def _embed(self, x: np.ndarray) -> np.ndarray:
        h = np.asarray(x, dtype=np.float32)[..., None]  # (B, F, T, 1) channels-last
        for i, (W, b) in enumerate(self.convs):
            B, F, T, C = h.shape
            hp = np.pad(h, ((0, 0), (1, 1), (1, 1), (0, 0)))
            cols = np.lib.stride_tricks.sliding_window_view(hp, (3, 3), axis=(1, 2))  # (B, F, T, C, 3, 3)
            h = np.maximum(cols.reshape(B * F * T, C * 9) @ W + b, 0).reshape(B, F, T, -1)  # conv + BN + ReLU
            if i < len(self.convs) - 1:  # 2×2 max-pool, floor
                F2, T2 = F // 2, T // 2
                h = h[:, : 2 * F2, : 2 * T2].reshape(B, F2, 2, T2, 2, -1).max(axis=(2, 4))
        h = h.mean(axis=2).transpose(0, 2, 1).reshape(h.shape[0], -1)  # mean over time → (B, C·F')
        return np.maximum(h @ self.embed_w + self.embed_b, 0)

    def probs(self, e: np.ndarray) -> np.ndarray:
        """Softmax class probabilities (B, n_classes) from embeddings (B, embed_dim)."""
        z = e @ self.head_w + self.head_b
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


class ToyCNN:
    """The embedded engine: the small CNN trained by scripts/train_classifier.py, run in numpy."""

    def __init__(self, net: NumpyCNN, card: dict[str, Any]):
        self.net = net
        self.card = card
        self.classes = tuple(card["classes"])

    @classmethod
    def load(cls, weights: Path = CNN_WEIGHTS, card: Path = CNN_CARD) -> ToyCNN:
        from safetensors.numpy import load_file  # tensors only: no pickle, no code

        if not Path(weights).is_file() or not Path(card).is_file():
            raise FileNotFoundError(f"{Path(weights).name} or {Path(card).name} missing; run python -m scripts.train_classifier")
        meta = json.loads(Path(card).read_text())
        return cls(NumpyCNN.from_state(load_file(str(weights)), len(meta["architecture"]["channels"])), meta)

    def _run(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        emb = self.net.embed(x)
        return self.net.probs(emb).astype(np.float64), emb.astype(np.float64)

    def classify(self, y: np.ndarray) -> ClipScores:
        """Window probabilities (softmax), averaged over the active (non-pause) windows."""
        w = cnn_windows(y)
        probs, _ = self._run(w.x)
        return ClipScores(self.classes, w.weights @ probs, False, probs, w.starts_s, w.active)

    def embed(self, y: np.ndarray) -> np.ndarray:
        """Penultimate-layer embedding (CNN_EMBED_DIM,) float32, averaged over active windows."""
        w = cnn_windows(y)
        _, emb = self._run(w.x)
        return (w.weights @ emb).astype(np.float32)


class MFCCKNN:
    """The from-scratch engine: cosine k-NN over MFCC statistics of the CNN's training clips."""

    def __init__(self, X: np.ndarray, labels: np.ndarray, classes: Sequence[str], k: int):
        self.classes = tuple(classes)
        self.knn = KNNClassifier(k=k).fit(X, labels)
        self.moments = MOMENTS

    @classmethod
    def load(cls, path: Path = HELDOUT, card: Path = CNN_CARD) -> MFCCKNN:
        meta = json.loads(Path(card).read_text())
        with np.load(path) as z:
            X, lab = z["knn_X"], z["knn_y"]
        classes = meta["classes"]
        return cls(X, np.asarray(classes)[lab], classes, int(meta["knn"]["k"]))

    def classify(self, y: np.ndarray) -> ClipScores:
        """k-NN votes per 1 s window (the reference clips are 1 s long), averaged over active windows."""
        n = int(WINDOW_S * SR)
        hop = WINDOW_HOP_FRAMES * CNN_MEL.hop_length
        starts = list(range(0, max(1, y.shape[0] - n + 1), hop))
        if y.shape[0] > n and starts[-1] != y.shape[0] - n:
            starts.append(y.shape[0] - n)
        segs = [y[s : s + n] for s in starts]
        E = np.stack([mfcc_statistics(s, SR, moments=self.moments) for s in segs])
        P = self.knn.predict_proba(E)
        col = {c: i for i, c in enumerate(self.knn.classes_.tolist())}
        P = P[:, [col[c] for c in self.classes]]
        level = 20.0 * np.log10(np.maximum([np.abs(s).max() for s in segs], 1e-10))
        active = level >= level.max() - GATE_DB
        return ClipScores(self.classes, (active / active.sum()) @ P, False, P, np.asarray(starts) / SR, active)


class HubAST:
    """Audio Spectrogram Transformer fine-tuned on AudioSet: 527 labels, independent sigmoids."""

    def __init__(self, model: Any, extractor: Any):
        self.model = model
        self.extractor = extractor
        cfg = model.config
        self.classes = tuple(cfg.id2label[i] for i in range(cfg.num_labels))
        # Kaldi fbank frames are 25 ms every 10 ms: max_length frames cover this many samples
        self.chunk = int((extractor.max_length - 1) * 0.010 * SR + 0.025 * SR)

    def classify(self, y: np.ndarray) -> ClipScores:
        """Scores per ≤ 10.24 s chunk (the model's input length), averaged over chunks."""
        import torch

        starts = list(range(0, max(1, y.shape[0]), self.chunk))
        chunks = [y[s : s + self.chunk] for s in starts]
        chunks = [c for c in chunks if c.shape[0] >= int(0.025 * SR)] or [np.pad(y, (0, int(0.025 * SR)))]
        inputs = self.extractor(chunks, sampling_rate=SR, return_tensors="pt")
        with torch.inference_mode():
            logits = self.model(**inputs).logits  # (n_chunks, n_labels)
        P = torch.sigmoid(logits).numpy().astype(np.float64)
        return ClipScores(self.classes, P.mean(axis=0), True, P, np.asarray(starts[: len(chunks)]) / SR,
                          np.ones(len(chunks), bool))


def _load_ast() -> HubAST:
    from transformers import ASTFeatureExtractor, ASTForAudioClassification

    src = model_source(AST_ID)
    model = ASTForAudioClassification.from_pretrained(src)
    model.eval()
    return HubAST(model, ASTFeatureExtractor.from_pretrained(src))


def _assets_probe() -> str | None:
    if not CNN_WEIGHTS.is_file() or not CNN_CARD.is_file() or not HELDOUT.is_file():
        return "its files in assets/classifier are missing; run python -m scripts.train_classifier"
    for package in ("safetensors",):
        if not module_available(package):
            return f"the Python package {package!r} is not installed"
    return None


@functools.lru_cache(maxsize=1)
def load_toy_cnn() -> ToyCNN:
    """The embedded CNN, loaded once per process (shared by classification and embedding)."""
    return ToyCNN.load()


class MFCCStatsEmbedder:
    """``embed(y)``: mean, std, skew and kurtosis of 20 MFCCs (80-d), the from-scratch embedding."""

    moments = MOMENTS
    dim = 20 * len(MOMENTS)

    def embed(self, y: np.ndarray) -> np.ndarray:
        return mfcc_statistics(y, SR, n_mfcc=20, moments=self.moments)


CLASSIFY = "sound-classification"
EMBED = "clip-embedding"

REGISTRY.register(Engine(
    capability=CLASSIFY, name="ast-audioset", kind="hub",
    description="AST (Audio Spectrogram Transformer) fine-tuned on AudioSet: 527 sound classes",
    load=_load_ast, probe=hub_probe(AST_ID, packages=("transformers", "torch")), model_id=AST_ID,
))
REGISTRY.register(Engine(
    capability=CLASSIFY, name="toy-cnn", kind="embedded",
    description="small CNN on log-mels trained by scripts/train_classifier.py on 6 synthetic sound classes",
    load=load_toy_cnn, probe=_assets_probe,
))
REGISTRY.register(Engine(
    capability=CLASSIFY, name="mfcc-knn", kind="scratch",
    description="cosine k-NN over MFCC statistics of the toy CNN's training clips (same 6 classes)",
    load=MFCCKNN.load, probe=_assets_probe,
))
REGISTRY.register(Engine(
    capability=EMBED, name="mfcc-stats", kind="scratch",
    description="MFCC statistics: mean, std, skew, kurtosis of 20 MFCCs over time (80-d)",
    load=MFCCStatsEmbedder,
))
REGISTRY.register(Engine(
    capability=EMBED, name="toy-cnn", kind="embedded",
    description="the toy CNN's penultimate layer (64-d), averaged over 1 s windows",
    load=load_toy_cnn, probe=_assets_probe,
))


def warn_notes(notes: Sequence[str]) -> None:
    """Surface few-shot adjustments as LabWarnings (the UI shows them as toasts)."""
    for note in notes:
        warnings.warn(note, LabWarning, stacklevel=2)


# ---- 6. built-in few-shot sets and the embedded engines' held-out scores --------------------------

FEWSHOT_DIR = Path(__file__).resolve().parents[1] / "assets" / "examples" / "fewshot"


@dataclass(frozen=True)
class BuiltinSet:
    """A built-in teach-it-yourself set made by scripts/make_fewshot_examples.py."""

    name: str  # "words" or "sounds"
    files: tuple[str, ...]  # example paths
    labels: tuple[str, ...]  # one class per example
    query: str | None  # a clip to classify, not among the examples
    query_label: str | None  # its class


def builtin_sets(folder: Path = FEWSHOT_DIR) -> dict[str, BuiltinSet]:
    """The sets listed in ``folder/MANIFEST.csv`` whose files exist, by name (empty if none)."""
    import csv

    manifest = Path(folder) / "MANIFEST.csv"
    if not manifest.is_file():
        return {}
    with manifest.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if (Path(folder) / r["file"]).is_file()]
    out = {}
    for name in dict.fromkeys(r["set"] for r in rows):
        ex = [r for r in rows if r["set"] == name and r["role"] == "example"]
        q = next((r for r in rows if r["set"] == name and r["role"] == "query"), None)
        out[name] = BuiltinSet(name, tuple(str(Path(folder) / r["file"]) for r in ex), tuple(r["label"] for r in ex),
                               None if q is None else str(Path(folder) / q["file"]), None if q is None else q["label"])
    return out


HELDOUT_ENGINES = {"toy-cnn": "cnn", "mfcc-knn": "knn"}  # engine → its scores in heldout.npz


def heldout_scores(engine: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, dict[str, Any]]:
    """(classes, y_true (n,) class indices, scores (n, n_classes), model card) of an embedded engine
    on the synthetic held-out set written by scripts/train_classifier.py."""
    if engine not in HELDOUT_ENGINES:
        raise ParamError(f"engine {engine!r} has no held-out scores; choose one of {', '.join(HELDOUT_ENGINES)}")
    reason = _assets_probe()
    if reason:
        raise ParamError(f"{engine}: {reason}")
    card = json.loads(CNN_CARD.read_text())
    with np.load(HELDOUT) as z:
        y_true, P = z["y_true"].astype(np.int64), z[HELDOUT_ENGINES[engine]].astype(np.float64)
    return tuple(card["classes"]), y_true, P, card
