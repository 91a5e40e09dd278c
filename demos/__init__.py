"""The lessons, in course order. Each entry has SLUG ("01"…"17"), TITLE, SUMMARY and build()."""

from demos import _planned as p
from demos import l01_fundamentals, l02_features
from demos import l17_evaluation
from demos import l06_speakers
from demos import l03_classification
from demos import l05_whisper
from demos import l04_asr

LESSONS = (
    l01_fundamentals,
    l02_features,
    l03_classification,
    l04_asr,
    l05_whisper,
    l06_speakers,
    p.L07,
    p.L08,
    p.L09,
    p.L10,
    p.L11,
    p.L12,
    p.L13,
    p.L14,
    p.L15,
    p.L16,
    l17_evaluation,
)
