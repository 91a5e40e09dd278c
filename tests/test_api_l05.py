"""Lesson 05 through the Gradio API (the whole app on localhost, offline): anatomy, tokens, chunks,
transcription (hub models give a clear offline message), fine-tuning and the session's model."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from core import whisper_finetune as F
from tests.conftest import call_api

pytestmark = pytest.mark.app

SPEECH = "assets/examples/speech_espeak_16k.wav"
HAVE_SHIPPED = (F.ASSET_DIR / "config.json").is_file()


@pytest.fixture(scope="module")
def client(app_client):
    return app_client


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("l05")
    sf.write(folder / "one_frame.wav", np.full(160, 0.1, np.float32), 16_000, subtype="PCM_16")
    # 30 minutes at 8 kHz, 8-bit (14 MB): over the 10-minute limit, rejected before decoding work
    sf.write(folder / "thirty_min.wav", np.full(1800 * 8000, 0.01, np.float32), 8000, subtype="PCM_U8")
    ex = F.make_dataset(1, F.SOURCE, seed=42)[0]
    sf.write(folder / "digits.wav", ex.y, 16_000, subtype="PCM_16")
    return folder, ex.text


def _error(client, api_name, *args) -> str:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as err:
        call_api(client, api_name, *args)
    return str(err.value)


def test_tokens_prompt_ids(client):
    _, r = call_api(client, "/whisper_tokens", "en", "transcribe", False)
    assert r["tokens"] == ["<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]
    assert r["ids"] == [50258, 50259, 50359, 50363] and r["ids_large_v3"] == [50258, 50259, 50360, 50364]
    _, r = call_api(client, "/whisper_tokens", "auto", "translate", True)
    assert r["tokens"] == ["<|startoftranscript|>", "<|translate|>"]
    msg = _error(client, "/whisper_tokens", "xx", "transcribe", False)  # Gradio checks the dropdown's choices first
    assert "xx" in msg and ("not in the list of choices" in msg or "not one of Whisper's" in msg)


def test_anatomy_formula_equals_meta_count(client):
    _, md, r = call_api(client, "/whisper_anatomy", "large-v3-turbo", None)
    assert r["formula_matches"] is True and r["params_meta"] == r["params_formula"] == 808_878_080
    assert r["log_mel_shape"] == [128, 3000] and r["encoder_positions"] == 1500
    assert r["max_abs_diff_vs_hf"] < 1e-3 and "meta" in md


def test_chunk_plan(client):
    _, r = call_api(client, "/whisper_chunks", 75, 30, 5)
    assert r["n_windows"] == 4 and [w["start_s"] for w in r["windows"]] == [0, 20, 40, 60]
    assert r["windows"][-1]["pad_s"] == pytest.approx(15.0)


def test_hub_model_offline_gives_a_clear_message(client):
    msg = _error(client, "/whisper_transcribe", SPEECH, "whisper-tiny", "auto", "transcribe", True)
    assert "openai/whisper-tiny needs a download; offline" in msg and "digits-tiny" in msg


@pytest.mark.skipif(not HAVE_SHIPPED, reason="assets/whisper_tiny not built")
def test_transcribe_digits_with_the_shipped_model(client, clips):
    folder, _ = clips
    *_, r = call_api(client, "/whisper_transcribe", str(folder / "digits.wav"), "digits-tiny", "en", "transcribe", True)
    assert {"text", "segments", "language", "engine"} <= set(r)
    assert r["language"] == "en" and r["engine"].startswith("digits-tiny")
    assert set(r["text"].split()) <= set(F.DIGITS) and r["text"]
    for seg in r["segments"]:
        assert {"start_s", "end_s", "text"} == set(seg) and 0 <= seg["start_s"] <= seg["end_s"]


@pytest.mark.skipif(not HAVE_SHIPPED, reason="assets/whisper_tiny not built")
def test_bad_input_messages(client, clips):
    folder, _ = clips
    assert "at least" in _error(client, "/whisper_transcribe", str(folder / "one_frame.wav"), "digits-tiny", "en",
                                "transcribe", False)
    assert "not supported by" in _error(client, "/whisper_transcribe", str(folder / "digits.wav"), "digits-tiny", "ja",
                                        "transcribe", False)
    assert "fine-tun" in _error(client, "/whisper_transcribe", str(folder / "digits.wav"), "session", "en",
                                "transcribe", False)
    assert "learning_rate" in _error(client, "/whisper_finetune", 20, 5.0, 4)
    assert "30.0 min long, over the 10.0 min limit" in _error(client, "/whisper_transcribe", str(folder / "thirty_min.wav"),
                                                            "digits-tiny", "en", "transcribe", False)


@pytest.mark.skipif(not HAVE_SHIPPED, reason="assets/whisper_tiny not built")
def test_finetune_then_transcribe_with_the_session_model(client, clips):
    folder, _ = clips
    _, md, r = call_api(client, "/whisper_finetune", 10, 1e-3, 4)
    assert len(r["loss_curve"]) == 10 and all(np.isfinite(r["loss_curve"]))
    assert 0 <= r["wer_before"] and 0 <= r["wer_after"]
    assert r["trainable_params"] == r["lora_params_formula"] and "WER" in md
    *_, t = call_api(client, "/whisper_transcribe", str(folder / "digits.wav"), "session", "en", "transcribe", False)
    assert t["engine"] == "fine-tuned in this session" and isinstance(t["text"], str)
