"""Speech recognition engines behind one interface (capability "asr"), and long-audio chunking.

Engines, in order of preference (the registry skips those that cannot serve here, with reasons):

- ``whisper-base``, ``whisper-tiny`` (hub; through ``core.whisper``, lesson 05): encoder-decoder
  with cross-attention, trained on 680 k hours; word times are interpolated inside its segments.
- ``wav2vec2-base-960h`` (hub): a CTC model on raw audio; its per-frame emissions are decoded by
  *our* decoders (``core.ctc``: greedy, prefix beam search, beam + our character LM) and compared
  with the model's own arg-max decoding.
- ``pocketsphinx`` (embedded; the English model ships in the wheel): a classic HMM/GMM recogniser
  with an n-gram word LM; word times come from its Viterbi segmentation.
- ``tiny-ctc-digits`` (embedded; trained by ``scripts/train_ctc.py``): our toy CTC model, which
  only knows the words zero … nine.

Every engine takes 16 kHz mono float32 of at most ``CHUNK_S`` seconds; :func:`transcribe` splits
longer audio at pauses found by Silero VAD (``core.vad``) and stitches the words back together.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core import ctc
from core.engines import REGISTRY, Engine, hub_probe, model_source, module_available
from core.errors import AudioError, ParamError

SR = 16_000
CHUNK_S = 30.0  # longest piece one recogniser pass gets: Whisper's window, and bounded memory elsewhere
MAX_DURATION_S = 600.0  # 10 min (core.audio's limit): ≈ 2 min of pocketsphinx on 2 vCPU, shown with progress
MIN_DURATION_S = 0.1  # a handful of 25 ms frames; shorter has nothing to recognise
CHUNK_PAD_S = 0.2  # silence kept around the speech of a chunk (never past the middle of a pause)
W2V_BEAM = ctc.BeamConfig(beam_width=8, prune_log_prob=math.log(1e-4))  # emissions are peaky: prune hard
W2V_BEAM_LM = ctc.BeamConfig(beam_width=8, lm_weight=0.3, insertion_bonus=0.6, prune_log_prob=math.log(1e-4))

WHISPER_MODELS = {"whisper-base": "openai/whisper-base", "whisper-tiny": "openai/whisper-tiny"}
W2V_ID = "facebook/wav2vec2-base-960h"


@dataclass(frozen=True)
class Word:
    word: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Transcript:
    """What one engine heard in one piece of audio (times relative to that piece)."""

    text: str
    words: tuple[Word, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)  # engine-specific extras (JSON-safe)


@dataclass(frozen=True)
class AsrResult:
    """A whole transcription: text, words with absolute times, who served it and how fast."""

    text: str
    words: tuple[Word, ...]
    engine: str
    kind: str
    word_timing: str  # how the word times were obtained (engines differ: be honest about it)
    rtf: float  # real-time factor: recognition seconds / audio seconds (model loading excluded)
    duration_s: float
    load_ms: float
    skipped: tuple[tuple[str, str], ...]
    chunks: tuple[tuple[float, float], ...]  # (start_s, end_s) of every piece recognised
    details: dict[str, Any]  # from the engine (first chunk's, or merged where it makes sense)


# --------------------------------------------------------------------------------------------
# the engines


class PocketSphinx:
    """CMU PocketSphinx 5 with its bundled US-English acoustic model, dictionary and 3-gram LM."""

    name = "pocketsphinx"
    word_timing = "Viterbi word segmentation (10 ms frames)"
    frame_s = 0.01  # pocketsphinx's default frame rate is 100 frames/s

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self._decoder = Decoder(samprate=SR, loglevel="FATAL")
        self._lock = threading.Lock()  # a Decoder is not re-entrant

    def transcribe(self, y: np.ndarray) -> Transcript:
        pcm = (np.clip(y, -1.0, 32767 / 32768) * 32768).astype(np.int16).tobytes()
        with self._lock:
            d = self._decoder
            d.start_utt()
            d.process_raw(pcm, full_utt=True)
            d.end_utt()
            hyp = d.hyp()
            segs = [(s.word, s.start_frame, s.end_frame) for s in d.seg()]
        words = []
        for w, a, b in segs:
            if w.startswith(("<", "[")):  # <s>, </s>, <sil>, [NOISE] ...: not words
                continue
            words.append(Word(re.sub(r"\(\d+\)$", "", w), a * self.frame_s, (b + 1) * self.frame_s))
        text = " ".join(w.word for w in words) if words else (hyp.hypstr if hyp else "")
        return Transcript(text, tuple(words))


class TinyCTCDigits:
    """Our toy CTC model (core.ctc_model): digit words only, trained on eSpeak NG voices."""

    name = "tiny-ctc-digits"
    word_timing = "CTC spikes of the greedy path (40 ms frames)"

    def __init__(self) -> None:
        from core import ctc_model

        self._cm = ctc_model
        self.model = ctc_model.pretrained()

    def transcribe(self, y: np.ndarray) -> Transcript:
        cm = self._cm
        if len(y) < cm.MEL.n_fft:
            return Transcript("", (), {"digits": ""})
        out = cm.infer(self.model, y)
        g = ctc.greedy_decode(out.log_probs)
        words = [Word(cm.DIGIT_WORDS[lab - 1], a * out.frame_s, b * out.frame_s) for lab, a, b in label_spans(g.path)]
        return Transcript(
            " ".join(w.word for w in words), tuple(words),
            {"digits": cm.VOCAB.decode(g.labels), "attention_digits": out.attention_digits},
        )


def label_spans(path: tuple[int, ...] | list[int], *, blank: int = ctc.BLANK) -> list[tuple[int, int, int]]:
    """(label, first frame, end frame exclusive) of every emitted label of a CTC frame path."""
    spans: list[tuple[int, int, int]] = []
    prev = blank
    for t, p in enumerate(path):
        if p != blank and p != prev:
            spans.append((int(p), t, t + 1))
        elif p != blank and p == prev:
            lab, a, _ = spans[-1]
            spans[-1] = (lab, a, t + 1)
        prev = p
    return spans


class Wav2Vec2:
    """wav2vec 2.0 + CTC head (Wav2Vec2ForCTC): emissions decoded by the model's processor and by us."""

    word_timing = "CTC spikes of the greedy path (20 ms frames), first to last letter of each word"

    def __init__(self, model: Any, processor: Any, name: str = "wav2vec2-base-960h") -> None:
        self.model, self.processor, self.name = model, processor, name
        tok = processor.tokenizer
        vocab = tok.get_vocab()
        tokens = [""] * len(vocab)
        for t, i in vocab.items():
            tokens[i] = t
        self.vocab = ctc.Vocab(
            tokens=tuple(tokens), blank=int(tok.pad_token_id),
            word_delimiter=getattr(tok, "word_delimiter_token", "|"),
            skip=frozenset(t for t in (tok.bos_token, tok.eos_token, tok.unk_token, tok.pad_token) if t),
        )
        # the LM knows lower-case letters, space and the apostrophe
        self._lm_chars = [c.lower() if len(c) == 1 and c.lower() in ctc.CHAR_SYMBOLS else "" for c in map(self.vocab.char, range(self.vocab.size))]
        config = model.config
        self.frame_s = float(np.prod(config.conv_stride)) / SR  # 320 samples = 20 ms

    def emissions(self, y: np.ndarray) -> np.ndarray:
        import torch

        inputs = self.processor(y, sampling_rate=SR, return_tensors="pt")
        with torch.inference_mode():
            logits = self.model(inputs.input_values).logits[0]  # (T', V)
        return torch.log_softmax(logits.double(), dim=-1).numpy()

    def transcribe(self, y: np.ndarray) -> Transcript:
        from core.charlm import default_lm

        lp = self.emissions(y)
        ids = np.argmax(lp, axis=-1)
        model_text = self.processor.batch_decode(ids[None])[0]  # the model's own decoding
        g = ctc.greedy_decode(lp, blank=self.vocab.blank)
        ours = self.vocab.decode(g.labels).strip()
        beam = ctc.prefix_beam_search(lp, config=W2V_BEAM, blank=self.vocab.blank)[0]
        beam_lm = ctc.prefix_beam_search(lp, config=W2V_BEAM_LM, blank=self.vocab.blank, lm=default_lm(), chars=self._lm_chars)[0]
        words = self._words(g.path)
        details = {
            "model_argmax": model_text,
            "ours_greedy": " ".join(ours.split()),
            "ours_beam": " ".join(self.vocab.decode(beam.labels).split()),
            "ours_beam_lm": " ".join(self.vocab.decode(beam_lm.labels).split()),
            "greedy_matches_model": " ".join(ours.split()) == " ".join(model_text.split()),
            "n_frames": int(lp.shape[0]),
            "frame_s": self.frame_s,
        }
        return Transcript(" ".join(ours.split()), tuple(words), details)

    def _words(self, path: tuple[int, ...]) -> list[Word]:
        words, cur, start, end = [], "", 0, 0
        for lab, a, b in label_spans(path, blank=self.vocab.blank):
            ch = self.vocab.char(lab)
            if ch == " ":
                if cur:
                    words.append(Word(cur, start * self.frame_s, end * self.frame_s))
                cur = ""
                continue
            if not ch:
                continue
            if not cur:
                start = a
            cur += ch
            end = b
        if cur:
            words.append(Word(cur, start * self.frame_s, end * self.frame_s))
        return words


class WhisperEngine:
    """A Whisper model through core.whisper (lesson 05's loader and decoding)."""

    word_timing = "segment timestamps from Whisper, word times interpolated by character count"

    def __init__(self, bundle: Any, name: str) -> None:
        self.bundle, self.name = bundle, name

    def transcribe(self, y: np.ndarray) -> Transcript:
        from core import whisper

        res = whisper.transcribe(self.bundle, y, sr=SR, timestamps=True)
        words: list[Word] = []
        for start, end, text in res.segments:
            words.extend(interpolate_words(text, start, end))
        return Transcript(" ".join(res.text.split()), tuple(words), {"language": res.language, "segments": [list(s) for s in res.segments]})


def interpolate_words(text: str, start_s: float, end_s: float) -> list[Word]:
    """Spread a segment's words over [start_s, end_s] in proportion to their length (an estimate)."""
    toks = text.split()
    if not toks:
        return []
    weights = np.array([len(t) + 1 for t in toks], dtype=np.float64)
    edges = start_s + (end_s - start_s) * np.r_[0.0, np.cumsum(weights) / weights.sum()]
    return [Word(t, float(a), float(b)) for t, a, b in zip(toks, edges[:-1], edges[1:])]


# --------------------------------------------------------------------------------------------
# registration (no heavy imports here: everything loads inside the getters)


def _load_wav2vec2() -> Wav2Vec2:
    from transformers import Wav2Vec2ForCTC, Wav2Vec2Processor

    source = model_source(W2V_ID)
    processor = Wav2Vec2Processor.from_pretrained(source)
    model = Wav2Vec2ForCTC.from_pretrained(source)
    model.eval()
    return Wav2Vec2(model, processor)


def _whisper_probe(model_id: str) -> Callable[[], str | None]:
    hub = hub_probe(model_id, packages=("transformers",))

    def probe() -> str | None:
        if not module_available("core.whisper"):
            return "core.whisper (lesson 05) is not installed in this build"
        return hub()

    return probe


def _whisper_loader(name: str, model_id: str) -> Callable[[], WhisperEngine]:
    return lambda: WhisperEngine(__import__("core.whisper").whisper.load_whisper(model_id), name)


def _tiny_probe() -> str | None:
    from core.ctc_model import WEIGHTS_PATH

    if not module_available("torch"):
        return "the Python package 'torch' is not installed"
    if not WEIGHTS_PATH.is_file():
        return f"weights {WEIGHTS_PATH.name} missing; run `python -m scripts.train_ctc`"
    return None


for _name, _id in WHISPER_MODELS.items():
    REGISTRY.register(Engine(
        capability="asr", name=_name, kind="hub", model_id=_id,
        description=f"OpenAI {_id.split('/')[1]}: encoder-decoder transformer, multilingual, segment timestamps",
        load=_whisper_loader(_name, _id), probe=_whisper_probe(_id),
    ))
REGISTRY.register(Engine(
    capability="asr", name="wav2vec2-base-960h", kind="hub", model_id=W2V_ID,
    description="Meta wav2vec 2.0 base fine-tuned with CTC on LibriSpeech 960 h; decoded by our CTC decoders",
    load=_load_wav2vec2, probe=hub_probe(W2V_ID, packages=("transformers",)),
))
REGISTRY.register(Engine(
    capability="asr", name="pocketsphinx", kind="embedded",
    description="CMU PocketSphinx 5: HMM/GMM acoustic model + 3-gram LM, English model inside the wheel",
    load=PocketSphinx,
    probe=lambda: None if module_available("pocketsphinx") else "the Python package 'pocketsphinx' is not installed",
))
REGISTRY.register(Engine(
    capability="asr", name="tiny-ctc-digits", kind="scratch",
    description="our toy CTC model (digits 'zero'…'nine' only, trained on eSpeak voices)",
    load=TinyCTCDigits, probe=_tiny_probe,
))

ENGINES = REGISTRY.names("asr")  # this module's engines, in preference order


# --------------------------------------------------------------------------------------------
# long audio


def plan_chunks(y: np.ndarray, sr: int = SR, *, max_chunk_s: float = CHUNK_S,
                segments: list[tuple[float, float]] | None = None) -> list[tuple[float, float]]:
    """Pieces of at most ``max_chunk_s`` seconds, cut in pauses found by Silero VAD.

    Audio no longer than ``max_chunk_s`` is one piece (no VAD run). Otherwise consecutive speech
    segments are packed greedily into pieces, each padded by up to CHUNK_PAD_S but never past the
    middle of the pause to its neighbour; a single segment longer than ``max_chunk_s`` (no pause
    to cut at) is split into equal parts. Silence outside all speech is not recognised at all.
    """
    duration = len(y) / sr
    if not max_chunk_s > 1.0:
        raise ParamError(f"max_chunk_s={max_chunk_s} must be above 1 s")
    if duration <= max_chunk_s:
        return [(0.0, duration)]
    if segments is None:
        from core.vad import speech_segments

        segments = speech_segments(y, sr)
    segs: list[tuple[float, float]] = []
    for a, b in segments:  # split over-long speech first
        n = max(1, math.ceil((b - a) / (max_chunk_s - 2 * CHUNK_PAD_S)))
        segs.extend((a + (b - a) * i / n, a + (b - a) * (i + 1) / n) for i in range(n))
    groups: list[list[tuple[float, float]]] = []
    for seg in segs:
        if groups and seg[1] - groups[-1][0][0] + 2 * CHUNK_PAD_S <= max_chunk_s:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    chunks = []
    for i, g in enumerate(groups):
        lo = 0.0 if i == 0 else (groups[i - 1][-1][1] + g[0][0]) / 2
        hi = duration if i == len(groups) - 1 else (g[-1][1] + groups[i + 1][0][0]) / 2
        chunks.append((max(lo, g[0][0] - CHUNK_PAD_S), min(hi, g[-1][1] + CHUNK_PAD_S)))
    return chunks


# --------------------------------------------------------------------------------------------
# the entry point


def _merge_details(into: dict[str, Any], new: dict[str, Any], *, offset_s: float) -> None:
    """Fold one piece's engine details into the whole recording's: texts joined, flags and-ed,
    frame counts summed, (start_s, end_s, text) segments shifted to absolute time; else the first wins."""
    for k, v in new.items():
        if k == "segments":
            v = [[round(a + offset_s, 3), round(b + offset_s, 3), t] for a, b, t in v]
        if k not in into:
            into[k] = v
        elif isinstance(v, bool) and isinstance(into[k], bool):
            into[k] = into[k] and v
        elif isinstance(v, str) and isinstance(into[k], str):
            into[k] = f"{into[k]} {v}".strip()
        elif k == "n_frames" or isinstance(v, list):
            into[k] = into[k] + v


def check_reference(text: str | None) -> str | None:
    """A usable reference transcript, or None when none was given (empty or only whitespace)."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ParamError("the reference must be text")
    return text.strip() or None


def transcribe(
    y: np.ndarray,
    engine: str | None = None,
    *,
    sr: int = SR,
    fallback: bool = True,
    progress: Callable[[float, str], None] | None = None,
) -> AsrResult:
    """Recognise mono float audio ``y`` (n,) at ``sr`` with ``engine`` (or the first that serves).

    Audio is resampled to 16 kHz, split into pieces ≤ CHUNK_S at pauses (Silero VAD), and each
    piece recognised; word times are shifted back to the whole recording's clock.
    RTF = recognition time / audio duration (< 1 is faster than real time); model loading is
    reported separately as ``load_ms``.
    """
    from core.audio import resample

    x = np.asarray(y, dtype=np.float32)
    if x.ndim != 1:
        raise AudioError(f"expected mono audio of shape (n,), got {x.shape}; mix it down first")
    if not np.isfinite(x).all():
        raise AudioError("audio contains NaN or Inf samples")
    if int(sr) != SR:
        x = resample(x, orig_sr=int(sr), target_sr=SR)
    duration = len(x) / SR
    if duration < MIN_DURATION_S:
        raise AudioError(f"audio is {duration:.3f} s long; record or upload at least {MIN_DURATION_S} s of speech")
    if duration > MAX_DURATION_S:
        raise AudioError(f"audio is {duration / 60:.1f} min long; the limit for recognition is {MAX_DURATION_S / 60:.0f} min — trim it first")
    names = REGISTRY.names("asr")  # later lessons may register more engines
    if engine is not None and engine not in names:
        raise ParamError(f"unknown ASR engine {engine!r}; choose one of: {', '.join(names)}")
    resolved = REGISTRY.resolve("asr", engine, fallback=fallback)
    rec = resolved.obj
    t0 = time.perf_counter()
    if progress:
        progress(0.0, "finding pauses" if duration > CHUNK_S else "recognising")
    chunks = plan_chunks(x, SR)
    texts, words, details = [], [], {}
    for i, (a, b) in enumerate(chunks):
        if progress and len(chunks) > 1:
            progress(i / len(chunks), f"recognising piece {i + 1} of {len(chunks)} ({a:.0f}–{b:.0f} s)")
        piece = x[round(a * SR) : round(b * SR)]
        if len(piece) < MIN_DURATION_S * SR:
            continue
        tr = rec.transcribe(piece)
        if tr.text:
            texts.append(tr.text)
        words.extend(Word(w.word, round(w.start_s + a, 3), round(w.end_s + a, 3)) for w in tr.words)
        _merge_details(details, tr.details, offset_s=a)
    elapsed = time.perf_counter() - t0
    if progress:
        progress(1.0, "done")
    return AsrResult(
        text=" ".join(texts), words=tuple(words), engine=resolved.name, kind=resolved.engine.kind,
        word_timing=rec.word_timing, rtf=elapsed / duration, duration_s=duration, load_ms=resolved.load_ms,
        skipped=resolved.skipped, chunks=tuple(chunks), details=details,
    )
