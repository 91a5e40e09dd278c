"""A character n-gram language model with interpolated Kneser-Ney smoothing, trained on our own text.

A language model scores how plausible a text is: P(w₁…w_N) = Π P(w_i | w_{i−n+1} … w_{i−1}).
Counting n-grams alone gives zero to anything unseen, so smoothing moves a little probability
from seen to unseen events. Kneser-Ney does it twice well: it subtracts a fixed *discount* D from
every seen count (absolute discounting), and the lower-order distribution it falls back on counts
in how many different contexts a character appears (its *continuation* count), not how often.

    P(c | h) = max(N(h c) − D, 0) / N(h) + D · N₁₊(h •) / N(h) · P(c | h⁻)

where h⁻ drops the oldest character of h, N are raw counts at the highest order and continuation
counts below it, N₁₊(h •) is the number of distinct characters seen after h, and the recursion
ends in a uniform distribution over the vocabulary (so every character has P > 0).

It is used for shallow fusion in CTC prefix beam search (``core.ctc``): the decoder adds
α · log P_lm(c | prefix) whenever it extends a prefix by c.

Reference: Kneser & Ney, "Improved backing-off for M-gram language modeling", ICASSP 1995;
Chen & Goodman, "An Empirical Study of Smoothing Techniques for Language Modeling", TR-10-98
(Harvard, 1998), §2.7 and §3 (interpolated KN, D = n₁ / (n₁ + 2 n₂)).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import ParamError

BOS = "\x02"  # start-of-sentence padding (never in text)
EOS = "\x03"  # end of sentence: a vocabulary item, so sentences have a length distribution
ALPHABET = " abcdefghijklmnopqrstuvwxyz'"  # what normalize() keeps; the CTC playground's symbols
MAX_ORDER = 8
MAX_CORPUS_CHARS = 5_000_000
CORPUS_PATH = Path(__file__).resolve().parents[1] / "assets" / "ctc" / "corpus.txt"
DEFAULT_ORDER = 5  # 4 characters of context: enough to know "th" wants "e", small enough for our corpus
DISCOUNT_RANGE = (0.1, 0.95)  # clamp for the n₁/(n₁+2n₂) estimate on tiny corpora


def normalize(text: str) -> str:
    """Lower-case, map anything outside a–z and ' to a space, collapse spaces. One line of text."""
    text = re.sub(r"[^a-z' ]+", " ", str(text).lower())
    return " ".join(text.split())


@dataclass
class CharNGram:
    """An interpolated Kneser-Ney character n-gram model; build it with :func:`train`."""

    order: int
    vocab: tuple[str, ...]  # characters (plus EOS) that get probability mass
    # counts[k][context] -> Counter(next char): k = len(context); raw counts at k = order − 1,
    # continuation counts N₁₊(• context c) below
    counts: list[dict[str, Counter]] = field(repr=False)
    discounts: tuple[float, ...] = ()  # D per context length k
    n_chars: int = 0  # characters of training text (after normalisation), for reporting
    n_sentences: int = 0

    def __post_init__(self) -> None:
        self._totals = [{h: sum(c.values()) for h, c in level.items()} for level in self.counts]
        self._uniform = 1.0 / len(self.vocab)
        self._vocab_set = frozenset(self.vocab)

    @functools.lru_cache(maxsize=200_000)  # noqa: B019 - the model is immutable after training
    def prob(self, char: str, context: str) -> float:
        """P(char | context) in [0, 1]; ``context`` is the text so far (only the last order−1 characters count)."""
        if char not in self._vocab_set:
            return 0.0
        h = (BOS * (self.order - 1) + context)[-(self.order - 1):] if self.order > 1 else ""
        return self._p(char, h)

    def _p(self, char: str, h: str) -> float:
        k = len(h)
        lower = self._uniform if k == 0 else self._p(char, h[1:])
        counts = self.counts[k].get(h)
        if not counts:  # unseen context: all of its mass goes to the shorter context
            return lower
        total, d = self._totals[k][h], self.discounts[k]
        return max(counts.get(char, 0) - d, 0.0) / total + d * len(counts) / total * lower

    def log_prob(self, char: str, context: str) -> float:
        """Natural log of P(char | context); −inf for a character outside the vocabulary."""
        p = self.prob(char, context)
        return math.log(p) if p > 0 else -math.inf

    def log_prob_eos(self, context: str) -> float:
        """log P(end of sentence | context)."""
        return self.log_prob(EOS, context)

    def score(self, text: str, *, eos: bool = True) -> float:
        """log P(text) = Σ log P(c_i | c_<i) (+ log P(EOS | text)); ``text`` is normalised first."""
        text = normalize(text)
        total = sum(self.log_prob(c, text[:i]) for i, c in enumerate(text))
        return total + (self.log_prob_eos(text) if eos else 0.0)

    def perplexity(self, lines: Iterable[str]) -> float:
        """exp(−mean log P per predicted symbol) over ``lines`` (each character and each EOS counts)."""
        total, n = 0.0, 0
        for line in lines:
            line = normalize(line)
            if not line:
                continue
            total += self.score(line)
            n += len(line) + 1
        if n == 0:
            raise ParamError("no text to measure perplexity on")
        return math.exp(-total / n)

    def distribution(self, context: str) -> dict[str, float]:
        """P(· | context) over the whole vocabulary (sums to 1)."""
        return {c: self.prob(c, context) for c in self.vocab}

    def sample(self, *, n_chars: int = 80, seed: int = 0, prompt: str = "") -> str:
        """Draw characters from the model until EOS or ``n_chars``: what the model "thinks" text looks like."""
        rng = np.random.default_rng(seed)
        text = normalize(prompt) if prompt else ""
        chars = list(self.vocab)
        for _ in range(int(n_chars)):
            p = np.array([self.prob(c, text) for c in chars])
            c = chars[int(rng.choice(len(chars), p=p / p.sum()))]
            if c == EOS:
                break
            text += c
        return text

    def __hash__(self) -> int:  # lru_cache on a method needs a hashable self; identity is right here
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


def _discount(level: dict[str, Counter]) -> float:
    freq = Counter(n for c in level.values() for n in c.values())
    n1, n2 = freq.get(1, 0), freq.get(2, 0)
    d = n1 / (n1 + 2 * n2) if n1 + n2 else 0.5
    return float(min(max(d, DISCOUNT_RANGE[0]), DISCOUNT_RANGE[1]))


def train(lines: Iterable[str], *, order: int = DEFAULT_ORDER, alphabet: str = ALPHABET) -> CharNGram:
    """Count a character n-gram model of ``order`` (2–8) on ``lines`` (one sentence per line).

    Every line is normalised (lower case, a–z, space, apostrophe), padded with order−1 BOS and
    ended with EOS. The vocabulary is ``alphabet`` + EOS, so characters that never occur in
    training still get a small, smoothed probability.
    """
    if not 1 <= int(order) <= MAX_ORDER:
        raise ParamError(f"order={order} must be between 1 and {MAX_ORDER}")
    order = int(order)
    sentences = [s for s in (normalize(line) for line in lines) if s]
    n_chars = sum(len(s) for s in sentences)
    if not sentences:
        raise ParamError("the training text is empty after normalisation; give some English sentences")
    if n_chars > MAX_CORPUS_CHARS:
        raise ParamError(f"the corpus has {n_chars:,} characters; keep it under {MAX_CORPUS_CHARS:,}")
    extra = sorted({c for s in sentences for c in s} - set(alphabet))
    vocab = tuple(alphabet) + tuple(extra) + (EOS,)

    # highest order: raw counts of (context of order−1, next char)
    top: dict[str, Counter] = defaultdict(Counter)
    for s in sentences:
        padded = BOS * (order - 1) + s + EOS
        for i in range(order - 1, len(padded)):
            top[padded[i - order + 1: i]][padded[i]] += 1
    counts: list[dict[str, Counter]] = [{} for _ in range(order)]
    counts[order - 1] = dict(top)
    # lower orders: continuation counts N₁₊(• h c) = distinct characters seen before "h c"
    for k in range(order - 2, -1, -1):
        level: dict[str, Counter] = defaultdict(Counter)
        for h, nxt in counts[k + 1].items():
            for c in nxt:
                level[h[1:]][c] += 1
        counts[k] = dict(level)
    discounts = tuple(_discount(level) for level in counts)
    return CharNGram(order, vocab, counts, discounts, n_chars, len(sentences))


def read_corpus(path: str | Path = CORPUS_PATH) -> list[str]:
    """Non-empty, non-comment lines of a text corpus (``#`` starts a comment line)."""
    p = Path(path)
    if not p.is_file():
        raise ParamError(f"corpus file {p} not found")
    return [line for line in p.read_text(encoding="utf-8").splitlines() if line.strip() and not line.lstrip().startswith("#")]


@functools.lru_cache(maxsize=4)
def default_lm(order: int = DEFAULT_ORDER) -> CharNGram:
    """The app's English character LM, trained on ``assets/ctc/corpus.txt`` (text we wrote; ~20 ms)."""
    return train(read_corpus(), order=order)
