"""The whole app on localhost, every public endpoint called through gradio_client."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from demos import LESSONS
from tests._server import ROOT
from tests.conftest import call_api

pytestmark = pytest.mark.app

PUBLIC_ENDPOINTS = {f"/{name}" for lesson in LESSONS for name in lesson.API_NAMES}


@pytest.fixture(scope="module")
def client(app_client):
    return app_client


@pytest.fixture(scope="module")
def tone_wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "tone_1k_44k_stereo.wav"
    sr = 44_100
    t = np.arange(sr) / sr
    y = 0.5 * np.sin(2 * np.pi * 1000.0 * t)
    sf.write(path, np.stack([y, y], axis=1), sr, subtype="PCM_16")
    return str(path)


_call = call_api


def test_import_app_loads_no_model_library():
    code = "import sys, app; print(sorted(m for m in ('torch', 'transformers', 'librosa', 'speechbrain') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_foundation_endpoints_are_declared():
    assert {"/fundamentals_analyze", "/fundamentals_alias", "/features_compute"} <= PUBLIC_ENDPOINTS


def test_public_endpoints_are_exactly_the_declared_ones(client):
    api = client.view_api(return_format="dict", print_info=False)
    names = set(api["named_endpoints"])
    assert PUBLIC_ENDPOINTS <= names
    # cosmetic callbacks (zoom, presets, generator, deep link) get no public endpoint
    assert not names - PUBLIC_ENDPOINTS, names - PUBLIC_ENDPOINTS


def test_fundamentals_analyze(client, tone_wav):
    *_, result = _call(client, "/fundamentals_analyze", tone_wav)
    assert result["sr"] == 44_100
    assert result["channels"] == 2
    assert result["duration_s"] == pytest.approx(1.0, abs=1e-3)
    assert result["dominant_freq_hz"] == pytest.approx(1000.0, abs=1.0)
    assert result["peak_dbfs"] == pytest.approx(-6.02, abs=0.05)
    assert result["rms_dbfs"] == pytest.approx(-9.03, abs=0.05)
    assert result["clipping_fraction"] == 0.0
    assert abs(result["dc_offset"]) < 1e-3
    # rate and channels are converted by the loader, so they are reported, not blocking
    assert result["ready"] is True
    assert "44100" in result["verdict"] and "mono" in result["verdict"]
    assert result["fft_max_abs_diff"] < 1e-6


def test_fundamentals_alias_folds_and_filters(client):
    audio, _plot, _badge, result = _call(client, "/fundamentals_alias", 5000, 8000, False, "soxr")
    assert result["predicted_alias_hz"] == pytest.approx(3000.0)
    assert result["measured_peak_hz"] == pytest.approx(3000.0, abs=2.0)
    assert audio is not None
    *_, filtered = _call(client, "/fundamentals_alias", 5000, 8000, True, "sinc")
    assert filtered["removed_by_filter"] is True
    assert filtered["output_rms_dbfs"] < -40
    assert filtered["engine"] == "sinc"


def test_fundamentals_quantize_follows_the_6db_rule(client):
    *_, result = _call(client, "/fundamentals_quantize", None, 8, False)
    assert result["rule_db"] == pytest.approx(6.02 * 8 + 1.76)
    assert result["snr_db"] == pytest.approx(result["rule_db"], abs=1.5)


def test_features_compute_matches_librosa(client, tone_wav):
    *_, result = _call(client, "/features_compute", tone_wav, 400, 160, 80, "hann", 0, 8000, "db", 13, 16000)
    assert result["log_mel_shape"] == [80, 16_000 // 160 + 1]
    assert result["mfcc_shape"] == [13, 101]
    assert result["max_abs_diff_vs_librosa"] < 2e-3  # dB; float32 FFT on a pure tone, see core.features.log_mel
    assert result["ms_ours"] > 0 and result["ms_librosa"] > 0


def test_features_resolution_and_pitfall(client, tone_wav):
    _plot, res = _call(client, "/features_resolution", 32)
    assert [p["n_fft"] for p in res["panels"]] == [128, 512, 2048]
    assert res["panels"][1]["freq_res_hz"] == pytest.approx(16000 / 512)
    for which in ("sample-rate mismatch", "mel-count mismatch", "dB vs log"):
        _plot, text, numbers = _call(client, "/features_pitfall", tone_wav, which)
        assert text and numbers


@pytest.mark.parametrize(
    ("api_name", "args", "words"),
    [
        # out-of-range slider values are refused by Gradio itself before the handler runs
        ("/features_compute", ["TONE", -400, 160, 80, "hann", 0, 8000, "db", 13, 16000], "minimum value"),
        ("/features_compute", ["TONE", 400, 160, 80, "hann", 0, 9000, "db", 13, 16000], "fmax"),
        ("/features_compute", ["TONE", 400, 800, 80, "hann", 0, 8000, "db", 13, 16000], "hop_length"),
        ("/features_compute", ["TONE", 256, 64, 256, "hann", 0, 8000, "db", 13, 16000], "n_mels"),
        ("/fundamentals_alias", [5000, 100, False, "soxr"], "minimum value 4000"),
        ("/fundamentals_alias", [5000, 8000, True, "nope"], "list of choices"),
        ("/fundamentals_quantize", [None, 99, False], "maximum value 24"),
        ("/fundamentals_analyze", ["NOTAUDIO"], "decode"),
        ("/fundamentals_analyze", [None], "audio"),
    ],
)
def test_bad_input_gets_a_clear_message_and_the_app_keeps_serving(client, tone_wav, tmp_path, api_name, args, words):
    from gradio_client.exceptions import AppError

    bad = tmp_path / "not_audio.wav"
    bad.write_text("this is not audio")
    args = [tone_wav if a == "TONE" else str(bad) if a == "NOTAUDIO" else a for a in args]
    with pytest.raises(AppError) as err:
        _call(client, api_name, *args)
    message = str(err.value)
    assert words.lower() in message.lower(), message
    assert "Traceback" not in message and "/root" not in message
    *_, ok = _call(client, "/fundamentals_quantize", None, 4, False)  # still serving
    assert ok["bits"] == 4
