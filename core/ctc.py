"""Connectionist temporal classification (CTC) and the RNN-T loss, from scratch in numpy.

A CTC acoustic model emits, for every frame t, a distribution over V labels: the symbols plus
one *blank*. A frame-level path π (one label per frame) maps to a labelling by B(π): merge
repeated labels, then remove blanks ("hh∅e∅ll∅lo" → "hello"; the blank between the two l's is
what lets a double letter survive). The model's probability of a labelling y sums over every
path that collapses to it:

    P(y | x) = Σ_{π : B(π) = y} Π_t p_t(π_t)

This module has:

- ``ctc_forward`` / ``ctc_backward`` / ``ctc_loss``: that sum by dynamic programming over the
  "extended" label sequence (a blank between and around the symbols), in log space;
- ``greedy_decode``: the best *path* (arg-max per frame), collapsed — fast, not the best labelling;
- ``prefix_beam_search``: the best *labelling* (approximately; exactly with a wide enough beam),
  keeping separate blank / non-blank probabilities per prefix, with optional shallow fusion of a
  character language model and a length bonus;
- ``brute_force_decode``: every path enumerated — the exact answer for tiny inputs, the test oracle;
- ``synthetic_posteriors``: posteriors with known durations, blank mass and noise (the playground);
- ``rnnt_forward`` / ``rnnt_loss``: the RNN-Transducer lattice, where a (T, U+1) grid of joint
  outputs replaces CTC's frame-independent outputs.

References: Graves et al., "Connectionist Temporal Classification", ICML 2006; Hannun et al.,
"First-Pass Large Vocabulary Continuous Speech Recognition using Bi-Directional Recurrent DNNs"
(arXiv:1408.2873, 2014) for prefix beam search with LM fusion; Hannun, "Sequence Modeling with
CTC", Distill 2017; Graves, "Sequence Transduction with Recurrent Neural Networks" (arXiv:1211.3711,
2012) for RNN-T.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from core.errors import ParamError

BLANK = 0  # label id of the blank in every vocabulary here (wav2vec 2.0's <pad> is id 0 too)
NEG_INF = -math.inf
MAX_BEAM_WIDTH = 512  # beyond this a pure-Python beam is slower than it is useful
MAX_FRAMES = 20_000  # 400 s at 50 frames/s: bounds decoding work on 2 vCPU
MAX_ORACLE_PATHS = 500_000  # V^T paths the brute-force oracle may enumerate (~1 s)
MAX_TARGET_CHARS = 80  # playground target length
MAX_RNNT_CELLS = 200_000  # T·(U+1) cells of the RNN-T lattice

# The playground's character vocabulary: blank first, then space, a–z and the apostrophe.
CHAR_SYMBOLS = " abcdefghijklmnopqrstuvwxyz'"
BLANK_GLYPH = "∅"  # how the blank is drawn in tables and plots

# Synthetic posteriors (see PosteriorConfig).
GAP_BLANK_PROB = 0.9  # blank mass in the separating frames: a trained model is confident there
FLOOR_MASS = 0.03  # mass spread over all other labels in every frame, so noise can flip decisions


# --------------------------------------------------------------------------------------------
# vocabulary


@dataclass(frozen=True)
class Vocab:
    """Label ids ↔ tokens. ``tokens[blank]`` is the blank's name (shown, never emitted).

    ``word_delimiter`` (e.g. wav2vec 2.0's "|") decodes to a space; tokens in ``skip`` (special
    tokens such as "<s>", "<unk>") decode to nothing.
    """

    tokens: tuple[str, ...]
    blank: int = BLANK
    word_delimiter: str | None = None
    skip: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if len(self.tokens) < 2:
            raise ParamError("a CTC vocabulary needs a blank and at least one symbol")
        if not 0 <= self.blank < len(self.tokens):
            raise ParamError(f"blank id {self.blank} is outside the vocabulary of {len(self.tokens)} labels")

    @property
    def size(self) -> int:
        return len(self.tokens)

    def char(self, label: int) -> str:
        """The text a label contributes when decoded ("" for blank and skipped tokens)."""
        tok = self.tokens[label]
        if label == self.blank or tok in self.skip:
            return ""
        return " " if tok == self.word_delimiter else tok

    def decode(self, labels: Sequence[int]) -> str:
        return "".join(self.char(int(i)) for i in labels)

    def glyph(self, label: int) -> str:
        """Label as drawn in a frame table: the blank as ∅, a space as ␣."""
        if label == self.blank:
            return BLANK_GLYPH
        c = self.char(label)
        return "␣" if c == " " else (c or self.tokens[label])

    def encode(self, text: str) -> list[int]:
        """Labels for ``text``, one per character; raises ``ParamError`` naming unknown characters."""
        index = {(" " if t == self.word_delimiter else t): i for i, t in enumerate(self.tokens) if i != self.blank}
        unknown = sorted({c for c in text if c not in index})
        if unknown:
            raise ParamError(
                f"the text contains characters outside this vocabulary: {''.join(unknown)!r}; "
                f"use only {''.join(sorted(index))!r}"
            )
        return [index[c] for c in text]


CHAR_VOCAB = Vocab(tokens=(BLANK_GLYPH, *CHAR_SYMBOLS))


def normalize_target(text: str) -> str:
    """Lower-case, collapse whitespace; the playground's target text before encoding."""
    text = " ".join(str(text or "").lower().split())
    if not text:
        raise ParamError("the target text is empty; type a word or a short phrase, e.g. 'hello world'")
    if len(text) > MAX_TARGET_CHARS:
        raise ParamError(f"the target text is {len(text)} characters long; keep it to {MAX_TARGET_CHARS} or fewer")
    return text


# --------------------------------------------------------------------------------------------
# checks and small helpers


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log(softmax(x)) computed stably: x − max − log Σ exp(x − max)."""
    x = np.asarray(x, dtype=np.float64)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def _lse(a: float, b: float) -> float:
    """log(e^a + e^b) for Python floats, with −inf handled."""
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    if a > b:
        return a + math.log1p(math.exp(b - a))
    return b + math.log1p(math.exp(a - b))


def check_log_probs(log_probs: np.ndarray, *, blank: int = BLANK) -> np.ndarray:
    """Validate (T, V) per-frame log-probabilities; returns them as float64."""
    lp = np.asarray(log_probs, dtype=np.float64)
    if lp.ndim != 2:
        raise ParamError(f"log_probs must be 2-D (frames, labels), got shape {lp.shape}")
    T, V = lp.shape
    if T < 1:
        raise ParamError("log_probs has no frames; the audio is too short to decode")
    if T > MAX_FRAMES:
        raise ParamError(f"log_probs has {T} frames; decode at most {MAX_FRAMES} (split long audio first)")
    if V < 2:
        raise ParamError(f"log_probs has {V} labels; CTC needs a blank and at least one symbol")
    if not 0 <= blank < V:
        raise ParamError(f"blank={blank} is not a label id in 0…{V - 1}")
    if np.isnan(lp).any() or (lp == np.inf).any():
        raise ParamError("log_probs contain NaN or +inf; pass log-softmax outputs")
    return lp


def _check_target(target: Sequence[int], V: int, blank: int) -> np.ndarray:
    y = np.asarray(list(target), dtype=np.int64)
    if y.ndim != 1:
        raise ParamError("the target must be a 1-D sequence of label ids")
    if y.size and (y.min() < 0 or y.max() >= V):
        raise ParamError(f"target labels must be in 0…{V - 1}")
    if (y == blank).any():
        raise ParamError("the target contains the blank label; targets are symbols only")
    return y


def collapse(path: Sequence[int], *, blank: int = BLANK) -> tuple[int, ...]:
    """B(π): merge runs of the same label, then drop blanks. ``(1,1,0,1,2,2) → (1,1,2)``."""
    out: list[int] = []
    prev = None
    for p in path:
        p = int(p)
        if p != prev and p != blank:
            out.append(p)
        prev = p
    return tuple(out)


@dataclass(frozen=True)
class CollapseSteps:
    """The two steps of B(π), kept for display."""

    path: tuple[int, ...]  # one label per frame
    merged: tuple[int, ...]  # runs of equal labels merged (blanks still there)
    output: tuple[int, ...]  # blanks removed: the labelling


def collapse_steps(path: Sequence[int], *, blank: int = BLANK) -> CollapseSteps:
    path = tuple(int(p) for p in path)
    merged = tuple(k for k, _ in itertools.groupby(path))
    return CollapseSteps(path, merged, tuple(k for k in merged if k != blank))


# --------------------------------------------------------------------------------------------
# CTC loss: forward-backward over the extended label sequence


def _extend(y: np.ndarray, blank: int) -> np.ndarray:
    """l' = (∅, y1, ∅, y2, …, ∅, yL, ∅), length 2L + 1."""
    ext = np.full(2 * len(y) + 1, blank, dtype=np.int64)
    ext[1::2] = y
    return ext


def _skip_allowed(ext: np.ndarray, blank: int) -> np.ndarray:
    """skip[s]: the transition s−2 → s is allowed (s is a symbol different from the symbol at s−2)."""
    skip = np.zeros(len(ext), dtype=bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    return skip


def ctc_forward(log_probs: np.ndarray, target: Sequence[int], *, blank: int = BLANK) -> np.ndarray:
    """Forward variables α of CTC, in log space. Shapes: (T, V), (L,) → (T, 2L+1).

    α_t(s) = log Σ over path prefixes π_1..t that are at extended position s at frame t.
    Recursion: α_t(s) = [α_{t−1}(s) ⊕ α_{t−1}(s−1) ⊕ α_{t−1}(s−2)·1(skip)] + log p_t(l'_s),
    with ⊕ = log-add-exp, skip allowed when l'_s is a symbol different from l'_{s−2}.
    Reference: Graves et al. (2006), §4.1.
    """
    lp = check_log_probs(log_probs, blank=blank)
    y = _check_target(target, lp.shape[1], blank)
    ext = _extend(y, blank)
    skip = _skip_allowed(ext, blank)
    T, S = lp.shape[0], len(ext)
    alpha = np.full((T, S), NEG_INF)
    alpha[0, 0] = lp[0, blank]
    if S > 1:
        alpha[0, 1] = lp[0, ext[1]]
    with np.errstate(invalid="ignore"):
        for t in range(1, T):
            prev = alpha[t - 1]
            one, two = np.full(S, NEG_INF), np.full(S, NEG_INF)
            one[1:] = prev[:-1]
            two[2:] = prev[:-2]
            two[~skip] = NEG_INF
            alpha[t] = np.logaddexp(np.logaddexp(prev, one), two) + lp[t, ext]
    return alpha


def ctc_backward(log_probs: np.ndarray, target: Sequence[int], *, blank: int = BLANK) -> np.ndarray:
    """Backward variables β (log space, including frame t's own emission). (T, V), (L,) → (T, 2L+1).

    β_t(s) = [β_{t+1}(s) ⊕ β_{t+1}(s+1) ⊕ β_{t+1}(s+2)·1(skip)] + log p_t(l'_s), β_T−1 set on the
    last blank and last symbol; so α_t(s) + β_t(s) − log p_t(l'_s) = log P(paths through (t, s)).
    """
    lp = check_log_probs(log_probs, blank=blank)
    y = _check_target(target, lp.shape[1], blank)
    ext = _extend(y, blank)
    skip = _skip_allowed(ext, blank)
    skip_from = np.zeros_like(skip)  # s → s+2 allowed
    skip_from[:-2] = skip[2:]
    T, S = lp.shape[0], len(ext)
    beta = np.full((T, S), NEG_INF)
    beta[T - 1, S - 1] = lp[T - 1, ext[S - 1]]
    if S > 1:
        beta[T - 1, S - 2] = lp[T - 1, ext[S - 2]]
    with np.errstate(invalid="ignore"):
        for t in range(T - 2, -1, -1):
            nxt = beta[t + 1]
            one, two = np.full(S, NEG_INF), np.full(S, NEG_INF)
            one[:-1] = nxt[1:]
            two[:-2] = nxt[2:]
            two[~skip_from] = NEG_INF
            beta[t] = np.logaddexp(np.logaddexp(nxt, one), two) + lp[t, ext]
    return beta


def ctc_log_likelihood(log_probs: np.ndarray, target: Sequence[int], *, blank: int = BLANK) -> float:
    """log P(y | x) = α_{T−1}(2L) ⊕ α_{T−1}(2L−1); −inf when the target cannot fit in T frames."""
    alpha = ctc_forward(log_probs, target, blank=blank)
    last = alpha[-1]
    return float(np.logaddexp(last[-1], last[-2]) if len(last) > 1 else last[-1])


def ctc_loss(log_probs: np.ndarray, target: Sequence[int], *, blank: int = BLANK) -> float:
    """CTC loss −log P(y | x) of one utterance, in nats (``inf`` if the target cannot fit).

    ``log_probs`` (T, V) are per-frame log-softmax outputs; ``target`` (L,) symbol ids (no blank).
    Equals ``torch.nn.functional.ctc_loss(..., reduction="sum")`` for a batch of one.
    Formula: L = −log Σ_{π ∈ B⁻¹(y)} Π_t p_t(π_t). Reference: Graves et al. (2006), eq. 14.
    """
    return -ctc_log_likelihood(log_probs, target, blank=blank)


def ctc_occupancy(log_probs: np.ndarray, target: Sequence[int], *, blank: int = BLANK) -> np.ndarray:
    """Posterior probability γ_t(s) that the alignment is at extended position s at frame t. (T, 2L+1).

    γ_t(s) = exp(α_t(s) + β_t(s) − log p_t(l'_s) − log P(y|x)); each row sums to 1. Summed per
    label it is the CTC "target" of frame t, and ∂L/∂logit_t(k) = p_t(k) − Σ_{s: l'_s = k} γ_t(s).
    """
    lp = check_log_probs(log_probs, blank=blank)
    y = _check_target(target, lp.shape[1], blank)
    alpha, beta = ctc_forward(lp, y, blank=blank), ctc_backward(lp, y, blank=blank)
    ext = _extend(y, blank)
    ll = float(np.logaddexp(alpha[-1, -1], alpha[-1, -2]) if alpha.shape[1] > 1 else alpha[-1, -1])
    if not np.isfinite(ll):
        raise ParamError(f"the target of {len(y)} labels cannot be aligned to {lp.shape[0]} frames")
    with np.errstate(invalid="ignore"):
        return np.exp(alpha + beta - lp[:, ext] - ll)


def ctc_grad(log_probs: np.ndarray, target: Sequence[int], *, blank: int = BLANK) -> np.ndarray:
    """∂(CTC loss)/∂(logits) when ``log_probs = log_softmax(logits)``. (T, V).

    Formula: g_t(k) = p_t(k) − Σ_{s : l'_s = k} γ_t(s). Reference: Graves et al. (2006), eq. 16.
    """
    lp = check_log_probs(log_probs, blank=blank)
    y = _check_target(target, lp.shape[1], blank)
    gamma = ctc_occupancy(lp, y, blank=blank)
    targets = np.zeros_like(lp)
    np.add.at(targets.T, _extend(y, blank), gamma.T)
    return np.exp(lp) - targets


# --------------------------------------------------------------------------------------------
# decoders


@dataclass(frozen=True)
class GreedyResult:
    labels: tuple[int, ...]  # the collapsed labelling
    path: tuple[int, ...]  # arg-max label of every frame
    log_prob: float  # log-probability of that single path (not of the labelling)


def greedy_decode(log_probs: np.ndarray, *, blank: int = BLANK) -> GreedyResult:
    """Best-path decoding: π*_t = argmax_k p_t(k), then B(π*).

    Cheap and usually good on a well-trained, "peaky" model, but it finds the most likely *path*,
    not the most likely *labelling* (whose probability sums over many paths).
    """
    lp = check_log_probs(log_probs, blank=blank)
    path = np.argmax(lp, axis=1)
    return GreedyResult(collapse(path, blank=blank), tuple(int(p) for p in path), float(lp[np.arange(len(path)), path].sum()))


class CharLM(Protocol):
    """What prefix beam search needs from a language model (natural-log probabilities)."""

    def log_prob(self, char: str, context: str) -> float: ...

    def log_prob_eos(self, context: str) -> float: ...


@dataclass(frozen=True)
class BeamConfig:
    """Prefix beam search options; the playground's sliders map one-to-one to these."""

    beam_width: int = 8  # prefixes kept after every frame (1 ≈ greedy over labellings)
    lm_weight: float = 0.0  # α: weight of the character LM's log-probability (shallow fusion)
    insertion_bonus: float = 0.0  # β: added per emitted character, offsets the LM's bias to short outputs
    prune_log_prob: float = NEG_INF  # labels with log p_t below this are not tried at frame t (speed)
    n_best: int = 5  # hypotheses returned

    def validate(self) -> BeamConfig:
        try:
            width = float(self.beam_width)
        except (TypeError, ValueError):
            raise ParamError(f"beam width {self.beam_width!r} is not a number; choose 1–{MAX_BEAM_WIDTH}") from None
        if not width == int(width) or not 1 <= width <= MAX_BEAM_WIDTH:
            raise ParamError(f"beam width {self.beam_width} is out of range; choose a whole number from 1 to {MAX_BEAM_WIDTH}")
        if not math.isfinite(self.lm_weight) or not 0.0 <= self.lm_weight <= 10.0:
            raise ParamError(f"lm_weight={self.lm_weight} is out of range; choose 0–10 (0 turns the language model off)")
        if not math.isfinite(self.insertion_bonus) or abs(self.insertion_bonus) > 20.0:
            raise ParamError(f"insertion_bonus={self.insertion_bonus} is out of range; choose −20…20 nats")
        if self.n_best < 1:
            raise ParamError(f"n_best={self.n_best} must be at least 1")
        return self


@dataclass(frozen=True)
class Hypothesis:
    labels: tuple[int, ...]
    score: float  # total: log P_ctc + α log P_lm + β·len (what the beam ranks by)
    log_p_ctc: float  # log P(labelling | audio), summed over the paths the beam kept
    log_p_lm: float  # log P_lm(labelling, end of sentence); 0 without a language model

    def text(self, vocab: Vocab) -> str:
        return vocab.decode(self.labels)


def prefix_beam_search(
    log_probs: np.ndarray,
    *,
    config: BeamConfig = BeamConfig(),
    blank: int = BLANK,
    lm: CharLM | None = None,
    chars: Callable[[int], str] | Sequence[str] | None = None,
) -> list[Hypothesis]:
    """CTC prefix beam search with optional character-LM shallow fusion; best first.

    Shapes: ``log_probs`` (T, V). For every prefix ℓ we keep p_b(ℓ) (paths ending in blank) and
    p_nb(ℓ) (ending in ℓ's last symbol) separately: a repeated symbol c = ℓ_last extends ℓ only
    from p_b (a blank separated them — "ll" in "hello"), and from p_nb it stays ℓ (merged).
    Per frame t:  p_b'(ℓ) += (p_b + p_nb)(ℓ)·p_t(∅);  p_nb'(ℓ+c) += {p_b(ℓ) if c = ℓ_last else
    p_b + p_nb}(ℓ)·p_t(c)·P_lm(c|ℓ)^α;  p_nb'(ℓ) += p_nb(ℓ)·p_t(ℓ_last). Keep the ``beam_width``
    prefixes with the best log(p_b + p_nb) + β|ℓ|; at the end add α·log P_lm(end of sentence | ℓ). With lm=None, β=0 and a beam as wide
    as the number of reachable prefixes, the result is exact (``brute_force_decode`` agrees).
    ``chars`` maps a label to the character the LM sees ("" = the LM ignores it).
    Reference: Hannun et al. (2014), arXiv:1408.2873, Algorithm 1.
    """
    cfg = config.validate()
    lp = check_log_probs(log_probs, blank=blank)
    T, V = lp.shape
    width = int(cfg.beam_width)
    alpha_lm = float(cfg.lm_weight) if lm is not None else 0.0
    bonus = float(cfg.insertion_bonus)
    if lm is not None and chars is None:
        raise ParamError("a language model needs the label → character mapping (chars)")
    char_of = (chars if callable(chars) else (lambda k, _c=chars: _c[k])) if chars is not None else None

    lm_chars = [char_of(k) for k in range(V)] if alpha_lm else []
    lm_rows: dict[tuple[int, ...], np.ndarray] = {}  # prefix -> log P_lm(label | prefix) for every label
    lm_total: dict[tuple[int, ...], float] = {(): 0.0}  # Σ log P_lm of the prefix's characters

    def lm_row(prefix: tuple[int, ...]) -> np.ndarray:
        row = lm_rows.get(prefix)
        if row is None:
            ctx = "".join(lm_chars[k] for k in prefix)
            row = np.array([lm.log_prob(ch, ctx) if ch else 0.0 for ch in lm_chars])  # "" = LM ignores the label
            lm_rows[prefix] = row
        return row

    symbols = np.array([k for k in range(V) if k != blank], dtype=np.int64)
    prefixes: list[tuple[int, ...]] = [()]
    pb, pnb = np.array([0.0]), np.array([NEG_INF])  # log p_b, log p_nb per prefix
    for t in range(T):
        row = lp[t]
        act = symbols[(row[symbols] >= cfg.prune_log_prob) & (row[symbols] > NEG_INF)]  # (A,)
        B, A = len(prefixes), len(act)
        total = np.logaddexp(pb, pnb)
        last = np.array([p[-1] if p else -1 for p in prefixes])
        lens = np.array([len(p) for p in prefixes])
        # paths that stay on their prefix: a blank, or the last symbol repeated (merged)
        new_pb = total + row[blank]
        new_pnb = np.where(last >= 0, pnb + row[np.maximum(last, 0)], NEG_INF)
        # paths that extend prefix i by symbol act[j]: a repeat of the last symbol only after a blank
        ext = np.where(act[None, :] == last[:, None], pb[:, None], total[:, None]) + row[act][None, :]  # (B, A)
        if alpha_lm and A:
            ext = ext + alpha_lm * np.stack([lm_row(p)[act] for p in prefixes])
        # an extension that lands on a prefix already in the beam adds to it (the beam stays exact)
        index = {p: i for i, p in enumerate(prefixes)}
        column = {int(c): j for j, c in enumerate(act)}
        for i, p in enumerate(prefixes):
            if p and (src := index.get(p[:-1])) is not None and (j := column.get(p[-1])) is not None:
                new_pnb[i] = np.logaddexp(new_pnb[i], ext[src, j])
                ext[src, j] = NEG_INF
        scores = np.concatenate([np.logaddexp(new_pb, new_pnb) + bonus * lens, (ext + bonus * (lens[:, None] + 1)).ravel()])
        keep = np.flatnonzero(scores > NEG_INF)
        if keep.size > width:
            keep = keep[np.argpartition(-scores[keep], width - 1)[:width]]
        if keep.size == 0:  # every path impossible (cannot happen with log-softmax input): keep the empty prefix
            keep = np.array([0])
        prefixes_next, pb_next, pnb_next = [], [], []
        for k in keep.tolist():
            if k < B:
                prefixes_next.append(prefixes[k])
                pb_next.append(new_pb[k])
                pnb_next.append(new_pnb[k])
            else:
                i, j = divmod(k - B, A)
                c = int(act[j])
                new = prefixes[i] + (c,)
                if new not in lm_total:
                    lm_total[new] = lm_total[prefixes[i]] + (float(lm_row(prefixes[i])[c]) if alpha_lm else 0.0)
                prefixes_next.append(new)
                pb_next.append(NEG_INF)
                pnb_next.append(ext[i, j])
        prefixes, pb, pnb = prefixes_next, np.array(pb_next), np.array(pnb_next)

    hyps = []
    for prefix, total in zip(prefixes, np.logaddexp(pb, pnb).tolist()):
        lm_lp = lm_total.get(prefix, 0.0)
        eos = lm.log_prob_eos("".join(lm_chars[k] for k in prefix)) if alpha_lm else 0.0
        log_p_ctc = total - alpha_lm * lm_lp
        hyps.append(Hypothesis(prefix, total + alpha_lm * eos + bonus * len(prefix), log_p_ctc, (lm_lp + eos) if alpha_lm else 0.0))
    hyps.sort(key=lambda h: h.score, reverse=True)
    return hyps[: cfg.n_best]


@dataclass(frozen=True)
class OracleResult:
    best: Hypothesis  # the exact best labelling under the same score as prefix_beam_search
    labellings: dict[tuple[int, ...], float] = field(repr=False)  # labelling -> exact log P_ctc
    n_paths: int = 0


def brute_force_decode(
    log_probs: np.ndarray,
    *,
    blank: int = BLANK,
    lm: CharLM | None = None,
    lm_weight: float = 0.0,
    insertion_bonus: float = 0.0,
    chars: Sequence[str] | None = None,
) -> OracleResult:
    """Exact decoding by enumerating all V^T frame paths (tiny inputs only: the test oracle).

    P(y|x) = Σ_{π : B(π) = y} Π_t p_t(π_t) is computed literally, path by path, then the best
    labelling under score = log P(y|x) + α log P_lm(y) + β|y| is returned. Independent of the
    dynamic programs above, so it checks them.
    """
    lp = check_log_probs(log_probs, blank=blank)
    T, V = lp.shape
    n_paths = V**T
    if n_paths > MAX_ORACLE_PATHS:
        raise ParamError(f"brute force would enumerate {V}^{T} = {n_paths:,} paths; keep V^T ≤ {MAX_ORACLE_PATHS:,}")
    paths = np.stack(np.unravel_index(np.arange(n_paths), (V,) * T), axis=1)  # (V^T, T)
    path_lp = lp[np.arange(T), paths].sum(axis=1)
    sums: dict[tuple[int, ...], float] = {}
    for path, score in zip(paths.tolist(), path_lp.tolist()):
        key = collapse(path, blank=blank)
        sums[key] = _lse(sums.get(key, NEG_INF), score)
    best: Hypothesis | None = None
    for labels, log_p in sums.items():
        log_lm = 0.0
        if lm is not None and lm_weight:
            text = ""
            for k in labels:
                if chars[k]:
                    log_lm += lm.log_prob(chars[k], text)
                    text += chars[k]
            log_lm += lm.log_prob_eos(text)
        score = log_p + lm_weight * log_lm + insertion_bonus * len(labels)
        if best is None or score > best.score:
            best = Hypothesis(labels, score, log_p, log_lm if (lm is not None and lm_weight) else 0.0)
    return OracleResult(best, sums, n_paths)


# --------------------------------------------------------------------------------------------
# synthetic posteriors for the playground


@dataclass(frozen=True)
class PosteriorConfig:
    """How the playground fakes an acoustic model's output for a typed target."""

    frames_per_symbol: int = 3  # frames each character is held for (its duration)
    blank_prob: float = 0.3  # blank's share of the probability inside a character's frames
    noise: float = 0.0  # std (nats) of Gaussian noise added to every log-probability, then renormalised
    gap_frames: int = 1  # confident blank frames between characters and at both ends
    seed: int = 0  # noise seed: the same settings give the same posteriors

    def validate(self) -> PosteriorConfig:
        if not 1 <= int(self.frames_per_symbol) <= 20 or int(self.frames_per_symbol) != self.frames_per_symbol:
            raise ParamError(f"frames_per_symbol={self.frames_per_symbol} must be a whole number from 1 to 20")
        if not 0.0 <= float(self.blank_prob) <= 0.95:
            raise ParamError(f"blank_prob={self.blank_prob} must be within 0–0.95")
        if not 0.0 <= float(self.noise) <= 5.0:
            raise ParamError(f"noise={self.noise} must be within 0–5 nats")
        if not 0 <= int(self.gap_frames) <= 5:
            raise ParamError(f"gap_frames={self.gap_frames} must be within 0–5")
        return self


def synthetic_posteriors(labels: Sequence[int], n_labels: int, config: PosteriorConfig = PosteriorConfig(), *, blank: int = BLANK) -> np.ndarray:
    """Per-frame log-probabilities (T, V) of an idealised model that "heard" ``labels``.

    Layout: gap, sym₁ × frames_per_symbol, gap, sym₂ × …, gap (T = L·(d + g) + g). In a symbol
    frame the symbol has 1 − blank_prob − FLOOR_MASS, blank has blank_prob; in a gap frame blank
    has GAP_BLANK_PROB; the rest of each frame is spread evenly. Then log p += noise·N(0, 1) and
    each frame is renormalised — noise is what makes greedy decoding misspell.
    """
    cfg = config.validate()
    if n_labels < 2:
        raise ParamError("need a blank and at least one symbol")
    d, g = int(cfg.frames_per_symbol), int(cfg.gap_frames)
    frames: list[np.ndarray] = []

    def frame(masses: dict[int, float]) -> np.ndarray:
        rest = 1.0 - sum(masses.values())
        others = n_labels - len(masses)
        p = np.full(n_labels, rest / others if others else 0.0)
        for k, m in masses.items():
            p[k] = m
        return p

    gap = frame({blank: GAP_BLANK_PROB})
    frames.extend([gap] * g)
    for k in labels:
        if k == blank:
            raise ParamError("labels must not contain the blank")
        sym = frame({blank: float(cfg.blank_prob), int(k): 1.0 - float(cfg.blank_prob) - FLOOR_MASS})
        frames.extend([sym] * d)
        frames.extend([gap] * g)
    if not frames:
        raise ParamError("nothing to generate: give at least one symbol or one gap frame")
    p = np.stack(frames)
    log_p = np.log(np.clip(p, 1e-12, None))
    if cfg.noise > 0:
        rng = np.random.default_rng(int(cfg.seed))
        log_p = log_p + float(cfg.noise) * rng.standard_normal(log_p.shape)
    return log_softmax(log_p, axis=1)


# --------------------------------------------------------------------------------------------
# RNN-T


def rnnt_forward(log_probs: np.ndarray, target: Sequence[int], *, blank: int = BLANK) -> np.ndarray:
    """Forward variables of the RNN-Transducer lattice. (T, U+1, V), (U,) → α (T, U+1), log space.

    Node (t, u) = "t frames consumed, u labels emitted". From (t, u) a blank moves to (t+1, u)
    and label y_{u+1} moves to (t, u+1), with the joint network's log-probabilities at (t, u):
    α(t, u) = [α(t−1, u) + log φ(t−1, u)] ⊕ [α(t, u−1) + log y(t, u−1)], α(0, 0) = 0.
    Reference: Graves (2012), arXiv:1211.3711, §2.4.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    if lp.ndim != 3:
        raise ParamError(f"RNN-T log_probs must be 3-D (frames, labels+1, vocab), got shape {lp.shape}")
    T, U1, V = lp.shape
    y = _check_target(target, V, blank)
    if U1 != len(y) + 1:
        raise ParamError(f"the lattice has {U1} label positions; a target of {len(y)} labels needs {len(y) + 1}")
    if T < 1 or T * U1 > MAX_RNNT_CELLS:
        raise ParamError(f"the lattice has {T}×{U1} cells; keep it between 1 and {MAX_RNNT_CELLS:,}")
    if not np.isfinite(lp).all():
        raise ParamError("RNN-T log_probs must be finite")
    blank_lp = lp[:, :, blank]  # (T, U+1)
    emit_lp = lp[:, np.arange(len(y)), y] if len(y) else np.zeros((T, 0))  # (T, U): log y(t, u) of y_{u+1}
    alpha = np.full((T, U1), NEG_INF)
    alpha[0, 0] = 0.0
    for u in range(1, U1):
        alpha[0, u] = alpha[0, u - 1] + emit_lp[0, u - 1]
    for t in range(1, T):
        alpha[t, 0] = alpha[t - 1, 0] + blank_lp[t - 1, 0]
        from_below = alpha[t - 1] + blank_lp[t - 1]  # (U+1,) blank arcs into row t
        for u in range(1, U1):
            alpha[t, u] = _lse(from_below[u], alpha[t, u - 1] + emit_lp[t, u - 1])
    return alpha


def rnnt_backward(log_probs: np.ndarray, target: Sequence[int], *, blank: int = BLANK) -> np.ndarray:
    """Backward variables β (T, U+1) of the RNN-T lattice: log P(rest of the output | at node (t, u)).

    β(T−1, U) = log φ(T−1, U); β(t, u) = [β(t+1, u) + log φ(t, u)] ⊕ [β(t, u+1) + log y(t, u)],
    so β(0, 0) = log P(y|x) = α(T−1, U) + log φ(T−1, U).
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    rnnt_forward(lp, target, blank=blank)  # same validation
    T, U1, _ = lp.shape
    y = np.asarray(list(target), dtype=np.int64)
    blank_lp = lp[:, :, blank]
    emit_lp = lp[:, np.arange(len(y)), y] if len(y) else np.zeros((T, 0))
    beta = np.full((T, U1), NEG_INF)
    beta[T - 1, U1 - 1] = blank_lp[T - 1, U1 - 1]
    for u in range(U1 - 2, -1, -1):
        beta[T - 1, u] = beta[T - 1, u + 1] + emit_lp[T - 1, u]
    for t in range(T - 2, -1, -1):
        beta[t, U1 - 1] = beta[t + 1, U1 - 1] + blank_lp[t, U1 - 1]
        for u in range(U1 - 2, -1, -1):
            beta[t, u] = _lse(beta[t + 1, u] + blank_lp[t, u], beta[t, u + 1] + emit_lp[t, u])
    return beta


def rnnt_occupancy(log_probs: np.ndarray, target: Sequence[int], *, blank: int = BLANK) -> np.ndarray:
    """P(the alignment passes through node (t, u)) = exp(α + β − log P(y|x)), shape (T, U+1).

    Paths move up within a frame, so a frame's column can sum to more than 1; every path visits
    (0, 0) and (T−1, U), which therefore have probability 1.
    """
    alpha = rnnt_forward(log_probs, target, blank=blank)
    beta = rnnt_backward(log_probs, target, blank=blank)
    return np.exp(alpha + beta - beta[0, 0])


def rnnt_loss(logits: np.ndarray, target: Sequence[int], *, blank: int = BLANK) -> float:
    """RNN-T loss −log P(y|x) of one utterance from joint-network logits (T, U+1, V), in nats.

    P(y|x) = α(T−1, U) · φ(T−1, U): every path ends with a blank from the last node.
    Equals ``torchaudio.functional.rnnt_loss(..., blank=blank, reduction="sum")`` for a batch of one.
    """
    lp = log_softmax(np.asarray(logits, dtype=np.float64), axis=-1)
    alpha = rnnt_forward(lp, target, blank=blank)
    return -float(alpha[-1, -1] + lp[-1, -1, blank])


def rnnt_synthetic_logits(
    labels: Sequence[int], n_frames: int, n_labels: int, *, sharpness: float = 4.0, noise: float = 0.5, seed: int = 0
) -> np.ndarray:
    """Joint-network logits (T, U+1, V) of an idealised transducer that emits label u near frame (u + ½)·T/U.

    At node (t, u) the next label y_{u+1} gets +sharpness·bump(t − t_u) and blank gets
    +sharpness·(1 − bump), bump(d) = exp(−(d / w)²), w = max(1, T / (2U)); plus N(0, noise²) on
    every logit. Makes the lattice show a clear, diagonal-ish best alignment, as a trained model's does.
    """
    y = np.asarray(list(labels), dtype=np.int64)
    T, U = int(n_frames), len(y)
    if T < 1 or T * (U + 1) > MAX_RNNT_CELLS:
        raise ParamError(f"n_frames={n_frames} with {U} labels gives {T}×{U + 1} cells; keep it between 1 and {MAX_RNNT_CELLS:,}")
    rng = np.random.default_rng(seed)
    logits = noise * rng.standard_normal((T, U + 1, n_labels))
    if U:
        width = max(1.0, T / (2 * U))
        centre = (np.arange(U) + 0.5) * T / U  # (U,)
        bump = np.exp(-(((np.arange(T)[:, None] - centre[None, :]) / width) ** 2))  # (T, U)
        logits[:, np.arange(U), y] += sharpness * bump
        logits[:, :U, BLANK] += sharpness * (1 - bump)
    logits[:, U, BLANK] += sharpness  # all labels out: only blanks remain
    return logits
