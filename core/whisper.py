"""Whisper: anatomy, loading, decoding, timestamps and long-form chunking.

Whisper (Radford et al., 2022, "Robust Speech Recognition via Large-Scale Weak Supervision") is
an encoder-decoder Transformer: 30 s of 16 kHz audio → 80 (or 128) log-mel bins × 3000 frames →
two 1-D convolutions (the second with stride 2) → 1500 encoder positions; the decoder writes a
special-token prompt (<|startoftranscript|><|en|><|transcribe|><|notimestamps|>) and then text
(or text between timestamp tokens), attending to the encoder through cross-attention.

This module holds:

* the published configuration of every variant and an exact parameter-count formula (checked
  against models instantiated on the ``meta`` device, which allocate no memory);
* the special-token prompt with ids from the real tokenizer (the openai-whisper wheel ships its
  tiktoken vocabularies, so this works offline);
* a long-form chunk planner (30 s windows with overlapping strides) and the merge of windows;
* ``load_whisper`` / ``transcribe`` (the "whisper" capability of the engine registry), with the
  decoding options of the reference implementation: greedy or beam search, temperature fallback
  on compression-ratio and average-log-probability thresholds, no-speech detection, conditioning
  on the previous window's text, timestamp tokens → segments, cross-attention alignment.

Registration below imports nothing heavy: transformers/torch are imported inside functions.
"""

from __future__ import annotations

import functools
import json
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.engines import REGISTRY, Engine, hub_probe, model_source
from core.errors import AudioError, EngineUnavailable, ParamError

# --------------------------------------------------------------------------------------------
# Audio front end (openai/whisper audio.py)
SAMPLE_RATE = 16_000
N_FFT = 400  # 25 ms window
HOP_LENGTH = 160  # 10 ms hop
CHUNK_LENGTH_S = 30  # Whisper always sees 30 s windows
N_SAMPLES = CHUNK_LENGTH_S * SAMPLE_RATE  # 480000
N_FRAMES = N_SAMPLES // HOP_LENGTH  # 3000 mel frames
CONV_STRIDE = 2  # conv1 stride 1, conv2 stride 2
N_AUDIO_CTX = N_FRAMES // CONV_STRIDE  # 1500 encoder positions, 20 ms each
N_TEXT_CTX = 448  # decoder positions (max_target_positions)
TIME_PRECISION = 0.02  # seconds per timestamp token = one encoder position
MAX_TIMESTAMP_S = 30.0  # <|0.00|> … <|30.00|>: 1501 timestamp tokens

# Decoding defaults (openai/whisper transcribe.py)
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
COMPRESSION_RATIO_THRESHOLD = 2.4  # gzip ratio above this = repetitive text (a loop)
LOGPROB_THRESHOLD = -1.0  # mean token log-probability below this = unsure decode
NO_SPEECH_THRESHOLD = 0.6  # P(<|nospeech|>) above this (and logprob below threshold) = silence
PROMPT_RESET_TEMPERATURE = 0.5  # a window decoded hotter than this does not condition the next
MIN_AUDIO_S = 0.1  # shorter input is rejected: fewer than 10 mel frames
MAX_NEW_TOKENS = 128  # per window; a 30 s window holds ~100 words at most
MAX_BEAMS = 8
DEFAULT_STRIDE_S = 5.0  # overlap on each side of a window for long-form chunking

TASKS = ("transcribe", "translate")


# --------------------------------------------------------------------------------------------
# Variants: published config dims (huggingface.co/openai/whisper-*/config.json)


@dataclass(frozen=True)
class WhisperDims:
    """The architecture numbers of one Whisper variant (HF WhisperConfig field names)."""

    name: str
    n_mels: int  # num_mel_bins: 80, or 128 from large-v3 on
    d_model: int  # width of every layer
    encoder_layers: int
    decoder_layers: int
    attention_heads: int  # same count in encoder and decoder
    ffn_dim: int  # 4 · d_model
    vocab_size: int  # 51865, or 51866 from large-v3 on (adds <|yue|>)
    max_source_positions: int = N_AUDIO_CTX  # 1500 encoder positions
    max_target_positions: int = N_TEXT_CTX  # 448 decoder positions
    model_id: str = ""  # the hub id (for display; only allow-listed ids are ever loaded)

    @property
    def head_dim(self) -> int:
        return self.d_model // self.attention_heads

    @property
    def num_languages(self) -> int:
        return 100 if self.vocab_size == 51866 else 99

    def config_kwargs(self) -> dict[str, int]:
        """Keyword arguments for transformers.WhisperConfig."""
        return {
            "num_mel_bins": self.n_mels,
            "d_model": self.d_model,
            "encoder_layers": self.encoder_layers,
            "decoder_layers": self.decoder_layers,
            "encoder_attention_heads": self.attention_heads,
            "decoder_attention_heads": self.attention_heads,
            "encoder_ffn_dim": self.ffn_dim,
            "decoder_ffn_dim": self.ffn_dim,
            "vocab_size": self.vocab_size,
            "max_source_positions": self.max_source_positions,
            "max_target_positions": self.max_target_positions,
        }


VARIANTS: dict[str, WhisperDims] = {
    d.name: d
    for d in (
        WhisperDims("tiny", 80, 384, 4, 4, 6, 1536, 51865, model_id="openai/whisper-tiny"),
        WhisperDims("base", 80, 512, 6, 6, 8, 2048, 51865, model_id="openai/whisper-base"),
        WhisperDims("small", 80, 768, 12, 12, 12, 3072, 51865, model_id="openai/whisper-small"),
        WhisperDims("medium", 80, 1024, 24, 24, 16, 4096, 51865, model_id="openai/whisper-medium"),
        WhisperDims("large", 80, 1280, 32, 32, 20, 5120, 51865, model_id="openai/whisper-large"),
        WhisperDims("large-v2", 80, 1280, 32, 32, 20, 5120, 51865, model_id="openai/whisper-large-v2"),
        WhisperDims("large-v3", 128, 1280, 32, 32, 20, 5120, 51866, model_id="openai/whisper-large-v3"),
        # turbo = large-v3 with the decoder pruned from 32 to 4 layers, then fine-tuned
        WhisperDims("large-v3-turbo", 128, 1280, 32, 4, 20, 5120, 51866, model_id="openai/whisper-large-v3-turbo"),
    )
}


def variant(name: str) -> WhisperDims:
    try:
        return VARIANTS[name]
    except KeyError:
        raise ParamError(f"unknown Whisper variant {name!r}; choose one of: {', '.join(VARIANTS)}") from None


def param_count(dims: WhisperDims) -> dict[str, int]:
    """Exact parameter count of WhisperForConditionalGeneration, by part (proj_out is tied).

    With d = d_model, f = ffn_dim, m = n_mels, V = vocab, L_e / L_d layers:
      conv  = (3·m·d + d) + (3·d·d + d)
      attn  = 4·d² + 3·d            (q, k, v, out; k has no bias)
      ffn   = 2·d·f + f + d
      enc layer = attn + ffn + 2 LayerNorms (4·d);  dec layer = 2·attn + ffn + 3 LayerNorms (6·d)
      total = conv + 1500·d + L_e·enc + 2d  +  V·d + 448·d + L_d·dec + 2d
    Positional tables are counted (HF keeps the encoder's sinusoids as a frozen nn.Embedding).
    Reference: transformers/models/whisper/modeling_whisper.py; Radford et al. (2022) Table 1.
    """
    d, f, m = dims.d_model, dims.ffn_dim, dims.n_mels
    attn = 4 * d * d + 3 * d
    ffn = 2 * d * f + f + d
    enc_layer = attn + ffn + 2 * (2 * d)
    dec_layer = 2 * attn + ffn + 3 * (2 * d)
    parts = {
        "encoder.conv": (3 * m * d + d) + (3 * d * d + d),
        "encoder.positions": dims.max_source_positions * d,
        "encoder.layers": dims.encoder_layers * enc_layer,
        "encoder.layer_norm": 2 * d,
        "decoder.embed_tokens": dims.vocab_size * d,
        "decoder.positions": dims.max_target_positions * d,
        "decoder.layers": dims.decoder_layers * dec_layer,
        "decoder.layer_norm": 2 * d,
    }
    parts["encoder"] = sum(v for k, v in parts.items() if k.startswith("encoder."))
    parts["decoder"] = sum(v for k, v in parts.items() if k.startswith("decoder."))
    parts["total"] = parts["encoder"] + parts["decoder"]
    return parts


def meta_model(dims: WhisperDims) -> Any:
    """WhisperForConditionalGeneration built from ``dims`` on the meta device (shapes only, no memory)."""
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    config = WhisperConfig(**dims.config_kwargs())
    with torch.device("meta"):
        return WhisperForConditionalGeneration(config)


def count_parameters(model: Any, *, trainable_only: bool = False) -> int:
    """Number of distinct parameters (tied weights counted once), optionally only trainable ones."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def lora_param_count(
    dims: WhisperDims, *, rank: int, targets: Sequence[str] = ("q_proj", "v_proj"), decoder_layers: int | None = None
) -> dict[str, int]:
    """LoRA parameters added to q/k/v/out projections of every attention block.

    Each adapted d×d Linear gets A (r×d) and B (d×r): 2·r·d parameters. Attention blocks:
    encoder self-attention (L_e) + decoder self- and cross-attention (2·L_d).
    total = n_blocks · len(targets) · 2·r·d.  ``decoder_layers`` overrides L_d (to show what a
    count assuming the wrong decoder depth gives). Reference: Hu et al. (2021), "LoRA", §4.
    """
    if rank < 1:
        raise ParamError(f"LoRA rank {rank} must be at least 1")
    bad = [t for t in targets if t not in ("q_proj", "k_proj", "v_proj", "out_proj")]
    if bad or not targets:
        raise ParamError(f"LoRA targets {list(targets)} must be among q_proj, k_proj, v_proj, out_proj")
    l_dec = dims.decoder_layers if decoder_layers is None else decoder_layers
    n_blocks = dims.encoder_layers + 2 * l_dec
    per_module = 2 * rank * dims.d_model
    return {
        "attention_blocks": n_blocks,
        "modules": n_blocks * len(targets),
        "per_module": per_module,
        "total": n_blocks * len(targets) * per_module,
    }


# --------------------------------------------------------------------------------------------
# Special tokens (real ids from the openai-whisper wheel's tiktoken vocabularies, offline)


@functools.lru_cache(maxsize=1)
def _tokenizer_module() -> Any:
    """openai-whisper's tokenizer.py loaded on its own: ``import whisper.tokenizer`` would run the
    package's __init__, which imports torch and the whole model code (seconds, at UI build time)."""
    import importlib.util
    import sys

    spec = importlib.util.find_spec("whisper")
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable("the openai-whisper package (tokenizer vocabularies) is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "tokenizer.py"
    mod_spec = importlib.util.spec_from_file_location("_whisper_tokenizer", path)
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules["_whisper_tokenizer"] = module  # dataclasses needs the module registered
    mod_spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=4)
def _oa_tokenizer(num_languages: int) -> Any:
    return _tokenizer_module().get_tokenizer(multilingual=True, num_languages=num_languages)


def languages(num_languages: int = 100) -> dict[str, str]:
    """Whisper's language codes → English names (99 up to large-v2, 100 from large-v3)."""
    return dict(list(_tokenizer_module().LANGUAGES.items())[:num_languages])


def check_language(language: str | None, *, num_languages: int = 100) -> str | None:
    """Normalise a language code or English name ('en', 'English') to Whisper's code; None = detect."""
    if language is None or str(language).strip().lower() in ("", "auto", "none", "detect"):
        return None
    TO_LANGUAGE_CODE = _tokenizer_module().TO_LANGUAGE_CODE
    key = str(language).strip().lower()
    langs = languages(num_languages)
    if key in langs:
        return key
    code = TO_LANGUAGE_CODE.get(key)
    if code is not None and code in langs:
        return code
    raise ParamError(
        f"language {language!r} is not one of Whisper's {len(langs)} languages; use a code such as "
        "'en', 'de', 'fr', 'es', 'ja' or 'auto' to detect it"
    )


def check_task(task: str) -> str:
    if task not in TASKS:
        raise ParamError(f"task {task!r} must be 'transcribe' or 'translate' (translate = into English)")
    return task


def prompt_tokens(
    language: str | None = "en", task: str = "transcribe", timestamps: bool = False, *, num_languages: int = 99
) -> list[tuple[str, int]]:
    """The decoder's special-token prompt as (token, id) pairs, ids from the real vocabulary.

    <|startoftranscript|> <|lang|> <|task|> [<|notimestamps|>]: language omitted (None) means the
    model predicts it after <|startoftranscript|>; without <|notimestamps|> the model writes
    <|t0|> text <|t1|> pairs. 99 languages (vocab 51865) up to large-v2, 100 (51866) from large-v3,
    which shifts every id after the language block by one.
    Reference: Radford et al. (2022) §2.3 and Fig. 1; openai/whisper tokenizer.py.
    """
    lang = check_language(language, num_languages=num_languages)
    check_task(task)
    tok = _oa_tokenizer(num_languages)
    enc = tok.encoding
    names = ["<|startoftranscript|>"]
    if lang is not None:
        names.append(f"<|{lang}|>")
    names.append(f"<|{task}|>")
    if not timestamps:
        names.append("<|notimestamps|>")
    return [(n, enc.encode_single_token(n)) for n in names]


def special_token_summary(num_languages: int = 99) -> dict[str, int]:
    """Ids of the landmark special tokens for the vocabulary with ``num_languages`` languages."""
    tok = _oa_tokenizer(num_languages)
    return {
        "<|endoftext|>": tok.eot,
        "<|startoftranscript|>": tok.sot,
        "first language <|en|>": tok.encoding.encode_single_token("<|en|>"),
        "<|translate|>": tok.translate,
        "<|transcribe|>": tok.transcribe,
        "<|startofprev|>": tok.sot_prev,
        "<|nospeech|>": tok.no_speech,
        "<|notimestamps|>": tok.no_timestamps,
        "<|0.00|>": tok.timestamp_begin,
        "<|30.00|>": tok.timestamp_begin + 1500,
        "vocab size": tok.encoding.n_vocab,
    }


def text_tokens(text: str, *, num_languages: int = 99) -> list[tuple[str, int]]:
    """Byte-level BPE pieces of ``text`` with their ids (the real Whisper vocabulary)."""
    tok = _oa_tokenizer(num_languages)
    ids = tok.encode(text)
    return [(tok.encoding.decode_single_token_bytes(i).decode("utf-8", errors="replace"), i) for i in ids]


# --------------------------------------------------------------------------------------------
# Long-form chunk planner


@dataclass(frozen=True)
class Chunk:
    """One decoding window of a long recording, in seconds on the recording's timeline."""

    index: int
    start_s: float  # window start
    end_s: float  # end of the audio inside the window (≤ start_s + chunk_s)
    window_end_s: float  # start_s + chunk_s: the model always sees a full window
    keep_start_s: float  # this window owns segments whose midpoint falls in [keep_start_s, keep_end_s)
    keep_end_s: float

    @property
    def pad_s(self) -> float:
        """Seconds of zero padding the model sees at the end of the window (hallucination-prone)."""
        return self.window_end_s - self.end_s


def plan_chunks(duration_s: float, *, chunk_s: float = CHUNK_LENGTH_S, stride_s: float = DEFAULT_STRIDE_S) -> list[Chunk]:
    """Split ``duration_s`` of audio into windows of ``chunk_s`` overlapping by ``stride_s`` per side.

    Windows start every hop = chunk_s − 2·stride_s seconds; each owns the middle of its window
    (the first and last own up to the recording's edges), so a word cut at one window's edge is
    decoded whole by its neighbour. The last window is padded with zeros to ``chunk_s`` — the
    region where Whisper tends to hallucinate ("Thanks for watching!"), shown by ``pad_s``.
    Formula: n = 1 + ceil(max(0, D − chunk_s) / hop). Reference: the chunked pipeline of
    transformers (AutomaticSpeechRecognitionPipeline, chunk_length_s / stride_length_s).
    """
    if not (math.isfinite(duration_s) and duration_s > 0):
        raise ParamError(f"duration {duration_s} s must be a positive number of seconds")
    if not (math.isfinite(chunk_s) and 1.0 <= chunk_s <= CHUNK_LENGTH_S):
        raise ParamError(f"chunk length {chunk_s} s must be between 1 and {CHUNK_LENGTH_S} s")
    if not (math.isfinite(stride_s) and 0.0 <= stride_s < chunk_s / 2):
        raise ParamError(f"stride {stride_s} s must be ≥ 0 and less than half the chunk ({chunk_s / 2:g} s)")
    hop = chunk_s - 2 * stride_s
    n = 1 + (math.ceil((duration_s - chunk_s) / hop - 1e-9) if duration_s > chunk_s else 0)
    chunks = []
    for i in range(n):
        start = i * hop
        end = min(start + chunk_s, duration_s)
        keep_start = 0.0 if i == 0 else start + stride_s
        keep_end = duration_s if i == n - 1 else start + chunk_s - stride_s
        chunks.append(Chunk(i, round(start, 6), round(end, 6), round(start + chunk_s, 6), round(keep_start, 6), round(keep_end, 6)))
    return chunks


def merge_texts(texts: Sequence[str], *, max_overlap_words: int = 30) -> str:
    """Join window texts, dropping the longest word overlap between each text's end and the next's start.

    Without timestamps the overlapping stride is decoded twice; the longest common suffix/prefix
    run of words (case- and punctuation-insensitive) is kept once.
    """
    def norm(w: str) -> str:
        return "".join(ch for ch in w.lower() if ch.isalnum())

    out: list[str] = []
    for text in texts:
        words = text.split()
        best = 0
        for k in range(min(len(out), len(words), max_overlap_words), 0, -1):
            if [norm(w) for w in out[-k:]] == [norm(w) for w in words[:k]]:
                best = k
                break
        out.extend(words[best:])
    return " ".join(out)


# --------------------------------------------------------------------------------------------
# Timestamp tokens → segments; quality measures used by the fallback


def tokens_to_segments(
    ids: Sequence[int],
    *,
    timestamp_begin: int,
    eot: int,
    decode: Callable[[list[int]], str],
    offset_s: float = 0.0,
    time_precision: float = TIME_PRECISION,
) -> list[tuple[float, float, str]]:
    """Parse <|t0|> text <|t1|> pairs into (start_s, end_s, text) segments.

    Ids ≥ ``timestamp_begin`` are times: t = (id − timestamp_begin) · 0.02 s. A segment is the
    text between two timestamps; consecutive timestamps (<|t1|><|t1|>) close one segment and open
    the next; text after the last timestamp (cut by the window) ends at the last time seen.
    Special tokens below ``timestamp_begin`` other than text (< eot) are ignored.
    Reference: openai/whisper transcribe.py (segment splitting on consecutive timestamps).
    """
    segments: list[tuple[float, float, str]] = []
    start: float | None = None
    text_ids: list[int] = []
    last_time: float | None = None
    for tid in ids:
        tid = int(tid)
        if tid >= timestamp_begin:
            t = (tid - timestamp_begin) * time_precision
            if start is None:
                start = t
            elif text_ids:
                segments.append((round(offset_s + start, 3), round(offset_s + t, 3), decode(text_ids).strip()))
                text_ids = []
                start = t
            else:
                start = t
            last_time = t
        elif tid < eot:
            if start is None:
                start = last_time if last_time is not None else 0.0
            text_ids.append(tid)
    if text_ids:
        s = start if start is not None else 0.0
        e = max(s, last_time if last_time is not None else s)
        segments.append((round(offset_s + s, 3), round(offset_s + e, 3), decode(text_ids).strip()))
    return [seg for seg in segments if seg[2]]


def compression_ratio(text: str) -> float:
    """len(utf-8 bytes) / len(zlib-compressed bytes): > 2.4 flags a repetition loop (openai/whisper)."""
    raw = text.encode("utf-8")
    if not raw:
        return 0.0
    return len(raw) / len(zlib.compress(raw))


# --------------------------------------------------------------------------------------------
# Loading


@dataclass
class WhisperBundle:
    """A ready-to-run Whisper: the model (eval, CPU), its processor (feature extractor + tokenizer)."""

    model: Any  # transformers.WhisperForConditionalGeneration
    processor: Any  # transformers.WhisperProcessor
    model_id: str  # allow-listed hub id, or a label for a model built in this session

    @property
    def n_mels(self) -> int:
        return int(self.model.config.num_mel_bins)

    @property
    def window_s(self) -> float:
        """Seconds per window = encoder positions · 2 (conv stride) · 10 ms hop (30 s for real models)."""
        return self.model.config.max_source_positions * CONV_STRIDE * HOP_LENGTH / SAMPLE_RATE

    @property
    def tokenizer(self) -> Any:
        return self.processor.tokenizer

    @property
    def feature_extractor(self) -> Any:
        return self.processor.feature_extractor


def _load_from(source: str, model_id: str) -> WhisperBundle:
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    processor = WhisperProcessor.from_pretrained(source)
    model = WhisperForConditionalGeneration.from_pretrained(source, attn_implementation="eager")
    model.eval()
    return WhisperBundle(model=model, processor=processor, model_id=model_id)


@functools.lru_cache(maxsize=4)
def _load_cached(model_id: str, source: str) -> WhisperBundle:
    return _load_from(source, model_id)


def load_whisper(model_id: str) -> WhisperBundle:
    """Load an allow-listed Whisper (``openai/whisper-tiny`` …) once; later calls reuse it.

    The weights come from ``core.engines.model_source(model_id)``: the hub id, or a local folder
    registered with ``use_local_model`` (tests, air-gapped machines). Never trust_remote_code.
    The cache is keyed by (id, source), so a local override is really reloaded.
    """
    return _load_cached(model_id, model_source(model_id))


def load_whisper_folder(folder: str | Path, *, label: str) -> WhisperBundle:
    """Load a Whisper saved with save_pretrained (the shipped digit model, a fine-tuned one)."""
    return _load_from(str(folder), label)


HUB_ENGINES = {"whisper-tiny": "openai/whisper-tiny", "whisper-base": "openai/whisper-base"}

for _name, _mid in HUB_ENGINES.items():
    REGISTRY.register(
        Engine(
            capability="whisper",
            name=_name,
            kind="hub",
            description=f"{_mid} (multilingual Whisper, transformers)",
            load=functools.partial(load_whisper, _mid),
            probe=hub_probe(_mid, packages=("transformers",)),
            model_id=_mid,
        )
    )


# --------------------------------------------------------------------------------------------
# Transcription


@dataclass(frozen=True)
class DecodeOptions:
    """Decoding options of the reference implementation (openai/whisper transcribe.py)."""

    num_beams: int = 1  # 1 = greedy; >1 = beam search at temperature 0
    temperatures: tuple[float, ...] = TEMPERATURES  # tried in order until a decode passes the checks
    compression_ratio_threshold: float | None = COMPRESSION_RATIO_THRESHOLD  # None = no check
    logprob_threshold: float | None = LOGPROB_THRESHOLD  # None = no check
    no_speech_threshold: float | None = NO_SPEECH_THRESHOLD  # None = never skip a window
    condition_on_previous_text: bool = True  # prompt each window with the previous window's text
    max_new_tokens: int = MAX_NEW_TOKENS  # per window
    seed: int = 0  # sampling seed at temperature > 0 (reproducible results)

    def validate(self) -> None:
        if not (isinstance(self.num_beams, int) and 1 <= self.num_beams <= MAX_BEAMS):
            raise ParamError(f"num_beams={self.num_beams} must be a whole number from 1 (greedy) to {MAX_BEAMS}")
        if not self.temperatures or any(not (math.isfinite(t) and 0.0 <= t <= 2.0) for t in self.temperatures):
            raise ParamError(f"temperatures {self.temperatures} must be a non-empty list of numbers in [0, 2]")
        if self.no_speech_threshold is not None and not 0.0 <= self.no_speech_threshold <= 1.0:
            raise ParamError(f"no_speech_threshold={self.no_speech_threshold} must be a probability in [0, 1] (or None)")
        if self.compression_ratio_threshold is not None and not self.compression_ratio_threshold > 0:
            raise ParamError(f"compression_ratio_threshold={self.compression_ratio_threshold} must be positive (or None)")
        if not 1 <= self.max_new_tokens <= N_TEXT_CTX // 2:
            raise ParamError(f"max_new_tokens={self.max_new_tokens} must be between 1 and {N_TEXT_CTX // 2}")


@dataclass
class WindowDecode:
    """What happened in one window: the attempts of the temperature fallback and the outcome."""

    chunk: Chunk
    text: str
    tokens: list[int]  # generated ids after the prompt (text and timestamps, no EOT)
    temperature: float  # temperature of the accepted attempt
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    skipped_as_silence: bool
    attempts: list[dict[str, float | str]]  # every attempt: temperature, avg_logprob, compression_ratio, text
    prompt_words: int  # words of previous text the window was conditioned on


@dataclass
class WhisperResult:
    """Transcription of a clip: text, (start_s, end_s, text) segments, detected or given language."""

    text: str
    segments: list[tuple[float, float, str]] = field(default_factory=list)
    language: str | None = None
    windows: list[WindowDecode] = field(default_factory=list)  # per-window diagnostics
    alignment: np.ndarray | None = None  # (n_tokens, n_frames) cross-attention of the first window
    alignment_tokens: list[str] = field(default_factory=list)  # token strings on the alignment's rows


def _token_ids(tokenizer: Any) -> dict[str, int | None]:
    def tid(name: str) -> int | None:
        i = tokenizer.convert_tokens_to_ids(name)
        return None if i is None or i == tokenizer.unk_token_id and name != tokenizer.unk_token else int(i)

    return {
        "sot": tid("<|startoftranscript|>"),
        "eot": tid("<|endoftext|>"),
        "no_speech": tid("<|nospeech|>") or tid("<|nocaptions|>"),
        "no_timestamps": tid("<|notimestamps|>"),
        "timestamp_begin": tid("<|0.00|>"),
        "sot_prev": tid("<|startofprev|>"),
    }


def _check_audio(y: np.ndarray, sr: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise AudioError(f"audio must be mono (1-D); got shape {y.shape}. Mix down first (core.audio.to_mono)")
    if not np.issubdtype(y.dtype, np.floating):
        raise AudioError(f"audio must be float in [-1, 1]; got {y.dtype}. Use core.audio.load_audio")
    if not np.all(np.isfinite(y)):
        raise AudioError("audio contains NaN or infinite samples; clean or re-record it")
    if sr != SAMPLE_RATE:
        from core.audio import resample

        y = resample(y.astype(np.float32), orig_sr=sr, target_sr=SAMPLE_RATE)
    if len(y) < MIN_AUDIO_S * SAMPLE_RATE:
        raise AudioError(
            f"audio is {len(y) / SAMPLE_RATE * 1e3:.1f} ms long ({len(y)} samples); Whisper needs at least "
            f"{MIN_AUDIO_S * 1e3:.0f} ms — record or upload a longer clip"
        )
    return y.astype(np.float32, copy=False)


def _features(bundle: WhisperBundle, window: np.ndarray) -> Any:
    fe = bundle.feature_extractor
    out = fe(window, sampling_rate=SAMPLE_RATE, return_tensors="pt")
    return out.input_features.to(bundle.model.dtype)


def _generation_kwargs(bundle: WhisperBundle, language: str | None, task: str, timestamps: bool) -> dict[str, Any]:
    gc = bundle.model.generation_config
    kwargs: dict[str, Any] = {"task": task, "return_timestamps": bool(timestamps)}
    if language is not None:
        lang_to_id = getattr(gc, "lang_to_id", None) or {}
        if f"<|{language}|>" not in lang_to_id:
            have = ", ".join(k.strip("<|>") for k in list(lang_to_id)[:12]) or "none"
            raise ParamError(
                f"language {language!r} is not supported by {bundle.model_id} (it knows: {have}"
                f"{' …' if len(lang_to_id) > 12 else ''}); pick one of those or 'auto'"
            )
        kwargs["language"] = language
    return kwargs


class _quiet_transformers:
    """Silence transformers' advisory log lines (attention-mask and logits-processor notices) around generate()."""

    def __enter__(self) -> None:
        from transformers.utils import logging as hf_logging

        self._level = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()

    def __exit__(self, *exc: object) -> None:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity(self._level)


def detect_language(bundle: WhisperBundle, window: np.ndarray) -> str:
    """Most likely language of a window: argmax over the language tokens after <|startoftranscript|>.

    One decoder step; Whisper was trained to predict the language token there (Radford et al. 2022, §2.3).
    """
    import torch

    features = _features(bundle, window)
    with torch.inference_mode(), _quiet_transformers():
        lang_id = int(bundle.model.detect_language(features)[0])
    token = bundle.tokenizer.convert_ids_to_tokens(lang_id)
    return str(token).strip("<|>")


def _score(bundle: WhisperBundle, features: Any, decoder_ids: list[int], n_prompt: int, *, attentions: bool) -> dict[str, Any]:
    """Teacher-forced pass over the decoded sequence: token log-probs, P(no speech), cross-attention."""
    import torch

    ids = _token_ids(bundle.tokenizer)
    model = bundle.model
    inp = torch.tensor([decoder_ids], dtype=torch.long)
    with torch.inference_mode():
        out = model(input_features=features, decoder_input_ids=inp, output_attentions=attentions)
    logp = torch.log_softmax(out.logits[0].float(), dim=-1)  # (T, V)
    # position of <|startoftranscript|>: its next-token distribution holds P(<|nospeech|>)
    sot_pos = decoder_ids.index(ids["sot"]) if ids["sot"] in decoder_ids else 0
    no_speech_prob = float(logp[sot_pos, ids["no_speech"]].exp()) if ids["no_speech"] is not None else 0.0
    targets = decoder_ids[n_prompt:]
    if targets:
        lp = logp[n_prompt - 1 : len(decoder_ids) - 1].gather(1, torch.tensor(targets)[:, None])[:, 0]
        avg_logprob = float(lp.mean())
    else:
        avg_logprob = 0.0
    res: dict[str, Any] = {"avg_logprob": avg_logprob, "no_speech_prob": no_speech_prob}
    if attentions and out.cross_attentions is not None:
        res["cross_attentions"] = [a[0].float().numpy() for a in out.cross_attentions]  # layers × (H, T, S)
    return res


def cross_attention_alignment(bundle: WhisperBundle, cross_attentions: list[np.ndarray]) -> tuple[np.ndarray, str]:
    """(T_dec, S_enc) alignment: mean over the model's alignment heads, else over the upper half of layers.

    Real checkpoints list ``alignment_heads`` (layer, head) in their generation config — the heads
    whose attention follows the words in time (used for word timestamps via DTW). Each row is
    normalised to sum to 1 after a per-head z-score over encoder positions (openai/whisper timing.py).
    """
    heads = getattr(bundle.model.generation_config, "alignment_heads", None)
    if heads:
        stack = np.stack([cross_attentions[layer][head] for layer, head in heads])
        how = f"mean of the checkpoint's {len(heads)} alignment heads"
    else:
        n = len(cross_attentions)
        stack = np.concatenate([cross_attentions[i] for i in range(n // 2, n)], axis=0)
        how = f"mean of all heads in decoder layers {n // 2 + 1}–{n} (no alignment heads listed)"
    std = stack.std(axis=-1, keepdims=True) + 1e-8
    z = (stack - stack.mean(axis=-1, keepdims=True)) / std
    return z.mean(axis=0), how


def _decode_window(
    bundle: WhisperBundle,
    window: np.ndarray,
    chunk: Chunk,
    *,
    gen_kwargs: dict[str, Any],
    options: DecodeOptions,
    prompt_text: str,
    want_attention: bool,
) -> tuple[WindowDecode, dict[str, Any]]:
    import torch

    tok = bundle.tokenizer
    ids = _token_ids(tok)
    model = bundle.model
    features = _features(bundle, window)
    prompt_ids = None
    prompt_words = 0
    n_ctx = int(model.config.max_target_positions)  # 448 for real checkpoints
    if prompt_text and options.condition_on_previous_text and ids["sot_prev"] is not None:
        # the reference keeps the last n_ctx // 2 − 1 = 223 tokens of previous text
        keep = n_ctx // 2 - 1
        words = prompt_text.split()[-keep:]
        pids = [int(i) for i in tok.get_prompt_ids(" " + " ".join(words))][1:]  # without <|startofprev|>
        pids = pids[-keep:]
        prompt_words = len(tok.decode(pids).split())
        prompt_ids = torch.tensor([ids["sot_prev"], *pids], dtype=torch.long)
    attempts: list[dict[str, Any]] = []
    chosen: dict[str, Any] | None = None
    first: dict[str, Any] | None = None
    init = [ids["sot"]]
    if gen_kwargs.get("language") is not None:
        init.append(int(tok.convert_tokens_to_ids(f"<|{gen_kwargs['language']}|>")))
    init.append(int(tok.convert_tokens_to_ids(f"<|{gen_kwargs['task']}|>")))
    if not gen_kwargs.get("return_timestamps"):
        init.append(ids["no_timestamps"])
    prefix = ([int(i) for i in prompt_ids] if prompt_ids is not None else []) + init
    n_prompt = len(prefix)
    max_new = max(1, min(options.max_new_tokens, n_ctx - n_prompt - 1))  # prompt + text must fit the decoder
    for k, temperature in enumerate(options.temperatures):
        kw = dict(gen_kwargs)
        if temperature > 0:
            torch.manual_seed(options.seed + 1000 * chunk.index + k)
            kw.update(do_sample=True, temperature=float(temperature), num_beams=1)
        else:
            kw.update(do_sample=False, num_beams=options.num_beams)
        if prompt_ids is not None:
            kw["prompt_ids"] = prompt_ids
        with torch.inference_mode(), _quiet_transformers():
            seq = model.generate(features, max_new_tokens=max_new, **kw)
        gen = [int(i) for i in seq[0]]
        # transformers returns only the new tokens for one window; strip a returned prompt if present
        if ids["sot"] in gen[: n_prompt + 1]:
            gen = gen[gen.index(ids["sot"]) + len(init) :]
        while gen and gen[-1] == ids["eot"]:
            gen = gen[:-1]
        if ids["eot"] in gen:  # anything after an end-of-text is padding of the batch
            gen = gen[: gen.index(ids["eot"])]
        full = prefix + gen
        text_only = [t for t in gen if t < ids["eot"]]
        text = tok.decode(text_only, skip_special_tokens=True).strip()
        scored = _score(bundle, features, full, n_prompt, attentions=want_attention and k == 0)
        attempt = {
            "temperature": float(temperature),
            "avg_logprob": round(scored["avg_logprob"], 4),
            "compression_ratio": round(compression_ratio(text), 3),
            "no_speech_prob": round(scored["no_speech_prob"], 4),
            "text": text,
        }
        attempts.append(attempt)
        cand = {"attempt": attempt, "gen": gen, "scored": scored, "full": full, "n_prompt": n_prompt}
        if first is None:
            first = cand
        chosen = cand
        too_repetitive = (
            options.compression_ratio_threshold is not None
            and attempt["compression_ratio"] > options.compression_ratio_threshold
        )
        too_unsure = options.logprob_threshold is not None and attempt["avg_logprob"] < options.logprob_threshold
        silent = (
            options.no_speech_threshold is not None
            and attempt["no_speech_prob"] > options.no_speech_threshold
            and too_unsure
        )
        if silent or not (too_repetitive or too_unsure):
            break
    assert chosen is not None
    a = chosen["attempt"]
    skipped = bool(
        options.no_speech_threshold is not None
        and a["no_speech_prob"] > options.no_speech_threshold
        and options.logprob_threshold is not None
        and a["avg_logprob"] < options.logprob_threshold
    )
    wd = WindowDecode(
        chunk=chunk,
        text="" if skipped else a["text"],
        tokens=[] if skipped else chosen["gen"],
        temperature=a["temperature"],
        avg_logprob=a["avg_logprob"],
        compression_ratio=a["compression_ratio"],
        no_speech_prob=a["no_speech_prob"],
        skipped_as_silence=skipped,
        attempts=attempts,
        prompt_words=prompt_words,
    )
    return wd, {"first": first}


def transcribe(
    bundle: WhisperBundle,
    y: np.ndarray,
    *,
    sr: int = SAMPLE_RATE,
    language: str | None = None,
    task: str = "transcribe",
    timestamps: bool = False,
    num_beams: int = 1,
    temperature_fallback: Sequence[float] | bool = TEMPERATURES,
    no_speech_threshold: float | None = NO_SPEECH_THRESHOLD,
    condition_on_previous_text: bool = True,
    compression_ratio_threshold: float | None = COMPRESSION_RATIO_THRESHOLD,
    logprob_threshold: float | None = LOGPROB_THRESHOLD,
    stride_s: float = DEFAULT_STRIDE_S,
    max_new_tokens: int = MAX_NEW_TOKENS,
    alignment: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> WhisperResult:
    """Transcribe (or translate to English) mono audio of any length with a loaded Whisper.

    ``y`` float (n,) at ``sr`` (resampled to 16 kHz). Audio longer than one window (30 s for real
    models) is split by ``plan_chunks`` into overlapping windows decoded in order; each window's
    decode is accepted at the first temperature whose text has compression ratio ≤
    ``compression_ratio_threshold`` and mean log-prob ≥ ``logprob_threshold`` (greedy or beam at
    T = 0, sampling above); a window whose P(<|nospeech|>) > ``no_speech_threshold`` while the
    decode is unsure is silence. ``temperature_fallback``: the temperature ladder, or False for
    T = 0 only. ``timestamps`` asks for timestamp tokens and returns real segments; otherwise
    each window is one segment. ``alignment`` returns the first window's cross-attention map.
    Reference: Radford et al. (2022) §4.5 (long-form heuristics); openai/whisper transcribe.py.
    """
    task = check_task(task)
    lang = check_language(language)
    if temperature_fallback is True:
        temps: tuple[float, ...] = TEMPERATURES
    elif temperature_fallback is False or temperature_fallback is None:
        temps = (0.0,)
    else:
        temps = tuple(float(t) for t in temperature_fallback)
    options = DecodeOptions(
        num_beams=int(num_beams) if float(num_beams) == int(num_beams) else num_beams,  # type: ignore[arg-type]
        temperatures=temps,
        compression_ratio_threshold=compression_ratio_threshold,
        logprob_threshold=logprob_threshold,
        no_speech_threshold=no_speech_threshold,
        condition_on_previous_text=bool(condition_on_previous_text),
        max_new_tokens=int(max_new_tokens),
    )
    options.validate()
    y = _check_audio(y, int(sr))
    gen_kwargs = _generation_kwargs(bundle, lang, task, timestamps)
    window_s = bundle.window_s
    duration_s = len(y) / SAMPLE_RATE
    stride = min(stride_s, window_s / 4)
    chunks = plan_chunks(duration_s, chunk_s=window_s, stride_s=stride)
    ids = _token_ids(bundle.tokenizer)
    windows: list[WindowDecode] = []
    segments: list[tuple[float, float, str]] = []
    detected: str | None = lang
    prompt_text = ""
    result_alignment = None
    alignment_tokens: list[str] = []
    for chunk in chunks:
        a, b = int(round(chunk.start_s * SAMPLE_RATE)), int(round(chunk.end_s * SAMPLE_RATE))
        if detected is None:
            detected = detect_language(bundle, y[a:b])
            gen_kwargs = {**gen_kwargs, "language": detected}  # detect once, on the first window, as the reference does
        wd, extra = _decode_window(
            bundle, y[a:b], chunk, gen_kwargs=gen_kwargs, options=options, prompt_text=prompt_text,
            want_attention=alignment and chunk.index == 0,
        )
        windows.append(wd)
        if alignment and chunk.index == 0 and "cross_attentions" in extra["first"]["scored"]:
            first = extra["first"]
            att, _ = cross_attention_alignment(bundle, first["scored"]["cross_attentions"])
            n_frames = max(1, int(math.ceil((chunk.end_s - chunk.start_s) / TIME_PRECISION)))
            rows = slice(first["n_prompt"] - 1, first["n_prompt"] - 1 + len(first["gen"]))
            result_alignment = att[rows, :n_frames]
            alignment_tokens = [str(t) for t in bundle.tokenizer.convert_ids_to_tokens(first["gen"])]
        if not wd.skipped_as_silence and wd.text:
            if timestamps and ids["timestamp_begin"] is not None and any(t >= ids["timestamp_begin"] for t in wd.tokens):
                segs = tokens_to_segments(
                    wd.tokens, timestamp_begin=ids["timestamp_begin"], eot=ids["eot"],
                    decode=lambda t: bundle.tokenizer.decode(t, skip_special_tokens=True), offset_s=chunk.start_s,
                )
                # a timestamp past the audio in the window (into the padding) is clipped to the audio's end
                segs = [(min(s0, chunk.end_s), min(s1, chunk.end_s), t) for s0, s1, t in segs]
                segs = [s for s in segs if chunk.keep_start_s <= (s[0] + s[1]) / 2 < chunk.keep_end_s or len(chunks) == 1]
            else:
                segs = [(round(chunk.start_s, 3), round(chunk.end_s, 3), wd.text)]
            segments.extend(segs)
        reset = wd.temperature > PROMPT_RESET_TEMPERATURE
        prompt_text = "" if reset or not condition_on_previous_text else (prompt_text + " " + wd.text).strip()
        if progress is not None:
            progress(chunk.index + 1, len(chunks))
    if timestamps and segments and len(chunks) > 1:
        text = " ".join(s[2] for s in segments)  # windows already de-duplicated by segment ownership
    else:
        text = merge_texts([w.text for w in windows if w.text])
    return WhisperResult(
        text=text.strip(),
        segments=segments,
        language=detected,
        windows=windows,
        alignment=result_alignment,
        alignment_tokens=alignment_tokens,
    )


# --------------------------------------------------------------------------------------------
# Tiny Whisper (tests, in-session fine-tuning): a character-level tokenizer with Whisper's specials


TINY_LANGUAGES = ("en", "de", "fr", "es")  # the language tokens a tiny model knows


def write_tiny_tokenizer(folder: str | Path, *, languages: Sequence[str] = TINY_LANGUAGES) -> Any:
    """Write and return a WhisperTokenizer with 256 byte tokens (no merges) + Whisper's special tokens.

    Same API and special-token layout as the real one (<|endoftext|>, <|startoftranscript|>,
    languages, <|translate|>, <|transcribe|>, <|startoflm|>, <|startofprev|>, <|nospeech|>,
    <|notimestamps|>, <|0.00|> … <|30.00|>), but 1,767 ids instead of 51,865: a tiny model's
    embedding stays small. Each character is one token.
    """
    from transformers import WhisperTokenizer
    from transformers.models.gpt2.tokenization_gpt2 import bytes_to_unicode

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    b2u = bytes_to_unicode()
    (folder / "vocab.json").write_text(json.dumps({b2u[b]: b for b in range(256)}), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    specials = ["<|startoftranscript|>", *[f"<|{lang}|>" for lang in languages], "<|translate|>", "<|transcribe|>",
                "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
    timestamps = [f"<|{i * TIME_PRECISION:.2f}|>" for i in range(int(MAX_TIMESTAMP_S / TIME_PRECISION) + 1)]
    eot = "<|endoftext|>"
    tok = WhisperTokenizer(
        str(folder / "vocab.json"), str(folder / "merges.txt"), unk_token=eot, bos_token=eot, eos_token=eot, pad_token=eot
    )
    tok.add_special_tokens({"additional_special_tokens": specials})
    # As in the real tokenizer, timestamps are added tokens but not "special": transformers finds them
    # as the ids after the last special token.
    tok.add_tokens(timestamps)
    return tok


def tiny_generation_config(tokenizer: Any, *, languages: Sequence[str] = TINY_LANGUAGES) -> Any:
    """A GenerationConfig with the fields Whisper's generate() reads, for the tiny tokenizer's ids."""
    from transformers import GenerationConfig

    ids = _token_ids(tokenizer)
    lang_to_id = {f"<|{lang}|>": int(tokenizer.convert_tokens_to_ids(f"<|{lang}|>")) for lang in languages}
    return GenerationConfig(
        decoder_start_token_id=ids["sot"],
        bos_token_id=ids["eot"],
        eos_token_id=ids["eot"],
        pad_token_id=ids["eot"],
        max_length=N_TEXT_CTX,
        lang_to_id=lang_to_id,
        task_to_id={t: int(tokenizer.convert_tokens_to_ids(f"<|{t}|>")) for t in TASKS},
        is_multilingual=True,
        no_timestamps_token_id=ids["no_timestamps"],
        prev_sot_token_id=ids["sot_prev"],
        max_initial_timestamp_index=50,
        suppress_tokens=[],
        begin_suppress_tokens=[ids["eot"]],
        forced_decoder_ids=None,
    )


def make_tiny_whisper(
    folder: str | Path,
    *,
    d_model: int = 64,
    encoder_layers: int = 2,
    decoder_layers: int = 2,
    attention_heads: int = 4,
    ffn_dim: int = 128,
    n_mels: int = 80,
    window_s: float = 4.0,
    seed: int = 0,
) -> Path:
    """Save a random-weight Whisper + processor (tiny tokenizer) into ``folder``; return the folder.

    ``window_s`` sets the window the model sees (max_source_positions = window_s / 20 ms): a 4 s
    window trains and runs ~8× faster than 30 s on a CPU. Used by tests (loaded in place of
    openai/whisper-tiny through use_local_model) and as the start of in-session fine-tuning.
    """
    import torch
    from transformers import (
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
    )

    folder = Path(folder)
    tok = write_tiny_tokenizer(folder / "_tok")
    n_pos = int(round(window_s / TIME_PRECISION))
    if not 10 <= n_pos <= N_AUDIO_CTX:
        raise ParamError(f"window_s={window_s} must be between 0.2 and 30 s")
    ids = _token_ids(tok)
    config = WhisperConfig(
        vocab_size=len(tok),
        num_mel_bins=n_mels,
        d_model=d_model,
        encoder_layers=encoder_layers,
        decoder_layers=decoder_layers,
        encoder_attention_heads=attention_heads,
        decoder_attention_heads=attention_heads,
        encoder_ffn_dim=ffn_dim,
        decoder_ffn_dim=ffn_dim,
        max_source_positions=n_pos,
        max_target_positions=N_TEXT_CTX // 4,
        decoder_start_token_id=ids["sot"],
        bos_token_id=ids["eot"],
        eos_token_id=ids["eot"],
        pad_token_id=ids["eot"],
        suppress_tokens=None,  # generation settings live in the generation config only
        begin_suppress_tokens=None,
    )
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config)
    model.generation_config = tiny_generation_config(tok)
    model.generation_config.max_length = config.max_target_positions
    fe = WhisperFeatureExtractor(feature_size=n_mels, chunk_length=int(window_s) if float(window_s).is_integer() else window_s)
    fe.n_samples = int(round(window_s * SAMPLE_RATE))
    fe.nb_max_frames = fe.n_samples // HOP_LENGTH
    processor = WhisperProcessor(feature_extractor=fe, tokenizer=tok)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


# --------------------------------------------------------------------------------------------
# A lean greedy decoder and int8 weights: what generate() does, without its per-step machinery


def random_model(dims: WhisperDims, *, seed: int = 0, attn_implementation: str = "sdpa") -> Any:
    """WhisperForConditionalGeneration with random weights from ``dims`` (real size, no download), eval, CPU.

    Its generation config carries the real special-token ids (from the openai-whisper vocabulary)
    so that ``generate(language=..., task=...)`` works, and suppresses the same non-speech tokens
    as the reference decoder (``suppress_tokens=-1``).
    """
    import torch
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperForConditionalGeneration,
    )

    tok = _oa_tokenizer(dims.num_languages)
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(WhisperConfig(**dims.config_kwargs(), attn_implementation=attn_implementation))
    model.eval()
    enc = tok.encoding
    model.generation_config = GenerationConfig(
        decoder_start_token_id=tok.sot, eos_token_id=tok.eot, pad_token_id=tok.eot, bos_token_id=tok.eot,
        max_length=N_TEXT_CTX, is_multilingual=True, no_timestamps_token_id=tok.no_timestamps,
        lang_to_id={f"<|{c}|>": enc.encode_single_token(f"<|{c}|>") for c in languages(dims.num_languages)},
        task_to_id={"transcribe": tok.transcribe, "translate": tok.translate},
        prev_sot_token_id=tok.sot_prev, suppress_tokens=list(tok.non_speech_tokens),
        begin_suppress_tokens=[enc.encode(" ")[0], tok.eot], forced_decoder_ids=None,
    )
    return model


def greedy_tokens(
    model: Any, features: Any, prompt: Sequence[int], *, max_new_tokens: int, min_new_tokens: int = 0
) -> list[int]:
    """Greedy decoding by hand: one encoder pass, then one cached decoder step per token.

    Applies the generation config's suppress_tokens at every step, begin_suppress_tokens at the
    first, and forbids <|endoftext|> before ``min_new_tokens`` — the same logits processors
    ``generate()`` builds, so the tokens are identical; only the per-step overhead is gone.
    Shapes: features (1, n_mels, frames) → encoder (1, positions, d_model); logits (1, vocab).
    """
    import torch
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache

    gc = model.generation_config
    eot = int(gc.eos_token_id)
    suppress = torch.tensor(list(gc.suppress_tokens or []), dtype=torch.long)
    begin = torch.tensor(list(gc.begin_suppress_tokens or []), dtype=torch.long)
    out: list[int] = []
    with torch.inference_mode():
        enc = model.model.encoder(features).last_hidden_state  # (1, 1500, d_model)
        cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
        x = torch.tensor([list(prompt)], dtype=torch.long)
        for step in range(max_new_tokens):
            dec = model.model.decoder(input_ids=x, encoder_hidden_states=enc, past_key_values=cache, use_cache=True)
            cache = dec.past_key_values
            logits = model.proj_out(dec.last_hidden_state[:, -1])  # (1, vocab)
            if suppress.numel():
                logits[:, suppress] = -math.inf
            if step == 0 and begin.numel():
                logits[:, begin] = -math.inf
            if step < min_new_tokens:
                logits[:, eot] = -math.inf
            nxt = int(logits.argmax(-1))
            out.append(nxt)
            if nxt == eot:
                break
            x = torch.tensor([[nxt]], dtype=torch.long)
    return out


def quantize_int8(model: Any) -> Any:
    """A copy of ``model`` with every nn.Linear as int8 dynamic quantization (weights int8, activations
    quantized per batch on the fly); convolutions and embeddings stay fp32. ~4× smaller Linear weights.
    Reference: torch.ao.quantization.quantize_dynamic; Jacob et al. (2018), "Quantization and Training
    of Neural Networks for Efficient Integer-Arithmetic-Only Inference".
    """
    import copy

    import torch

    return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
