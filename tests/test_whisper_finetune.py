"""core.whisper_finetune: generated data, the training front end, labels, LoRA counts, training, WER."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from core import whisper as W
from core import whisper_finetune as F
from core.errors import ParamError

pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    folder = W.make_tiny_whisper(tmp_path_factory.mktemp("ft"), d_model=32, ffn_dim=64, attention_heads=2,
                                 window_s=4.0, seed=1)
    return W.load_whisper_folder(folder, label="test-tiny")


@pytest.fixture(scope="module")
def data():
    return F.make_dataset(12, F.SOURCE, seed=5)


def test_dataset_is_varied_reproducible_and_bounded(data):
    assert len(data) == 12
    for ex in data:
        words = ex.text.split()
        assert 2 <= len(words) <= 5 and set(words) <= set(F.DIGITS)
        assert ex.y.dtype == np.float32 and 0.3 * 16000 < len(ex.y) <= 4.0 * 16000
        assert np.max(np.abs(ex.y)) <= 1.0 and ex.voice in F.SOURCE.voices
        assert F.SOURCE.snr_db[0] <= ex.snr_db <= F.SOURCE.snr_db[1]
        assert 0.0 <= ex.start_s < ex.end_s <= len(ex.y) / 16000 and ex.end_s - ex.start_s > 0.2
    assert len({ex.voice for ex in data}) > 1 and len({ex.rate_wpm for ex in data}) > 1
    assert [e.text for e in F.make_dataset(12, F.SOURCE, seed=5)] == [e.text for e in data]
    with pytest.raises(ParamError, match="dataset size"):
        F.make_dataset(0, F.SOURCE, seed=0)


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 25.0])
def test_add_noise_hits_the_requested_snr(snr_db):
    rng = np.random.default_rng(0)
    y = (0.1 * np.sin(2 * np.pi * 220 * np.arange(16000) / 16000)).astype(np.float32)
    out = F.add_noise(y, snr_db, rng)
    noise = out.astype(np.float64) - y
    measured = 10 * np.log10(np.mean(y.astype(np.float64) ** 2) / np.mean(noise**2))
    assert measured == pytest.approx(snr_db, abs=0.05)


def test_training_front_end_equals_the_models_feature_extractor(bundle, data):
    ours = F.features(bundle, [e.y for e in data[:3]]).numpy()
    ref = bundle.feature_extractor([e.y for e in data[:3]], sampling_rate=16000, return_tensors="np").input_features
    assert ours.shape == ref.shape == (3, 80, 400)  # 4 s window: 400 frames → 200 encoder positions
    assert np.max(np.abs(ours - ref)) < 1e-3


def test_labels_follow_whisper_prompt_and_pad_with_minus_100(bundle):
    lab = F.labels(bundle, ["one two", "three"])
    tok = bundle.tokenizer
    first = tok.convert_ids_to_tokens(lab[0, :3].tolist())
    assert first == ["<|en|>", "<|transcribe|>", "<|notimestamps|>"]  # <|startoftranscript|> is prepended by the model
    n1 = int((lab[1] != -100).sum())
    assert tok.convert_ids_to_tokens(int(lab[1, n1 - 1])) == "<|endoftext|>" and (lab[1, n1:] == -100).all()
    assert tok.decode(lab[0, 3:-1].tolist()).strip() == "one two"
    # with a speech span: <|start|> text <|end|> replaces <|notimestamps|>, times on the 20 ms grid
    ts = F.labels(bundle, ["one two", "three"], spans=[(0.301, 1.639), None])
    names = [n for n in tok.convert_ids_to_tokens([i for i in ts[0].tolist() if i >= 0])]
    assert names[:3] == ["<|en|>", "<|transcribe|>", "<|0.30|>"] and names[-2:] == ["<|1.64|>", "<|endoftext|>"]
    assert tok.convert_ids_to_tokens(ts[1, :3].tolist())[2] == "<|notimestamps|>"


def test_lora_trainable_count_matches_formula_and_merge_keeps_shape(bundle, data):
    model = F.add_lora(__import__("copy").deepcopy(bundle.model), F.FinetuneConfig(lora_rank=4))
    counted = W.count_parameters(model, trainable_only=True)
    expected = W.lora_param_count(F.dims_of(bundle.model), rank=4)["total"]
    # 2 encoder + 2·2 decoder attention blocks × (q, v) × 2·4·32
    assert counted == expected == (2 + 4) * 2 * 2 * 4 * 32
    trained, _, trainable, total = F.train(bundle, data, F.FinetuneConfig(steps=3, lora_rank=4, learning_rate=1e-2, batch_size=4))
    assert trainable == expected and total == W.count_parameters(bundle.model) + expected
    assert W.count_parameters(trained) == W.count_parameters(bundle.model)  # adapters merged away
    changed = {n for (n, p), (_, q) in zip(trained.named_parameters(), bundle.model.named_parameters()) if not torch.equal(p, q)}
    assert changed and all(("q_proj" in n or "v_proj" in n) for n in changed)


def test_full_fine_tune_overfits_a_small_batch(bundle, data):
    cfg = F.FinetuneConfig(steps=40, learning_rate=3e-3, lora_rank=0, batch_size=4, warmup_steps=2)
    _, losses, trainable, total = F.train(bundle, data[:4], cfg)
    # everything trains except the encoder's frozen sinusoidal positions
    assert total == W.count_parameters(bundle.model)
    assert trainable == total - bundle.model.model.encoder.embed_positions.weight.numel()
    assert np.isfinite(losses).all() and np.mean(losses[-5:]) < 0.6 * np.mean(losses[:5])


def test_finetune_end_to_end_reports_wer(bundle):
    assert hasattr(pytest.importorskip("core.metrics"), "corpus_wer")  # lesson 17's WER
    steps = []
    res = F.finetune(bundle, F.FinetuneConfig(steps=2, lora_rank=2, batch_size=4), n_train=8, n_eval=3,
                     on_step=lambda s, loss: steps.append(s))
    assert steps == [1, 2] and len(res.loss_curve) == 2
    assert 0.0 <= res.wer_before and 0.0 <= res.wer_after
    assert res.lora_params_formula == res.trainable_params
    assert len(res.examples) == 3 and all(isinstance(b, str) for _, b, _ in res.examples)


def test_corpus_wer_uses_the_shared_aligner():
    assert F.corpus_wer(["one two three", "four"], ["one two", "four five"]) == pytest.approx(2 / 4)


@pytest.mark.parametrize("kw, words", [
    (dict(steps=0), "steps"), (dict(steps=10_000), "steps"), (dict(learning_rate=1.0), "learning_rate"),
    (dict(learning_rate=float("nan")), "learning_rate"), (dict(lora_rank=-1), "lora_rank"),
    (dict(lora_rank=500), "lora_rank"), (dict(lora_alpha=0.0), "lora_alpha"),
])
def test_absurd_settings_are_rejected_before_work(kw, words):
    with pytest.raises(ParamError, match=words):
        F.FinetuneConfig(**kw).validate()


@pytest.mark.skipif(not (F.ASSET_DIR / "config.json").is_file(), reason="assets/whisper_tiny not built")
def test_shipped_digit_model_recognises_its_domain():
    shipped = F.load_shipped()
    assert shipped.window_s == pytest.approx(4.0)
    ev = F.make_dataset(16, F.SOURCE, seed=123)
    hyp = F.greedy_decode(shipped, [e.y for e in ev])
    assert F.corpus_wer([e.text for e in ev], hyp) < 0.2  # README: held-out source WER of the shipped model


@pytest.mark.skipif(not (F.ASSET_DIR / "config.json").is_file(), reason="assets/whisper_tiny not built")
def test_shipped_digit_model_predicts_timestamps_around_the_speech():
    shipped = F.load_shipped()
    for ex in F.make_dataset(4, F.SOURCE, seed=321):
        r = W.transcribe(shipped, ex.y, language="en", timestamps=True, temperature_fallback=False)
        assert r.text == ex.text and len(r.segments) == 1
        start, end, text = r.segments[0]
        assert text == ex.text
        assert abs(start - ex.start_s) < 0.15 and abs(end - ex.end_s) < 0.15  # README: mean errors ≈ 0.0x s
