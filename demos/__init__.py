"""The lessons, in course order. Each entry has SLUG ("01"…"17"), TITLE, SUMMARY and build()."""

from demos import _planned as p
from demos import l01_fundamentals, l02_features

LESSONS = (
    l01_fundamentals,
    l02_features,
    p.L03,
    p.L04,
    p.L05,
    p.L06,
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
    p.L17,
)
