"""English text normaliser (core.textnorm): number words both ways, contractions, toggles."""

from __future__ import annotations

import random

import pytest

from core.errors import ParamError
from core.textnorm import (
    TOGGLES,
    NormOptions,
    contract,
    decimal_to_words,
    expand_contractions,
    normalize,
    number_to_words,
    numbers_to_words,
    words_to_digits,
    words_to_number,
)

# ----------------------------------------------------------------------------- numbers

GOLDEN = {
    0: "zero",
    7: "seven",
    13: "thirteen",
    42: "forty two",
    100: "one hundred",
    105: "one hundred five",
    999: "nine hundred ninety nine",
    1000: "one thousand",
    1001: "one thousand one",
    21_000: "twenty one thousand",
    1_234_567: "one million two hundred thirty four thousand five hundred sixty seven",
    3_000_000_017: "three billion seventeen",
    999_999_999_999: "nine hundred ninety nine billion nine hundred ninety nine million nine hundred ninety nine "
    "thousand nine hundred ninety nine",
}


@pytest.mark.parametrize(("n", "words"), GOLDEN.items())
def test_number_to_words_golden(n, words):
    assert number_to_words(n) == words
    assert words_to_number(words) == n


def test_number_words_round_trip_random():
    rng = random.Random(0)
    for _ in range(2000):
        n = rng.choice([rng.randrange(1000), rng.randrange(10**6), rng.randrange(10**12)])
        assert words_to_number(number_to_words(n)) == n
        assert words_to_digits(number_to_words(n)) == str(n)
        assert numbers_to_words(str(n)) == number_to_words(n)


def test_ordinals_years_decimals_negative():
    assert number_to_words(1, style="ordinal") == "first"
    assert number_to_words(12, style="ordinal") == "twelfth"
    assert number_to_words(21, style="ordinal") == "twenty first"
    assert number_to_words(40, style="ordinal") == "fortieth"
    assert number_to_words(1999, style="year") == "nineteen ninety nine"
    assert number_to_words(1905, style="year") == "nineteen oh five"
    assert number_to_words(1900, style="year") == "nineteen hundred"
    assert number_to_words(2005, style="year") == "two thousand five"
    assert number_to_words(2024, style="year") == "twenty twenty four"
    assert number_to_words(-5) == "minus five"
    assert decimal_to_words("3.14") == "three point one four"
    assert numbers_to_words("In 1999 I was 21st of 1,000 with 50% and $5", years=True) == (
        "In nineteen ninety nine I was twenty first of one thousand with fifty percent and five dollars"
    )
    assert numbers_to_words("mp3 and 007") == "mp3 and zero zero seven"  # glued digits stay; leading zeros spelled


def test_words_to_digits_in_running_text():
    assert words_to_digits("born in nineteen ninety nine with twenty-one cats") == "born in 1999 with 21 cats"
    assert words_to_digits("one two three") == "1 2 3"  # separate numbers stay separate
    assert words_to_digits("one hundred and five") == "105"
    assert words_to_digits("a thousand reasons") == "1000 reasons"
    assert words_to_digits("the twenty first of may") == "the 21st of may"
    assert words_to_digits("pi is three point one four") == "pi is 3.14"
    assert words_to_digits("rock and roll") == "rock and roll"  # "and" alone is not a number
    assert words_to_digits("Forty Two") == "42"


def test_bad_numbers():
    with pytest.raises(ParamError, match="integer"):
        number_to_words(2.5)
    with pytest.raises(ParamError, match="digit by digit"):
        number_to_words(10**16)
    with pytest.raises(ParamError, match="cardinal number"):
        words_to_number("forty banana")
    with pytest.raises(ParamError, match="style"):
        number_to_words(5, style="roman")


# ----------------------------------------------------------------------------- contractions


def test_contractions_both_directions():
    assert expand_contractions("I don't think we're late, it's fine") == "I do not think we are late, it is fine"
    assert expand_contractions("John's car won't start") == "John's car will not start"  # possessive stays
    assert expand_contractions("Can't") == "Can not"
    assert contract("I do not think we are late") == "I don't think we're late"
    assert contract("i am sure it will not rain") == "i'm sure it won't rain"
    for phrase in ["do not", "we are", "i will", "is not", "they have"]:
        assert expand_contractions(contract(phrase)) == phrase


# ----------------------------------------------------------------------------- the pipeline


def test_default_pipeline_golden():
    assert normalize("Don't pay $42, OK?") == "do not pay 42 dollars ok"
    assert normalize("Um, I think... uh, it's 50% done!") == "i think it is 50 percent done"
    assert normalize("  Hello,\n\tWORLD  ") == "hello world"
    assert normalize("It costs 3.50 and 1,000 more") == "it costs 3.50 and 1000 more"


def test_both_number_directions_agree_on_the_same_text():
    pairs = [("forty two", "42"), ("nineteen ninety nine", "1999"), ("twenty first", "21st"), ("fifty percent", "50%")]
    for spoken, written in pairs:
        for mode in ("digits", "words"):
            opts = NormOptions(numbers=mode)
            assert normalize(spoken, opts) == normalize(written, opts), (spoken, written, mode)


def test_toggles_round_trip_and_validation():
    for opts in (NormOptions(), NormOptions.none(), NormOptions(numbers="words", contractions="contract", fillers=False)):
        assert NormOptions.from_toggles(opts.toggles()) == opts
    assert set(NormOptions().toggles()) <= set(TOGGLES)
    assert NormOptions.from_toggles([]) == NormOptions.none()
    with pytest.raises(ParamError, match="opposite ways"):
        NormOptions.from_toggles(["numbers_to_digits", "numbers_to_words"])
    with pytest.raises(ParamError, match="unknown normalisation option"):
        NormOptions.from_toggles(["stemming"])
    with pytest.raises(ParamError, match="numbers must be one of"):
        NormOptions(numbers="roman")


def test_each_toggle_does_one_thing():
    text = "Don't say 42, um, OK"
    none = NormOptions.none()
    assert normalize(text, none) == "Don't say 42, um, OK"
    assert normalize(text, NormOptions(**{**none.__dict__, "lowercase": True})) == "don't say 42, um, ok"
    assert normalize(text, NormOptions(**{**none.__dict__, "punctuation": True})) == "Dont say 42 um OK"
    assert normalize(text, NormOptions(**{**none.__dict__, "numbers": "words"})) == "Don't say forty two, um, OK"
    assert normalize(text, NormOptions(**{**none.__dict__, "contractions": "expand"})) == "Do not say 42, um, OK"
    assert normalize(text, NormOptions(**{**none.__dict__, "fillers": True})) == "Don't say 42, OK"


def test_idempotent():
    rng = random.Random(1)
    words = ["Don't", "forty", "two", "42", "it's", "$5", "um", "Hello,", "1,000", "twenty-first", "we're", "3.5"]
    for _ in range(200):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 10)))
        for opts in (NormOptions(), NormOptions(numbers="words"), NormOptions(contractions="contract")):
            once = normalize(text, opts)
            assert normalize(once, opts) == once, (text, opts)


def test_bad_text():
    with pytest.raises(ParamError, match="string"):
        normalize(42)  # type: ignore[arg-type]
    with pytest.raises(ParamError, match="at most"):
        normalize("a " * 60_000)
