"""A tiny CTC acoustic model for spoken digit strings, its on-the-fly data, and a live training loop.

The model is a *toy on purpose*: it knows ten words ("zero" … "nine"), was trained only on speech
from the eSpeak NG formant synthesizer, and is small enough (~0.3 M parameters) to train from
scratch in about a minute on two CPU cores — so a learner can watch CTC learn: first only blanks,
then spikes at the right places, then the right digits.

Architecture (shapes for a batch of B utterances, T log-mel frames at 100 frames/s):

    log-mel (B, T, 40) ─ per-utterance mean/variance normalisation
    → Conv1d k=5 stride 2 + GELU → Conv1d k=5 stride 2 + GELU → LayerNorm   (B, T/4, C)  25 frames/s
    → bidirectional GRU                                        (B, T/4, 2H)  the encoder
    → CTC head: Linear → log-softmax over blank + 10 digits    (B, T/4, 11)
    → attention head (optional): a GRU decoder with dot-product cross-attention over the encoder,
      emitting digits then <eos>; trained jointly (hybrid CTC/attention) so its attention
      weights over the encoder frames are a real, learned alignment.

Training data is synthesised on the fly (no dataset, no download): random digit strings spoken by
eSpeak NG with random English accents and voice variants, speaking rates, pitches, gains, leading
and trailing silence, and white or pink noise at a random SNR.

References: Graves et al., ICML 2006 (CTC); Chorowski et al., "Attention-Based Models for Speech
Recognition", NeurIPS 2015; Watanabe et al., "Hybrid CTC/Attention Architecture for End-to-End
Speech Recognition", IEEE JSTSP 11(8), 2017 (joint loss λ·CTC + (1 − λ)·attention).
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from core import ctc, features
from core.audio import resample
from core.engines import torch_threads
from core.errors import ParamError

SR = 16_000
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
VOCAB = ctc.Vocab(tokens=(ctc.BLANK_GLYPH, *"0123456789"))  # blank = 0, digit d = d + 1
N_LABELS = VOCAB.size  # 11
EOS_TOKEN = 10  # attention decoder outputs: digits 0–9, then <eos>
SOS_TOKEN = 11  # attention decoder input at step 0
MEL = features.speech_config(SR, n_mels=40)  # 25 ms Hamming / 10 ms hop, 40 HTK mels, 20–7600 Hz
HOP_S = MEL.hop_length / SR  # 0.01 s per log-mel frame
SUBSAMPLING = 4  # two stride-2 convolutions: 25 frames/s is plenty for words of ≥ 0.2 s, and a
# 4× shorter sequence makes the GRU 2× faster and CTC leave its all-blank plateau much sooner
FRAME_S = HOP_S * SUBSAMPLING  # 0.04 s per encoder / CTC frame
MAX_INPUT_S = 60.0  # longer audio goes through core.asr's VAD chunking first

# eSpeak NG English accents and voice variants. Training uses TRAIN_*; HELDOUT_* are never trained
# on, so the held-out numbers measure generalisation to a new accent and new voices.
TRAIN_VOICES = ("en-us", "en", "en-029", "en-GB-x-rp", "en-US-nyc", "en-GB-x-gbclan", "en-GB-x-gbcwmd")
TRAIN_VARIANTS = ("", "+m1", "+m2", "+m3", "+m4", "+m5", "+f1", "+f2", "+f3", "+klatt", "+klatt2",
                  "+klatt3", "+adam", "+john", "+linda", "+steph", "+Andy", "+Annie", "+robert", "+Mr serious")
HELDOUT_VOICES = ("en-GB-scotland",)
HELDOUT_VARIANTS = ("+m7", "+f4", "+klatt4", "+max", "+shelby", "+anika")

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "assets" / "ctc"
WEIGHTS_PATH = WEIGHTS_DIR / "tiny_ctc.safetensors"
TRAIN_THREADS = 1  # torch threads while training: a model this small gains little from a second
# core, and on a shared 2-vCPU machine a second thread that must be woken for every small op
# can make a step 10× slower; the app's other worker keeps the other core
MAX_TRAIN_STEPS = 20_000  # sanity bounds for any run; the app's live run has tighter ones (demos/l04_asr.py)
MAX_TRAIN_SECONDS = 4 * 3600.0


@dataclass(frozen=True)
class DataConfig:
    """How random training utterances are made."""

    min_digits: int = 1
    max_digits: int = 6
    rate_wpm: tuple[int, int] = (110, 260)  # eSpeak speaking rate range, words per minute
    pitch: tuple[int, int] = (15, 85)  # eSpeak base pitch range (0–99)
    snr_db: tuple[float, float] = (5.0, 40.0)  # noise level range; white or pink noise, 50/50
    gain_db: tuple[float, float] = (-24.0, 0.0)  # peak level range (features are normalised anyway)
    pad_s: tuple[float, float] = (0.0, 0.4)  # silence added before and after, each
    voices: tuple[str, ...] = TRAIN_VOICES
    variants: tuple[str, ...] = TRAIN_VARIANTS


HELDOUT = DataConfig(voices=HELDOUT_VOICES, variants=HELDOUT_VARIANTS)


@dataclass(frozen=True)
class ModelConfig:
    """The network's sizes (saved beside the weights)."""

    n_mels: int = MEL.n_mels
    channels: int = 96  # convolution channels
    hidden: int = 96  # GRU units per direction
    attention: bool = True  # build the attention decoder head
    dec_hidden: int = 96  # attention decoder GRU units
    embed: int = 32  # decoder token embedding size


@dataclass(frozen=True)
class TrainConfig:
    """One training run; the live demo uses ``steps`` from its slider and the rest as is."""

    steps: int = 300
    batch_size: int = 16
    lr: float = 3e-3  # Adam, with a short warm-up and cosine decay to 10 %
    warmup_steps: int = 20
    ctc_weight: float = 0.7  # λ in λ·CTC + (1 − λ)·attention cross-entropy
    grad_clip: float = 5.0
    eval_every: int = 25  # decode the probe utterances every this many steps
    max_seconds: float = 120.0  # wall-clock bound; training stops early and says so
    seed: int = 0
    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()

    def validate(self) -> TrainConfig:
        if not 1 <= int(self.steps) <= MAX_TRAIN_STEPS or int(self.steps) != self.steps:
            raise ParamError(f"steps={self.steps} must be a whole number from 1 to {MAX_TRAIN_STEPS}")
        if not 1 <= int(self.batch_size) <= 128:
            raise ParamError(f"batch_size={self.batch_size} must be within 1–128")
        if not 0.0 < float(self.max_seconds) <= MAX_TRAIN_SECONDS:
            raise ParamError(f"max_seconds={self.max_seconds} must be within 0–{MAX_TRAIN_SECONDS:.0f}")
        if not 0.0 <= float(self.ctc_weight) <= 1.0:
            raise ParamError(f"ctc_weight={self.ctc_weight} must be within 0–1")
        return self


# The live demo: the same recipe as the shipped model, fewer steps. Measured here: loss from ~25 to
# ~2 nats and the first held-out strings right after ~200 steps (~45 s of CPU on one core); the
# joint attention loss and batches of 16 made the encoder leave CTC's all-blank plateau sooner than
# CTC alone or batches of 8 did at the same CPU cost.
LIVE_TRAIN = TrainConfig(steps=300, batch_size=16, lr=5e-3, warmup_steps=50, ctc_weight=0.7, eval_every=25)


# --------------------------------------------------------------------------------------------
# data


def digits_to_words(digits: str) -> str:
    return " ".join(DIGIT_WORDS[int(d)] for d in digits)


def synth_utterance(rng: np.random.Generator, cfg: DataConfig = DataConfig()) -> tuple[np.ndarray, str]:
    """One random training example: (y float32 at 16 kHz, digit string such as "4071")."""
    from core import espeak, signals

    n = int(rng.integers(cfg.min_digits, cfg.max_digits + 1))
    digits = "".join(str(d) for d in rng.integers(0, 10, n))
    voice = str(rng.choice(cfg.voices)) + str(rng.choice(cfg.variants))
    y, sr = espeak.synthesize(
        digits_to_words(digits), voice=voice, rate_wpm=int(rng.integers(*cfg.rate_wpm)), pitch=int(rng.integers(*cfg.pitch))
    )
    y = resample(y, orig_sr=sr, target_sr=SR)
    pads = rng.uniform(*cfg.pad_s, size=2)
    y = np.concatenate([np.zeros(int(pads[0] * SR), np.float32), y, np.zeros(int(pads[1] * SR), np.float32)])
    y *= 10 ** (rng.uniform(*cfg.gain_db) / 20) / max(float(np.abs(y).max()), 1e-6)
    noise_fn = signals.white_noise if rng.random() < 0.5 else signals.pink_noise
    noise = noise_fn(duration_s=len(y) / SR, sr=SR, seed=int(rng.integers(2**31)))[: len(y)].astype(np.float64)
    noise = np.pad(noise, (0, len(y) - len(noise)))
    p_sig = float(np.mean(y.astype(np.float64) ** 2))
    noise *= math.sqrt(p_sig / 10 ** (rng.uniform(*cfg.snr_db) / 10) / max(float(np.mean(noise**2)), 1e-12))
    return (y + noise).astype(np.float32), digits


def log_mel_features(y: np.ndarray) -> np.ndarray:
    """Model input: natural-log mel energies (frames, 40), normalised per band over the utterance.

    Per-utterance mean/variance normalisation (CMVN) removes the recording's gain and channel
    colouring, which the synthetic training data cannot cover.
    """
    S = features.log_mel(np.asarray(y, dtype=np.float32), MEL, scale="ln", top_db=None)  # (40, T)
    S = (S - S.mean(axis=1, keepdims=True)) / (S.std(axis=1, keepdims=True) + 1e-3)
    return np.ascontiguousarray(S.T, dtype=np.float32)


def _single_threaded_blas():
    """Small matrix products run fastest on one BLAS thread; on a busy 2-core machine, waking a
    second thread for a 40×201 product costs more (milliseconds) than the product itself."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn (pinned) depends on it
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(1)


@dataclass
class Batch:
    x: object  # torch (B, T, n_mels)
    x_lens: object  # torch (B,) int64, frames before subsampling
    targets: list[str]  # digit strings


def make_batch(rng: np.random.Generator, n: int, cfg: DataConfig = DataConfig()) -> Batch:
    import torch

    with _single_threaded_blas():
        utts = [synth_utterance(rng, cfg) for _ in range(n)]
        feats = [log_mel_features(y) for y, _ in utts]
    T = max(f.shape[0] for f in feats)
    x = np.zeros((n, T, MEL.n_mels), np.float32)
    for i, f in enumerate(feats):
        x[i, : len(f)] = f
    return Batch(torch.from_numpy(x), torch.tensor([len(f) for f in feats]), [d for _, d in utts])


# --------------------------------------------------------------------------------------------
# the model


def _build_model(cfg: ModelConfig):
    import torch
    from torch import nn

    class TinyCTC(nn.Module):
        """Conv subsampling + BiGRU encoder, a CTC head, and an optional attention decoder."""

        def __init__(self, cfg: ModelConfig) -> None:
            super().__init__()
            self.cfg = cfg
            C, H = cfg.channels, cfg.hidden
            self.conv1 = nn.Conv1d(cfg.n_mels, C, kernel_size=5, stride=2, padding=2)
            self.conv2 = nn.Conv1d(C, C, kernel_size=5, stride=2, padding=2)
            self.norm = nn.LayerNorm(C)  # keeps the GRU's inputs at unit scale: CTC leaves its blank-only plateau sooner
            self.gru = nn.GRU(C, H, batch_first=True, bidirectional=True)
            self.ctc_head = nn.Linear(2 * H, N_LABELS)
            if cfg.attention:
                D = cfg.dec_hidden
                self.embed = nn.Embedding(SOS_TOKEN + 1, cfg.embed)
                self.dec_cell = nn.GRUCell(cfg.embed + 2 * H, D)
                self.query = nn.Linear(D, 2 * H, bias=False)
                self.att_out = nn.Linear(D + 2 * H, EOS_TOKEN + 1)

        @staticmethod
        def out_lengths(x_lens: torch.Tensor) -> torch.Tensor:
            half = (x_lens - 1) // 2 + 1  # each conv: k=5, s=2, p=2
            return (half - 1) // 2 + 1

        def encode(self, x: torch.Tensor, x_lens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            h = nn.functional.gelu(self.conv1(x.transpose(1, 2)))  # (B, C, T/2)
            h = self.norm(nn.functional.gelu(self.conv2(h)).transpose(1, 2))  # (B, T/4, C)
            lens = self.out_lengths(x_lens)
            packed = nn.utils.rnn.pack_padded_sequence(h, lens.cpu(), batch_first=True, enforce_sorted=False)
            enc, _ = self.gru(packed)
            enc, _ = nn.utils.rnn.pad_packed_sequence(enc, batch_first=True, total_length=h.shape[1])  # (B, T/4, 2H)
            return enc, lens

        def ctc_log_probs(self, enc: torch.Tensor) -> torch.Tensor:
            return self.ctc_head(enc).log_softmax(-1)  # (B, T/4, 11)

        def decode_step(self, token, state, ctx, enc, mask):
            state = self.dec_cell(torch.cat([self.embed(token), ctx], -1), state)  # (B, D)
            scores = torch.einsum("btc,bc->bt", enc, self.query(state)) / math.sqrt(enc.shape[-1])  # (B, T/4)
            att = scores.masked_fill(~mask, -1e9).softmax(-1)  # (B, T/4)
            ctx = torch.einsum("bt,btc->bc", att, enc)  # (B, 2H)
            logits = self.att_out(torch.cat([state, ctx], -1))  # (B, 11)
            return logits, state, ctx, att

        def attention_logits(self, enc, lens, inputs):
            """Teacher forcing: ``inputs`` (B, U+1) = <sos> y1 … yU → logits (B, U+1, 11)."""
            B = enc.shape[0]
            mask = torch.arange(enc.shape[1])[None, :] < lens[:, None]
            state = enc.new_zeros(B, self.cfg.dec_hidden)
            ctx = enc.new_zeros(B, enc.shape[-1])
            out = []
            for u in range(inputs.shape[1]):
                logits, state, ctx, _ = self.decode_step(inputs[:, u], state, ctx, enc, mask)
                out.append(logits)
            return torch.stack(out, 1)

        @torch.no_grad()
        def attend_greedy(self, enc, lens, max_len: int = 12):
            """Greedy attention decoding of utterance 0: (tokens, attention (U, T/4))."""
            mask = torch.arange(enc.shape[1])[None, :] < lens[:, None]
            state = enc.new_zeros(1, self.cfg.dec_hidden)
            ctx = enc.new_zeros(1, enc.shape[-1])
            token = torch.tensor([SOS_TOKEN])
            tokens, atts = [], []
            for _ in range(max_len):
                logits, state, ctx, att = self.decode_step(token, state, ctx, enc[:1], mask[:1])
                token = logits.argmax(-1)
                atts.append(att[0])
                if int(token) == EOS_TOKEN:
                    break
                tokens.append(int(token))
            return tokens, torch.stack(atts).numpy()

    return TinyCTC(cfg)


def new_model(cfg: ModelConfig = ModelConfig(), *, seed: int = 0):
    import torch

    torch.manual_seed(seed)
    return _build_model(cfg)


def n_parameters(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def save_model(model, path: str | Path = WEIGHTS_PATH, *, metadata: dict | None = None) -> Path:
    """Weights as safetensors (float32), with the ModelConfig and ``metadata`` in the header."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"model_config": json.dumps(asdict(model.cfg)), **{k: json.dumps(v) for k, v in (metadata or {}).items()}}
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, str(path), metadata=meta)
    return path


def load_model(path: str | Path = WEIGHTS_PATH):
    """Build the model from a safetensors file written by :func:`save_model` (no pickle involved)."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise ParamError(f"no tiny-CTC weights at {path}; run `python -m scripts.train_ctc` to make them")
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
    cfg = ModelConfig(**json.loads(meta.get("model_config", "{}")))
    model = _build_model(cfg)
    model.load_state_dict(load_file(str(path)))
    model.eval()
    model.metadata = {k: json.loads(v) for k, v in meta.items() if k != "model_config"}
    return model


@functools.lru_cache(maxsize=1)
def pretrained():
    """The shipped model (assets/ctc/tiny_ctc.safetensors), loaded once."""
    return load_model(WEIGHTS_PATH)


# --------------------------------------------------------------------------------------------
# inference


@dataclass(frozen=True)
class TinyOutput:
    log_probs: np.ndarray  # (T', 11) CTC log-probabilities, one row per 40 ms frame
    frame_s: float  # seconds per row (0.04)
    attention: np.ndarray | None  # (U+1, T') cross-attention weights of the attention decoder (last row: <eos>)
    attention_digits: str | None  # what the attention decoder read


def infer(model, y: np.ndarray, *, attention: bool = True) -> TinyOutput:
    """Run the model on 16 kHz audio ``y`` (n,) → CTC log-probabilities (and attention, if it has the head)."""
    import torch

    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or len(y) < MEL.n_fft:
        raise ParamError(f"need at least {MEL.n_fft / SR * 1e3:.0f} ms of 16 kHz mono audio for the tiny model")
    if len(y) > MAX_INPUT_S * SR:
        raise ParamError(f"{len(y) / SR:.0f} s is too long for one pass of the tiny model; split it first (max {MAX_INPUT_S:.0f} s)")
    x = torch.from_numpy(log_mel_features(y))[None]  # (1, T, 40)
    lens = torch.tensor([x.shape[1]])
    with torch.inference_mode():
        enc, out_lens = model.encode(x, lens)
        lp = model.ctc_log_probs(enc)[0, : int(out_lens[0])].double().numpy()
        att, digits = None, None
        if attention and model.cfg.attention:
            tokens, att = model.attend_greedy(enc, out_lens)
            att = att[:, : int(out_lens[0])]
            digits = "".join(str(t) for t in tokens)
    return TinyOutput(lp, FRAME_S, att, digits)


def greedy_digits(log_probs: np.ndarray) -> str:
    return VOCAB.decode(ctc.greedy_decode(log_probs).labels)


# --------------------------------------------------------------------------------------------
# training


@dataclass(frozen=True)
class TrainUpdate:
    """Progress of a training run, yielded every ``eval_every`` steps and at the end."""

    step: int  # steps done
    steps: int  # steps planned
    losses: tuple[float, ...]  # CTC loss per step (nats per utterance, batch mean), all steps so far
    att_losses: tuple[float, ...]  # attention cross-entropy per step (nats per token); empty without the head
    elapsed_s: float
    samples: tuple[tuple[str, str], ...]  # (reference digits, greedy CTC output) on fixed held-out probes
    done: bool = False
    stopped_early: str = ""  # why training stopped before ``steps`` ("" when it did not)

    @property
    def probe_accuracy(self) -> float:
        """Fraction of probe utterances decoded exactly right."""
        return sum(r == h for r, h in self.samples) / max(len(self.samples), 1)


def _lr(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    frac = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0))))


def probe_set(n: int = 4, *, seed: int = 1234) -> list[tuple[np.ndarray, str]]:
    """Fixed held-out utterances (held-out accent and voices) for watching the model improve."""
    rng = np.random.default_rng(seed)
    return [synth_utterance(rng, replace(HELDOUT, snr_db=(20.0, 30.0), min_digits=3, max_digits=5)) for _ in range(n)]


def decode_batch(model, ys: list[np.ndarray]) -> list[str]:
    """Greedy CTC digits for each utterance (no attention)."""
    return [greedy_digits(infer(model, y, attention=False).log_probs) for y in ys]


def iter_training(config: TrainConfig = TrainConfig(), *, model=None, probes: list | None = None) -> Iterator[TrainUpdate]:
    """Train (a new model unless ``model`` is given) and yield a :class:`TrainUpdate` every ``eval_every`` steps.

    Each step synthesises a fresh batch (so the model never sees the same utterance twice), runs
    the joint loss λ·CTC + (1 − λ)·CE(attention), and takes one Adam step. The run stops at
    ``steps`` or after ``max_seconds``, whichever comes first; the last update has ``done=True``.
    All state lives in this generator: concurrent runs share nothing.
    """
    import torch

    cfg = config.validate()
    rng = np.random.default_rng(cfg.seed)
    if model is None:
        model = new_model(cfg.model, seed=cfg.seed)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    probes = probe_set() if probes is None else probes
    ctc_fn = torch.nn.CTCLoss(blank=ctc.BLANK, reduction="none", zero_infinity=True)
    use_att = model.cfg.attention and cfg.ctc_weight < 1.0
    losses: list[float] = []
    att_losses: list[float] = []
    t0 = time.perf_counter()
    model.last_update = None
    threads = torch.get_num_threads()
    with torch_threads(TRAIN_THREADS):
        yield from _train_loop(cfg, model, opt, rng, probes, ctc_fn, use_att, losses, att_losses, t0, threads)


def _train_loop(cfg, model, opt, rng, probes, ctc_fn, use_att, losses, att_losses, t0, threads):
    import torch

    def update(step: int, done: bool, why: str = "") -> TrainUpdate:
        model.eval()
        hyps = decode_batch(model, [y for y, _ in probes])
        model.train()
        u = TrainUpdate(step, int(cfg.steps), tuple(losses), tuple(att_losses), time.perf_counter() - t0,
                        tuple(zip([r for _, r in probes], hyps)), done, why)
        model.last_update = u
        return u

    def give(u: TrainUpdate):  # hand the global thread setting back while the caller has control
        torch.set_num_threads(threads)
        yield u
        torch.set_num_threads(TRAIN_THREADS)

    for step in range(int(cfg.steps)):
        if time.perf_counter() - t0 > cfg.max_seconds:
            yield from give(update(step, True, f"stopped at the {cfg.max_seconds:.0f} s time limit"))
            return
        for g in opt.param_groups:
            g["lr"] = _lr(step, cfg)
        batch = make_batch(rng, cfg.batch_size, cfg.data)
        enc, lens = model.encode(batch.x, batch.x_lens)
        lp = model.ctc_log_probs(enc)  # (B, T', 11)
        targets = [torch.tensor([int(d) + 1 for d in t]) for t in batch.targets]
        tgt_lens = torch.tensor([len(t) for t in targets])
        per_utt = ctc_fn(lp.transpose(0, 1), torch.cat(targets), lens, tgt_lens)  # (B,) nats
        loss = cfg.ctc_weight * (per_utt / tgt_lens).mean()  # per label, so long strings do not dominate
        if use_att:
            U = int(tgt_lens.max())
            inp = torch.full((len(targets), U + 1), EOS_TOKEN)
            out = torch.full((len(targets), U + 1), -100)
            inp[:, 0] = SOS_TOKEN
            for i, t in enumerate(targets):
                inp[i, 1 : len(t) + 1] = t - 1
                out[i, : len(t)] = t - 1
                out[i, len(t)] = EOS_TOKEN
            logits = model.attention_logits(enc, lens, inp)
            loss_att = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), out.reshape(-1), ignore_index=-100)
            loss = loss + (1 - cfg.ctc_weight) * loss_att
            att_losses.append(float(loss_att.detach()))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        losses.append(float(per_utt.detach().mean()))
        if (step + 1) % cfg.eval_every == 0 and step + 1 < cfg.steps:
            yield from give(update(step + 1, False))
    yield from give(update(int(cfg.steps), True))


def train(config: TrainConfig = TrainConfig(), *, callback: Callable[[TrainUpdate], None] | None = None, model=None):
    """Run :func:`iter_training` to the end; ``callback`` sees every update. Returns (model, last update)."""
    if model is None:
        model = new_model(config.model, seed=config.seed)
    last = None
    for last in iter_training(config, model=model):
        if callback is not None:
            callback(last)
    model.eval()
    return model, last


@dataclass(frozen=True)
class HeldOutReport:
    n_utterances: int
    digit_error_rate: float  # (S + D + I) / N over digits, from core.metrics.wer on space-separated digits
    sequence_accuracy: float  # whole digit strings exactly right
    attention_sequence_accuracy: float | None
    examples: list[tuple[str, str]] = field(default_factory=list)


def evaluate(model, *, n: int = 200, seed: int = 777, cfg: DataConfig = HELDOUT) -> HeldOutReport:
    """Digit error rate and exact-match accuracy on ``n`` fresh held-out utterances (greedy CTC)."""
    from core.metrics import wer

    rng = np.random.default_rng(seed)
    refs, hyps, att_ok = [], [], []
    for _ in range(n):
        y, digits = synth_utterance(rng, cfg)
        out = infer(model, y, attention=model.cfg.attention)
        refs.append(digits)
        hyps.append(greedy_digits(out.log_probs))
        if out.attention_digits is not None:
            att_ok.append(out.attention_digits == digits)
    errors = words = 0
    for r, h in zip(refs, hyps):
        res = wer(" ".join(r), " ".join(h) if h else "", normalize=False)
        errors += res.substitutions + res.deletions + res.insertions
        words += len(r)
    return HeldOutReport(
        n, errors / words, float(np.mean([r == h for r, h in zip(refs, hyps)])),
        float(np.mean(att_ok)) if att_ok else None, list(zip(refs, hyps))[:10],
    )
