"""Lesson 03's endpoints through gradio_client against the running app (offline: HF_HUB_OFFLINE=1)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from core import classify
from tests.conftest import call_api

pytestmark = pytest.mark.app

SETS = classify.builtin_sets()


@pytest.fixture(scope="module")
def client(app_client):
    return app_client


def _files(paths):
    from gradio_client import handle_file

    return [handle_file(str(p)) for p in paths]


@pytest.fixture(scope="module")
def speech_44k_stereo(tmp_path_factory):
    from core import espeak

    y, sr = espeak.synthesize("Audio classification turns a clip into a label.")
    from core.audio import resample

    y = resample(y, orig_sr=sr, target_sr=44_100)
    path = tmp_path_factory.mktemp("l03") / "speech_44k_stereo.wav"
    sf.write(path, np.stack([y, y], axis=1), 44_100, subtype="PCM_16")
    return str(path)


def test_predict_with_the_embedded_cnn(client, speech_44k_stereo):
    _plot, badge, result = call_api(client, "/classify_predict", speech_44k_stereo, "toy-cnn")
    assert result["engine"] == "toy-cnn" and result["kind"] == "embedded"
    labels = result["labels"]
    assert labels[0]["label"] == "speech"
    assert sorted(d["label"] for d in labels) == sorted(["speech", "music", "whistle", "birdsong", "noise", "clicks"])
    assert sum(d["score"] for d in labels) == pytest.approx(1.0, abs=1e-4)
    assert [d["score"] for d in labels] == sorted((d["score"] for d in labels), reverse=True)
    assert "toy-cnn" in badge


def test_predict_hub_engine_falls_back_offline_and_says_why(client, speech_44k_stereo):
    *_, result = call_api(client, "/classify_predict", speech_44k_stereo, "ast-audioset")
    assert result["engine"] == "toy-cnn"
    assert result["skipped"][0]["engine"] == "ast-audioset" and "offline" in result["skipped"][0]["reason"]


def test_predict_scratch_knn(client, speech_44k_stereo):
    *_, result = call_api(client, "/classify_predict", speech_44k_stereo, "mfcc-knn")
    assert result["engine"] == "mfcc-knn" and result["kind"] == "scratch"
    assert result["labels"][0]["label"] == "speech"


@pytest.mark.parametrize(
    ("set_name", "embedding", "min_loo"),
    # the toy CNN's embedding lumps all speech together, so it is shown on the sounds set
    # (tests/test_classify.py::test_builtin_words_set states what it does on words)
    [("words", "mfcc-stats", 0.5), ("sounds", "mfcc-stats", 1.0), ("sounds", "toy-cnn", 1.0)],
)
def test_fewshot_builtin_sets(client, set_name, embedding, min_loo):
    s = SETS[set_name]
    *_, summary, _badge, result = client.predict(_files(s.files), ", ".join(s.labels), _files([s.query])[0], embedding,
                                                api_name="/classify_fewshot")
    assert result["engine"] == embedding
    assert result["prediction"] == s.query_label
    assert set(result["scores"]) == set(s.labels) and sum(result["scores"].values()) == pytest.approx(1.0, abs=1e-4)
    assert result["loo_accuracy"] >= min_loo
    assert np.asarray(result["confusion"]).sum() == len(s.files) == result["n_examples"]
    assert "Leave-one-out accuracy" in summary and f"Query → {s.query_label}" in summary


def test_fewshot_without_query_reports_only_leave_one_out(client):
    s = SETS["sounds"]
    *_, result = client.predict(_files(s.files), "\n".join(s.labels), None, "mfcc-stats", api_name="/classify_fewshot")
    assert result["prediction"] is None and result["scores"] == {}
    assert result["loo_accuracy"] == 1.0


def test_augment_and_evaluate(client, speech_44k_stereo):
    _plot, result = call_api(client, "/classify_augment", speech_44k_stereo, 2, 8, 3, 20, 0.4, 7)
    assert [m["axis"] for m in result["masks"]] == ["freq", "freq", "time", "time", "time"]
    assert 0 <= result["lambda"] <= 1
    assert result["target"]["your clip"] + result["target"]["speech example"] == pytest.approx(1.0)
    card = json.loads(classify.CNN_CARD.read_text())
    for engine in ("toy-cnn", "mfcc-knn"):
        _plot, table, res = call_api(client, "/classify_evaluate", engine)
        assert res["accuracy"] == pytest.approx(card["heldout"][engine]["accuracy"], abs=1e-6)
        assert res["confusion_matrix"] == card["heldout"][engine]["confusion_matrix"]
        assert "macro-F1" in table


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("mismatch", "label(s)"),
        ("one_example", "only one example"),
        ("silent_query", "silent"),
        ("no_files", "no example files"),
    ],
)
def test_fewshot_bad_input_gets_a_clear_message(client, tmp_path, case, words):
    from gradio_client.exceptions import AppError

    s = SETS["sounds"]
    files, labels, query = list(s.files), list(s.labels), s.query
    if case == "mismatch":
        labels = labels[:-1]
    elif case == "one_example":
        files, labels = files[:9], labels[:8] + ["odd"]  # tone ×4, noise ×4 and one clip called "odd"
    elif case == "silent_query":
        query = str(tmp_path / "silent.wav")
        sf.write(query, np.zeros(8000, np.float32), 16_000, subtype="PCM_16")
    elif case == "no_files":
        files, labels = [], []
    with pytest.raises(AppError) as err:
        client.predict(_files(files), ",".join(labels), _files([query])[0], "mfcc-stats", api_name="/classify_fewshot")
    assert words in str(err.value)


def test_predict_short_and_silent_clips(client, tmp_path):
    from gradio_client.exceptions import AppError

    from core import signals

    short = tmp_path / "clap_0.2s.wav"
    sf.write(short, signals.white_noise(duration_s=0.2, sr=16_000, seed=0), 16_000, subtype="PCM_16")
    *_, result = call_api(client, "/classify_predict", str(short), "toy-cnn")
    assert result["duration_s"] == pytest.approx(0.2) and len(result["labels"]) == 6
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16_000, np.float32), 16_000, subtype="PCM_16")
    with pytest.raises(AppError, match="silent"):
        call_api(client, "/classify_predict", str(silent), "toy-cnn")


def test_predict_bad_input(client, tmp_path):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="audio"):
        call_api(client, "/classify_predict", None, "toy-cnn")
    with pytest.raises(AppError, match="list of choices"):
        call_api(client, "/classify_predict", None, "nope")
