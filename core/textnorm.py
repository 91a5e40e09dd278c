"""English text normalisation for scoring ASR (WER/CER) and for speaking text (TTS).

Before comparing a transcript with a reference, both are brought to one canonical spelling so
that "Don't pay $42!" and "do not pay forty two dollars" count as the same words. The pipeline,
in the spirit of Whisper's ``EnglishTextNormalizer`` (Radford et al. 2022, "Robust Speech
Recognition via Large-Scale Weak Supervision", appendix C) but written independently:

1. typographic apostrophes and dashes → ASCII;
2. lower-case (``lowercase``);
3. contractions expanded ("don't" → "do not") or formed ("do not" → "don't") (``contractions``);
4. filler words removed ("um", "uh", "hmm") (``fillers``);
5. numbers canonicalised: spoken numbers → digits ("forty two" → "42", "twenty first" → "21st",
   "nineteen ninety nine" → "1999") or digits → words ("42" → "forty two") (``numbers``);
   symbols tied to numbers are spelled ("$5" → "5 dollars", "50%" → "50 percent");
6. punctuation and symbols removed (``punctuation``), keeping a decimal point between digits;
7. whitespace collapsed (always).

Number ↔ words conversion is public (``number_to_words``, ``words_to_number``,
``numbers_to_words``, ``words_to_digits``) so the TTS lesson can speak "1999" and "3.5 %".
American style: no "and" after hundred when spelling ("one hundred five"); "and" is accepted
when parsing ("one hundred and five" → 105).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from core.errors import ParamError

MAX_TEXT_CHARS = 100_000  # normalising longer text is refused before any work (≈ 15 000 words)

# ---------------------------------------------------------------------------- number words

ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))
MAX_NUMBER = 10**15 - 1  # largest integer spelled as a cardinal; larger ones are read digit by digit

_ORDINAL_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                      "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}  # fmt: skip
_UNIT_VALUE = {w: i for i, w in enumerate(ONES)}
_TENS_VALUE = {w: 10 * i for i, w in enumerate(TENS) if w}
_SCALE_VALUE = {w: v for v, w in SCALES}
_ORDINAL_WORDS: dict[str, str] = {}  # "twentieth" -> "twenty", "first" -> "one", "hundredth" -> "hundred"


def _ordinal_word(word: str) -> str:
    if word in _ORDINAL_IRREGULAR:
        return _ORDINAL_IRREGULAR[word]
    if word.endswith("y"):
        return word[:-1] + "ieth"
    return word + "th"


for _w in [*ONES[1:], *TENS[2:], "hundred", *_SCALE_VALUE]:
    _ORDINAL_WORDS[_ordinal_word(_w)] = _w


def _suffix(n: int) -> str:
    """English ordinal suffix for digits: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(TENS[tens])
        if ones:
            words.append(ONES[ones])
    elif rest:
        words.append(ONES[rest])
    return words


def number_to_words(n: int, *, style: str = "cardinal") -> str:
    """Spell an integer in English words: 42 → "forty two".

    Args:
        n: the integer, |n| ≤ 10¹⁵ − 1 (negative numbers get "minus").
        style: "cardinal" (1999 → "one thousand nine hundred ninety nine"), "ordinal"
            (21 → "twenty first") or "year" (1999 → "nineteen ninety nine", 2005 → "two thousand
            five", 1905 → "nineteen oh five"; years outside 1100–2099 fall back to cardinal).

    Formula: split into groups of three digits, each spelled as "<hundreds> hundred <tens> <ones>",
    followed by its scale word (thousand, million, billion, trillion).
    Reference: "The Chicago Manual of Style", 17th ed., §9.2–9.7 (numbers in words).
    """
    if isinstance(n, bool) or not isinstance(n, int):
        try:
            if float(n) != int(n):
                raise ValueError
            n = int(n)
        except (TypeError, ValueError, OverflowError):
            raise ParamError(f"number_to_words needs an integer, got {n!r}; use decimal_to_words for {n!r}") from None
    if style not in ("cardinal", "ordinal", "year"):
        raise ParamError(f"style must be 'cardinal', 'ordinal' or 'year', not {style!r}")
    if abs(n) > MAX_NUMBER:
        raise ParamError(f"{n} is larger than {MAX_NUMBER:,}; read it digit by digit with digits_to_words")
    if n < 0:
        return "minus " + number_to_words(-n, style=style)
    if style == "year" and 1100 <= n <= 2099 and not (2000 <= n <= 2009):
        high, low = divmod(n, 100)
        if low == 0:
            return " ".join(_below_thousand(high)) + " hundred"
        low_words = _below_thousand(low) if low >= 10 else ["oh", ONES[low]]
        return " ".join(_below_thousand(high) + low_words)
    if n == 0:
        words = ["zero"]
    else:
        words = []
        rest = n
        for value, name in SCALES:
            group, rest = divmod(rest, value)
            if group:
                words += _below_thousand(group) + [name]
        words += _below_thousand(rest)
    if style == "ordinal":
        words[-1] = _ordinal_word(words[-1])
    return " ".join(words)


def digits_to_words(digits: str) -> str:
    """Read a digit string one digit at a time: "0042" → "zero zero four two"."""
    if not digits.isdigit():
        raise ParamError(f"digits_to_words needs only the digits 0-9, got {digits!r}")
    return " ".join(ONES[int(d)] for d in digits)


def decimal_to_words(text: str) -> str:
    """Spell a decimal number written with a point: "3.14" → "three point one four", "-0.5" → "minus zero point five"."""
    m = re.fullmatch(r"(-)?(\d+)(?:\.(\d+))?", text.strip().replace(",", ""))
    if m is None:
        raise ParamError(f"{text!r} is not a decimal number like 3.14")
    sign, whole, frac = m.groups()
    out = number_to_words(int(whole)) if len(whole) <= 15 else digits_to_words(whole)
    if frac:
        out += " point " + digits_to_words(frac)
    return ("minus " + out) if sign else out


def _number_kind(word: str) -> str | None:
    if word in _UNIT_VALUE:
        return "teen" if _UNIT_VALUE[word] >= 10 else "unit"
    if word in _TENS_VALUE:
        return "tens"
    if word == "hundred":
        return "hundred"
    if word in _SCALE_VALUE:
        return "scale"
    return None


def _word_value(word: str) -> int:
    return _UNIT_VALUE.get(word, _TENS_VALUE.get(word, 0))


def _parse_cardinal(words: list[str], k: int) -> tuple[int, int, bool, bool] | None:
    """Parse the longest cardinal number starting at ``words[k]``.

    Returns (value, next index, bare, ordinal) or None when ``words[k]`` starts no number.
    ``bare`` is true for a lone 10–99 group (no hundred or scale word), which may pair into a
    year ("nineteen" "ninety nine" → 1999). ``ordinal`` when the last word was an ordinal.
    A new number starts whenever the next word cannot continue this one ("one two" → 1, 2).
    """
    total = current = 0
    last: str | None = None
    smallest_scale = None
    used_big = False
    i = k
    ordinal = False
    if i + 1 < len(words) and words[i] == "a" and (_number_kind(_ORDINAL_WORDS.get(words[i + 1], words[i + 1])) in ("hundred", "scale")):
        current, last, i = 1, "unit", i + 1  # "a hundred", "a thousand"
    while i < len(words):
        w = words[i]
        base = _ORDINAL_WORDS.get(w)
        is_ord = base is not None
        kind = _number_kind(base if is_ord else w)
        if w == "and":
            nxt = words[i + 1] if i + 1 < len(words) else ""
            nxt_kind = _number_kind(_ORDINAL_WORDS.get(nxt, nxt))
            if last in ("hundred", "scale") and nxt_kind in ("unit", "teen", "tens") and nxt != "zero":
                last, i = "and", i + 1
                continue
            break
        if kind is None:
            break
        v = _word_value(base if is_ord else w)
        if kind == "unit":
            if v == 0:
                if last is not None:
                    break
                current, last, i = 0, "zero", i + 1
                ordinal = is_ord
                break  # "zero" stands alone
            if last not in (None, "hundred", "scale", "tens", "and"):
                break
            current += v
        elif kind in ("teen", "tens"):
            if last not in (None, "hundred", "scale", "and"):
                break
            current += v
        elif kind == "hundred":
            if last not in ("unit", "teen", "tens") or current >= 100 or current == 0:
                break
            current *= 100
            used_big = True
        else:  # scale
            scale = _SCALE_VALUE[base if is_ord else w]
            if last not in ("unit", "teen", "tens", "hundred") or current == 0:
                break
            if smallest_scale is not None and scale >= smallest_scale:
                break
            total += current * scale
            current, smallest_scale, used_big = 0, scale, True
        last = kind
        i += 1
        if is_ord:
            ordinal = True
            break  # an ordinal ends the number: "twenty first"
    if last is None or last == "and":
        if last == "and":  # never end on "and": give it back
            i -= 1
            last = "x"
        if last is None:
            return None
    value = total + current
    bare = not used_big and 10 <= value <= 99 and not ordinal
    return value, i, bare, ordinal


def words_to_number(text: str) -> int:
    """Parse one spelled-out integer: "forty two" → 42, "one hundred and five" → 105, "a thousand" → 1000.

    Hyphens count as spaces ("twenty-one"). Raises ``ParamError`` when the words are not exactly
    one number (use ``words_to_digits`` on running text).
    """
    words = text.lower().replace("-", " ").split()
    parsed = _parse_cardinal(words, 0) if words else None
    if parsed is None or parsed[1] != len(words) or parsed[3]:
        raise ParamError(f"{text!r} is not one spelled-out cardinal number such as 'forty two'")
    return parsed[0]


_WORD_RE = re.compile(r"[A-Za-z]+")


def words_to_digits(text: str) -> str:
    """Replace spelled-out numbers in running text with digits.

    "i was born in nineteen ninety nine and have twenty-one cats" → "i was born in 1999 and have
    21 cats"; "the twenty first of may" → "the 21st of may"; "three point one four" → "3.14";
    "one two three" → "1 2 3" (a new number starts when a word cannot continue the last one).
    Matching is case-insensitive; words between numbers must be separated by spaces or hyphens.
    """
    parts = re.split(r"([A-Za-z]+)", text)  # [sep, word, sep, word, ..., sep]
    words = [p.lower() for p in parts[1::2]]
    seps = parts[0::2]
    out = [seps[0]]
    i = 0
    n = len(words)

    def joinable(a: int, b: int) -> bool:  # words a..b-1 separated only by spaces/hyphens
        return all(seps[j].strip(" -") == "" and seps[j] != "" for j in range(a + 1, b))

    while i < n:
        parsed = _parse_cardinal(words, i)
        if parsed is None or not joinable(i, parsed[1]):
            out += [parts[2 * i + 1], seps[i + 1]]
            i += 1
            continue
        value, j, bare, ordinal = parsed
        text_value = str(value)
        # a year said in pairs: one word 11–20 then 10–99 ("nineteen ninety nine" → 1999, "twenty twenty" → 2020)
        if bare and j == i + 1 and 11 <= value <= 20 and j < n and joinable(i, j + 1):
            nxt = _parse_cardinal(words, j)
            if nxt is not None and (nxt[2] or (nxt[3] and 10 <= nxt[0] <= 99)) and joinable(j - 1, nxt[1]):
                value = value * 100 + nxt[0]
                ordinal = nxt[3]
                j = nxt[1]
                text_value = str(value)
        if ordinal:
            text_value += _suffix(value)
        elif j + 1 < n and words[j] == "point" and joinable(j - 1, j + 2) and words[j + 1] in _UNIT_VALUE and _UNIT_VALUE[words[j + 1]] < 10:
            frac = []
            while j + 1 < n and words[j + 1] in _UNIT_VALUE and _UNIT_VALUE[words[j + 1]] < 10 and joinable(j, j + 2):
                frac.append(str(_UNIT_VALUE[words[j + 1]]))
                j += 1
            j += 1  # past the last fraction digit ("point" consumed with the first)
            text_value += "." + "".join(frac)
        out += [text_value, seps[j]]
        i = j
    return "".join(out)


_CURRENCY = {"$": "dollars", "£": "pounds", "€": "euros", "¥": "yen"}
_NUMBER_RE = re.compile(
    r"(?<![\w.])(?P<cur>[$£€¥])?(?P<sign>-)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"(?P<suf>%|st\b|nd\b|rd\b|th\b)?(?![A-Za-z\d])"
)


def _spell_symbols(m: re.Match[str], body: str) -> str:
    out = ("minus " if m["sign"] else "") + body
    if m["suf"] == "%":
        out += " percent"
    if m["cur"]:
        out += " " + _CURRENCY[m["cur"]]
    return out


def numbers_to_words(text: str, *, years: bool = False) -> str:
    """Spell every number written in digits: "42 cats" → "forty two cats".

    Handles thousands separators ("1,000"), decimals ("3.14" → "three point one four"), ordinals
    ("21st" → "twenty first"), signs ("-5" → "minus five"), percent and currency ("$5" → "five
    dollars", "50%" → "fifty percent"). With ``years``, a bare four-digit 1100–2099 is read as a
    year ("1999" → "nineteen ninety nine"), as a TTS front end would. Digits glued to letters
    ("mp3") are left alone; integers over 10¹⁵ are read digit by digit.
    """

    def spell(m: re.Match[str]) -> str:
        raw_int = m["int"].replace(",", "")
        value = int(raw_int)
        if m["suf"] in ("st", "nd", "rd", "th") and not m["frac"]:
            body = number_to_words(value, style="ordinal") if value <= MAX_NUMBER else digits_to_words(raw_int)
        elif m["frac"]:
            body = decimal_to_words(raw_int + m["frac"])
        elif value > MAX_NUMBER or (len(raw_int) > 1 and raw_int.startswith("0")):
            body = digits_to_words(raw_int)  # "007" is read digit by digit
        elif years and len(raw_int) == 4 and "," not in m["int"] and not m["cur"] and not m["suf"] and not m["sign"]:
            body = number_to_words(value, style="year")
        else:
            body = number_to_words(value)
        return _spell_symbols(m, body)

    return _NUMBER_RE.sub(spell, text)


def _digits_symbols(text: str) -> str:
    """Canonical digits form: drop thousands commas, spell %, currency and signs as words."""

    def canon(m: re.Match[str]) -> str:
        body = m["int"].replace(",", "") + (m["frac"] or "")
        if m["suf"] in ("st", "nd", "rd", "th"):
            body += m["suf"]
        return _spell_symbols(m, body)

    return _NUMBER_RE.sub(canon, text)


# ---------------------------------------------------------------------------- contractions

# Full forms whose expansion is not "<stem> + suffix rule" (or whose stem changes).
_IRREGULAR = {
    "won't": "will not", "can't": "can not", "cannot": "can not", "shan't": "shall not",
    "ain't": "is not", "let's": "let us", "y'all": "you all", "ma'am": "madam",
    "o'clock": "of the clock",
}  # fmt: skip
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"), ("'m", " am"), ("'d", " would"))
# "'s" is "is" only after these words; elsewhere it is a possessive ("john's") and stays.
_S_IS = ("it", "that", "there", "here", "what", "where", "who", "how", "he", "she", "this")

# Contracting is only safe for pronoun + verb and auxiliary + not; built explicitly.
_PRONOUNS = ("i", "you", "we", "they", "he", "she", "it", "that", "there", "who", "what")
_CONTRACT: dict[str, str] = {
    "will not": "won't", "can not": "can't", "cannot": "can't", "shall not": "shan't", "let us": "let's",
}  # fmt: skip
for _aux in ("do", "does", "did", "is", "are", "was", "were", "have", "has", "had", "would", "should", "could",
             "must", "need"):  # fmt: skip
    _CONTRACT[f"{_aux} not"] = f"{_aux}n't"
for _p in _PRONOUNS:
    for _verb, _suf in (("will", "'ll"), ("would", "'d"), ("have", "'ve"), ("are", "'re")):
        if _verb == "have" and _p in ("he", "she", "it", "that", "there", "what"):
            continue
        if _verb == "are" and _p not in ("you", "we", "they", "who", "what"):
            continue
        _CONTRACT[f"{_p} {_verb}"] = f"{_p}{_suf}"
    if _p in _S_IS:
        _CONTRACT[f"{_p} is"] = f"{_p}'s"
_CONTRACT["i am"] = "i'm"


def _match_case(source: str, target: str) -> str:
    if source.isupper() and len(source) > 1:
        return target.upper()
    if source[:1].isupper():
        return target[:1].upper() + target[1:]
    return target


_EXPAND_IRREGULAR_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in _IRREGULAR) + r")\b", re.IGNORECASE)
_EXPAND_SUFFIX_RE = re.compile(r"\b([A-Za-z]+)(n't|'re|'ve|'ll|'m|'d)\b", re.IGNORECASE)
_EXPAND_S_RE = re.compile(r"\b(" + "|".join(_S_IS) + r")'s\b", re.IGNORECASE)


def _phrase_re(phrases: Iterable[str]) -> re.Pattern[str]:
    alternatives = (re.escape(k).replace(r"\ ", r"\s+") for k in sorted(phrases, key=len, reverse=True))
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b", re.IGNORECASE)


_CONTRACT_NOT_RE = _phrase_re(k for k in _CONTRACT if k.endswith(" not") or k == "cannot")
_CONTRACT_RE = _phrase_re(k for k in _CONTRACT if not (k.endswith(" not") or k == "cannot"))


def expand_contractions(text: str) -> str:
    """"don't" → "do not", "we're" → "we are", "it's" → "it is", "won't" → "will not".

    "'s" is expanded only after pronouns and wh-words (possessives such as "john's" stay);
    "'d" becomes "would" (it may also mean "had": a known ambiguity, as in Whisper's normaliser).
    """
    text = _EXPAND_IRREGULAR_RE.sub(lambda m: _match_case(m[0], _IRREGULAR[m[0].lower()]), text)
    text = _EXPAND_SUFFIX_RE.sub(lambda m: m[1] + dict(_SUFFIXES)[m[2].lower()], text)
    return _EXPAND_S_RE.sub(lambda m: m[1] + " is", text)


def contract(text: str) -> str:
    """"do not" → "don't", "we are" → "we're", "i am" → "i'm", "will not" → "won't" (the inverse direction).

    "<auxiliary> not" goes first, so "it will not" becomes "it won't", not "it'll not".
    """

    def sub(m: re.Match[str]) -> str:
        return _match_case(m[0], _CONTRACT[" ".join(m[0].lower().split())])

    return _CONTRACT_RE.sub(sub, _CONTRACT_NOT_RE.sub(sub, text))


# ---------------------------------------------------------------------------- the pipeline

FILLERS = ("um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "hm", "mhm")  # not "mm": "5 mm"
_FILLER_RE = re.compile(r"\b(" + "|".join(FILLERS) + r")\b[,.]?", re.IGNORECASE)
_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "–": "-", "—": " - ", "“": '"', "”": '"'})

NUMBER_MODES = ("digits", "words", "keep")
CONTRACTION_MODES = ("expand", "contract", "keep")


@dataclass(frozen=True)
class NormOptions:
    """Which normalisation steps run. Defaults follow Whisper's English normaliser."""

    lowercase: bool = True  # "Hello" → "hello"
    punctuation: bool = True  # drop punctuation and symbols ("hello, world!" → "hello world")
    numbers: str = "digits"  # "digits": "forty two" → "42"; "words": "42" → "forty two"; "keep"
    contractions: str = "expand"  # "expand": "don't" → "do not"; "contract": the reverse; "keep"
    fillers: bool = True  # drop hesitations: um, uh, hmm, ...

    def __post_init__(self) -> None:
        if self.numbers not in NUMBER_MODES:
            raise ParamError(f"numbers must be one of {NUMBER_MODES}, not {self.numbers!r}")
        if self.contractions not in CONTRACTION_MODES:
            raise ParamError(f"contractions must be one of {CONTRACTION_MODES}, not {self.contractions!r}")

    @classmethod
    def none(cls) -> NormOptions:
        """No normalisation at all (only whitespace is collapsed): the strict, case-sensitive score."""
        return cls(lowercase=False, punctuation=False, numbers="keep", contractions="keep", fillers=False)

    @classmethod
    def from_toggles(cls, toggles: Iterable[str] | None) -> NormOptions:
        """Build options from UI toggle names (see ``TOGGLES``); unknown or conflicting names raise ``ParamError``."""
        names = [t.strip() for t in (toggles or []) if t and t.strip()]
        unknown = [t for t in names if t not in TOGGLES]
        if unknown:
            raise ParamError(f"unknown normalisation option(s) {unknown}; choose from {list(TOGGLES)}")
        chosen = set(names)
        for a, b in (("numbers_to_digits", "numbers_to_words"), ("expand_contractions", "contract_contractions")):
            if a in chosen and b in chosen:
                raise ParamError(f"options {a!r} and {b!r} go opposite ways; choose one of them")
        return cls(
            lowercase="lowercase" in chosen,
            punctuation="punctuation" in chosen,
            numbers="digits" if "numbers_to_digits" in chosen else "words" if "numbers_to_words" in chosen else "keep",
            contractions="expand" if "expand_contractions" in chosen
            else "contract" if "contract_contractions" in chosen else "keep",
            fillers="fillers" in chosen,
        )

    def toggles(self) -> list[str]:
        """The toggle names that reproduce these options (inverse of ``from_toggles``)."""
        out = [name for name in ("lowercase", "punctuation") if getattr(self, name)]
        if self.numbers != "keep":
            out.append(f"numbers_to_{self.numbers}")
        if self.contractions == "expand":
            out.append("expand_contractions")
        elif self.contractions == "contract":
            out.append("contract_contractions")
        if self.fillers:
            out.append("fillers")
        return out


# UI toggle name → what it does (the CheckboxGroup's choices and the API's ``options`` values).
TOGGLES: dict[str, str] = {
    "lowercase": "ignore case",
    "punctuation": "remove punctuation",
    "numbers_to_digits": "numbers → digits (forty two → 42)",
    "numbers_to_words": "numbers → words (42 → forty two)",
    "expand_contractions": "expand contractions (don't → do not)",
    "contract_contractions": "form contractions (do not → don't)",
    "fillers": "drop fillers (um, uh, hmm)",
}
DEFAULT = NormOptions()


def _remove_punctuation(text: str) -> str:
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # thousands separators
    text = re.sub(r"(?<=\w)'(?=\w)", "", text)  # "john's" → "johns" (apostrophes inside a word)
    keep_point = re.sub(r"(?<=\d)\.(?=\d)", "\x00", text)  # protect decimal points
    chars = [" " if unicodedata.category(c)[0] in "PS" else c for c in keep_point]
    return "".join(chars).replace("\x00", ".")


def normalize(text: str, options: NormOptions | bool = True) -> str:
    """Normalise English text for scoring; see the module docstring for the steps and their order.

    ``options``: a ``NormOptions``, ``True`` (the Whisper-like default) or ``False`` (whitespace only).
    Example: normalize("Don't pay $42, OK?") → "do not pay 42 dollars ok".
    """
    if not isinstance(text, str):
        raise ParamError(f"text must be a string, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise ParamError(f"text is {len(text):,} characters; normalise at most {MAX_TEXT_CHARS:,} at a time")
    opts = DEFAULT if options is True else NormOptions.none() if options is False else options
    if not isinstance(opts, NormOptions):
        raise ParamError(f"options must be NormOptions, True or False, not {options!r}")
    s = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC)
    if opts.lowercase:
        s = s.lower()
    if opts.contractions == "expand":
        s = expand_contractions(s)
    elif opts.contractions == "contract":
        s = contract(s)
    if opts.fillers:
        s = _FILLER_RE.sub(" ", s)
    if opts.numbers == "digits":
        s = _digits_symbols(words_to_digits(s))
    elif opts.numbers == "words":
        # through digits first, so "nineteen ninety nine" and "1999" end up spelled alike
        s = numbers_to_words(_digits_symbols(words_to_digits(s)))
    if opts.punctuation:
        s = _remove_punctuation(s)
    return " ".join(s.split())


def with_options(options: NormOptions, **changes: object) -> NormOptions:
    """A copy of ``options`` with some fields changed (validated)."""
    return replace(options, **changes)
