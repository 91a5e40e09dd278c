"""Lesson 04 — Speech Recognition: CTC, RNN-T and attention from scratch, next to real recognizers."""

from __future__ import annotations

import time
from pathlib import Path

import gradio as gr
import numpy as np

from core import asr, charlm, ctc
from core.audio import load_audio
from core.errors import ParamError
from demos import _ui

SLUG = "04"
TITLE = "Speech Recognition"
API_NAMES = ("asr_ctc_decode", "asr_ctc_audio", "asr_lattice", "asr_ctc_train", "asr_transcribe")
SUMMARY = (
    "How a network's per-frame letter probabilities become text. Play with CTC: collapse paths, "
    "compare greedy decoding with prefix beam search and a character language model we trained "
    "ourselves; see the CTC and RNN-T loss lattices; train a tiny CTC model live; then run real "
    "recognizers (PocketSphinx, wav2vec 2.0 with our decoders, Whisper) with word timings and WER."
)

VOCAB = ctc.CHAR_VOCAB
LM_BONUS_PER_WEIGHT = 2.0  # β = 2·α nats per character: offsets the LM's ~1–2 nats/char cost (tuned on noisy targets)
MAX_TABLE_FRAMES = 120  # frames shown in the collapse table
TABLE_WRAP = 40  # frames per line of the collapse table
DIGIT_EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "assets" / "ctc" / "examples").glob("*.wav"))
TRAIN_MAX_SECONDS = 240.0  # a live run never holds the (single) training slot longer than this
MAX_TRAIN_STEPS = 600


# ----------------------------------------------------------------------------- drawing helpers


def _posterior_plot(lp: np.ndarray, vocab: ctc.Vocab, path: tuple[int, ...], *, title: str, frame_s: float | None = None):
    T = lp.shape[0]
    fig, (ax,) = _ui.figure(1, 1, height=min(6.0, 1.2 + 0.17 * vocab.size), width=11)
    x_end = T * frame_s if frame_s else T
    _ui.image(ax, np.exp(lp).T, extent=(0, x_end, -0.5, vocab.size - 0.5), title=title,
              xlabel="time (s)" if frame_s else "frame", ylabel="label", colorbar_label="p(label | frame)", vmin=0, vmax=1)
    centres = (np.arange(T) + 0.5) * (frame_s or 1)
    ax.plot(centres, path, "o", color=_ui.PALETTE[2], markersize=3, label="greedy path (arg-max)")
    ax.set_yticks(range(vocab.size))
    ax.set_yticklabels([vocab.glyph(k) for k in range(vocab.size)], fontsize=7)
    ax.legend(loc="upper right", fontsize=7)
    return fig


def _collapse_table(path: tuple[int, ...], vocab: ctc.Vocab) -> str:
    """Frame path, repeats merged, blanks removed — aligned column by column, wrapped."""
    steps = ctc.collapse_steps(path, blank=vocab.blank)
    shown = path[:MAX_TABLE_FRAMES]
    row_path = [vocab.glyph(k) for k in shown]
    row_merged, row_out = [], []
    prev = None
    for k in shown:
        new_run = k != prev
        row_merged.append(vocab.glyph(k) if new_run else "·")
        row_out.append(vocab.glyph(k) if new_run and k != vocab.blank else " ")
        prev = k
    lines = []
    for a in range(0, len(shown), TABLE_WRAP):
        sl = slice(a, a + TABLE_WRAP)
        lines += [f"frames {a:>3}–{min(a + TABLE_WRAP, len(shown)) - 1:<3}",
                  "1 path      " + " ".join(row_path[sl]),
                  "2 merge     " + " ".join(row_merged[sl]),
                  "3 drop ∅    " + " ".join(row_out[sl]), ""]
    more = f"\n_(first {MAX_TABLE_FRAMES} of {len(path)} frames shown)_" if len(path) > MAX_TABLE_FRAMES else ""
    return (
        "**Collapsing the best path, B(π)** — step 2 keeps the first frame of every run (· = merged into "
        "the run), step 3 removes blanks (∅):\n```\n" + "\n".join(lines) + "```" + more +
        f"\n\n`{''.join(vocab.glyph(k) for k in steps.merged)}` → **`{vocab.decode(steps.output)}`**"
    )


def _hyp_rows(hyps: list[ctc.Hypothesis], vocab: ctc.Vocab) -> list[dict]:
    return [{"text": vocab.decode(h.labels), "score": h.score, "log_p_ctc": h.log_p_ctc, "log_p_lm": h.log_p_lm} for h in hyps]


# ----------------------------------------------------------------------------- CTC playground


@_ui.guard
def ctc_decode(target_text: str = "hello world", frames_per_symbol: float = 3, blank_prob: float = 0.3, noise: float = 0.8,
               beam_width: float = 8, lm_weight: float = 0.5):
    """Fake a CTC model's output for a typed text, then decode it three ways.

    Args:
        target_text: what the idealised model "heard" (letters a–z, space, apostrophe; ≤ 80 characters).
        frames_per_symbol: frames each character lasts (1–20); a confident blank frame separates characters.
        blank_prob: blank's share of the probability inside a character's frames (0–0.95).
        noise: standard deviation in nats of Gaussian noise added to every log-probability (0–5).
        beam_width: prefixes kept per frame by prefix beam search (1–512; the slider offers 1–64).
        lm_weight: α, weight of our character 5-gram LM in shallow fusion (0 = off; insertion bonus β = 2α).

    Returns plots, the collapse table, a comparison, and a result with keys greedy, beam, beam_lm
    (decoded texts), scores {greedy_path_log_prob, beam_log_p, beam_lm_score, beam_lm_log_p_ctc,
    beam_lm_log_p_lm, target_log_p}, n_frames, beams and beams_lm (top hypotheses with their
    scores), and target.
    """
    text = ctc.normalize_target(target_text)
    labels = VOCAB.encode(text)
    pcfg = ctc.PosteriorConfig(frames_per_symbol=int(frames_per_symbol), blank_prob=float(blank_prob), noise=float(noise))
    lp = ctc.synthetic_posteriors(labels, VOCAB.size, pcfg)
    plain_cfg = ctc.BeamConfig(beam_width=beam_width).validate()
    alpha = float(lm_weight)
    lm_cfg = ctc.BeamConfig(beam_width=beam_width, lm_weight=alpha, insertion_bonus=LM_BONUS_PER_WEIGHT * alpha).validate()
    lm = charlm.default_lm()
    t0 = time.perf_counter()
    g = ctc.greedy_decode(lp)
    t1 = time.perf_counter()
    beams = ctc.prefix_beam_search(lp, config=plain_cfg)
    t2 = time.perf_counter()
    beams_lm = ctc.prefix_beam_search(lp, config=lm_cfg, lm=lm, chars=VOCAB.char)
    t3 = time.perf_counter()
    target_lp = ctc.ctc_log_likelihood(lp, labels)
    greedy_text, beam_text, lm_text = VOCAB.decode(g.labels), VOCAB.decode(beams[0].labels), VOCAB.decode(beams_lm[0].labels)

    fig = _posterior_plot(lp, VOCAB, g.path, title=f"Per-frame posteriors of '{text}' ({lp.shape[0]} frames)")

    def mark(s: str) -> str:
        return "✓" if s == text else "✗"

    compare = (
        "| decoder | output | log P(output) | LM log P | total score | time |\n|---|---|---|---|---|---|\n"
        f"| greedy (best path) | `{greedy_text}` {mark(greedy_text)} | {g.log_prob:.2f} (this one path) | – | – | {(t1 - t0) * 1e3:.1f} ms |\n"
        f"| prefix beam, width {plain_cfg.beam_width} | `{beam_text}` {mark(beam_text)} | {beams[0].log_p_ctc:.2f} | – | {beams[0].score:.2f} | {(t2 - t1) * 1e3:.1f} ms |\n"
        f"| beam + char LM (α={alpha:g}, β={lm_cfg.insertion_bonus:g}) | `{lm_text}` {mark(lm_text)} | {beams_lm[0].log_p_ctc:.2f} | "
        f"{beams_lm[0].log_p_lm:.2f} | {beams_lm[0].score:.2f} | {(t3 - t2) * 1e3:.1f} ms |\n\n"
        f"Exact log P(`{text}`) summed over all its paths (forward algorithm) = **{target_lp:.2f}**. "
        "Greedy scores one path; the beam sums the paths of each prefix it keeps.\n\n"
        "**Top beams with the LM:** " + " · ".join(f"`{VOCAB.decode(h.labels)}` ({h.score:.2f})" for h in beams_lm[:5])
    )
    result = {
        "target": text,
        "greedy": greedy_text,
        "beam": beam_text,
        "beam_lm": lm_text,
        "scores": {
            "greedy_path_log_prob": g.log_prob,
            "beam_log_p": beams[0].log_p_ctc,
            "beam_lm_score": beams_lm[0].score,
            "beam_lm_log_p_ctc": beams_lm[0].log_p_ctc,
            "beam_lm_log_p_lm": beams_lm[0].log_p_lm,
            "target_log_p": target_lp,
        },
        "n_frames": lp.shape[0],
        "beam_width": plain_cfg.beam_width,
        "lm_weight": alpha,
        "insertion_bonus": lm_cfg.insertion_bonus,
        "beams": _hyp_rows(beams, VOCAB),
        "beams_lm": _hyp_rows(beams_lm, VOCAB),
    }
    return fig, _collapse_table(g.path, VOCAB), compare, _ui.clean(result)


@_ui.guard
def ctc_audio(audio: str | None, beam_width: float = 8):
    """Decode real audio with the pre-trained tiny CTC model (digits "zero"…"nine" only).

    Args:
        audio: path to an audio file with spoken digits (≤ 60 s); resampled to 16 kHz mono.
        beam_width: prefixes kept by prefix beam search (1–512).

    Returns the log-mel and CTC posteriors, the collapse table, the attention head's alignment,
    and a result with keys greedy, beam (digit strings), attention (what the attention decoder
    read), n_frames, frame_s, spikes [{digit, start_s, end_s}] and scores.
    """
    from core import ctc_model as cm

    cfg = ctc.BeamConfig(beam_width=beam_width).validate()
    clip = load_audio(audio, sr=cm.SR, max_duration_s=cm.MAX_INPUT_S)
    model = cm.pretrained()
    out = cm.infer(model, clip.y)
    g = ctc.greedy_decode(out.log_probs)
    beams = ctc.prefix_beam_search(out.log_probs, config=cfg)
    greedy, beam = cm.VOCAB.decode(g.labels), cm.VOCAB.decode(beams[0].labels)
    spikes = [{"digit": cm.VOCAB.tokens[lab], "start_s": a * out.frame_s, "end_s": b * out.frame_s} for lab, a, b in asr.label_spans(g.path)]

    dur = len(clip.y) / cm.SR
    fig, axes = _ui.figure(2, 1, height=5.6, width=11)
    mel = cm.log_mel_features(clip.y).T
    _ui.image(axes[0], mel, extent=(0, dur, 0, mel.shape[0]), title="Input: normalised log-mel, 40 bands, 10 ms hop",
              xlabel="time (s)", ylabel="mel band", colorbar_label="z-score")
    T = out.log_probs.shape[0]
    _ui.image(axes[1], np.exp(out.log_probs).T, extent=(0, T * out.frame_s, -0.5, cm.N_LABELS - 0.5),
              title=f"CTC output: p(label | frame), {out.frame_s * 1e3:.0f} ms frames — spikes, mostly blank", xlabel="time (s)", ylabel="label",
              colorbar_label="probability", vmin=0, vmax=1)
    axes[1].set_yticks(range(cm.N_LABELS))
    axes[1].set_yticklabels([cm.VOCAB.glyph(k) for k in range(cm.N_LABELS)], fontsize=7)
    for ax in axes:
        ax.set_xlim(0, dur)

    att_fig, (ax,) = _ui.figure(1, 1, height=2.8, width=11)
    if out.attention is not None:
        rows = [*out.attention_digits, "<eos>"]
        _ui.image(ax, out.attention, extent=(0, out.attention.shape[1] * out.frame_s, -0.5, len(rows) - 0.5),
                  title="Attention head: where each output token looked (cross-attention over encoder frames)",
                  xlabel="time (s)", ylabel="output token", colorbar_label="weight", cmap="viridis")
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(rows, fontsize=8)
        ax.set_xlim(0, dur)
    spoken = " ".join(cm.DIGIT_WORDS[int(d)] for d in greedy) or "(nothing)"
    md = (
        f"**Greedy:** `{greedy or '∅'}` ({spoken}) · **beam (width {cfg.beam_width}):** `{beam or '∅'}` "
        f"log P = {beams[0].log_p_ctc:.2f} · **attention decoder:** `{out.attention_digits or '∅'}`\n\n"
        "<small>A toy: it knows only the words zero…nine, and only eSpeak voices taught it; expect "
        "mistakes on real voices. The CTC head and the attention head share one encoder (hybrid CTC/attention).</small>"
    )
    result = {
        "greedy": greedy, "beam": beam, "attention": out.attention_digits, "n_frames": T, "frame_s": out.frame_s,
        "spikes": spikes, "scores": {"greedy_path_log_prob": g.log_prob, "beam_log_p": beams[0].log_p_ctc},
        "duration_s": dur,
    }
    return fig, _collapse_table(g.path, cm.VOCAB), att_fig, md, _ui.clean(result)


# ----------------------------------------------------------------------------- loss lattices


@_ui.guard
def lattice(target_text: str = "cat", n_frames: float = 12, noise: float = 0.5):
    """The CTC and RNN-T loss lattices for a short target, with parity against torch/torchaudio.

    Args:
        target_text: a short target (letters, space, apostrophe; ≤ 12 characters here).
        n_frames: encoder frames T (2–60).
        noise: noise (nats) on the synthetic network outputs (0–5).

    Returns the lattices and a result with keys ctc_loss, ctc_loss_torch, rnnt_loss,
    rnnt_loss_torchaudio (nats), ctc_shape [T, 2L+1] and rnnt_shape [T, U+1].
    """
    import warnings

    import torch

    text = ctc.normalize_target(target_text)
    if len(text) > 12:
        raise ParamError(f"the lattice target '{text}' has {len(text)} characters; use at most 12 so the grid stays readable")
    T = int(n_frames)
    if not 2 <= T <= 60:
        raise ParamError(f"n_frames={n_frames} must be within 2–60")
    labels = VOCAB.encode(text)
    fps = max(1, (T - 1) // max(1, len(labels)) - 1)
    lp = ctc.synthetic_posteriors(labels, VOCAB.size, ctc.PosteriorConfig(frames_per_symbol=min(fps, 20), noise=float(noise)))
    lp = lp[:T] if lp.shape[0] >= T else np.vstack([lp, np.tile(lp[-1:], (T - lp.shape[0], 1))])
    ctc_ours = ctc.ctc_loss(lp, labels)
    ctc_torch = float(torch.nn.functional.ctc_loss(torch.tensor(lp)[:, None], torch.tensor([labels]), torch.tensor([T]),
                                                   torch.tensor([len(labels)]), blank=0, reduction="sum"))
    logits = ctc.rnnt_synthetic_logits(labels, T, VOCAB.size, noise=float(noise))
    rnnt_ours = ctc.rnnt_loss(logits, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torchaudio.functional as F

        rnnt_ref = float(F.rnnt_loss(torch.tensor(logits, dtype=torch.float32)[None], torch.tensor([labels], dtype=torch.int32),
                                     torch.tensor([T], dtype=torch.int32), torch.tensor([len(labels)], dtype=torch.int32),
                                     blank=0, reduction="sum"))
    fig, axes = _ui.figure(1, 2, height=4.2, width=13.5)
    ext = [VOCAB.glyph(0)] + [g for k in labels for g in (VOCAB.glyph(k), VOCAB.glyph(0))]
    if np.isfinite(ctc_ours):
        gamma = ctc.ctc_occupancy(lp, labels)
        _ui.image(axes[0], gamma.T, extent=(-0.5, T - 0.5, -0.5, len(ext) - 0.5), title=f"CTC: alignment posterior γ (loss {ctc_ours:.3f} nats)",
                  xlabel="frame t", ylabel="extended label s", colorbar_label="P(at s at t)", vmin=0, vmax=1)
        axes[0].set_yticks(range(len(ext)))
        axes[0].set_yticklabels(ext, fontsize=7)
    else:
        axes[0].text(0.5, 0.5, f"'{text}' needs more than {T} frames", ha="center", transform=axes[0].transAxes, color=_ui.INK)
    occ = ctc.rnnt_occupancy(ctc.log_softmax(logits), labels)
    _ui.image(axes[1], occ.T, extent=(-0.5, T - 0.5, -0.5, len(labels) + 0.5), title=f"RNN-T: P(path visits node (t, u)) (loss {rnnt_ours:.3f} nats)",
              xlabel="frame t", ylabel="labels emitted u", colorbar_label="probability", vmin=0, vmax=1)
    axes[1].set_yticks(range(len(labels) + 1))
    axes[1].set_yticklabels(["0"] + [f"{u + 1}:{VOCAB.glyph(k)}" for u, k in enumerate(labels)], fontsize=7)
    md = (
        f"**CTC** over {T} frames and {len(ext)} extended labels (∅ between and around the letters): ours "
        f"**{ctc_ours:.6f}** vs torch `ctc_loss` {ctc_torch:.6f} nats. **RNN-T** over a {T}×{len(labels) + 1} grid "
        f"(blank = move right in time, label = move up): ours **{rnnt_ours:.6f}** vs torchaudio `rnnt_loss` {rnnt_ref:.6f} "
        "(float32). CTC's outputs depend on the frame only; a transducer's joint network sees the frame *and* the "
        "labels emitted so far, which is why its lattice is a 2-D grid."
    )
    result = {"target": text, "ctc_loss": ctc_ours, "ctc_loss_torch": ctc_torch, "rnnt_loss": rnnt_ours,
              "rnnt_loss_torchaudio": rnnt_ref, "ctc_shape": [T, len(ext)], "rnnt_shape": [T, len(labels) + 1]}
    return fig, md, _ui.clean(result)


# ----------------------------------------------------------------------------- live training


def _loss_plot(u):
    fig, (ax,) = _ui.figure(1, 1, height=3.0, width=10)
    steps = np.arange(1, len(u.losses) + 1)
    ax.plot(steps, u.losses, color=_ui.PALETTE[0], linewidth=0.6, alpha=0.4)
    if len(u.losses) >= 10:
        k = 10
        smooth = np.convolve(u.losses, np.ones(k) / k, mode="valid")
        ax.plot(steps[k - 1:], smooth, color=_ui.PALETTE[0], linewidth=1.6, label="CTC loss (10-step mean)")
        ax.legend(fontsize=7)
    _ui.style(ax, title=f"Training: step {u.step}/{u.steps}, {u.elapsed_s:.0f} s", xlabel="step", ylabel="CTC loss (nats / utterance)")
    ax.set_xlim(0, max(u.steps, 1))
    ax.set_yscale("log")
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    return fig


def _samples_md(u) -> str:
    rows = "\n".join(f"| `{r}` | `{h or '∅'}` | {'✓' if r == h else ''} |" for r, h in u.samples)
    return f"**Held-out voices, decoded greedily after step {u.step}:**\n\n| spoken digits | model output | |\n|---|---|---|\n{rows}"


@_ui.guard
def ctc_train(steps: float = 300, progress=gr.Progress()):  # noqa: B008 (Gradio's idiom)
    """Train the tiny CTC model from scratch on freshly synthesised digit strings, streaming progress.

    Args:
        steps: optimisation steps (20–600; batches of 16 utterances; ≈ 0.2 s of CPU each; stopped after 240 s).

    Streams the loss curve and decoded held-out examples; the final result has keys steps_done,
    seconds, loss_first, loss_last (mean CTC loss of the first and last 10 steps, nats per
    utterance), probe_accuracy and samples [{reference, hypothesis}], stopped_early.
    """
    from dataclasses import replace

    from core import ctc_model as cm

    n = int(steps)
    if not 20 <= n <= MAX_TRAIN_STEPS:
        raise ParamError(f"steps={steps} must be within 20–{MAX_TRAIN_STEPS}")
    cfg = replace(cm.LIVE_TRAIN, steps=n, max_seconds=TRAIN_MAX_SECONDS)
    progress(0.0, desc="synthesising speech and starting")
    for u in cm.iter_training(cfg):
        progress(u.step / u.steps, desc=f"step {u.step}/{u.steps}")
        k = min(10, len(u.losses))
        result = {
            "steps_done": u.step, "seconds": u.elapsed_s, "done": u.done, "stopped_early": u.stopped_early,
            "loss_first": float(np.mean(u.losses[:k])) if k else None, "loss_last": float(np.mean(u.losses[-k:])) if k else None,
            "probe_accuracy": u.probe_accuracy, "samples": [{"reference": r, "hypothesis": h} for r, h in u.samples],
        }
        status = (f"**{'Done' if u.done else 'Training'}** — step {u.step}/{u.steps}, {u.elapsed_s:.0f} s, "
                  f"loss {result['loss_last']:.2f} nats (was {result['loss_first']:.2f}). {u.stopped_early}")
        yield _loss_plot(u), _samples_md(u), status, _ui.clean(result)


# ----------------------------------------------------------------------------- real recognizers


def _words_plot(y: np.ndarray, sr: int, words, chunks):
    fig, (ax,) = _ui.figure(1, 1, height=2.8, width=11)
    _ui.waveform(ax, y, sr, title="Waveform with recognised words")
    peak = float(np.abs(y).max()) or 1.0
    for a, b in chunks if len(chunks) > 1 else ():
        ax.axvline(a, color=_ui.PALETTE[3], linewidth=0.8, linestyle="--")
    for i, w in enumerate(words):
        ax.axvspan(w.start_s, w.end_s, color=_ui.PALETTE[1 + i % 2], alpha=0.25, linewidth=0)
        ax.text((w.start_s + w.end_s) / 2, peak * (0.85 if i % 2 else 0.65), w.word, ha="center", fontsize=7, color=_ui.INK)
    return fig


@_ui.guard
def transcribe(audio: str | None, engine: str = "pocketsphinx", reference_text: str = "", progress=gr.Progress()):  # noqa: B008
    """Transcribe speech with a recognizer from the engine registry, with word times and WER.

    Args:
        audio: path to an audio file (≤ 10 min; longer than 30 s is cut at pauses found by Silero VAD).
        engine: "pocketsphinx" (embedded, English), "tiny-ctc-digits" (our toy, digits only),
            "wav2vec2-base-960h", "whisper-tiny", "whisper-base" (hub models; when one cannot load
            here the next available engine serves and the result says which one was skipped and why).
        reference_text: what was really said (optional); when given, the WER is computed.

    Returns a plot, the transcript, word timings, and a result with keys text, words
    [{word, start_s, end_s}], engine (the one that served), rtf (recognition time / audio
    duration), word_timing (how times were obtained), duration_s, chunks, skipped, details
    (engine-specific: for wav2vec2 the model's own arg-max text next to our greedy, beam and
    beam+LM decodings) and — only when a reference is given — wer, plus wer_detail {cer, hits,
    substitutions, deletions, insertions}.
    """
    reference = asr.check_reference(reference_text)
    if reference is not None:
        from core.metrics import wer

        wer(reference, "")  # refuses a reference with no words (e.g. only punctuation) before any recognition work
    clip = load_audio(audio, sr=asr.SR, max_duration_s=asr.MAX_DURATION_S, min_duration_s=asr.MIN_DURATION_S)
    res = asr.transcribe(clip.y, engine or None, progress=lambda f, d: progress(f, desc=d))
    result = {
        "text": res.text,
        "words": [{"word": w.word, "start_s": w.start_s, "end_s": w.end_s} for w in res.words],
        "engine": res.engine,
        "rtf": res.rtf,
        "word_timing": res.word_timing,
        "duration_s": res.duration_s,
        "load_ms": res.load_ms,
        "input_rms_dbfs": clip.levels.rms_dbfs,
        "chunks": [list(c) for c in res.chunks],
        "skipped": [{"engine": n, "reason": r} for n, r in res.skipped],
        "details": res.details,
    }
    wer_md = ""
    if reference is not None:
        w = wer(reference, res.text)
        result["wer"] = w.wer
        result["wer_detail"] = {"cer": w.cer, "hits": w.hits, "substitutions": w.substitutions, "deletions": w.deletions,
                                "insertions": w.insertions, "n_ref_words": w.n_ref_words}
        ops = " ".join(f"~~{r}~~→**{h}**" if op == "S" else f"~~{r}~~" if op == "D" else f"**+{h}**" if op == "I" else str(r)
                       for op, r, h in w.alignment)
        wer_md = (f"\n\n**WER {w.wer:.1%}** (S={w.substitutions}, D={w.deletions}, I={w.insertions}, N={w.n_ref_words}) · "
                  f"CER {w.cer:.1%}\n\n{ops}")
    d = res.details
    extra = ""
    if "model_argmax" in d:
        extra = ("\n\n| wav2vec 2.0 emissions decoded by | text |\n|---|---|\n"
                 f"| the model's processor (arg-max) | `{d['model_argmax']}` |\n| our greedy | `{d['ours_greedy']}` |\n"
                 f"| our prefix beam (width 8) | `{d['ours_beam']}` |\n| our beam + our char LM | `{d['ours_beam_lm']}` |\n\n"
                 f"Our greedy decoding {'matches' if d['greedy_matches_model'] else 'differs from'} the model's own.")
    elif "digits" in d:
        extra = f"\n\n<small>tiny-ctc-digits is a toy that knows only zero…nine; digits read: `{d['digits'] or '∅'}`.</small>"
    text_md = f"### {res.text or '(no words recognised)'}{wer_md}{extra}"
    words_md = ("| word | start (s) | end (s) |\n|---|---|---|\n" + "\n".join(f"| {w.word} | {w.start_s:.2f} | {w.end_s:.2f} |" for w in res.words)
                + f"\n\n<small>Word times: {res.word_timing}.</small>") if res.words else ""
    badge = _ui.badge(res.engine, note=f"RTF {res.rtf:.2f} on {res.duration_s:.1f} s of audio, input {clip.levels.rms_dbfs:.1f} dBFS RMS" + (f" · loaded in {res.load_ms:.0f} ms" if res.load_ms else "")
                      + (f" · {len(res.chunks)} pieces cut at pauses" if len(res.chunks) > 1 else ""), skipped=res.skipped)
    return _words_plot(clip.y, clip.sr, res.words, res.chunks), badge, text_md, words_md, _ui.clean(result)


# ----------------------------------------------------------------------------- layout


def build() -> None:
    _ui.lesson_header(SLUG, TITLE, SUMMARY)
    with gr.Tab("CTC playground"):
        gr.Markdown(
            "A CTC model outputs, every frame, a probability for each letter and for **blank (∅)**. Type a text: an "
            "idealised model's output is generated for it (each letter held for some frames, blank mass inside the "
            "letters, noise on top). Greedy decoding reads the best *path*; prefix beam search looks for the best "
            "*labelling* (summing over paths), optionally guided by a character 5-gram LM trained on our own text."
        )
        with gr.Row():
            with gr.Column():
                target = gr.Textbox("hello world", label="target text (a–z, space, ')", max_length=ctc.MAX_TARGET_CHARS, elem_id="l04-target")
                fps = gr.Slider(1, 20, value=3, step=1, label="frames per symbol (duration)")
                blank = gr.Slider(0.0, 0.95, value=0.3, step=0.05, label="blank probability inside a symbol's frames")
                noise = gr.Slider(0.0, 5.0, value=0.8, step=0.1, label="noise (nats, std)")
            with gr.Column():
                width = gr.Slider(1, 64, value=8, step=1, label="beam width")
                lm_w = gr.Slider(0.0, 3.0, value=0.5, step=0.1, label="LM weight α (0 = off; β = 2α per character)")
                go = gr.Button("Generate and decode", variant="primary", elem_id="l04-decode")
        compare = gr.Markdown(elem_id="l04-compare")
        post = gr.Plot(label="Posteriors", format="png")
        table = gr.Markdown()
        res1 = _ui.result_json()
    go.click(ctc_decode, [target, fps, blank, noise, width, lm_w], [post, table, compare, res1], api_name="asr_ctc_decode")

    with gr.Tab("Tiny CTC model on audio"):
        gr.Markdown(
            "Real posteriors: our tiny CTC model (≈0.3 M parameters, trained by `scripts/train_ctc.py` on eSpeak "
            "digit strings) decodes audio. It knows only **zero…nine**. Its attention head (trained jointly) shows "
            "which frames each output digit attended to."
        )
        with gr.Row():
            t_audio = _ui.audio_input("Spoken digits — record, upload or pick an example", elem_id="l04-tiny-audio",
                                      examples=[str(p) for p in DIGIT_EXAMPLES])
            with gr.Column():
                t_width = gr.Slider(1, 64, value=8, step=1, label="beam width")
                t_go = gr.Button("Decode with the tiny model", variant="primary", elem_id="l04-tiny-decode")
        t_md = gr.Markdown(elem_id="l04-tiny-md")
        t_plot = gr.Plot(label="Log-mel and CTC posteriors", format="png")
        t_table = gr.Markdown()
        t_att = gr.Plot(label="Attention alignment", format="png")
        t_res = _ui.result_json()
    t_go.click(ctc_audio, [t_audio, t_width], [t_plot, t_table, t_att, t_md, t_res], api_name="asr_ctc_audio")

    with gr.Tab("Loss lattices (CTC, RNN-T)"):
        with gr.Row():
            l_target = gr.Textbox("cat", label="target (≤ 12 characters)", max_length=12)
            l_frames = gr.Slider(2, 60, value=12, step=1, label="frames T")
            l_noise = gr.Slider(0.0, 5.0, value=0.5, step=0.1, label="noise (nats)")
            l_go = gr.Button("Compute lattices", variant="primary", elem_id="l04-lattice")
        l_md = gr.Markdown(elem_id="l04-lattice-md")
        l_plot = gr.Plot(label="Lattices", format="png")
        l_res = _ui.result_json()
    l_go.click(lattice, [l_target, l_frames, l_noise], [l_plot, l_md, l_res], api_name="asr_lattice")

    with gr.Tab("Train a tiny CTC model"):
        gr.Markdown(
            "Train the tiny model **from scratch**, live: every step synthesises 16 new digit strings with random eSpeak "
            "voices, rates and noise (CTC and attention heads trained jointly). Watch the loss fall and the held-out outputs go from nothing (all blank) to "
            "digits. One training runs at a time; others wait in the queue."
        )
        with gr.Row():
            steps = gr.Slider(20, MAX_TRAIN_STEPS, value=300, step=10, label="steps (≈ 0.2 s of CPU each)")
            tr_go = gr.Button("Train", variant="primary", elem_id="l04-train")
        tr_status = gr.Markdown(elem_id="l04-train-status")
        tr_plot = gr.Plot(label="Loss", format="png")
        tr_samples = gr.Markdown()
        tr_res = _ui.result_json()
    tr_go.click(ctc_train, [steps], [tr_plot, tr_samples, tr_status, tr_res], api_name="asr_ctc_train", concurrency_limit=1,
                concurrency_id="l04-train")

    with gr.Tab("Recognizers"):
        with gr.Row():
            with gr.Column(scale=2):
                r_audio = _ui.audio_input(elem_id="l04-asr-audio",
                                          examples=[p for p, _ in _ui.example_files()] + [str(p) for p in DIGIT_EXAMPLES])
            with gr.Column(scale=2):
                r_engine = gr.Dropdown([(f"{e.name} ({e.kind})", e.name) for e in asr.REGISTRY.engines("asr")],
                                       value="pocketsphinx", label="engine", elem_id="l04-engine")
                r_ref = gr.Textbox("", label="reference transcript (optional, for WER)", elem_id="l04-ref")
                r_go = gr.Button("Transcribe", variant="primary", elem_id="l04-transcribe")
        r_badge = gr.Markdown(elem_id="l04-badge")
        r_text = gr.Markdown(elem_id="l04-text")
        r_plot = gr.Plot(label="Words", format="png")
        r_words = gr.Markdown()
        r_res = _ui.result_json()
    r_go.click(transcribe, [r_audio, r_engine, r_ref], [r_plot, r_badge, r_text, r_words, r_res], api_name="asr_transcribe")
