"""Lesson handlers called directly: example input gives the right numbers, bad input a clear gr.Error."""

from __future__ import annotations

import warnings

import gradio as gr
import numpy as np
import pytest
import soundfile as sf

from core.errors import AudioWarning, ParamError
from demos import _ui, l01_fundamentals as l01, l02_features as l02

EXAMPLES = dict((p.rsplit("/", 1)[-1], p) for p, _ in _ui.example_files())


@pytest.fixture(scope="module")
def speech():
    return EXAMPLES["speech_espeak_16k.wav"]


@pytest.fixture
def bad_files(tmp_path):
    text = tmp_path / "notes.wav"
    text.write_text("not audio at all")
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros((0,), np.float32), 16000)
    nan = tmp_path / "nan.wav"
    sf.write(nan, np.full(16000, np.nan, np.float32), 16000, subtype="FLOAT")
    short = tmp_path / "short.wav"
    sf.write(short, np.ones(100, np.float32) * 0.1, 16000)
    return {"text": str(text), "empty": str(empty), "nan": str(nan), "short": str(short), "none": None}


def test_examples_are_listed_and_present():
    assert set(EXAMPLES) >= {"speech_espeak_16k.wav", "tone_440hz_16k.wav", "speech_stereo_48k_dc_clipped.flac"}


def test_analyze_example(speech):
    wave, spec, fft_md, check_md, result = l01.analyze(speech)
    assert result["sr"] == 16000 and result["channels"] == 1 and result["ready"] is True
    assert 3.0 < result["duration_s"] < 6.0
    assert 50 < result["dominant_freq_hz"] < 1000  # voiced speech
    assert result["fft_max_abs_diff"] < 1e-6
    assert "16000 Hz" in check_md and "ready" in result["verdict"]


def test_analyze_reports_problems_of_the_stereo_example():
    with warnings.catch_warnings(record=True):
        *_, result = l01.analyze(EXAMPLES["speech_stereo_48k_dc_clipped.flac"])
    assert result["sr"] == 48000 and result["channels"] == 2
    assert result["clipping_fraction"] > 0.001 and result["dc_offset"] == pytest.approx(0.03, abs=0.01)
    assert result["ready"] is False
    assert any("clip" in w for w in result["warnings"])


def test_tone_dominant_frequency():
    *_, result = l01.analyze(EXAMPLES["tone_440hz_16k.wav"])
    assert result["dominant_freq_hz"] == pytest.approx(440.0, abs=0.5)
    assert result["peak_dbfs"] == pytest.approx(-6.02, abs=0.05)


@pytest.mark.parametrize("kind", ["text", "empty", "nan", "short", "none"])
def test_bad_audio_is_a_clear_error(bad_files, kind):
    for handler in (l01.analyze, lambda p: l02.compute(p), lambda p: l02.pitfall(p, "dB vs log")):
        with pytest.raises(gr.Error) as err:
            handler(bad_files[kind])
        msg = str(err.value)
        assert len(msg) > 20 and "Traceback" not in msg


def test_alias_handler_numbers():
    audio, fig, badge, result = l01.alias(5000, 8000, False, "soxr")
    sr, pcm = audio
    assert sr == l01.PLAYBACK_SR and pcm.dtype == np.int16
    assert result["measured_peak_hz"] == pytest.approx(3000.0, abs=2.0)
    audio, _, badge, result = l01.alias(5000, 8000, True, "soxr")
    assert result["removed_by_filter"] and "soxr" in badge
    assert np.max(np.abs(audio[1])) < 400  # the filtered-out tone stays quiet: int16 keeps the level
    *_, result = l01.alias(3000, 8000, True, "sinc")
    assert result["measured_peak_hz"] == pytest.approx(3000.0, abs=2.0) and not result["removed_by_filter"]
    for args in [(30000, 8000, False), (5000, 1000, False), (float("nan"), 8000, False)]:
        with pytest.raises(gr.Error):
            l01.alias(*args)


def test_quantize_handler(speech):
    (sr, pcm), fig, note, result = l01.quantize(None, 8, False)
    assert pcm.dtype == np.int16 and result["snr_db"] == pytest.approx(49.9, abs=1.5)
    *_, on_speech = l01.quantize(speech, 8, False)
    assert on_speech["snr_db"] < result["snr_db"]  # speech sits far below full scale
    with pytest.raises(gr.Error, match="bits"):
        l01.quantize(None, 40, False)


def test_generate_and_zoom():
    sr, pcm = l01.generate("chirp", 1000, 1.0, 16000)
    assert sr == 16000 and len(pcm) == 16000
    with pytest.raises(gr.Error):
        l01.generate("tone", 9000, 1.0, 16000)  # above Nyquist


def test_guard_turns_warnings_into_toasts_and_unknown_errors_into_clean_messages(monkeypatch):
    shown = []
    monkeypatch.setattr(gr, "Warning", lambda msg: shown.append(msg))

    @_ui.guard
    def warns():
        warnings.warn("too quiet", AudioWarning)
        return 1

    @_ui.guard
    def crashes():
        raise KeyError("internal detail /root/secret")

    @_ui.guard
    def refuses():
        raise ParamError("n_fft=-1 must be positive")

    assert warns() == 1 and shown == ["too quiet"]
    with pytest.raises(gr.Error) as err:
        crashes()
    assert "KeyError" in str(err.value) and "/root" not in str(err.value)
    with pytest.raises(gr.Error, match="n_fft=-1"):
        refuses()


def test_to_pcm16_keeps_levels():
    sr, pcm = _ui.to_pcm16(np.array([0.0, 0.5, -1.0, 2.0, np.nan]), 8000)
    assert pcm.tolist() == [0, 16384, -32768, 32767, 0]
