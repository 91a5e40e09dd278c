"""core.whisper: anatomy formulas, special tokens, chunk planner, timestamps, loading and transcription.

Hub engines are exercised offline through a tiny random-weight Whisper (real architecture, a
character-level tokenizer with Whisper's special tokens) saved into a temp folder and served in
place of openai/whisper-tiny by core.engines.use_local_model.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from core import features
from core import whisper as W
from core.engines import REGISTRY, use_local_model
from core.errors import AudioError, EngineUnavailable, ParamError

pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return W.make_tiny_whisper(tmp_path_factory.mktemp("tiny_whisper"), seed=0)


@pytest.fixture(scope="module")
def tiny(tiny_dir):
    with use_local_model("openai/whisper-tiny", tiny_dir):
        resolved = REGISTRY.resolve("whisper", "whisper-tiny", fallback=False)
        yield resolved


def _speech(seconds: float = 2.0) -> np.ndarray:
    from core.audio import resample
    from core.espeak import synthesize

    y, sr = synthesize("three one four one five nine two six", rate_wpm=170)
    y = resample(y, orig_sr=sr, target_sr=16000)
    n = int(seconds * 16000)
    return np.pad(y, (0, max(0, n - len(y))))[:n].astype(np.float32)


# ------------------------------------------------------------------------------- anatomy


@pytest.mark.parametrize("name", list(W.VARIANTS))
def test_param_formula_matches_model_instantiated_on_meta(name):
    dims = W.VARIANTS[name]
    model = W.meta_model(dims)
    assert next(model.parameters()).device.type == "meta"  # no memory: large-v3 would be 6 GB
    assert W.count_parameters(model) == W.param_count(dims)["total"]
    c = model.config
    assert (c.num_mel_bins, c.d_model, c.encoder_layers, c.decoder_layers, c.vocab_size) == (
        dims.n_mels, dims.d_model, dims.encoder_layers, dims.decoder_layers, dims.vocab_size)


def test_param_counts_golden():
    # Published sizes: tiny 39 M, base 74 M, small 244 M, medium 769 M, large 1550 M, turbo 809 M
    # (the paper's table counts without positional tables; these are exact HF counts).
    total = {k: W.param_count(v)["total"] for k, v in W.VARIANTS.items()}
    assert total["tiny"] == 37_760_640
    assert total["base"] == 72_593_920
    assert total["large-v3-turbo"] == 808_878_080
    assert total["large-v3"] - total["large-v2"] == 1280 + 3 * 48 * 1280  # one more token, 128 − 80 mels
    parts = W.param_count(W.VARIANTS["tiny"])
    assert parts["encoder"] + parts["decoder"] == parts["total"]


def test_30s_window_gives_3000_frames_and_1500_encoder_positions():
    assert (W.N_SAMPLES, W.N_FRAMES, W.N_AUDIO_CTX) == (480_000, 3000, 1500)
    for name in ("tiny", "large-v3"):
        dims = W.VARIANTS[name]
        encoder = W.meta_model(dims).model.encoder
        x = torch.zeros(1, dims.n_mels, W.N_FRAMES, device="meta")
        assert tuple(encoder(x).last_hidden_state.shape) == (1, 1500, dims.d_model)


@pytest.mark.parametrize("n_mels", [80, 128])
def test_our_log_mel_matches_whisper_feature_extractor(n_mels):
    from transformers import WhisperFeatureExtractor

    y = _speech(3.0)
    ours = features.whisper_log_mel(y, n_mels=n_mels)
    ref = WhisperFeatureExtractor(feature_size=n_mels)(y, sampling_rate=16000, return_tensors="np").input_features[0]
    assert ours.shape == ref.shape == (n_mels, 3000)
    # float32 FFT vs numpy float64: ≤ 1e-3 in Whisper's scaled log10 units (0.04 dB)
    assert np.max(np.abs(ours - ref)) < 1e-3


def test_lora_formula_matches_peft_on_meta_turbo_and_the_wrong_count():
    from peft import LoraConfig, get_peft_model

    dims = W.VARIANTS["large-v3-turbo"]
    model = W.meta_model(dims)
    with torch.device("meta"):
        peft_model = get_peft_model(model, LoraConfig(r=32, lora_alpha=64, target_modules=["q_proj", "v_proj"]))
    counted = W.count_parameters(peft_model, trainable_only=True)
    got = W.lora_param_count(dims, rank=32)
    assert counted == got["total"] == 6_553_600  # 40 attention blocks × 2 projections × 2·32·1280
    assert got["attention_blocks"] == 32 + 2 * 4
    # assuming large-v3's 32 decoder layers (a common slip for turbo) gives 2.4× too many
    assert W.lora_param_count(dims, rank=32, decoder_layers=32)["total"] == 15_728_640
    with pytest.raises(ParamError, match="rank"):
        W.lora_param_count(dims, rank=0)
    with pytest.raises(ParamError, match="targets"):
        W.lora_param_count(dims, rank=8, targets=("fc1",))


# ------------------------------------------------------------------------------- tokens


def test_prompt_ids_from_real_vocabulary():
    assert W.prompt_tokens("en", "transcribe", False) == [
        ("<|startoftranscript|>", 50258), ("<|en|>", 50259), ("<|transcribe|>", 50359), ("<|notimestamps|>", 50363)]
    # 100 languages (large-v3) shift every id after the language block by one
    assert [i for _, i in W.prompt_tokens("en", "transcribe", False, num_languages=100)] == [50258, 50259, 50360, 50364]
    assert [t for t, _ in W.prompt_tokens("de", "translate", True)] == ["<|startoftranscript|>", "<|de|>", "<|translate|>"]
    assert [t for t, _ in W.prompt_tokens(None, "transcribe", True)] == ["<|startoftranscript|>", "<|transcribe|>"]
    assert W.prompt_tokens("English")[1] == ("<|en|>", 50259)
    s = W.special_token_summary(99)
    assert s["<|0.00|>"] == 50364 and s["<|30.00|>"] - s["<|0.00|>"] == 1500 and s["vocab size"] == 51865
    assert "".join(t for t, _ in W.text_tokens(" hello world")) == " hello world"


@pytest.mark.parametrize("bad", ["xx", "klingon", "EN-US"])
def test_unsupported_language_is_a_clear_error(bad):
    with pytest.raises(ParamError, match="not one of Whisper's"):
        W.prompt_tokens(bad)
    with pytest.raises(ParamError, match="transcribe"):
        W.prompt_tokens("en", task="summarize")
    # yue (Cantonese) exists only from large-v3 on
    with pytest.raises(ParamError):
        W.check_language("yue", num_languages=99)
    assert W.check_language("yue", num_languages=100) == "yue"


def test_tiny_tokenizer_has_whisper_special_layout(tmp_path):
    tok = W.write_tiny_tokenizer(tmp_path)
    tok.set_prefix_tokens(language="en", task="transcribe", predict_timestamps=False)
    ids = tok("hi").input_ids
    names = tok.convert_ids_to_tokens(ids)
    assert names[:4] == ["<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]
    assert names[-1] == "<|endoftext|>" and tok.decode(ids, skip_special_tokens=True) == "hi"
    ts0 = tok.convert_tokens_to_ids("<|0.00|>")
    assert tok.convert_tokens_to_ids("<|30.00|>") - ts0 == 1500 and len(tok) == ts0 + 1501


# ------------------------------------------------------------------------------- chunk planner


def test_plan_chunks_golden_and_tiling():
    chunks = W.plan_chunks(70.0, chunk_s=30, stride_s=5)
    assert [(c.start_s, c.end_s) for c in chunks] == [(0, 30), (20, 50), (40, 70)]
    assert [(c.keep_start_s, c.keep_end_s) for c in chunks] == [(0, 25), (25, 45), (45, 70)]
    for duration in (0.5, 29.9, 30.0, 31.0, 95.3, 1800.0):
        cs = W.plan_chunks(duration, chunk_s=30, stride_s=5)
        assert cs[0].keep_start_s == 0 and cs[-1].keep_end_s == pytest.approx(duration)
        for a, b in zip(cs, cs[1:]):
            assert a.keep_end_s == pytest.approx(b.keep_start_s)  # owned regions tile the recording
        assert all(c.end_s - c.start_s <= 30 + 1e-9 and c.pad_s >= 0 for c in cs)
    short = W.plan_chunks(7.5)
    assert len(short) == 1 and short[0].pad_s == pytest.approx(22.5)  # 22.5 s of zeros: hallucination-prone
    assert len(W.plan_chunks(1800.0, stride_s=0)) == 60


@pytest.mark.parametrize("kw", [dict(duration_s=0), dict(duration_s=float("nan")), dict(duration_s=10, stride_s=15),
                                dict(duration_s=10, chunk_s=31), dict(duration_s=10, stride_s=-1)])
def test_plan_chunks_bad_arguments(kw):
    with pytest.raises(ParamError):
        W.plan_chunks(kw.pop("duration_s"), **kw)


def test_merge_texts_drops_the_overlap_once():
    assert W.merge_texts(["the cat sat on the", "on the mat today"]) == "the cat sat on the mat today"
    assert W.merge_texts(["Hello there,", "There, general"]) == "Hello there, general"
    assert W.merge_texts(["a b", "c d"]) == "a b c d"


# ------------------------------------------------------------------------------- timestamps → segments


def test_tokens_to_segments_golden(tmp_path):
    tok = W.write_tiny_tokenizer(tmp_path)
    t = lambda s: tok.convert_tokens_to_ids(f"<|{s:.2f}|>")
    text = lambda s: tok.encode(s, add_special_tokens=False)
    eot = tok.convert_tokens_to_ids("<|endoftext|>")
    ids = [t(0.0), *text(" one two"), t(1.2), t(1.2), *text(" three"), t(2.5), eot]
    segs = W.tokens_to_segments(ids, timestamp_begin=t(0.0), eot=eot, decode=tok.decode, offset_s=10.0)
    assert segs == [(10.0, 11.2, "one two"), (11.2, 12.5, "three")]
    # text cut at the window's end (no closing timestamp) ends at the last time seen
    assert W.tokens_to_segments([t(0.5), *text(" four")], timestamp_begin=t(0.0), eot=eot, decode=tok.decode) == [
        (0.5, 0.5, "four")]
    # parity with transformers' own offsets decoding
    offsets = tok.decode(ids, output_offsets=True)["offsets"]
    assert [(o["timestamp"][0] + 10.0, o["timestamp"][1] + 10.0, o["text"].strip()) for o in offsets] == segs


def test_compression_ratio_flags_loops():
    assert W.compression_ratio("the the the the the the the the the the the the the the the the") > 2.4
    assert W.compression_ratio("Whisper is an encoder-decoder transformer trained on speech.") < 2.4
    assert W.compression_ratio("") == 0.0


# ------------------------------------------------------------------------------- engines, loading, transcribe


def test_registry_lists_hub_engines_and_reports_offline(monkeypatch):
    assert REGISTRY.names("whisper") == ("whisper-tiny", "whisper-base")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    REGISTRY.clear_cache()
    statuses = {s.name: s for s in REGISTRY.status("whisper")}
    if not statuses["whisper-tiny"].available:
        assert "offline" in statuses["whisper-tiny"].reason
        with pytest.raises(EngineUnavailable, match="whisper-tiny"):
            REGISTRY.resolve("whisper", "whisper-tiny", fallback=False)


def test_hub_engine_loads_from_local_folder(tiny, tiny_dir):
    assert tiny.name == "whisper-tiny" and tiny.engine.kind == "hub"
    bundle = tiny.obj
    assert isinstance(bundle, W.WhisperBundle) and bundle.model_id == "openai/whisper-tiny"
    assert not bundle.model.training and next(bundle.model.parameters()).device.type == "cpu"
    assert bundle.window_s == pytest.approx(4.0)  # the toy model's window; 30 s for real checkpoints
    with use_local_model("openai/whisper-tiny", tiny_dir):
        assert W.load_whisper("openai/whisper-tiny") is W.load_whisper("openai/whisper-tiny")  # cached


def test_transcribe_short_clip_shapes_and_keys(tiny):
    res = W.transcribe(tiny.obj, _speech(2.0), language="en", timestamps=False, temperature_fallback=False,
                       max_new_tokens=12)
    assert isinstance(res, W.WhisperResult) and isinstance(res.text, str) and res.language == "en"
    assert len(res.windows) == 1 and len(res.windows[0].attempts) == 1
    for s0, s1, text in res.segments:
        assert 0.0 <= s0 <= s1 <= 2.0 and isinstance(text, str)


def test_transcribe_resamples_and_detects_language(tiny):
    y16 = _speech(1.5)
    from core.audio import resample

    y48 = resample(y16, orig_sr=16000, target_sr=48000)
    res = W.transcribe(tiny.obj, y48, sr=48000, language=None, temperature_fallback=False, max_new_tokens=4)
    assert res.language in W.TINY_LANGUAGES  # detected from the language tokens the model knows


def test_transcribe_timestamps_alignment_and_fallback(tiny):
    # a random model is unsure (mean log-prob ≪ −1), so every temperature of the ladder is tried
    res = W.transcribe(tiny.obj, _speech(2.0), language="en", timestamps=True, temperature_fallback=(0.0, 0.5, 1.0),
                       no_speech_threshold=None, max_new_tokens=10, alignment=True)
    w = res.windows[0]
    assert [a["temperature"] for a in w.attempts] == [0.0, 0.5, 1.0]
    assert all(a["avg_logprob"] < -1.0 for a in w.attempts)
    assert res.alignment is not None and res.alignment.shape[0] == len(res.alignment_tokens)
    assert res.alignment.shape[1] == 100  # 2 s of audio = 100 encoder positions of 20 ms
    for s0, s1, _ in res.segments:
        assert 0.0 <= s0 <= s1 <= 2.0
    # no-speech rule: P(nospeech) > threshold AND unsure → the window is dropped as silence
    silent = W.transcribe(tiny.obj, _speech(2.0), language="en", temperature_fallback=False, no_speech_threshold=0.0,
                          max_new_tokens=4)
    assert silent.windows[0].skipped_as_silence and silent.text == "" and silent.segments == []


def test_long_audio_is_chunked_with_progress_and_conditioning(tiny):
    y = np.tile(_speech(2.0), 5)  # 10 s through a 4 s window: 4 windows with 1 s strides
    calls = []
    res = W.transcribe(tiny.obj, y, language="en", temperature_fallback=False, logprob_threshold=None,
                       max_new_tokens=6, progress=lambda i, n: calls.append((i, n)))
    assert [c.chunk.start_s for c in res.windows] == [0.0, 2.0, 4.0, 6.0]
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    nonempty = [w for w in res.windows[:-1] if w.text]
    if nonempty:  # the next window is prompted with the previous text unless it was decoded hot
        i = res.windows.index(nonempty[0])
        assert res.windows[i + 1].prompt_words > 0
    off = W.transcribe(tiny.obj, y, language="en", temperature_fallback=False, condition_on_previous_text=False,
                       max_new_tokens=6)
    assert all(w.prompt_words == 0 for w in off.windows)
    # long previous text is cut to the decoder's budget (n_ctx // 2 − 1 tokens) instead of overflowing it
    long = W.transcribe(tiny.obj, y, language="en", temperature_fallback=False, logprob_threshold=None,
                        compression_ratio_threshold=None, no_speech_threshold=None, max_new_tokens=60)
    n_ctx = tiny.obj.model.config.max_target_positions
    assert all(len(w.tokens) <= n_ctx for w in long.windows)


def test_transcribe_bad_input(tiny):
    b = tiny.obj
    with pytest.raises(AudioError, match="at least"):
        W.transcribe(b, np.zeros(160, np.float32))  # one 10 ms frame
    with pytest.raises(AudioError, match="mono"):
        W.transcribe(b, np.zeros((2, 16000), np.float32))
    with pytest.raises(AudioError, match="NaN"):
        W.transcribe(b, np.full(16000, np.nan, np.float32))
    with pytest.raises(ParamError, match="not one of Whisper's"):
        W.transcribe(b, _speech(1.0), language="xx")
    with pytest.raises(ParamError, match="not supported by"):
        W.transcribe(b, _speech(1.0), language="ja")  # real Whisper language, unknown to this toy model
    with pytest.raises(ParamError, match="num_beams"):
        W.transcribe(b, _speech(1.0), num_beams=50)
    with pytest.raises(ParamError, match="no_speech_threshold"):
        W.transcribe(b, _speech(1.0), no_speech_threshold=3.0)


def test_beam_search_runs_and_greedy_is_deterministic(tiny):
    y = _speech(1.5)
    a = W.transcribe(tiny.obj, y, language="en", temperature_fallback=False, max_new_tokens=6)
    b = W.transcribe(tiny.obj, y, language="en", temperature_fallback=False, max_new_tokens=6)
    beam = W.transcribe(tiny.obj, y, language="en", num_beams=3, temperature_fallback=False, max_new_tokens=6)
    assert a.windows[0].tokens == b.windows[0].tokens
    # beam search maximises the sequence score, so its mean log-prob is ≥ greedy's up to length effects
    assert isinstance(beam.text, str) and len(beam.windows[0].tokens) <= 6


def test_lean_greedy_loop_reproduces_generate_and_int8_quantizes_linears():
    model = W.random_model(W.VARIANTS["tiny"], seed=0)  # real tiny config, random weights, real token ids
    y = _speech(3.0)
    feats = torch.from_numpy(features.whisper_log_mel(y))[None]
    prompt = [i for _, i in W.prompt_tokens("en")]
    with torch.inference_mode():
        ref = model.generate(feats, language="en", task="transcribe", max_new_tokens=8, min_new_tokens=8)
    assert W.greedy_tokens(model, feats, prompt, max_new_tokens=8, min_new_tokens=8) == ref[0].tolist()[-8:]
    q = W.quantize_int8(model)
    assert type(q.proj_out).__name__ == "Linear" and "quantized" in type(q.proj_out).__module__
    assert type(model.proj_out).__module__.startswith("torch.nn.modules")  # the original is untouched
    assert len(W.greedy_tokens(q, feats, prompt, max_new_tokens=4, min_new_tokens=4)) == 4
