"""Lesson 17 through the Gradio API (gradio_client against the running app), good and bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from gradio_client import handle_file

from core import quality
from tests._server import ROOT
from tests.conftest import call_api

pytestmark = pytest.mark.app

ASSETS = ROOT / "assets" / "eval"
CLEAN = ASSETS / "clean_speech.flac"
NOISY = ASSETS / "noisy_speech_5db.flac"
DEFAULT_OPTS = ["lowercase", "punctuation", "numbers_to_digits", "expand_contractions", "fillers"]


@pytest.fixture(scope="module")
def client(app_client):
    return app_client


def _error(client, *args) -> str:
    with pytest.raises(Exception) as info:  # gradio_client raises AppError carrying the gr.Error text
        call_api(client, *args)
    return str(info.value)


# ----------------------------------------------------------------------------- eval_wer


def test_eval_wer_counts_alignment_and_normalisation(client):
    html, _md, r = call_api(client, "/eval_wer", "The cat sat on the mat.", "the cat sat on a mat today", DEFAULT_OPTS)
    assert (r["hits"], r["substitutions"], r["deletions"], r["insertions"]) == (5, 1, 0, 1)
    assert r["wer"] == pytest.approx(2 / 6)
    assert r["alignment"][4] == ["S", "the", "a"] and r["alignment"][6] == ["I", None, "today"]
    assert 'data-op="S"' in html and 'data-op="I"' in html
    *_, strict = call_api(client, "/eval_wer", "The cat sat on the mat.", "the cat sat on a mat today", [])
    assert strict["wer"] > r["wer"]  # "The" ≠ "the" and "mat." ≠ "mat" without normalisation
    *_, numbers = call_api(client, "/eval_wer", "Don't pay $42", "do not pay forty two dollars", DEFAULT_OPTS)
    assert numbers["wer"] == 0.0 and numbers["cer"] == 0.0


def test_eval_wer_above_one_is_shown(client):
    _html, md, r = call_api(client, "/eval_wer", "hello", " ".join(["hello"] * 10), DEFAULT_OPTS)
    assert r["wer"] == pytest.approx(9.0) and r["insertions"] == 9
    assert "above 100 %" in md


@pytest.mark.parametrize("reference", ["", "?!..."])
def test_eval_wer_refuses_an_empty_reference(client, reference):
    msg = _error(client, "/eval_wer", reference, "something", DEFAULT_OPTS)
    assert "reference is empty" in msg


def test_eval_wer_refuses_opposite_options(client):
    assert "opposite ways" in _error(client, "/eval_wer", "a", "a", ["numbers_to_digits", "numbers_to_words"])


# ----------------------------------------------------------------------------- eval_eer / eval_gaussian


def test_eval_eer_matches_sklearn(client):
    from sklearn.metrics import roc_curve

    rng = np.random.default_rng(0)
    scores = np.r_[rng.normal(1.5, 1, 200), rng.normal(0, 1, 300)]
    labels = np.r_[np.ones(200, int), np.zeros(300, int)]
    _plot, _md, r = call_api(client, "/eval_eer", ", ".join(f"{s:.6f}" for s in scores), " ".join(map(str, labels)))
    fpr, tpr, _ = roc_curve(labels, np.round(scores, 6))
    fnr = 1 - tpr
    i = int(np.nanargmin(np.abs(fnr - fpr)))
    assert r["eer"] == pytest.approx((fpr[i] + fnr[i]) / 2, abs=0.01)
    assert 0 <= r["min_dcf"] <= 1 and set(r) >= {"eer", "min_dcf", "threshold"}
    *_, as_json = call_api(client, "/eval_eer", "[0.9, 0.1, 0.8, 0.3]", "[true, false, true, false]")
    assert as_json["eer"] == 0.0


@pytest.mark.parametrize(
    ("scores", "labels", "words"),
    [
        ("0.1 0.2 0.3", "1 0", "3 scores and 2 labels"),
        ("0.1 0.2 0.3", "1 1 1", "labels are all positive"),
        ("0.1 abc 0.3", "1 0 1", "'abc' (item 2) is not a number"),
        ("0.1 0.2", "1 maybe", "'maybe' (item 2)"),
        ("", "", "no scores given"),
    ],
)
def test_eval_eer_bad_input(client, scores, labels, words):
    assert words in _error(client, "/eval_eer", scores, labels)


def test_eval_gaussian_estimates_the_theory(client):
    *_, r = call_api(client, "/eval_gaussian", 2.0, 1.0, 0.0, 1.0, 5000, 20000, 0.01, 1.0, 1.0, 0)
    assert r["eer_theory"] == pytest.approx(0.158655, abs=1e-5)
    assert r["eer"] == pytest.approx(r["eer_theory"], abs=0.015)
    *_, costly_fa = call_api(client, "/eval_gaussian", 2.0, 1.0, 0.0, 1.0, 5000, 20000, 0.01, 1.0, 10.0, 0)
    assert costly_fa["threshold_min_dcf"] >= r["threshold_min_dcf"]  # costlier false alarms: stricter threshold


# ----------------------------------------------------------------------------- eval_quality


def test_eval_quality_with_and_without_reference(client):
    _plot, md, r = call_api(client, "/eval_quality", NOISY, CLEAN)
    for key in ("dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"):
        assert 1.0 <= r[key] <= 5.0
    assert r["delay_ms"] == pytest.approx(40.0, abs=0.1)
    assert 1.0 <= r["pesq"] < 2.0  # 5 dB of pink noise
    assert 0.5 < r["stoi"] < 1.0
    assert r["si_snr_db"] == pytest.approx(5.0, abs=0.5)
    assert r["utmos_available"] is False and "UTMOS" in md
    *_, clean = call_api(client, "/eval_quality", CLEAN, None)
    assert "pesq" not in clean and "stoi" not in clean and "si_snr_db" not in clean
    assert clean["dnsmos_bak"] > r["dnsmos_bak"] + 1.0


def test_eval_quality_bad_input(client, tmp_path):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16_000, np.float32), 16_000)
    assert "silent" in _error(client, "/eval_quality", silent, None)
    short = tmp_path / "short_ref.wav"
    y, sr = sf.read(CLEAN)
    sf.write(short, y[: int(0.2 * sr)], sr)
    assert "0.25 s" in _error(client, "/eval_quality", CLEAN, short)


# ----------------------------------------------------------------------------- eval_speed


def test_eval_speed_reports_percentiles(client):
    *_, r = call_api(client, "/eval_speed", CLEAN, ["features/logmel-ours", "tts/espeak-ng"], 3, 1)
    names = [b["name"] for b in r["benches"]]
    assert names == ["features/logmel-ours", "tts/espeak-ng"]
    for b in r["benches"]:
        assert b["runs"] == 3 and b["p50_ms"] <= b["p95_ms"] <= b["p99_ms"]
        assert b["rtfx_p50"] > 0
    assert "not in the list of choices" in _error(client, "/eval_speed", CLEAN, ["gpu/whatever"], 3, 1)  # Gradio checks
    assert "at least one engine" in _error(client, "/eval_speed", CLEAN, [], 3, 1)


# ----------------------------------------------------------------------------- eval_roundtrip


def test_eval_roundtrip(client):
    prompts = "Turn the volume up.\nSet a timer for ten minutes."
    if not quality.asr_engines():
        assert "no speech recogniser is registered" in _error(client, "/eval_roundtrip", prompts, "espeak-ng", "auto")
        return
    audio, _md, r = call_api(client, "/eval_roundtrip", prompts, "espeak-ng", "auto")
    assert r["tts_engine"] == "espeak-ng" and r["asr_engine"] in quality.asr_engines()
    assert [i["prompt"] for i in r["items"]] == prompts.splitlines() and audio is not None
    # the corpus figures are the pooled counts of the per-prompt transcripts, not their mean
    from core.metrics import corpus_wer

    pooled = corpus_wer(prompts.splitlines(), [i["transcript"] for i in r["items"]])
    assert r["corpus_cer"] == pytest.approx(pooled.cer, abs=1e-6)
    assert r["corpus_wer"] == pytest.approx(pooled.wer, abs=1e-6)


def test_eval_roundtrip_bad_input(client):
    assert "no prompts" in _error(client, "/eval_roundtrip", "\n  \n", "espeak-ng", "auto")


# ----------------------------------------------------------------------------- eval_frechet


def test_eval_frechet_builtin_and_uploads(client, tmp_path):
    *_, r = call_api(client, "/eval_frechet", None, None, "mfcc_stats")
    assert r["source"] == "built-in example" and r["n_a"] == r["n_b"] == 8
    assert r["frechet_full"] > 0 and r["frechet_diagonal"] > 0 and r["rank_deficient"] is True
    a = [handle_file(str(p)) for p in (CLEAN, ASSETS / "telephone_band_speech.flac")]
    b = [handle_file(str(p)) for p in (NOISY, ASSETS / "batch_01.flac", ASSETS / "batch_02.flac")]
    *_, up = call_api(client, "/eval_frechet", a, b, "logmel_mean")
    assert up["source"] == "uploads" and (up["n_a"], up["n_b"], up["dim"]) == (2, 3, 40)
    *_, same = call_api(client, "/eval_frechet", a, a, "logmel_mean")
    assert same["frechet_full"] == pytest.approx(0.0, abs=1e-3)
    assert "2–50 clips" in _error(client, "/eval_frechet", a[:1], b, "mfcc_stats")


# ----------------------------------------------------------------------------- eval_batch


def test_eval_batch_with_hypotheses_in_the_csv(client, tmp_path):
    path = tmp_path / "scored.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "reference", "hypothesis"])
        w.writerow(["a.wav", "turn the volume up to 7", "turn the volume up to seven"])
        w.writerow(["b.wav", "set a timer for ten minutes", "set the timer for ten minutes please"])
    table, md, download, r = call_api(client, "/eval_batch", handle_file(str(path)), [], "auto", DEFAULT_OPTS)
    assert r["n_files"] == 2
    assert r["substitutions"] == 1 and r["insertions"] == 1 and r["deletions"] == 0
    assert r["corpus_wer"] == pytest.approx(2 / 12)
    assert [row["wer"] for row in r["rows"]] == pytest.approx([0.0, 2 / 6])
    assert "a.wav" in table and "corpus WER" in md
    with open(download, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["file"] for row in rows] == ["a.wav", "b.wav"]


def test_eval_batch_example_uses_asr_or_says_why_not(client):
    files = [handle_file(str(p)) for p in sorted(ASSETS.glob("batch_*.flac"))]
    args = ("/eval_batch", handle_file(str(ASSETS / "batch.csv")), files, "auto", DEFAULT_OPTS)
    if not quality.asr_engines():
        assert "no speech recogniser is registered" in _error(client, *args)
        return
    _table, _md, _dl, r = call_api(client, *args)
    assert r["n_files"] == 3 and all(row["source"] in quality.asr_engines() for row in r["rows"])
    errors = r["substitutions"] + r["deletions"] + r["insertions"]
    assert r["corpus_wer"] == pytest.approx(errors / 20)  # 6 + 8 + 6 words after normalisation ("what's" → "what is")


def test_eval_batch_bad_csv(client, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,text\nx.wav,hello\n")
    assert "columns 'file' and 'reference'" in _error(client, "/eval_batch", handle_file(str(bad)), [], "auto", DEFAULT_OPTS)
    missing = tmp_path / "missing.csv"
    missing.write_text("file,reference\nnot_uploaded.wav,hello\n")
    assert "no uploaded audio file" in _error(client, "/eval_batch", handle_file(str(missing)), [], "auto", DEFAULT_OPTS)


def test_assets_are_listed_in_the_manifest():
    with (ASSETS / "MANIFEST.csv").open(newline="") as f:
        listed = {row["file"] for row in csv.DictReader(f)}
    assert listed == {p.name for p in ASSETS.iterdir() if p.name != "MANIFEST.csv"}
    assert Path(ASSETS / "batch.csv").read_text().startswith("file,reference")
