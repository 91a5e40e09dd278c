"""Lesson 05 — Whisper: architecture and fine-tuning."""

from __future__ import annotations

import time

import gradio as gr
import numpy as np

from core import features
from core import whisper as W
from core import whisper_finetune as F
from core.audio import load_audio
from core.engines import REGISTRY
from core.errors import EngineUnavailable, ParamError
from demos import _ui

SLUG = "05"
TITLE = "Whisper"
API_NAMES = ("whisper_anatomy", "whisper_tokens", "whisper_chunks", "whisper_transcribe", "whisper_finetune")  # public Gradio endpoints: a stable contract
SUMMARY = (
    "Whisper's anatomy — 30 s of log-mel (80 or 128 bins, 3000 frames) → convolutions → 1500 encoder "
    "positions → a decoder prompted with special tokens — every variant's parameter count by formula, "
    "long-form chunking, decoding heuristics (beam, temperature fallback, no-speech), timestamps, and "
    "fine-tuning (full or LoRA) of a tiny Whisper on generated speech. **No Whisper checkpoint ships "
    "offline:** anatomy, tokens, chunking and fine-tuning work anywhere; transcription needs "
    "openai/whisper-* from the Hub, or the shipped toy digit model, or the model you fine-tune here."
)

MAX_AUDIO_S = 600.0  # 10 min: 20 windows; longer recordings are rejected before any work
ANATOMY_MAX_S = 30.0
HUB = "hub"
MODELS = [
    ("whisper-tiny — openai/whisper-tiny (Hub download)", "whisper-tiny"),
    ("whisper-base — openai/whisper-base (Hub download)", "whisper-base"),
    ("digits-tiny — shipped toy, English digits only", "digits-tiny"),
    ("fine-tuned in this session", "session"),
]
LANGUAGES = [("auto-detect", "auto")] + [(f"{name.title()} ({code})", code) for code, name in W.languages(100).items()]
BASES = [("digits-tiny (shipped, CPU)", "digits-tiny"), ("openai/whisper-tiny (needs the Hub and a GPU)", "whisper-tiny")]
EXAMPLES = [str(p) for p in sorted(F.ASSET_DIR.glob("examples/*.wav"))] + [
    str(p) for p in sorted(_ui.EXAMPLES_DIR.glob("speech_espeak_16k.wav"))]
EXPLAIN_DECODING = """
**Decoding, as the reference implementation does it.** Each window is decoded greedily (or with beam search) at
temperature 0. The result is *rejected* when its text compresses too well (gzip ratio > 2.4: a repetition loop)
or the model is unsure (mean token log-prob < −1); the window is then re-decoded by sampling at 0.2, 0.4, … 1.0.
If P(`<|nospeech|>`) after `<|startoftranscript|>` exceeds the no-speech threshold *and* the decode is unsure,
the window is silence. **condition_on_previous_text** puts the previous window's text after `<|startofprev|>`:
it keeps names and style consistent, but one hallucinated or looping window then primes the next to continue the
loop — errors run away across windows. The reference resets the prompt after a window decoded above T = 0.5.
"""


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (Whisper's tokens are full of pipes)."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _audio(audio) -> np.ndarray:
    if audio is None:
        raise ParamError("no audio given; record, upload or click an example")
    return load_audio(audio, sr=W.SAMPLE_RATE, max_duration_s=MAX_AUDIO_S).y


@_ui.guard
def anatomy(variant: str = "tiny", audio: str | None = None):
    """Whisper's input pipeline and size for one variant, every number computed, none looked up.

    Args:
        variant: "tiny", "base", "small", "medium", "large", "large-v2", "large-v3" or "large-v3-turbo".
        audio: optional audio file (first 30 s used); the built-in speech example when empty.

    Returns plots (log-mel of the padded 30 s window; parameter breakdown per variant), a Markdown
    table and a result with keys variant, dims, params_formula, params_meta (counted on a model
    instantiated from the config on the meta device), formula_matches, parts, log_mel_shape,
    encoder_positions, audio_s, padded_s, max_abs_diff_vs_hf (our log-mel vs WhisperFeatureExtractor).
    """
    dims = W.variant(variant)
    path = audio or str(_ui.EXAMPLES_DIR / "speech_espeak_16k.wav")
    y = load_audio(path, sr=W.SAMPLE_RATE, max_duration_s=MAX_AUDIO_S).y[: int(ANATOMY_MAX_S * W.SAMPLE_RATE)]
    mel = features.whisper_log_mel(y, n_mels=dims.n_mels)
    from transformers import WhisperFeatureExtractor

    ref = WhisperFeatureExtractor(feature_size=dims.n_mels)(y, sampling_rate=W.SAMPLE_RATE, return_tensors="np").input_features[0]
    diff = float(np.max(np.abs(mel - ref)))
    parts = W.param_count(dims)
    meta = W.count_parameters(W.meta_model(dims))
    audio_s = len(y) / W.SAMPLE_RATE

    fig, (ax_mel, ax_bar) = _ui.figure(2, 1, height=6.2, width=11)
    _ui.image(ax_mel, mel, extent=(0, W.CHUNK_LENGTH_S, 0, dims.n_mels), colorbar_label="scaled log10",
              title=f"Whisper input: {dims.n_mels} × {W.N_FRAMES} log-mel; audio {audio_s:.1f} s, then zeros to 30 s",
              xlabel="time (s)", ylabel="mel bin")
    ax_mel.axvspan(audio_s, W.CHUNK_LENGTH_S, color=_ui.PALETTE[3], alpha=0.18, label="zero padding")
    ax_mel.legend(loc="upper right", fontsize=7)
    names = list(W.VARIANTS)
    enc = np.array([W.param_count(W.VARIANTS[n])["encoder"] for n in names]) / 1e6
    dec = np.array([W.param_count(W.VARIANTS[n])["decoder"] for n in names]) / 1e6
    x = np.arange(len(names))
    ax_bar.bar(x, enc, color=_ui.PALETTE[0], label="encoder")
    ax_bar.bar(x, dec, bottom=enc, color=_ui.PALETTE[1], label="decoder (incl. token embeddings)")
    ax_bar.set_xticks(x, names, fontsize=8)
    _ui.style(ax_bar, title="Parameters by variant (formula)", ylabel="millions")
    ax_bar.legend(fontsize=7)

    rows = "\n".join(
        f"| {n} | {d.n_mels} | {d.d_model} | {d.encoder_layers} / {d.decoder_layers} | {d.attention_heads} | {d.vocab_size:,} | "
        f"{W.param_count(d)['total']:,} |" for n, d in W.VARIANTS.items())
    md = (
        f"**Pipeline ({variant}):** 30 s × 16 kHz = {W.N_SAMPLES:,} samples → STFT (n_fft {W.N_FFT}, hop {W.HOP_LENGTH}) → "
        f"**{dims.n_mels} × {W.N_FRAMES}** log-mel → conv1 (k 3, stride 1) → conv2 (k 3, stride 2) → **{W.N_AUDIO_CTX} × "
        f"{dims.d_model}** encoder states (20 ms each) → decoder ({dims.decoder_layers} layers, ≤ {W.N_TEXT_CTX} tokens).\n\n"
        f"**Parameters:** formula **{parts['total']:,}**; counted on a model built from the config on the `meta` "
        f"device (no memory) **{meta:,}** — {'✓ equal' if meta == parts['total'] else '✗ differ'}. "
        f"Our log-mel vs WhisperFeatureExtractor: max |Δ| = {diff:.1e}.\n\n"
        "| variant | n_mels | d_model | layers enc / dec | heads | vocab | parameters |\n|---|---|---|---|---|---|---|\n" + rows
    )
    result = {
        "variant": variant, "dims": {k: v for k, v in vars(dims).items()}, "params_formula": parts["total"],
        "params_meta": meta, "formula_matches": meta == parts["total"], "parts": parts, "log_mel_shape": list(mel.shape),
        "encoder_positions": W.N_AUDIO_CTX, "audio_s": audio_s, "padded_s": W.CHUNK_LENGTH_S - audio_s,
        "max_abs_diff_vs_hf": diff,
    }
    return fig, md, _ui.clean(result)


@_ui.guard
def tokens(language: str = "en", task: str = "transcribe", timestamps: bool = False):
    """The decoder's special-token prompt, with ids from the real Whisper vocabulary (works offline).

    Args:
        language: a Whisper language code ("en", "de", …) or "auto" (the model predicts it).
        task: "transcribe" or "translate" (into English).
        timestamps: False adds <|notimestamps|>; True lets the model write <|0.00|>…<|30.00|> tokens.

    Returns Markdown and a result with keys tokens, ids (vocabulary of tiny … large-v2, 51,865
    tokens), ids_large_v3 (51,866 tokens: one more language shifts the later ids), specials.
    """
    lang = W.check_language(language, num_languages=100)
    prompt = W.prompt_tokens(lang, task, bool(timestamps), num_languages=99) if lang != "yue" else None
    prompt_v3 = W.prompt_tokens(lang, task, bool(timestamps), num_languages=100)
    specials = W.special_token_summary(99)
    rows = "\n".join(
        f"| `{_cell(t)}` | {prompt[i][1] if prompt else '— (large-v3 only)'} | {i3} |" for i, (t, i3) in enumerate(prompt_v3))
    md = (
        "| token | id (tiny … large-v2) | id (large-v3, turbo) |\n|---|---|---|\n" + rows +
        "\n\nThen the text as byte-level BPE pieces (e.g. ` hello world` → "
        + " ".join(f"`{p}`={i}" for p, i in W.text_tokens(" hello world")) + "), ending with `<|endoftext|>` "
        f"({specials['<|endoftext|>']}). Timestamps are ids {specials['<|0.00|>']}–{specials['<|30.00|>']}: "
        "one per 20 ms, the duration of one encoder position."
    )
    result = {
        "tokens": [t for t, _ in prompt_v3], "ids": [i for _, i in prompt] if prompt else None,
        "ids_large_v3": [i for _, i in prompt_v3], "specials": specials,
    }
    return md, _ui.clean(result)


@_ui.guard
def chunks(duration_s: float = 75.0, chunk_s: float = 30.0, stride_s: float = 5.0):
    """Plan the windows that decode a long recording.

    Args:
        duration_s: recording length in seconds (1–7200).
        chunk_s: window length in seconds (1–30; Whisper is trained on 30).
        stride_s: overlap on each side of a window in seconds (0 ≤ stride < chunk/2).

    Returns a timeline plot and a result with keys n_windows, windows [{start_s, end_s,
    keep_start_s, keep_end_s, pad_s}], decoded_s (audio seconds the model processes, padding
    included) and overhead (decoded_s / duration_s).
    """
    if not 1.0 <= float(duration_s) <= 7200.0:
        raise ParamError(f"duration {duration_s} s must be between 1 s and 2 h")
    plan = W.plan_chunks(float(duration_s), chunk_s=float(chunk_s), stride_s=float(stride_s))
    fig, (ax,) = _ui.figure(1, 1, height=min(1.2 + 0.28 * len(plan), 8.0), width=11)
    for c in plan[:40]:
        yv = -c.index
        ax.barh(yv, c.end_s - c.start_s, left=c.start_s, color=_ui.PALETTE[0], alpha=0.35, height=0.8)
        ax.barh(yv, c.keep_end_s - c.keep_start_s, left=c.keep_start_s, color=_ui.PALETTE[0], height=0.35)
        if c.pad_s > 0:
            ax.barh(yv, c.pad_s, left=c.end_s, color=_ui.PALETTE[3], alpha=0.5, height=0.8, hatch="//")
    ax.axvline(float(duration_s), color=_ui.INK, linestyle="--", linewidth=0.8)
    _ui.style(ax, title="Windows (light), owned regions (dark), zero padding — hallucination-prone (red)",
              xlabel="time (s)", ylabel="window")
    ax.set_yticks([-c.index for c in plan[:40]], [str(c.index) for c in plan[:40]], fontsize=7)
    decoded = sum(c.window_end_s - c.start_s for c in plan)
    result = {
        "n_windows": len(plan), "decoded_s": decoded, "overhead": decoded / float(duration_s),
        "windows": [{"start_s": c.start_s, "end_s": c.end_s, "keep_start_s": c.keep_start_s,
                     "keep_end_s": c.keep_end_s, "pad_s": c.pad_s} for c in plan],
    }
    return fig, _ui.clean(result)


def _bundle(model: str, session_bundle) -> tuple[W.WhisperBundle, str, list]:
    if model == "session":
        if session_bundle is None:
            raise ParamError("no model has been fine-tuned in this session yet; run the fine-tuning section first")
        return session_bundle, "fine-tuned in this session", []
    if model == "digits-tiny":
        return F.load_shipped(), "digits-tiny (toy, 4 s windows)", []
    if model not in W.HUB_ENGINES:
        raise ParamError(f"model {model!r} is not one of: {', '.join(v for _, v in MODELS)}")
    try:
        r = REGISTRY.resolve("whisper", model, fallback=False)
    except EngineUnavailable as exc:
        mid = W.HUB_ENGINES[model]
        raise EngineUnavailable(
            f"{mid} needs a download; offline or unreachable here ({str(exc).split('(', 1)[-1].rstrip(')')}). "
            "No Whisper checkpoint ships offline: pick 'digits-tiny' (a toy that knows English digits) or "
            "fine-tune one below and pick 'fine-tuned in this session'."
        ) from None
    return r.obj, model, list(r.skipped)


@_ui.guard
def transcribe(audio: str | None, model: str = "whisper-tiny", language: str = "auto", task: str = "transcribe",
               timestamps: bool = True, num_beams: float = 1, temperature_fallback: bool = True,
               no_speech_threshold: float = W.NO_SPEECH_THRESHOLD, condition_on_previous_text: bool = True,
               session_bundle=None, progress=gr.Progress()):
    """Transcribe (or translate into English) with a Whisper, any length (chunked in 30 s windows).

    Args:
        audio: path to an audio file (≤ 10 min; resampled to 16 kHz mono).
        model: "whisper-tiny" / "whisper-base" (Hub; offline they give a clear message),
            "digits-tiny" (shipped toy that knows English digits), "session" (fine-tuned here).
        language: Whisper language code or "auto".
        task: "transcribe" or "translate".
        timestamps: predict timestamp tokens and return timed segments.
        num_beams: 1 = greedy, up to 8 = beam search.
        temperature_fallback: re-decode at T = 0.2 … 1.0 when the decode loops or is unsure.
        no_speech_threshold: P(<|nospeech|>) above which an unsure window counts as silence.
        condition_on_previous_text: prompt each window with the previous window's text.

    Returns Markdown, a plot (segments, windows, cross-attention), an engine badge and a result with
    keys text, segments [{start_s, end_s, text}], language, engine, windows (per window: start_s,
    temperature, avg_logprob, compression_ratio, no_speech_prob, skipped_as_silence).
    """
    if not float(num_beams).is_integer():
        raise ParamError(f"num_beams={num_beams} must be a whole number")
    y = _audio(audio)
    bundle, engine, skipped = _bundle(model, session_bundle)
    t0 = time.perf_counter()
    res = W.transcribe(bundle, y, language=language, task=task, timestamps=bool(timestamps), num_beams=int(num_beams),
                       temperature_fallback=bool(temperature_fallback), no_speech_threshold=float(no_speech_threshold),
                       condition_on_previous_text=bool(condition_on_previous_text), alignment=True,
                       progress=lambda i, n: progress((i, n), desc="decoding windows"))
    ms = (time.perf_counter() - t0) * 1e3
    dur = len(y) / W.SAMPLE_RATE
    fig, (ax_w, ax_a) = _ui.figure(2, 1, height=6.0, width=11)
    _ui.waveform(ax_w, y, W.SAMPLE_RATE, title=f"{len(res.windows)} window(s) of {bundle.window_s:g} s; segments shaded")
    for k, (s0, s1, _) in enumerate(res.segments):
        ax_w.axvspan(s0, max(s1, s0 + 0.02), color=_ui.PALETTE[1 + k % 2], alpha=0.25)
    for w in res.windows[1:]:
        ax_w.axvline(w.chunk.start_s, color=_ui.INK, linestyle=":", linewidth=0.8)
    if res.alignment is not None and res.alignment.size:
        real = model in W.HUB_ENGINES
        a = res.alignment
        _ui.image(ax_a, a.T, extent=(0, a.shape[0], 0, a.shape[1] * W.TIME_PRECISION), cmap="viridis",
                  title=("Cross-attention (alignment heads)" if real else f"Cross-attention of the {engine} model — a toy, not real Whisper weights"),
                  xlabel="output token", ylabel="audio time (s)")
    else:
        _ui.style(ax_a, title="No tokens decoded in the first window: nothing to align")
    rows = "\n".join(f"| {s0:.2f} | {s1:.2f} | {_cell(t)} |" for s0, s1, t in res.segments[:200])
    diag = "\n".join(
        f"| {w.chunk.start_s:.1f} | {w.temperature:g} | {w.avg_logprob:.2f} | {w.compression_ratio:.2f} | {w.no_speech_prob:.2f} | "
        f"{'silence' if w.skipped_as_silence else len(w.attempts)} | {w.prompt_words} |" for w in res.windows[:60])
    md = (f"### {res.text or '(no speech decoded)'}\n\nlanguage: `{res.language}` · {dur:.1f} s of audio\n\n"
          "| start (s) | end (s) | text |\n|---|---|---|\n" + rows +
          "\n\n| window start (s) | T used | mean log-prob | gzip ratio | P(no speech) | attempts | prompt words |\n"
          "|---|---|---|---|---|---|---|\n" + diag)
    result = {
        "text": res.text, "language": res.language, "engine": engine,
        "segments": [{"start_s": s0, "end_s": s1, "text": t} for s0, s1, t in res.segments],
        "windows": [{"start_s": w.chunk.start_s, "temperature": w.temperature, "avg_logprob": w.avg_logprob,
                     "compression_ratio": w.compression_ratio, "no_speech_prob": w.no_speech_prob,
                     "skipped_as_silence": w.skipped_as_silence} for w in res.windows],
        "ms": ms,
    }
    return md, fig, _ui.badge(engine, ms, skipped=skipped), _ui.clean(result)


def lora_table(rank: float = 8) -> str:
    """Markdown: LoRA parameters on q_proj + v_proj of every attention block, per variant (cosmetic)."""
    r = int(rank)
    if r < 1:
        return "rank 0 = full fine-tuning: every parameter trains."
    rows = []
    for name, d in W.VARIANTS.items():
        c = W.lora_param_count(d, rank=r)
        rows.append(f"| {name} | {c['attention_blocks']} | {c['total']:,} | {c['total'] / W.param_count(d)['total']:.3%} |")
    turbo = W.VARIANTS["large-v3-turbo"]
    wrong = W.lora_param_count(turbo, rank=r, decoder_layers=32)["total"]
    right = W.lora_param_count(turbo, rank=r)["total"]
    return ("| variant | attention blocks (enc self + dec self + dec cross) | LoRA params, r = %d on q,v | of model |\n"
            "|---|---|---|---|\n" % r + "\n".join(rows) +
            f"\n\nFormula: blocks × 2 projections × 2·r·d_model. **large-v3-turbo** has 4 decoder layers, not 32: "
            f"{32} + 2·4 = 40 blocks → **{right:,}**; a count that assumes large-v3's 32 decoder layers "
            f"(96 blocks) gives {wrong:,}, {wrong / right:.1f}× too many.")


@_ui.guard
def finetune(steps: float = 120, learning_rate: float = 3e-3, lora_rank: float = 8, lora_alpha: float = 16,
             base: str = "digits-tiny", progress=gr.Progress()):
    """Fine-tune a tiny Whisper on generated speech (eSpeak NG digit strings) and measure WER.

    The shipped digits-tiny model was trained on clear American/British voices; here it adapts
    to other accents, faster speech and more noise. Train and held-out utterances differ.

    Args:
        steps: optimizer steps, 1–400 (batch 16; ~0.2 s each on one CPU core: 120 steps ≈ 35 s in all).
        learning_rate: peak AdamW learning rate, 1e-6–1e-2.
        lora_rank: 0 = full fine-tune; 1–64 = LoRA adapters of that rank on q_proj and v_proj.
        lora_alpha: LoRA scale α (update = α/r · B·A).
        base: "digits-tiny" (CPU) or "whisper-tiny" (openai/whisper-tiny: needs the Hub and a GPU).

    Returns a loss plot, Markdown, the fine-tuned model (session state, for transcription) and a
    result with keys loss_curve, wer_before, wer_after, trainable_params (counted on the PEFT
    model), lora_params_formula, total_params, seconds, examples [{reference, before, after}].
    """
    for name, v in (("steps", steps), ("lora_rank", lora_rank)):
        if v is None or not float(v).is_integer():
            raise ParamError(f"{name}={v} must be a whole number")
    cfg = F.FinetuneConfig(steps=int(steps), learning_rate=float(learning_rate), lora_rank=int(lora_rank),
                           lora_alpha=float(lora_alpha))
    cfg.validate()
    device = "cpu"
    if base == "digits-tiny":
        bundle = F.load_shipped()
    elif base == "whisper-tiny":
        import torch

        if not torch.cuda.is_available():
            raise EngineUnavailable("fine-tuning openai/whisper-tiny live needs a GPU, and none is present; use digits-tiny")
        bundle = _bundle("whisper-tiny", None)[0]
        device = "cuda"
    else:
        raise ParamError(f"base {base!r} must be 'digits-tiny' or 'whisper-tiny'")
    progress(0, desc="generating speech and measuring WER before")
    res = F.finetune(bundle, cfg, on_step=lambda s, _l: progress((s, cfg.steps), desc="training"), device=device)
    fig, (ax,) = _ui.figure(1, 1, height=3.2, width=10)
    ax.plot(np.arange(1, len(res.loss_curve) + 1), res.loss_curve, color=_ui.PALETTE[0])
    _ui.style(ax, title=f"Training loss ({'LoRA r=%d' % cfg.lora_rank if cfg.lora_rank else 'full fine-tune'})",
              xlabel="step", ylabel="cross-entropy (nats/token)")
    check = ("" if res.lora_params_formula is None else
             f" · formula {res.lora_params_formula:,} {'✓ equal' if res.lora_params_formula == res.trainable_params else '✗ differ'}")
    ex = "\n".join(f"| {_cell(r)} | {_cell(b)} | {_cell(a)} |" for r, b, a in res.examples)
    md = (f"**WER {res.wer_before:.1%} → {res.wer_after:.1%}** on {F.N_EVAL} held-out utterances · trainable parameters "
          f"**{res.trainable_params:,}** of {res.total_params:,} (counted on the model){check} · {res.seconds:.0f} s\n\n"
          "| reference | before | after |\n|---|---|---|\n" + ex)
    result = {
        "loss_curve": res.loss_curve, "wer_before": res.wer_before, "wer_after": res.wer_after,
        "trainable_params": res.trainable_params, "lora_params_formula": res.lora_params_formula,
        "total_params": res.total_params, "seconds": res.seconds, "base": base,
        "examples": [{"reference": r, "before": b, "after": a} for r, b, a in res.examples],
    }
    return fig, md, res.bundle, _ui.clean(result)


def build() -> None:
    _ui.lesson_header(SLUG, TITLE, SUMMARY)
    session_model = gr.State(None)
    with gr.Tab("Anatomy"):
        with gr.Row():
            a_audio = _ui.audio_input("Audio (optional; the speech example when empty)", elem_id="l05-a-audio")
            with gr.Column():
                a_variant = gr.Dropdown(list(W.VARIANTS), value="tiny", label="variant")
                a_btn = gr.Button("Show anatomy", variant="primary", elem_id="l05-anatomy-run")
        a_md = gr.Markdown(elem_id="l05-anatomy")
        a_plot = gr.Plot(label="Input and sizes", format="png")
        a_res = _ui.result_json()
    a_btn.click(anatomy, [a_variant, a_audio], [a_plot, a_md, a_res], api_name="whisper_anatomy")

    with gr.Tab("Tokens"):
        with gr.Row():
            t_lang = gr.Dropdown(LANGUAGES, value="en", label="language")
            t_task = gr.Radio(list(W.TASKS), value="transcribe", label="task")
            t_ts = gr.Checkbox(False, label="timestamps")
        t_btn = gr.Button("Show prompt", variant="primary", elem_id="l05-tokens-run")
        t_md = gr.Markdown(elem_id="l05-tokens")
        t_res = _ui.result_json()
    t_btn.click(tokens, [t_lang, t_task, t_ts], [t_md, t_res], api_name="whisper_tokens")

    with gr.Tab("Long-form chunks"):
        with gr.Row():
            c_dur = gr.Slider(1, 7200, value=75, step=1, label="duration (s)")
            c_len = gr.Slider(1, 30, value=30, step=0.5, label="chunk length (s)")
            c_stride = gr.Slider(0, 14.5, value=5, step=0.5, label="stride each side (s)")
        c_btn = gr.Button("Plan windows", variant="primary", elem_id="l05-chunks-run")
        c_plot = gr.Plot(label="Timeline", format="png")
        c_res = _ui.result_json()
    c_btn.click(chunks, [c_dur, c_len, c_stride], [c_plot, c_res], api_name="whisper_chunks")

    with gr.Tab("Transcribe & decode"):
        gr.Markdown(EXPLAIN_DECODING)
        with gr.Row():
            x_audio = _ui.audio_input(elem_id="l05-x-audio", examples=EXAMPLES or None)
            with gr.Column():
                x_model = gr.Dropdown(MODELS, value="whisper-tiny", label="model")
                x_lang = gr.Dropdown(LANGUAGES, value="auto", label="language")
                with gr.Row():
                    x_task = gr.Radio(list(W.TASKS), value="transcribe", label="task")
                    x_ts = gr.Checkbox(True, label="timestamps")
                with gr.Accordion("decoding options", open=False):
                    x_beams = gr.Slider(1, W.MAX_BEAMS, value=1, step=1, label="num_beams (1 = greedy)")
                    x_fb = gr.Checkbox(True, label="temperature fallback (0 → 1.0)")
                    x_ns = gr.Slider(0, 1, value=W.NO_SPEECH_THRESHOLD, step=0.05, label="no_speech_threshold")
                    x_cond = gr.Checkbox(True, label="condition_on_previous_text")
                x_btn = gr.Button("Transcribe", variant="primary", elem_id="l05-transcribe-run")
        x_badge = gr.Markdown()
        x_md = gr.Markdown(elem_id="l05-transcript")
        x_plot = gr.Plot(label="Segments and alignment", format="png")
        x_res = _ui.result_json()
    x_btn.click(transcribe, [x_audio, x_model, x_lang, x_task, x_ts, x_beams, x_fb, x_ns, x_cond, session_model],
                [x_md, x_plot, x_badge, x_res], api_name="whisper_transcribe")

    with gr.Tab("Fine-tune (LoRA)"):
        gr.Markdown("Adapt the shipped toy Whisper (trained on clear voices) to other accents, fast speech and noise — "
                    "a full fine-tune (rank 0) or LoRA adapters on q_proj/v_proj. Bounded to 400 steps; 120 steps take about 35 s on one CPU core.")
        with gr.Row():
            f_steps = gr.Slider(10, F.MAX_STEPS, value=120, step=10, label="steps")
            f_lr = gr.Number(3e-3, label="learning rate")
            f_rank = gr.Slider(0, F.MAX_LORA_RANK, value=8, step=1, label="LoRA rank (0 = full fine-tune)")
            f_alpha = gr.Slider(1, 128, value=16, step=1, label="LoRA alpha")
            f_base = gr.Radio(BASES, value="digits-tiny", label="start from")
        f_btn = gr.Button("Fine-tune", variant="primary", elem_id="l05-finetune-run")
        f_md = gr.Markdown(elem_id="l05-finetune")
        f_plot = gr.Plot(label="Loss curve", format="png")
        f_res = _ui.result_json()
        f_lora = gr.Markdown(lora_table(8), elem_id="l05-lora")
    f_btn.click(finetune, [f_steps, f_lr, f_rank, f_alpha, f_base], [f_plot, f_md, session_model, f_res],
                api_name="whisper_finetune")
    f_rank.release(lora_table, f_rank, f_lora, api_name=False, show_progress="hidden")
