"""Lesson 06 through the Gradio API (the whole app on localhost, offline): verify, evaluate, degrade, diarize."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from core import speaker
from tests.conftest import call_api

pytestmark = pytest.mark.app

A = speaker.ASSETS
ENROLL = [str(A / f"ava_{k}.flac") for k in (1, 2, 3)]


def _files(paths):
    from gradio_client import handle_file

    return [handle_file(str(p)) for p in paths]


def _builtin_trials():
    return [str(A / r["file"]) for r in speaker.manifest() if r["role"] in ("enroll", "test", "impostor")]


@pytest.fixture(scope="module")
def client(app_client):
    return app_client


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """A 0.2 s speech snippet, a silent clip and a clip at the per-clip duration limit."""
    from core.audio import load_audio

    folder = tmp_path_factory.mktemp("l06")
    y = load_audio(A / "ava_4.flac", sr=16_000).y
    start = int(np.argmax(np.abs(y)))
    sf.write(folder / "short_0.2s.wav", y[start : start + 3200], 16_000, subtype="PCM_16")
    sf.write(folder / "silent.wav", np.zeros(32_000, np.float32), 16_000, subtype="PCM_16")
    return folder


def test_verify_accepts_the_target_and_rejects_the_impostor(client):
    *_, ok = call_api(client, "/speaker_verify", _files(ENROLL), str(A / "ava_4.flac"), "resemblyzer", 0.83)
    assert {"score", "threshold", "accept", "engine"} <= set(ok)
    assert ok["accept"] is True and ok["engine"] == "resemblyzer" and ok["n_enroll"] == 3
    assert ok["score"] >= 0.83 and len(ok["clip_scores"]) == 3
    *_, no = call_api(client, "/speaker_verify", _files(ENROLL), str(A / "fay_1.flac"), "resemblyzer", 0.83)
    assert no["accept"] is False and no["score"] < ok["score"]


def test_verify_falls_back_offline_and_uses_the_served_engines_threshold(client):
    *_, r = call_api(client, "/speaker_verify", _files(ENROLL[:1]), str(A / "ava_4.flac"), "ecapa", 0.25)
    assert r["engine"] == "resemblyzer"
    assert {s["engine"] for s in r["skipped"]} == {"ecapa", "wavlm-sv"}
    assert r["threshold"] == pytest.approx(speaker.default_threshold("resemblyzer"))
    *_, m = call_api(client, "/speaker_verify", _files(ENROLL), str(A / "ava_4.flac"), "mfcc-stats", 0.6)
    assert m["engine"] == "mfcc-stats" and -1 <= m["score"] <= 1


def test_evaluate_the_builtin_trial_set(client):
    _plot, table, _badge, r = call_api(client, "/speaker_evaluate", _files(_builtin_trials()), "", "resemblyzer", 0.01, True)
    assert {"eer", "min_dcf", "threshold_at_eer", "n_target", "n_nontarget", "engine"} <= set(r)
    assert (r["n_target"], r["n_nontarget"]) == (24, 129)
    assert r["engine"] == "resemblyzer" and r["eer"] <= 0.05
    assert [e["engine"] for e in r["by_engine"]] == ["resemblyzer", "mfcc-stats"]
    assert "EER" in table


def test_degrade_moves_the_eer(client):
    _plot, _audio, _md, r = call_api(client, "/speaker_degrade", _files(_builtin_trials()), "", "mfcc-stats",
                                   "telephone", 2.0, 10)
    assert r["condition"] == "telephone" and r["engine"] == "mfcc-stats"
    assert r["eer_degraded"] > r["eer_clean"]
    assert (r["n_target"], r["n_nontarget"]) == (48, 258)  # ordered pairs
    *_, s = call_api(client, "/speaker_degrade", _files(_builtin_trials()[:8]), "", "resemblyzer", "short", 1.0, 10)
    assert [p["value"] for p in s["sweep"]] == [0.5, 1.0, 2.0, 3.0]


def test_diarize_with_and_without_a_reference(client):
    from gradio_client import handle_file

    *_, r = call_api(client, "/speaker_diarize", str(A / "conversation_3spk.flac"), "auto", "resemblyzer",
                     handle_file(str(A / "conversation_3spk.rttm")), 0.25)
    assert r["n_speakers"] == 3 and r["der"] < 0.1
    assert all(len(s) == 3 and s[0] < s[1] for s in r["segments"])
    _plot, rttm, _md, r2 = call_api(client, "/speaker_diarize", str(A / "conversation_3spk.flac"), "3", "mfcc-stats", None, 0)
    assert "der" not in r2 and r2["n_speakers"] == 3 and rttm.startswith("SPEAKER")
    *_, r3 = call_api(client, "/speaker_diarize", str(A / "conversation_3spk.flac"), "3", "resemblyzer",
                      handle_file(str(A / "conversation_3spk.rttm")), 0.25, "silero")
    assert r3["vad"] == "silero" and r3["der"] < 0.15


@pytest.mark.parametrize(
    ("api_name", "make_args", "words"),
    [
        ("/speaker_verify", lambda c: [_files(ENROLL), str(c / "short_0.2s.wav"), "resemblyzer", 0.83], "s of speech"),
        ("/speaker_verify", lambda c: [_files([*ENROLL[:1], c / "silent.wav"]), str(A / "ava_4.flac"), "resemblyzer", 0.83], "enrolment clip 2 ('silent.wav') is silent"),
        ("/speaker_verify", lambda c: [_files([A / "ava_1.flac"] * 20), str(A / "ava_4.flac"), "resemblyzer", 0.83], "20 enrolment clips"),
        ("/speaker_verify", lambda c: [[], str(A / "ava_4.flac"), "resemblyzer", 0.83], "no enrolment clips"),
        ("/speaker_verify", lambda c: [_files(ENROLL), str(A / "ava_4.flac"), "resemblyzer", 3.0], "maximum value"),
        ("/speaker_evaluate", lambda c: [_files(_builtin_trials()[:6]), "a, b", "resemblyzer", 0.01, False], "6 files but 2 speaker labels"),
        ("/speaker_evaluate", lambda c: [_files(ENROLL), "x, x, x", "resemblyzer", 0.01, False], "at least 2 different speakers"),
        ("/speaker_evaluate", lambda c: [_files([A / "ava_1.flac"] * 41), "", "resemblyzer", 0.01, False], "at most 40"),
        ("/speaker_diarize", lambda c: [str(c / "silent.wav"), "auto", "resemblyzer", None, 0], "silent"),
    ],
)
def test_bad_input_gets_a_clear_message_and_the_app_keeps_serving(client, clips, api_name, make_args, words):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as err:
        call_api(client, api_name, *make_args(clips))
    message = str(err.value)
    assert words.lower() in message.lower(), message
    assert "Traceback" not in message
    *_, ok = call_api(client, "/speaker_verify", _files(ENROLL[:1]), str(A / "ava_4.flac"), "mfcc-stats", 0.6)
    assert ok["engine"] == "mfcc-stats"
