"""Lesson 04's endpoints through gradio_client, against the app running offline on localhost."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from demos import l04_asr as l04
from tests.conftest import call_api

pytestmark = pytest.mark.app


@pytest.fixture(scope="module")
def client(app_client):
    return app_client


def test_declared_endpoints_exist(client):
    names = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert {f"/{n}" for n in l04.API_NAMES} <= names


def test_ctc_decode(client):
    *_, res = call_api(client, "/asr_ctc_decode", "hello world", 3, 0.3, 0.0, 8, 0.5)
    assert res["greedy"] == res["beam"] == res["beam_lm"] == "hello world"
    assert set(res["scores"]) >= {"greedy_path_log_prob", "beam_log_p", "beam_lm_score", "target_log_p"}
    assert res["n_frames"] == 11 * 4 + 1
    # high blank mass: the best path is all blanks, the best labelling is still the text
    *_, res = call_api(client, "/asr_ctc_decode", "hello", 3, 0.6, 0.0, 16, 0.0)
    assert res["greedy"] == "" and res["beam"] == "hello"


def test_lattice_parity(client):
    *_, res = call_api(client, "/asr_lattice", "dog", 10, 0.3)
    assert res["ctc_loss"] == pytest.approx(res["ctc_loss_torch"], rel=1e-9)
    assert res["rnnt_loss"] == pytest.approx(res["rnnt_loss_torchaudio"], rel=1e-4)


def test_transcribe_real_clip_with_reference(client, real_data):
    clip = real_data / "speech" / "ljspeech_LJ002-0035.wav"
    *_, res = call_api(client, "/asr_transcribe", str(clip), "pocketsphinx", "EIGHT THE PRESS YARD")
    assert res["engine"] == "pocketsphinx" and res["rtf"] > 0
    assert {"press", "yard"} <= set(res["text"].split())
    assert all(set(w) == {"word", "start_s", "end_s"} for w in res["words"])
    assert 0 <= res["wer"] <= 0.5 and res["wer_detail"]["n_ref_words"] == 4
    *_, res = call_api(client, "/asr_transcribe", str(clip), "pocketsphinx", "")
    assert "wer" not in res


def test_transcribe_offline_hub_engine_falls_back_and_says_why(client, tmp_path):
    path = tmp_path / "speech.wav"
    from core.audio import resample
    from core.espeak import synthesize

    y, sr = synthesize("one two three four", rate_wpm=150)
    sf.write(path, resample(y, orig_sr=sr, target_sr=16000), 16000, subtype="PCM_16")
    *_, res = call_api(client, "/asr_transcribe", str(path), "whisper-tiny", "")
    assert res["engine"] != "whisper-tiny"  # the app runs with HF_HUB_OFFLINE=1 and no cached model
    assert any(s["engine"] == "whisper-tiny" and "offline" in s["reason"] for s in res["skipped"])


def test_tiny_model_on_audio_and_live_training(client):
    example = l04.DIGIT_EXAMPLES[0]
    *_, res = call_api(client, "/asr_ctc_audio", str(example), 8)
    assert res["greedy"] == example.stem.split("_")[1]
    *_, res = call_api(client, "/asr_ctc_train", 20)
    assert res["done"] is True and res["steps_done"] == 20 and res["loss_last"] < res["loss_first"]


@pytest.mark.parametrize(("api_name", "args", "words"), [
    ("/asr_ctc_decode", ["hello", 3, 0.3, 0.0, 0, 0.5], "minimum value"),
    ("/asr_ctc_decode", ["hello", 3, 0.3, 0.0, 10_000, 0.5], "maximum value"),
    ("/asr_ctc_decode", ["h3llo", 3, 0.3, 0.0, 8, 0.5], "outside this vocabulary"),
    ("/asr_ctc_decode", ["", 3, 0.3, 0.0, 8, 0.5], "empty"),
    ("/asr_transcribe", ["SPEECH", "pocketsphinx", "?! ..."], "reference"),
    ("/asr_transcribe", ["ONE_SAMPLE", "pocketsphinx", ""], "long"),
    ("/asr_transcribe", [None, "pocketsphinx", ""], "audio"),
    ("/asr_lattice", ["a much too long target", 10, 0.3], "at most 12"),
    ("/asr_ctc_train", [5], "minimum value"),
])
def test_bad_input_gets_a_clear_message(client, tmp_path, api_name, args, words):
    from gradio_client.exceptions import AppError

    speech = tmp_path / "speech.wav"
    sf.write(speech, (0.1 * np.sin(np.arange(16000) * 0.3)).astype(np.float32), 16000)
    one = tmp_path / "one.wav"
    sf.write(one, np.zeros(1, np.float32), 16000)
    args = [str(speech) if a == "SPEECH" else str(one) if a == "ONE_SAMPLE" else a for a in args]
    with pytest.raises(AppError) as err:
        call_api(client, api_name, *args)
    message = str(err.value)
    assert words.lower() in message.lower(), message
    assert "Traceback" not in message
