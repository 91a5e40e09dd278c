"""WER/CER from scratch (core.metrics transcription section): jiwer parity, golden values, properties."""

from __future__ import annotations

import random

import jiwer
import pytest

from core.errors import ParamError
from core.metrics import MAX_ALIGN_CELLS, align_tokens, corpus_wer, wer
from core.textnorm import NormOptions


def _counts(r):
    return (r.hits, r.substitutions, r.deletions, r.insertions)


def _random_sentence(rng: random.Random, vocab: list[str], lo: int, hi: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(rng.randint(lo, hi)))


# ----------------------------------------------------------------------------- golden values


def test_golden_textbook_example():
    # 6 reference words; "two"→"too" (S), "four" deleted (D), "seven" inserted (I): 3 / 6.
    # The only 3-edit alignment (substituting along the tail would cost 4).
    r = wer("one two three four five six", "one too three five six seven", normalize=False)
    assert _counts(r) == (4, 1, 1, 1)
    assert r.wer == pytest.approx(3 / 6)
    assert r.n_ref_words == 6 and r.n_hyp_words == 6
    assert [op for op, _, _ in r.alignment] == ["=", "S", "=", "D", "=", "=", "I"]
    assert r.alignment[1] == ("S", "two", "too")
    assert r.alignment[3] == ("D", "four", None)
    assert r.alignment[6] == ("I", None, "seven")


def test_equal_cost_alignments_are_broken_like_jiwer():
    # "the mat" → "mat today": two substitutions or a deletion plus an insertion both cost 2;
    # RapidFuzz (jiwer) reports the substitutions, and so do we.
    r = wer("the cat sat on the mat", "the cat sit on mat today", normalize=False)
    assert _counts(r) == (3, 3, 0, 0)


def test_identical_and_empty_hypothesis():
    r = wer("hello world", "hello world")
    assert r.wer == 0.0 and r.cer == 0.0 and _counts(r) == (2, 0, 0, 0)
    r = wer("hello world", "")
    assert r.wer == 1.0 and _counts(r) == (0, 0, 2, 0) and r.cer == 1.0
    assert r.alignment == [("D", "hello", None), ("D", "world", None)]


def test_wer_above_one_is_legitimate():
    r = wer("yes", " ".join(["no"] * 10), normalize=False)
    assert r.wer == pytest.approx(10.0)  # 1 substitution + 9 insertions over 1 word
    assert _counts(r) == (0, 1, 0, 9)


def test_cer_counts_spaces_like_jiwer():
    r = wer("ab cd", "abcd", normalize=False)
    assert (r.char_deletions, r.n_ref_chars) == (1, 5)
    assert r.cer == pytest.approx(1 / 5)
    assert r.cer == pytest.approx(jiwer.cer("ab cd", "abcd"))


def test_normalisation_changes_the_score():
    ref, hyp = "Don't pay $42, OK?", "do not pay forty two dollars ok"
    assert wer(ref, hyp).wer == 0.0
    strict = wer(ref, hyp, normalize=False)
    assert strict.wer > 0.5
    assert wer(ref, hyp, normalize=NormOptions(numbers="words")).wer == 0.0


# ----------------------------------------------------------------------------- jiwer parity


@pytest.mark.parametrize("vocab_size", [2, 4, 30])
def test_parity_with_jiwer_on_random_sentences(vocab_size):
    """Counts (not only the WER) match jiwer 4.0: equal-cost alignments are broken the same way."""
    rng = random.Random(vocab_size)
    vocab = [f"w{i}" for i in range(vocab_size)]
    for _ in range(400):
        ref = _random_sentence(rng, vocab, 1, 25)
        hyp = _random_sentence(rng, vocab, 1, 25)
        ours = wer(ref, hyp, normalize=False)
        words = jiwer.process_words(ref, hyp)
        chars = jiwer.process_characters(ref, hyp)
        assert _counts(ours) == (words.hits, words.substitutions, words.deletions, words.insertions), (ref, hyp)
        assert ours.wer == pytest.approx(words.wer, abs=1e-12)
        assert (ours.char_hits, ours.char_substitutions, ours.char_deletions, ours.char_insertions) == (
            chars.hits, chars.substitutions, chars.deletions, chars.insertions,
        )  # fmt: skip
        assert ours.cer == pytest.approx(chars.cer, abs=1e-12)


def test_corpus_wer_matches_jiwer_lists():
    rng = random.Random(7)
    vocab = ["a", "b", "c", "d", "e", "f"]
    refs = [_random_sentence(rng, vocab, 1, 12) for _ in range(30)]
    hyps = [_random_sentence(rng, vocab, 0, 12) for _ in range(30)]
    hyps[3] = "x"  # jiwer needs at least one word in a hypothesis list item
    hyps = [h or "a" for h in hyps]
    ours = corpus_wer(refs, hyps, normalize=False)
    ref_out = jiwer.process_words(refs, hyps)
    assert (ours.hits, ours.substitutions, ours.deletions, ours.insertions) == (
        ref_out.hits, ref_out.substitutions, ref_out.deletions, ref_out.insertions,
    )  # fmt: skip
    assert ours.wer == pytest.approx(ref_out.wer, abs=1e-12)
    assert ours.cer == pytest.approx(jiwer.cer(refs, hyps), abs=1e-12)


def test_corpus_wer_is_not_the_mean_of_utterance_wers():
    r = corpus_wer(["a", "a b c d e f g h i j"], ["b", "a b c d e f g h i j"], normalize=False)
    assert r.wer == pytest.approx(1 / 11)  # one error over 11 words, not mean(1.0, 0.0) = 0.5
    assert [u.wer for u in r.utterances] == [1.0, 0.0]


def test_corpus_wer_allows_empty_reference_utterances():
    r = corpus_wer(["hello world", ""], ["hello world", "noise words"], normalize=False)
    assert r.insertions == 2 and r.n_ref_words == 2 and r.wer == pytest.approx(1.0)
    assert r.utterances[1] is None


# ----------------------------------------------------------------------------- properties


def test_alignment_reconstructs_both_sides_and_counts_the_distance():
    rng = random.Random(3)
    vocab = list("abcde")
    for _ in range(300):
        ref = [rng.choice(vocab) for _ in range(rng.randint(0, 15))]
        hyp = [rng.choice(vocab) for _ in range(rng.randint(0, 15))]
        al = align_tokens(ref, hyp)
        assert [r for op, r, _ in al if op != "I"] == ref
        assert [h for op, _, h in al if op != "D"] == hyp
        assert all((op == "=") == (r == h) for op, r, h in al if op in "=S")
        # the number of edits is the Levenshtein distance, checked against a textbook recursion
        assert sum(op != "=" for op, _, _ in al) == _lev(ref, hyp)


def _lev(a, b):  # textbook O(nm) recursion, the independent oracle
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def test_symmetry_swaps_insertions_and_deletions():
    a, b = "one two three four", "one too three three four five"
    ab, ba = wer(a, b, normalize=False), wer(b, a, normalize=False)
    assert ab.errors == ba.errors
    assert (ab.insertions - ab.deletions) == -(ba.insertions - ba.deletions)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("ref", ["", "   ", "?!...", "— , ;"])
def test_empty_or_punctuation_only_reference_is_refused(ref):
    with pytest.raises(ParamError, match="reference is empty"):
        wer(ref, "something")


def test_corpus_wer_bad_input():
    with pytest.raises(ParamError, match="2 references and 1 hypotheses"):
        corpus_wer(["a", "b"], ["a"])
    with pytest.raises(ParamError, match="at least one reference word"):
        corpus_wer(["", "!"], ["a", "b"])
    with pytest.raises(ParamError, match="no utterances"):
        corpus_wer([], [])


def test_too_long_alignment_is_refused_before_work():
    n = int(MAX_ALIGN_CELLS**0.5) + 10
    with pytest.raises(ParamError, match="split the text"):
        align_tokens(list(range(n)), list(range(1, n + 1)))


def test_non_text_is_refused():
    with pytest.raises(ParamError, match="must be text"):
        wer("a", None)  # type: ignore[arg-type]
    with pytest.raises(ParamError, match="normalize must be"):
        wer("a", "a", normalize="yes")  # type: ignore[arg-type]


def test_python_and_numpy_dp_paths_agree(monkeypatch):
    """Short texts use a plain-Python DP, long ones numpy rows: the matrices must be identical."""
    from core import metrics

    rng = random.Random(11)
    for _ in range(100):
        r = [rng.randrange(4) for _ in range(rng.randint(1, 60))]
        h = [rng.randrange(4) for _ in range(rng.randint(1, 60))]
        small = metrics._edit_matrix(r, h)
        monkeypatch.setattr(metrics, "SMALL_ALIGN_CELLS", -1)
        rows = metrics._edit_matrix(r, h)
        monkeypatch.undo()
        assert (small == rows).all()
        assert small[-1, -1] == _lev(r, h)
