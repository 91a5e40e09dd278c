"""eSpeak NG through ctypes: the embedded speech synthesizer used for examples and test utterances."""

from __future__ import annotations

import numpy as np
import pytest

from core import espeak
from core.dsp import magnitude_spectrum
from core.errors import ParamError


def test_synthesizes_speech_at_22050_hz():
    y, sr = espeak.synthesize("The quick brown fox jumps over the lazy dog.")
    assert sr == 22_050 and y.dtype == np.float32
    assert 1.5 < len(y) / sr < 5.0  # nine words at 175 wpm
    assert 0.1 < np.max(np.abs(y)) < 1.0
    assert magnitude_spectrum(y, sr).peak_hz < 4000  # voiced speech energy sits low


def test_rate_changes_duration_and_repeats_are_stable():
    slow, sr = espeak.synthesize("one two three four five", rate_wpm=100)
    fast, _ = espeak.synthesize("one two three four five", rate_wpm=300)
    assert len(slow) > 2 * len(fast)
    again, _ = espeak.synthesize("one two three four five", rate_wpm=100)
    # eSpeak varies a few samples between calls (its intonation state), not the utterance
    assert abs(len(again) - len(slow)) < 0.01 * len(slow)


def test_other_languages_and_bad_arguments():
    assert {"en-us", "de", "fr", "es"} <= set(espeak.voices()) | {"en-us"}
    y, _ = espeak.synthesize("Guten Tag", voice="de")
    assert len(y) > 0
    for kwargs, words in [({"text": ""}, "empty"), ({"text": "x" * 5000}, "characters"), ({"text": "hi", "voice": "xx-nope"}, "voice"),
                          ({"text": "hi", "rate_wpm": 5}, "rate_wpm"), ({"text": "hi", "pitch": 500}, "pitch")]:
        with pytest.raises(ParamError, match=words):
            espeak.synthesize(**kwargs)
