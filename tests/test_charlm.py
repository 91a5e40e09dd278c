"""Our character n-gram LM (interpolated Kneser-Ney): a proper distribution that prefers English."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import charlm
from core.errors import ParamError


@pytest.fixture(scope="module")
def lm():
    return charlm.default_lm()


def test_corpus_is_ours_and_big_enough(lm):
    lines = charlm.read_corpus()
    assert len(lines) > 150 and lm.n_sentences == len(lines)
    assert lm.n_chars > 8_000
    assert set(lm.vocab) == set(charlm.ALPHABET) | {charlm.EOS}


@pytest.mark.parametrize("context", ["", "t", "th", "the qu", "zzzz", "hello wor", "x'y"])
def test_every_context_gives_a_distribution_that_sums_to_one(lm, context):
    dist = lm.distribution(context)
    assert sum(dist.values()) == pytest.approx(1.0, abs=1e-12)
    assert min(dist.values()) > 0  # smoothing leaves nothing impossible


@pytest.mark.parametrize("order", [1, 2, 3, 6])
def test_sums_to_one_at_every_order(order):
    m = charlm.train(["the cat sat on the mat", "a dog ate the hat"], order=order)
    for h in ("", "th", "the ", "qqq"):
        assert sum(m.distribution(h).values()) == pytest.approx(1.0, abs=1e-12)


def test_kneser_ney_golden_bigram():
    # Bigram on "ab" and "b": contexts BOS→{a, b}, a→{b}, b→{EOS ×2}.
    m = charlm.train(["ab", "b"], order=2, alphabet="ab")
    d1 = m.discounts[1]
    # continuation unigram counts: a ← {BOS}, b ← {BOS, a}, EOS ← {b}: 4 bigram types
    d0 = m.discounts[0]
    p_uni = {"a": (1 - d0) / 4 + d0 * 3 / 4 / 3, "b": (2 - d0) / 4 + d0 * 3 / 4 / 3, charlm.EOS: (1 - d0) / 4 + d0 * 3 / 4 / 3}
    assert sum(p_uni.values()) == pytest.approx(1.0)
    # P(b | a) = (1 − D)/1 + D·1/1·P_uni(b)
    assert m.prob("b", "a") == pytest.approx((1 - d1) + d1 * p_uni["b"])
    # P(a | BOS) = (1 − D)/2 + D·2/2·P_uni(a)
    assert m.prob("a", "") == pytest.approx((1 - d1) / 2 + d1 * p_uni["a"])


def test_english_is_more_likely_than_scrambled_text(lm):
    english = ["the cat sat on the mat", "speech recognition turns sound into text", "please call me back tomorrow"]
    rng = np.random.default_rng(0)
    scrambled = ["".join(rng.permutation(list(s))) for s in english]
    assert lm.perplexity(english) < 4.0
    assert lm.perplexity(scrambled) > 3 * lm.perplexity(english)
    assert lm.score("hello world") > lm.score("hlelo wrold")
    assert lm.prob("u", "the q") > 0.5  # q is followed by u


def test_log_prob_and_normalisation(lm):
    assert lm.log_prob("e", "th") == pytest.approx(math.log(lm.prob("e", "th")))
    assert lm.log_prob("é", "th") == -math.inf
    assert charlm.normalize("  Hello,   World! It's 5 o'clock. ") == "hello world it's o'clock"
    assert lm.score("Hello, World!") == pytest.approx(lm.score("hello world"))


def test_sampling_is_seeded_and_in_vocabulary(lm):
    a, b = lm.sample(seed=3), lm.sample(seed=3)
    assert a == b and set(a) <= set(charlm.ALPHABET)
    assert lm.sample(prompt="the ", seed=1).startswith("the ")


def test_bad_input():
    with pytest.raises(ParamError, match="empty"):
        charlm.train(["!!!", "  "])
    with pytest.raises(ParamError, match="order"):
        charlm.train(["abc"], order=0)
    with pytest.raises(ParamError, match="no text"):
        charlm.default_lm().perplexity(["?!"])
