"""Fine-tuning a tiny Whisper on generated speech, fully or with LoRA adapters.

The data: spoken digit strings ("three one four") synthesised by eSpeak NG with varied voices,
speaking rates, pitch and added noise — a task small enough to learn on a CPU, with exact
transcripts for free. The model: a Whisper with the real architecture (WhisperForConditionalGeneration)
at toy size — 4 s windows instead of 30 s, d_model 128, 2 + 2 layers, a character-level tokenizer
with Whisper's special tokens (core.whisper.make_tiny_whisper). ``scripts/train_tiny_whisper.py``
trains one from random weights on one domain (clear American/British voices) and ships it in
``assets/whisper_tiny``; the lesson then adapts it *live* to a shifted domain (other accents,
faster speech, more noise) and measures WER before and after on held-out utterances.

Training is the standard Whisper recipe: labels = <|en|><|transcribe|><|notimestamps|> text
<|endoftext|>, decoder input = labels shifted right behind <|startoftranscript|>, cross-entropy,
AdamW with linear warm-up and decay. LoRA (Hu et al., 2021, "LoRA: Low-Rank Adaptation of Large
Language Models") freezes the model and learns W + (α/r)·B·A on chosen projections, via peft.
"""

from __future__ import annotations

import copy
import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.engines import torch_threads
from core.errors import ParamError
from core.whisper import (
    SAMPLE_RATE,
    WhisperBundle,
    WhisperDims,
    count_parameters,
    lora_param_count,
)

ROOT = Path(__file__).resolve().parents[1]
ASSET_DIR = ROOT / "assets" / "whisper_tiny"  # written by scripts/train_tiny_whisper.py

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# Limits enforced before any work (the live fine-tune must stay about a minute on 2 cores)
MAX_STEPS = 400
LR_RANGE = (1e-6, 1e-2)
MAX_LORA_RANK = 64
MAX_EXAMPLES = 5_000
N_TRAIN, N_EVAL = 256, 32  # live fine-tune: training and held-out utterances


@dataclass(frozen=True)
class Domain:
    """How generated utterances vary: who speaks, how fast, how noisy."""

    voices: tuple[str, ...]  # eSpeak NG voice names
    rate_wpm: tuple[int, int]  # speaking rate range, words per minute
    pitch: tuple[int, int]  # eSpeak pitch range 0–99
    snr_db: tuple[float, float]  # white+pink noise added at this SNR range (dB)
    n_words: tuple[int, int] = (2, 5)  # digits per utterance


# The shipped checkpoint is trained on SOURCE; the live fine-tune adapts it to TARGET.
SOURCE = Domain(voices=("en-US", "en", "en-GB-x-rp"), rate_wpm=(140, 200), pitch=(35, 65), snr_db=(20.0, 40.0))
TARGET = Domain(voices=("en-GB-scotland", "en-029", "en-US-nyc"), rate_wpm=(230, 300), pitch=(20, 80), snr_db=(5.0, 15.0))


@dataclass
class Example:
    text: str
    y: np.ndarray  # float32 at 16 kHz
    voice: str
    rate_wpm: int
    snr_db: float
    start_s: float = 0.0  # where speech starts and ends in y (from the clean synthesis, before noise)
    end_s: float = 0.0


def digit_text(rng: np.random.Generator, n_words: tuple[int, int] = (2, 5)) -> str:
    n = int(rng.integers(n_words[0], n_words[1] + 1))
    return " ".join(DIGITS[int(d)] for d in rng.integers(0, 10, n))


def add_noise(y: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """y + noise scaled so that 10·log10(P_y / P_noise) = snr_db (half white, half pink)."""
    from core.signals import pink_noise

    n = len(y)
    white = rng.standard_normal(n).astype(np.float32)
    pink = pink_noise(duration_s=n / SAMPLE_RATE, sr=SAMPLE_RATE, seed=int(rng.integers(2**31)))[:n]
    noise = white / (np.std(white) + 1e-12) + pink / (np.std(pink) + 1e-12)
    p_y = float(np.mean(y.astype(np.float64) ** 2)) + 1e-12
    noise *= math.sqrt(p_y / (10 ** (snr_db / 10)) / (float(np.mean(noise.astype(np.float64) ** 2)) + 1e-12))
    out = y + noise.astype(np.float32)
    peak = float(np.max(np.abs(out)))
    return (out / peak * 0.9 if peak > 0.99 else out).astype(np.float32)


def make_dataset(n: int, domain: Domain, *, seed: int, max_s: float = 4.0) -> list[Example]:
    """``n`` spoken digit strings from eSpeak NG in ``domain``, 16 kHz float32, each ≤ ``max_s`` seconds."""
    from core.audio import resample
    from core.espeak import synthesize

    if not 1 <= n <= MAX_EXAMPLES:
        raise ParamError(f"dataset size {n} must be between 1 and {MAX_EXAMPLES}")
    out: list[Example] = []
    attempt = 0
    while len(out) < n:
        # one generator per utterance: eSpeak's output length varies by a few samples between runs,
        # and a shared generator would let that change every later text
        rng = np.random.default_rng((seed, attempt))
        attempt += 1
        text = digit_text(rng, domain.n_words)
        voice = domain.voices[int(rng.integers(len(domain.voices)))]
        rate = int(rng.integers(domain.rate_wpm[0], domain.rate_wpm[1] + 1))
        pitch = int(rng.integers(domain.pitch[0], domain.pitch[1] + 1))
        snr = float(rng.uniform(*domain.snr_db))
        y, sr = synthesize(text, voice=voice, rate_wpm=rate, pitch=pitch)
        y = resample(y, orig_sr=sr, target_sr=SAMPLE_RATE)
        lead = int(rng.integers(0, int(0.3 * SAMPLE_RATE)))  # random start so the model cannot rely on position
        y = np.concatenate([np.zeros(lead, np.float32), y.astype(np.float32)])
        if len(y) > max_s * SAMPLE_RATE:
            continue
        loud = np.flatnonzero(np.abs(y) > 0.02 * float(np.max(np.abs(y))))  # speech span: above −34 dB re peak
        start_s, end_s = (loud[0] / SAMPLE_RATE, (loud[-1] + 1) / SAMPLE_RATE) if len(loud) else (0.0, 0.0)
        out.append(Example(text, add_noise(y, snr, rng), voice, rate, snr, float(start_s), float(end_s)))
    return out


def features(bundle: WhisperBundle, ys: Sequence[np.ndarray]) -> Any:
    """Batch of log-mels (B, n_mels, frames) from our own front end (core.features.whisper_log_mel).

    Each clip is zero-padded to the model's window, then analysed exactly as Whisper's feature
    extractor does (tests check the parity), so training and inference see the same input.
    """
    import torch

    from core.features import whisper_log_mel

    n = int(round(bundle.window_s * SAMPLE_RATE))
    batch = np.stack(
        [whisper_log_mel(np.pad(y[:n], (0, max(0, n - len(y)))), n_mels=bundle.n_mels, pad_or_trim=False) for y in ys]
    )
    return torch.from_numpy(batch)


def labels(
    bundle: WhisperBundle,
    texts: Sequence[str],
    *,
    spans: Sequence[tuple[float, float] | None] | None = None,
    language: str = "en",
) -> Any:
    """(B, T) label ids, padded with −100. Without a span: <|lang|><|transcribe|><|notimestamps|> text
    <|endoftext|>; with a span (start_s, end_s): <|lang|><|transcribe|><|start|> text <|end|><|endoftext|>,
    times rounded to Whisper's 20 ms timestamp tokens — the two formats Whisper is trained on.
    """
    import torch

    from core.whisper import MAX_TIMESTAMP_S, TIME_PRECISION

    tok = bundle.tokenizer
    tok.set_prefix_tokens(language=language, task="transcribe", predict_timestamps=False)
    sot = tok.convert_tokens_to_ids("<|startoftranscript|>")
    no_ts = tok.convert_tokens_to_ids("<|notimestamps|>")
    eot = tok.convert_tokens_to_ids("<|endoftext|>")
    spans = list(spans) if spans is not None else [None] * len(texts)

    def ts(t: float) -> int:
        t = min(max(0.0, t), MAX_TIMESTAMP_S)
        return int(tok.convert_tokens_to_ids(f"<|{round(t / TIME_PRECISION) * TIME_PRECISION:.2f}|>"))

    seqs = []
    for text, span in zip(texts, spans, strict=True):
        ids = tok(" " + text if not text.startswith(" ") else text).input_ids
        ids = ids[1:] if ids and ids[0] == sot else ids  # the model prepends <|startoftranscript|> itself
        if span is not None:  # <|notimestamps|> → <|start|> … <|end|> before <|endoftext|>
            k = ids.index(no_ts)
            ids = [*ids[:k], ts(span[0]), *ids[k + 1 : -1], ts(span[1]), eot]
        seqs.append(ids)
    width = max(len(s) for s in seqs)
    out = torch.full((len(seqs), width), -100, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s)
    return out


def greedy_decode(bundle: WhisperBundle, ys: Sequence[np.ndarray], *, batch_size: int = 16, max_new_tokens: int = 48) -> list[str]:
    """Greedy transcripts of clips shorter than one window (batched generate, English, no timestamps)."""
    import torch

    from core.whisper import _quiet_transformers

    model = bundle.model
    was_training = model.training
    model.eval()
    texts: list[str] = []
    for i in range(0, len(ys), batch_size):
        feats = features(bundle, ys[i : i + batch_size]).to(model.dtype)
        with torch.inference_mode(), _quiet_transformers():
            seq = model.generate(feats, language="en", task="transcribe", max_new_tokens=max_new_tokens, do_sample=False, num_beams=1)
        texts += [t.strip() for t in bundle.tokenizer.batch_decode(seq, skip_special_tokens=True)]
    model.train(was_training)
    return texts


def corpus_wer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus WER = Σ(S + D + I) / Σ N over utterances, from lesson 17's aligner (core.metrics)."""
    from core.metrics import (
        corpus_wer as _corpus_wer,  # lazy: another lesson's section of core.metrics
    )

    return float(_corpus_wer(list(references), list(hypotheses)).wer)


@dataclass(frozen=True)
class FinetuneConfig:
    """One fine-tuning run; sliders map one-to-one to these fields."""

    steps: int = 120  # optimizer steps (capped at MAX_STEPS)
    learning_rate: float = 3e-3  # peak AdamW learning rate (LoRA wants ~10× a full fine-tune's)
    lora_rank: int = 8  # 0 = full fine-tuning of every weight; r ≥ 1 = LoRA adapters of rank r
    lora_alpha: float = 16.0  # LoRA scale α: the update is (α / r)·B·A
    lora_targets: tuple[str, ...] = ("q_proj", "v_proj")  # projections that get adapters
    batch_size: int = 16
    warmup_steps: int = 10
    timestamp_fraction: float = 0.5  # share of examples labelled with timestamp tokens instead of <|notimestamps|>
    weight_decay: float = 0.0
    seed: int = 0
    threads: int = 1  # torch threads while training: a toy model gains nothing from more, and on shared
    # cores extra OpenMP threads spin against other work (measured here: 2 threads were 5-10× slower)

    def validate(self, *, max_steps: int = MAX_STEPS) -> None:
        if not (isinstance(self.steps, int) and 1 <= self.steps <= max_steps):
            raise ParamError(f"steps={self.steps} must be a whole number between 1 and {max_steps} (the live fine-tune is capped to stay about a minute)")
        if not (math.isfinite(self.learning_rate) and LR_RANGE[0] <= self.learning_rate <= LR_RANGE[1]):
            raise ParamError(
                f"learning_rate={self.learning_rate:g} is outside {LR_RANGE[0]:g}–{LR_RANGE[1]:g}; "
                "try 1e-3 for LoRA or 3e-4 for a full fine-tune of this tiny model"
            )
        if not (isinstance(self.lora_rank, int) and 0 <= self.lora_rank <= MAX_LORA_RANK):
            raise ParamError(f"lora_rank={self.lora_rank} must be a whole number from 0 (full fine-tune) to {MAX_LORA_RANK}")
        if not (math.isfinite(self.lora_alpha) and 0 < self.lora_alpha <= 1024):
            raise ParamError(f"lora_alpha={self.lora_alpha} must be in (0, 1024]")
        if not 1 <= self.threads <= 64:
            raise ParamError(f"threads={self.threads} must be between 1 and 64")
        if not 1 <= self.batch_size <= 64:
            raise ParamError(f"batch_size={self.batch_size} must be between 1 and 64")


@dataclass
class FinetuneResult:
    bundle: WhisperBundle  # the fine-tuned model (LoRA merged into the weights), ready for transcribe
    loss_curve: list[float]  # training loss per step
    wer_before: float
    wer_after: float
    trainable_params: int  # counted on the instantiated (PEFT) model
    total_params: int
    lora_params_formula: int | None  # core.whisper.lora_param_count for this model (None for a full fine-tune)
    seconds: float
    examples: list[tuple[str, str, str]] = field(default_factory=list)  # (reference, before, after) samples


def dims_of(model: Any) -> WhisperDims:
    c = model.config
    return WhisperDims("this model", c.num_mel_bins, c.d_model, c.encoder_layers, c.decoder_layers,
                       c.encoder_attention_heads, c.encoder_ffn_dim, c.vocab_size, c.max_source_positions, c.max_target_positions)


def add_lora(model: Any, cfg: FinetuneConfig) -> Any:
    """Wrap ``model`` with peft LoRA adapters on ``cfg.lora_targets`` of every attention block."""
    from peft import LoraConfig, get_peft_model

    lcfg = LoraConfig(r=cfg.lora_rank, lora_alpha=cfg.lora_alpha, target_modules=list(cfg.lora_targets),
                      lora_dropout=0.0, bias="none")
    return get_peft_model(model, lcfg)


def train(
    bundle: WhisperBundle,
    train_set: Sequence[Example],
    cfg: FinetuneConfig,
    *,
    on_step: Callable[[int, float], None] | None = None,
    device: str = "cpu",
    max_steps: int = MAX_STEPS,
) -> tuple[Any, list[float], int, int]:
    """Fine-tune a copy of ``bundle.model``; return (trained model, loss per step, trainable, total params).

    Loss = mean token cross-entropy of the labels (teacher forcing). With ``cfg.lora_rank`` ≥ 1
    only the adapters train and are merged into the weights at the end (merge_and_unload).
    """
    import torch

    cfg.validate(max_steps=max_steps)
    torch.manual_seed(cfg.seed)
    model = copy.deepcopy(bundle.model).to(device)
    model.train()
    if cfg.lora_rank > 0:
        model = add_lora(model, cfg)
    trainable = count_parameters(model, trainable_only=True)
    total = count_parameters(model)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)

    def lr_at(step: int) -> float:  # linear warm-up, then linear decay to 10 %
        if step < cfg.warmup_steps:
            return (step + 1) / cfg.warmup_steps
        return max(0.1, 1.0 - 0.9 * (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    rng = np.random.default_rng(cfg.seed)
    feats_all = features(bundle, [e.y for e in train_set])  # precomputed once: the front end is not trained
    losses: list[float] = []
    for step in range(cfg.steps):
        idx = rng.choice(len(train_set), size=min(cfg.batch_size, len(train_set)), replace=False)
        x = feats_all[idx].to(device)
        with_ts = rng.random(len(idx)) < cfg.timestamp_fraction
        spans = [(train_set[i].start_s, train_set[i].end_s) if w else None for i, w in zip(idx, with_ts, strict=True)]
        lab = labels(bundle, [train_set[i].text for i in idx], spans=spans).to(device)
        out = model(input_features=x, labels=lab)
        loss = out.loss
        if not torch.isfinite(loss):
            raise ParamError(
                f"training diverged at step {step + 1} (loss {float(loss)}); lower the learning rate "
                f"(now {cfg.learning_rate:g})"
            )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step + 1, losses[-1])
    if cfg.lora_rank > 0:
        model = model.merge_and_unload()
    model.eval()
    return model.to("cpu"), losses, trainable, total


def finetune(
    bundle: WhisperBundle,
    cfg: FinetuneConfig,
    *,
    n_train: int = N_TRAIN,
    n_eval: int = N_EVAL,
    domain: Domain = TARGET,
    on_step: Callable[[int, float], None] | None = None,
    device: str = "cpu",
) -> FinetuneResult:
    """Generate data in ``domain``, measure WER, fine-tune, measure again on the same held-out set.

    Train and held-out sets use different random seeds (different digit strings, voices, noise).
    """
    cfg.validate()
    t0 = time.perf_counter()
    train_set = make_dataset(n_train, domain, seed=1000 + cfg.seed, max_s=bundle.window_s)
    eval_set = make_dataset(n_eval, domain, seed=2000 + cfg.seed, max_s=bundle.window_s)
    refs = [e.text for e in eval_set]
    with torch_threads(cfg.threads if device == "cpu" else 1):
        before = greedy_decode(bundle, [e.y for e in eval_set])
        model, losses, trainable, total = train(bundle, train_set, cfg, on_step=on_step, device=device)
        tuned = WhisperBundle(model=model, processor=bundle.processor, model_id=f"{bundle.model_id} + fine-tune")
        after = greedy_decode(tuned, [e.y for e in eval_set])
    formula = lora_param_count(dims_of(bundle.model), rank=cfg.lora_rank, targets=cfg.lora_targets)["total"] if cfg.lora_rank else None
    return FinetuneResult(
        bundle=tuned,
        loss_curve=losses,
        wer_before=corpus_wer(refs, before),
        wer_after=corpus_wer(refs, after),
        trainable_params=trainable,
        total_params=total,
        lora_params_formula=formula,
        seconds=time.perf_counter() - t0,
        examples=list(zip(refs, before, after))[:8],
    )


def load_shipped() -> WhisperBundle:
    """The tiny digit Whisper shipped in assets/whisper_tiny (trained by scripts/train_tiny_whisper.py)."""
    from core.errors import EngineUnavailable

    if not (ASSET_DIR / "config.json").is_file():
        raise EngineUnavailable(
            f"the tiny digit Whisper is missing ({ASSET_DIR}); create it with `python -m scripts.train_tiny_whisper`"
        )
    return _load_shipped_cached()


@functools.lru_cache(maxsize=1)
def _load_shipped_cached() -> WhisperBundle:
    from core.whisper import load_whisper_folder

    return load_whisper_folder(ASSET_DIR, label="digits-tiny")
