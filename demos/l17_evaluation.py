"""Lesson 17 — Audio Evaluation: WER/CER, EER/minDCF, DNSMOS/PESQ/STOI, speed, Fréchet distance."""

from __future__ import annotations

import csv
import html
import json
import re
import tempfile
from pathlib import Path

import gradio as gr
import numpy as np

from core import metrics, quality, textnorm, timing
from core.audio import load_audio
from core.engines import REGISTRY
from core.errors import ParamError
from demos import _ui

SLUG = "17"
TITLE = "Audio Evaluation"
API_NAMES = (
    "eval_wer", "eval_eer", "eval_gaussian", "eval_quality", "eval_speed", "eval_roundtrip", "eval_frechet", "eval_batch",
)  # fmt: skip  (public Gradio endpoints: a stable contract)
SUMMARY = (
    "How good is it, and how fast? Word error rate from an edit-distance alignment we wrote "
    "ourselves (and why normalisation moves it), equal error rate and detection cost for "
    "verification, predicted MOS and reference-based PESQ/STOI/SI-SNR for quality, latency "
    "percentiles and RTFx for speed, and Fréchet distances between whole sets of clips."
)

ASSETS = _ui.ROOT / "assets" / "eval"
MAX_SCORES = 100_000  # trials pasted into eval_eer
MAX_BATCH_ROWS = 50
MAX_SET_CLIPS = 50  # clips per set for the Fréchet distance
SPEED_BUDGET_S = 60.0  # all benches of one eval_speed call together
SPEED_MAX_AUDIO_S = 30.0
AUTO = "auto"
# (label, value) for the normalisation CheckboxGroup; values are core.textnorm.TOGGLES names
NORM_CHOICES = [(label, name) for name, label in textnorm.TOGGLES.items()]
OP_STYLE = {  # translucent backgrounds read on light and dark themes; text keeps the theme's colour
    "=": ("hit", "transparent", "none"),
    "S": ("substitution", "rgba(249,115,22,0.35)", "none"),
    "D": ("deletion", "rgba(225,29,72,0.35)", "line-through"),
    "I": ("insertion", "rgba(59,130,246,0.35)", "none"),
}
WER_EXAMPLES = [
    ["The cat sat on the mat.", "the cat sat on a mat today"],
    ["Don't pay $42 for it, OK?", "do not pay forty two dollars for it okay"],
    ["It was the first great sorrow of his life.", "it was the first great sorrow of his wife"],
    ["Hello.", "hello hello hello hello hello hello hello hello hello hello"],
]
LEADERBOARDS = """
| Leaderboard | What it measures | Source | Figures |
|---|---|---|---|
| **Open ASR Leaderboard** (Hugging Face) | English short-form WER averaged over public test sets (with a shared Whisper-style text normaliser), plus RTFx (audio seconds per compute second); multilingual and long-form tracks | [space hf-audio/open_asr_leaderboard](https://huggingface.co/spaces/hf-audio/open_asr_leaderboard); Srivastav et al., *Open ASR Leaderboard*, [arXiv:2510.06961](https://arxiv.org/abs/2510.06961) (Oct 2025) | none shown here: not verified offline — read them at the source |
| **TTS Arena** (V2) | Human pairwise preference between two anonymised TTS outputs of the same text, turned into Elo ratings | [space TTS-AGI/TTS-Arena-V2](https://huggingface.co/spaces/TTS-AGI/TTS-Arena-V2); blog *TTS Arena: Benchmarking Text-to-Speech Models in the Wild* (Hugging Face, Feb 2024) | none shown here: ratings change with every vote |
| **VoxCeleb** speaker verification | EER and minDCF on the VoxCeleb1 test trial lists (VoxCeleb1-O/E/H); the VoxSRC challenges (2019–2023) | [VoxCeleb site (Oxford VGG)](https://www.robots.ox.ac.uk/~vgg/data/voxceleb/); Nagrani et al., Interspeech 2017; Chung et al., Interspeech 2018 | none shown here: not verified offline |
| **MMAU-Pro** | Audio understanding and reasoning of audio-language models: 5,305 instances, 49 skills over speech, sound and music (multiple choice and open-ended) | Kumar et al., [arXiv:2508.13992](https://arxiv.org/abs/2508.13992) (v1, 19 Aug 2025) | *as published, 19 Aug 2025 (abstract of v1)*: Gemini 2.5 Flash 59.2 %, Audio Flamingo 3 51.7 % accuracy |

Numbers on a leaderboard depend on the normaliser, the test sets and the date; compare a model with
itself under one protocol, as the tabs above do, before trusting a rank.
"""


# ----------------------------------------------------------------------------- WER


def alignment_html(result: metrics.WerResult) -> str:
    """Coloured two-row alignment: each column is one edit operation, reference on top."""
    cells = []
    for op, ref_word, hyp_word in result.alignment:
        name, bg, deco = OP_STYLE[op]
        top = html.escape(ref_word) if ref_word is not None else "∅"
        bottom = html.escape(hyp_word) if hyp_word is not None else "∅"
        cells.append(
            f'<span class="l17-op l17-{name}" data-op="{op}" title="{name}" style="display:inline-flex;flex-direction:column;'
            f'align-items:center;margin:2px;padding:2px 6px;border-radius:4px;background:{bg};border:1px solid rgba(138,143,152,0.4)">'
            f'<span style="text-decoration:{deco}">{top}</span><span style="opacity:0.85">{bottom}</span></span>'
        )
    legend = " ".join(
        f'<span style="padding:1px 6px;border-radius:4px;background:{bg};border:1px solid rgba(138,143,152,0.4)">{label}</span>'
        for label, bg, _ in OP_STYLE.values()
    )
    return (
        f'<div id="l17-alignment-view" style="line-height:1.6"><div style="font-size:0.85em;margin-bottom:4px">'
        f"top: reference · bottom: hypothesis · ∅ = nothing · {legend}</div>{''.join(cells)}</div>"
    )


def _options(options: list[str] | None) -> textnorm.NormOptions:
    return textnorm.NormOptions.from_toggles(options or [])


@_ui.guard
def eval_wer(reference: str, hypothesis: str, options: list[str] | None = None):
    """Word and character error rate of a hypothesis against a reference, with the full alignment.

    Args:
        reference: the correct transcript (at least one word after normalisation).
        hypothesis: the transcript to score (may be empty).
        options: normalisation toggles applied to both texts, any of "lowercase", "punctuation",
            "numbers_to_digits" | "numbers_to_words", "expand_contractions" | "contract_contractions",
            "fillers". An empty list scores the raw words.

    Returns the coloured alignment (HTML), a summary, and a result with keys wer and cer (ratios;
    WER > 1 happens when the hypothesis has many insertions), hits, substitutions, deletions,
    insertions, n_ref_words, n_hyp_words, alignment (list of [op, ref_word, hyp_word], op one of
    "=", "S", "D", "I", null for a missing word), reference_normalized, hypothesis_normalized.
    """
    r = metrics.wer(reference or "", hypothesis or "", normalize=_options(options))
    md = (
        f"### WER = {r.wer:.1%} · CER = {r.cer:.1%}\n"
        f"| words | hits | substitutions | deletions | insertions | errors |\n|---|---|---|---|---|---|\n"
        f"| {r.n_ref_words} ref / {r.n_hyp_words} hyp | {r.hits} | {r.substitutions} | {r.deletions} | {r.insertions} | {r.errors} |\n\n"
        f"WER = (S + D + I) / N = ({r.substitutions} + {r.deletions} + {r.insertions}) / {r.n_ref_words}"
        + (" — above 100 %: insertions are not capped." if r.wer > 1 else "")
        + f"\n\nScored texts: `{r.reference}` ⟷ `{r.hypothesis}`"
    )
    result = {
        "wer": r.wer, "cer": r.cer, "hits": r.hits, "substitutions": r.substitutions, "deletions": r.deletions,
        "insertions": r.insertions, "n_ref_words": r.n_ref_words, "n_hyp_words": r.n_hyp_words,
        "alignment": [list(a) for a in r.alignment], "reference_normalized": r.reference,
        "hypothesis_normalized": r.hypothesis,
    }  # fmt: skip
    return alignment_html(r), md, _ui.clean(result)


# ----------------------------------------------------------------------------- verification

_LABEL_WORDS = {"1": 1, "0": 0, "true": 1, "false": 0, "target": 1, "nontarget": 0, "non-target": 0, "impostor": 0}


def _items(text: str | list | None, what: str) -> list:
    if isinstance(text, list):
        return text
    text = (text or "").strip()
    if not text:
        raise ParamError(f"no {what} given; paste numbers separated by commas or spaces, or a JSON list")
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParamError(f"{what} look like JSON but do not parse ({exc.msg}); use a list like [0.1, 0.9]") from None
        if not isinstance(items, list):
            raise ParamError(f"{what} must be a JSON list")
        return items
    return [t for t in re.split(r"[,;\s]+", text) if t]


def parse_scores(text: str | list | None) -> np.ndarray:
    items = _items(text, "scores")
    out = []
    for k, item in enumerate(items, 1):
        try:
            out.append(float(item))
        except (TypeError, ValueError):
            raise ParamError(f"score {item!r} (item {k}) is not a number; scores must be numbers like 0.73 or -1.2") from None
    if len(out) > MAX_SCORES:
        raise ParamError(f"{len(out):,} scores; paste at most {MAX_SCORES:,}")
    return np.asarray(out)


def parse_labels(text: str | list | None) -> np.ndarray:
    out = []
    for k, item in enumerate(_items(text, "labels"), 1):
        key = str(item).strip().lower()
        if isinstance(item, bool):
            key = "1" if item else "0"
        elif key in ("1.0", "0.0"):
            key = key[0]
        if key not in _LABEL_WORDS:
            raise ParamError(f"label {item!r} (item {k}) is not 1/0, true/false or target/nontarget")
        out.append(_LABEL_WORDS[key])
    return np.asarray(out, dtype=np.int64)


def _verification_figure(scores: np.ndarray, labels: np.ndarray, thr_eer: float, thr_dcf: float, title: str):
    fig, (ax_h, ax_det) = _ui.figure(1, 2, height=3.4, width=10)
    bins = np.histogram_bin_edges(scores, bins=min(60, max(10, len(scores) // 10)))
    ax_h.hist(scores[labels == 0], bins=bins, alpha=0.6, color=_ui.PALETTE[1], label="non-target")
    ax_h.hist(scores[labels == 1], bins=bins, alpha=0.6, color=_ui.PALETTE[0], label="target")
    ax_h.axvline(thr_eer, color=_ui.PALETTE[2], linestyle="--", label="EER threshold")
    if np.isfinite(thr_dcf):
        ax_h.axvline(thr_dcf, color=_ui.PALETTE[3], linestyle=":", label="minDCF threshold")
    ax_h.legend(fontsize=7, labelcolor=_ui.INK, frameon=False)
    _ui.style(ax_h, title=title, xlabel="score", ylabel="trials")
    fpr, fnr, _ = metrics.det_curve(scores, labels)
    ax_det.plot(metrics.probit(fpr), metrics.probit(fnr), color=_ui.PALETTE[0])
    ticks = [t for t in metrics.DET_TICKS if t <= 0.5]
    ax_det.set_xticks(metrics.probit(np.asarray(ticks)), [f"{100 * t:g}" for t in ticks])
    ax_det.set_yticks(metrics.probit(np.asarray(ticks)), [f"{100 * t:g}" for t in ticks])
    lim = metrics.probit(np.asarray([metrics.DET_EPS * 5, 0.5]))
    ax_det.set_xlim(*lim)
    ax_det.set_ylim(*lim)
    ax_det.plot(lim, lim, color=_ui.INK, linewidth=0.5, linestyle=":")
    _ui.style(ax_det, title="DET curve (probit axes; the diagonal meets it at the EER)", xlabel="false alarm rate (%)", ylabel="miss rate (%)")
    return fig


def _verification_md(rep: dict, extra: str = "") -> str:
    return (
        f"| EER | threshold at EER | minDCF (p_target={rep['p_target']:g}) | threshold at minDCF | AUC | targets | non-targets |\n"
        f"|---|---|---|---|---|---|---|\n| **{rep['eer']:.2%}** | {rep['threshold_at_eer']:.4g} | **{rep['min_dcf']:.4f}** | "
        f"{rep['threshold_at_min_dcf']:.4g} | {rep['auc']:.4f} | {rep['n_target']} | {rep['n_nontarget']} |\n\n{extra}"
    )


@_ui.guard
def eval_eer(scores: str, labels: str):
    """Equal error rate and minimum detection cost of a list of verification trials.

    Args:
        scores: one score per trial (higher = more likely the same speaker), comma/space separated
            text or a JSON list.
        labels: one label per score: 1/0, true/false or target/nontarget (same formats).

    Returns a histogram + DET plot, a table, and a result with keys eer (ratio), min_dcf
    (normalised, p_target = 0.01, C_miss = C_fa = 1), threshold (the score at the EER),
    threshold_min_dcf, auc, n_target, n_nontarget. Shares core.metrics with lesson 06.
    """
    s, y = parse_scores(scores), parse_labels(labels)
    if len(s) != len(y):
        raise ParamError(f"got {len(s)} scores and {len(y)} labels; give exactly one label per score")
    rep = metrics.verification_report(s, y)
    fig = _verification_figure(s, y, rep["threshold_at_eer"], rep["threshold_at_min_dcf"], "Score distributions")
    result = {
        "eer": rep["eer"], "min_dcf": rep["min_dcf"], "threshold": rep["threshold_at_eer"],
        "threshold_min_dcf": rep["threshold_at_min_dcf"], "auc": rep["auc"],
        "n_target": rep["n_target"], "n_nontarget": rep["n_nontarget"],
    }  # fmt: skip
    return fig, _verification_md(rep), _ui.clean(result)


@_ui.guard
def eval_gaussian(mu_t: float, sd_t: float, mu_n: float, sd_n: float, n_t: int, n_n: int, p_target: float, c_miss: float, c_fa: float, seed: int = 0):
    """ROC/DET explorer: draw target and non-target scores from two Gaussians and measure them.

    Args: target mean and std dev, non-target mean and std dev (score units), trial counts per
    class, and the detection-cost parameters p_target (prior of a target trial), C_miss, C_fa;
    seed for the random draw.

    Returns the plots, a table and a result with keys eer, min_dcf, threshold, eer_theory (the
    closed form Φ((μn − μt)/(σt + σn)) the sample estimates), threshold_theory, auc.
    """
    s, y = quality.gaussian_trials(mu_target=mu_t, sd_target=sd_t, mu_nontarget=mu_n, sd_nontarget=sd_n, n_target=int(n_t), n_nontarget=int(n_n), seed=int(seed))
    rep = metrics.verification_report(s, y, p_target=p_target, c_miss=c_miss, c_fa=c_fa)
    e_th, thr_th = quality.gaussian_eer(mu_target=mu_t, sd_target=sd_t, mu_nontarget=mu_n, sd_nontarget=sd_n)
    fig = _verification_figure(s, y, rep["threshold_at_eer"], rep["threshold_at_min_dcf"], "Gaussian scores")
    extra = (
        f"Theory for these Gaussians: EER = Φ((μn − μt)/(σt + σn)) = **{e_th:.2%}** at θ = {thr_th:.3f}; "
        f"the sample of {int(n_t) + int(n_n)} trials estimates it. Raise C_fa or lower p_target and the "
        "minDCF threshold moves right (fewer false alarms, more misses); the EER does not move."
    )
    result = {
        "eer": rep["eer"], "min_dcf": rep["min_dcf"], "threshold": rep["threshold_at_eer"],
        "threshold_min_dcf": rep["threshold_at_min_dcf"], "eer_theory": e_th, "threshold_theory": thr_th, "auc": rep["auc"],
    }  # fmt: skip
    return fig, _verification_md(rep, extra), _ui.clean(result)


# ----------------------------------------------------------------------------- quality


@_ui.guard
def eval_quality(audio: str | None, reference_audio: str | None = None):
    """Predicted MOS (DNSMOS) of a speech clip, plus PESQ, STOI and SI-SNR when a clean reference is given.

    Args:
        audio: the speech to rate (file path; any rate, mono or stereo; 0.5–60 s, not silent).
        reference_audio: optional clean reference of the same utterance (≥ 0.25 s). Both are
            resampled to 16 kHz, the delay between them is removed and lengths are aligned.

    Returns waveform plots, a table, and a result with keys dnsmos_sig, dnsmos_bak, dnsmos_ovrl,
    dnsmos_p808 (1–5), and with a reference pesq (wide band, ≈1–4.64), stoi (0–1), si_snr_db,
    delay_ms, compared_s; utmos_available (false: see the note).
    """
    clip = load_audio(audio, sr=quality.SR, max_duration_s=quality.MAX_QUALITY_S)
    ref = load_audio(reference_audio, sr=quality.SR, max_duration_s=quality.MAX_QUALITY_S) if reference_audio else None
    rep = quality.quality_report(clip.y, quality.SR, reference=None if ref is None else ref.y)
    mos = rep.dnsmos
    result = {"dnsmos_sig": mos.sig, "dnsmos_bak": mos.bak, "dnsmos_ovrl": mos.ovrl, "dnsmos_p808": mos.p808}
    rows = [("DNSMOS SIG (speech)", f"{mos.sig:.2f}", "1–5"), ("DNSMOS BAK (background)", f"{mos.bak:.2f}", "1–5"),
            ("DNSMOS OVRL (overall)", f"{mos.ovrl:.2f}", "1–5"), ("DNSMOS P.808", f"{mos.p808:.2f}", "1–5")]  # fmt: skip
    n_plots = 1 if ref is None else 2
    fig, axes = _ui.figure(n_plots, 1, height=2.2 * n_plots)
    _ui.waveform(axes[0], clip.y, quality.SR, title="Rated audio (16 kHz)")
    if ref is not None:
        result.update(pesq=rep.pesq, stoi=rep.stoi, si_snr_db=rep.si_snr_db, delay_ms=rep.delay_ms, compared_s=rep.compared_s)
        rows += [("PESQ (wide band, P.862.2)", f"{rep.pesq:.2f}", "≈1–4.64"), ("STOI", f"{rep.stoi:.3f}", "0–1"),
                 ("SI-SNR", f"{rep.si_snr_db:.1f} dB", "higher is better")]  # fmt: skip
        _ui.waveform(axes[1], ref.y, quality.SR, title=f"Reference (the rated audio lags it by {rep.delay_ms:.1f} ms; removed before scoring)")
    result["utmos_available"] = False
    md = "| metric | value | range |\n|---|---|---|\n" + "\n".join(f"| {a} | **{b}** | {c} |" for a, b, c in rows)
    md += "\n\n" + _ui.badge("dnsmos (speechmos ONNX, embedded)", note="MOS predicted from the audio alone")
    md += (
        "\n\n**UTMOS: not available in this app.** UTMOS (Saeki et al., 2022) is loaded from GitHub/"
        "torch.hub or a Space, not from an allow-listed `transformers` model id or a package that ships its "
        "weights, so it is not shown rather than faked. DNSMOS above is the embedded MOS predictor."
    )
    if ref is None:
        md += "\n\nAdd a clean reference of the same utterance to get PESQ, STOI and SI-SNR."
    return fig, md, _ui.clean(result)


# ----------------------------------------------------------------------------- speed


def _bench_choices() -> list[tuple[str, str]]:
    out = []
    for b in timing.engine_benches():
        label = f"{b.key} ({b.kind})" + ("" if b.available else f" — unavailable: {b.reason}")
        out.append((label, b.key))
    return out


@_ui.guard
def eval_speed(audio: str | None, benches: list[str] | None, repeats: int = 5, warmup: int = 1):
    """Latency percentiles and RTFx of the app's offline engines on one clip (never a single number).

    Args:
        audio: the clip to process (file path; at most 30 s).
        benches: keys like "features/logmel-ours", "features/logmel-librosa", "tts/espeak-ng",
            "resample/soxr", "resample/sinc", "mos/dnsmos", "asr/<engine>" (see the checkbox list).
        repeats: timed runs per bench (3–50); warmup: untimed runs first (0–3).

    Returns a bar plot, a table and a result with key benches: a list of {name, runs, p50_ms,
    p95_ms, p99_ms, mean_ms, min_ms, max_ms, audio_s, rtfx_p50, rtfx_p95, budget_hit}.
    RTFx = audio seconds / processing seconds (TTS: seconds of speech produced).
    """
    clip = load_audio(audio, sr=None, max_duration_s=SPEED_MAX_AUDIO_S)
    known = {b.key: b for b in timing.engine_benches()}
    chosen = [k for k in (benches or []) if k]
    if not chosen:
        raise ParamError("choose at least one engine to time")
    unknown = [k for k in chosen if k not in known]
    if unknown:
        raise ParamError(f"unknown bench {unknown[0]!r}; choose from {sorted(known)}")
    budget = SPEED_BUDGET_S / len(chosen)
    results = [timing.run_bench(known[k], clip.y, clip.sr, repeats=int(repeats), warmup=int(warmup), budget_s=budget) for k in chosen]
    fig, (ax,) = _ui.figure(1, 1, height=0.5 + 0.45 * len(results))
    ypos = np.arange(len(results))
    p50 = np.array([t.p50_ms for t in results])
    p95 = np.array([t.p95_ms for t in results])
    ax.barh(ypos, p50, color=_ui.PALETTE[0], label="p50")
    ax.errorbar(p95, ypos, xerr=[p95 - p50, np.zeros_like(p95)], fmt="|", color=_ui.PALETTE[1], label="p95 (whisker to p50)")
    ax.set_yticks(ypos, [t.name for t in results])
    ax.set_xscale("log")
    ax.legend(fontsize=7, labelcolor=_ui.INK, frameon=False)
    _ui.style(ax, title=f"Latency per run on a {clip.duration_s:.1f} s clip", xlabel="time (ms, log scale)")
    md = "| bench | runs | p50 | p95 | p99 | RTFx @p50 | RTFx @p95 |\n|---|---|---|---|---|---|---|\n" + "\n".join(
        f"| {t.name} | {t.n}{' (budget)' if t.budget_hit else ''} | {t.p50_ms:.2f} ms | {t.p95_ms:.2f} ms | {t.p99_ms:.2f} ms | "
        f"{t.rtfx(50):.1f}× | {t.rtfx(95):.1f}× |"
        for t in results
    )
    md += f"\n\nWarm-up runs: {int(warmup)} (they pay for loading and caches). RTFx > 1 is faster than real time. Machines differ: compare rows, not with other computers."
    return fig, md, _ui.clean({"benches": [t.as_dict() for t in results], "audio_s": clip.duration_s})


# ----------------------------------------------------------------------------- round trip


def _tts_choices() -> list[str]:
    names = ["espeak-ng"]
    if "tts" in REGISTRY.capabilities():
        names += [n for n in REGISTRY.names("tts") if n != "espeak-ng"]
    return names


@_ui.guard
def eval_roundtrip(prompts: str, tts_engine: str = "espeak-ng", asr_engine: str = AUTO):
    """TTS → ASR → WER/CER over a prompt list: how intelligible the synthetic speech is to a recogniser.

    Args:
        prompts: one sentence per line (at most 20, each under 300 characters).
        tts_engine: "espeak-ng" or a lesson-07 TTS engine name.
        asr_engine: "auto" (the first registered recogniser that works) or an "asr" engine name.

    Returns the first prompt's audio, a table, and a result with keys corpus_wer, corpus_cer,
    tts_engine, asr_engine and items (list of {prompt, transcript, wer, cer, audio_s}).
    """
    lines = (prompts or "").splitlines()
    rt = quality.round_trip(lines, tts_engine=tts_engine or None, asr_engine=None if asr_engine in (None, "", AUTO) else asr_engine)
    first = next(line for line in lines if line.strip())
    y, sr, _ = quality.synthesize(first, engine=rt.tts_engine)
    md = f"### corpus CER = {rt.corpus_cer:.1%} · corpus WER = {rt.corpus_wer:.1%}\n" + _ui.badge(f"{rt.tts_engine} → {rt.asr_engine}")
    md += (
        "\n\nRead both names: a high error rate can mean unclear speech *or* a recogniser that never heard "
        "such a voice (PocketSphinx's acoustic model was trained on human speech, far from eSpeak's formant voice)."
    )
    md += "\n\n| prompt | transcript | WER | CER |\n|---|---|---|---|\n" + "\n".join(
        f"| {html.escape(i.prompt)} | {html.escape(i.transcript)} | {i.wer:.0%} | {i.cer:.0%} |" for i in rt.items
    )
    result = {"corpus_wer": rt.corpus_wer, "corpus_cer": rt.corpus_cer, "tts_engine": rt.tts_engine, "asr_engine": rt.asr_engine,
              "items": [i.__dict__ for i in rt.items]}  # fmt: skip
    return _ui.to_pcm16(y, sr), md, _ui.clean(result)


# ----------------------------------------------------------------------------- Fréchet distance


def _paths(files) -> list[str]:
    out = []
    for f in files or []:
        out.append(f if isinstance(f, str) else f.get("path") if isinstance(f, dict) else getattr(f, "name", str(f)))
    return out


@_ui.guard
def eval_frechet(set_a: list | None = None, set_b: list | None = None, embedding: str = "mfcc_stats"):
    """Fréchet distance between two sets of clips, with full covariance and the diagonal approximation.

    Args:
        set_a, set_b: lists of audio files (2–50 each). Leave both empty for the built-in example:
            clean eSpeak sentences vs the same sentences lower, faster and with pink noise (5 dB SNR).
        embedding: "mfcc_stats" (mean and std of 20 MFCCs, 40 dims) or "logmel_mean" (40 dims).

    Returns a 2-D projection plot, a table, and a result with keys frechet_full, frechet_diagonal,
    mean_term (‖μ₁ − μ₂‖²), n_a, n_b, dim, rank_deficient (fewer clips than dimensions), source.
    """
    paths_a, paths_b = _paths(set_a), _paths(set_b)
    if not paths_a and not paths_b:
        clips_a, clips_b = quality.example_sets()
        source = "built-in example"
    else:
        if not (2 <= len(paths_a) <= MAX_SET_CLIPS and 2 <= len(paths_b) <= MAX_SET_CLIPS):
            raise ParamError(f"upload 2–{MAX_SET_CLIPS} clips in each set (got {len(paths_a)} and {len(paths_b)})")
        clips_a = [load_audio(p, sr=quality.SR).y for p in paths_a]
        clips_b = [load_audio(p, sr=quality.SR).y for p in paths_b]
        source = "uploads"
    X1 = np.stack([quality.clip_embedding(c, quality.SR, kind=embedding) for c in clips_a])
    X2 = np.stack([quality.clip_embedding(c, quality.SR, kind=embedding) for c in clips_b])
    fd = quality.frechet_from_embeddings(X1, X2)
    # project both sets on the two main axes of their pooled, standardised embeddings
    pooled = np.vstack([X1, X2])
    z = (pooled - pooled.mean(0)) / (pooled.std(0) + 1e-9)
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    proj = z @ vt[:2].T
    fig, (ax,) = _ui.figure(1, 1, height=3.4, width=6)
    ax.scatter(proj[: len(X1), 0], proj[: len(X1), 1], color=_ui.PALETTE[0], label=f"set A ({len(X1)})")
    ax.scatter(proj[len(X1) :, 0], proj[len(X1) :, 1], color=_ui.PALETTE[1], marker="^", label=f"set B ({len(X2)})")
    ax.legend(fontsize=8, labelcolor=_ui.INK, frameon=False)
    _ui.style(ax, title="Clip embeddings, first two principal axes (standardised)", xlabel="PC 1", ylabel="PC 2")
    md = (
        f"| Fréchet distance | value |\n|---|---|\n| full covariance | **{fd.full:.2f}** |\n"
        f"| diagonal approximation | **{fd.diagonal:.2f}** |\n| mean term ‖μ₁ − μ₂‖² (shared) | {fd.mean_term:.2f} |\n\n"
        f"d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½); the diagonal version keeps only the variances. "
        f"{fd.n1} and {fd.n2} clips, {fd.dim}-dimensional {embedding} embeddings ({source})."
    )
    if fd.rank_deficient:
        md += (
            f"\n\n⚠️ Fewer clips than dimensions ({min(fd.n1, fd.n2)} ≤ {fd.dim}): the covariances are singular and the "
            "full-covariance term is unreliable — FAD papers use thousands of clips. The diagonal approximation "
            "needs far fewer."
        )
    result = {"frechet_full": fd.full, "frechet_diagonal": fd.diagonal, "mean_term": fd.mean_term, "n_a": fd.n1,
              "n_b": fd.n2, "dim": fd.dim, "rank_deficient": fd.rank_deficient, "source": source, "embedding": embedding}  # fmt: skip
    return fig, md, _ui.clean(result)


# ----------------------------------------------------------------------------- batch


def read_batch_csv(path: str) -> list[dict[str, str]]:
    """Rows of a batch CSV with columns file, reference and optionally hypothesis."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            fields = [c.strip().lower() for c in (reader.fieldnames or []) if c]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ParamError(f"the CSV could not be read ({exc}); save it as UTF-8 text with a header line") from None
    if "file" not in fields or "reference" not in fields:
        raise ParamError(f"the CSV needs a header with columns 'file' and 'reference' (got {fields})")
    rows = [{k.strip().lower(): (v or "").strip() for k, v in r.items() if k} for r in rows]
    if not rows:
        raise ParamError("the CSV has a header but no rows")
    if len(rows) > MAX_BATCH_ROWS:
        raise ParamError(f"the CSV has {len(rows)} rows; score at most {MAX_BATCH_ROWS} at a time")
    return rows


@_ui.guard
def eval_batch(csv_file: str | None, audio_files: list | None = None, asr_engine: str = AUTO, options: list[str] | None = None, progress=gr.Progress()):  # noqa: B008 (Gradio's idiom)
    """Score many files at once: per-file WER table and corpus WER, downloadable as CSV.

    Args:
        csv_file: CSV with a header: file (audio file name), reference (its transcript) and
            optionally hypothesis (a transcript to score as is; when absent or empty the audio is
            transcribed by the ASR engine).
        audio_files: the audio files named in the CSV (matched by file name).
        asr_engine: "auto" or an "asr" engine name; options: normalisation toggles as in eval_wer.

    Returns the table (Markdown), a summary, the table as a CSV file, and a result with keys corpus_wer,
    corpus_cer, n_files, hits, substitutions, deletions, insertions, rows (list of per-file dicts:
    file, reference, hypothesis, wer, cer, substitutions, deletions, insertions, source).
    """
    if not csv_file:
        raise ParamError("upload a CSV with columns file and reference (see the example)")
    rows = read_batch_csv(_paths([csv_file])[0])
    by_name = {Path(p).name: p for p in _paths(audio_files)}
    norm = _options(options)
    refs, hyps, table = [], [], []
    engine_used = ""
    for row in progress.tqdm(rows, desc="scoring"):
        name = Path(row.get("file", "")).name
        hyp = row.get("hypothesis", "")
        source = "csv"
        if not hyp:
            if name not in by_name:
                raise ParamError(f"row for {name!r} has no hypothesis and no uploaded audio file of that name; upload it")
            clip = load_audio(by_name[name], sr=16_000)
            hyp, engine_used = quality.transcribe(clip.y, clip.sr, engine=None if asr_engine in (None, "", AUTO) else asr_engine)
            source = engine_used
        refs.append(row["reference"])
        hyps.append(hyp)
        table.append({"file": name, "reference": row["reference"], "hypothesis": hyp, "source": source})
    total = metrics.corpus_wer(refs, hyps, normalize=norm)
    for entry, r in zip(table, total.utterances):
        entry.update(wer=None if r is None else r.wer, cer=None if r is None else r.cer,
                     substitutions=0 if r is None else r.substitutions, deletions=0 if r is None else r.deletions,
                     insertions=0 if r is None else r.insertions)  # fmt: skip
    columns = ["file", "reference", "hypothesis", "wer", "cer", "substitutions", "deletions", "insertions", "source"]
    out_path = Path(tempfile.mkdtemp(prefix="l17_batch_")) / "wer_table.csv"
    with out_path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(table)
    def cell(v: object) -> str:
        text = f"{v:.1%}" if isinstance(v, float) else "—" if v is None else str(v)
        return html.escape(text).replace("|", "\\|")

    shown = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n" + "\n".join(
        "| " + " | ".join(cell(e[c]) for c in columns) + " |" for e in table
    )
    md = (
        f"### corpus WER = {total.wer:.1%} · corpus CER = {total.cer:.1%}\n"
        f"{total.n_utterances} files, {total.n_ref_words} reference words: S = {total.substitutions}, "
        f"D = {total.deletions}, I = {total.insertions}. Corpus WER = Σ errors / Σ reference words "
        "(long files weigh more), not the mean of the per-file WERs."
    )
    if engine_used:
        md += "\n\n" + _ui.badge(engine_used)
    result = {"corpus_wer": total.wer, "corpus_cer": total.cer, "n_files": total.n_utterances, "hits": total.hits,
              "substitutions": total.substitutions, "deletions": total.deletions, "insertions": total.insertions, "rows": table}  # fmt: skip
    return shown, md, str(out_path), _ui.clean(result)


# ----------------------------------------------------------------------------- layout


def build() -> None:
    _ui.lesson_header(SLUG, TITLE, SUMMARY)
    with gr.Tab("WER workbench"):
        gr.Markdown(
            "WER = (substitutions + deletions + insertions) / reference words, from a minimum-edit "
            "alignment (Levenshtein with backtrace, written from scratch and checked against jiwer). "
            "Normalisation runs on both texts first — toggle it and watch the score move."
        )
        with gr.Row():
            ref = gr.Textbox(label="Reference (the truth)", lines=2, elem_id="l17-ref", value=WER_EXAMPLES[0][0])
            hyp = gr.Textbox(label="Hypothesis (the recogniser's output)", lines=2, elem_id="l17-hyp", value=WER_EXAMPLES[0][1])
        opts = gr.CheckboxGroup(NORM_CHOICES, value=textnorm.DEFAULT.toggles(), label="Normalisation (applied to both)", elem_id="l17-norm")
        w_btn = gr.Button("Score", variant="primary", elem_id="l17-wer-btn")
        gr.Examples(WER_EXAMPLES, [ref, hyp], label="Examples")
        w_html = gr.HTML(elem_id="l17-alignment")
        w_md = gr.Markdown(elem_id="l17-wer-summary")
        w_res = _ui.result_json()
    w_btn.click(eval_wer, [ref, hyp, opts], [w_html, w_md, w_res], api_name="eval_wer")
    opts.change(eval_wer, [ref, hyp, opts], [w_html, w_md, w_res], api_name=False)

    with gr.Tab("Verification: EER & minDCF"):
        gr.Markdown("Explore with Gaussian scores, or paste your own trials. The same code scores lesson 06's speaker verification.")
        with gr.Row():
            mu_t = gr.Slider(-5, 5, value=2.0, step=0.1, label="target mean")
            sd_t = gr.Slider(0.1, 5, value=1.0, step=0.1, label="target std dev")
            mu_n = gr.Slider(-5, 5, value=0.0, step=0.1, label="non-target mean")
            sd_n = gr.Slider(0.1, 5, value=1.0, step=0.1, label="non-target std dev")
        with gr.Row():
            n_t = gr.Slider(10, 5000, value=500, step=10, label="target trials")
            n_n = gr.Slider(10, 20000, value=5000, step=10, label="non-target trials")
            p_tgt = gr.Slider(0.001, 0.5, value=0.01, step=0.001, label="p_target")
            c_miss = gr.Slider(0.1, 10, value=1.0, step=0.1, label="C_miss")
            c_fa = gr.Slider(0.1, 10, value=1.0, step=0.1, label="C_fa")
            g_seed = gr.Number(value=0, precision=0, label="seed")
        g_btn = gr.Button("Draw trials", variant="primary", elem_id="l17-g-btn")
        g_plot = gr.Plot(format="png", label="Scores and DET")
        g_md = gr.Markdown()
        g_res = _ui.result_json()
        with gr.Accordion("Paste your own trials", open=False):
            with gr.Row():
                e_scores = gr.Textbox(label="scores (comma/space separated or JSON list)", lines=3, value="0.9, 0.8, 0.75, 0.4, 0.35, 0.3, 0.2, 0.1", elem_id="l17-scores")
                e_labels = gr.Textbox(label="labels (1 = target, 0 = non-target)", lines=3, value="1 1 0 1 0 0 1 0", elem_id="l17-labels")
            e_btn = gr.Button("Compute EER", variant="primary", elem_id="l17-eer-btn")
            e_plot = gr.Plot(format="png", label="Your trials")
            e_md = gr.Markdown()
            e_res = _ui.result_json()
    g_inputs = [mu_t, sd_t, mu_n, sd_n, n_t, n_n, p_tgt, c_miss, c_fa, g_seed]
    g_btn.click(eval_gaussian, g_inputs, [g_plot, g_md, g_res], api_name="eval_gaussian")
    for ctl in g_inputs[:-1]:  # sliders redraw when released (not on every drag step)
        ctl.release(eval_gaussian, g_inputs, [g_plot, g_md, g_res], api_name=False, show_progress="hidden")
    e_btn.click(eval_eer, [e_scores, e_labels], [e_plot, e_md, e_res], api_name="eval_eer")

    with gr.Tab("Quality: DNSMOS, PESQ, STOI"):
        examples = [str(p) for p in sorted(ASSETS.glob("*.flac")) if not p.name.startswith("batch_")] or None
        with gr.Row():
            q_audio = _ui.audio_input("Speech to rate", elem_id="l17-q-audio", examples=examples)
            q_ref = _ui.audio_input("Clean reference (optional: PESQ/STOI/SI-SNR)", elem_id="l17-q-ref", examples=examples)
        q_btn = gr.Button("Rate", variant="primary", elem_id="l17-q-btn")
        q_plot = gr.Plot(format="png", label="Waveforms")
        q_md = gr.Markdown()
        q_res = _ui.result_json()
    q_btn.click(eval_quality, [q_audio, q_ref], [q_plot, q_md, q_res], api_name="eval_quality")

    with gr.Tab("Speed: latency & RTFx"):
        choices = _bench_choices()
        default = [v for _, v in choices if v in ("features/logmel-ours", "features/logmel-librosa", "tts/espeak-ng")]
        with gr.Row():
            s_audio = _ui.audio_input("Clip to process", elem_id="l17-s-audio")
            with gr.Column():
                s_benches = gr.CheckboxGroup(choices, value=default, label="Engines (offline ones only; hub models are not timed here)")
                s_rep = gr.Slider(3, 50, value=5, step=1, label="timed runs per engine")
                s_warm = gr.Slider(0, 3, value=1, step=1, label="warm-up runs (untimed)")
                s_btn = gr.Button("Time them", variant="primary", elem_id="l17-s-btn")
        s_plot = gr.Plot(format="png", label="Latency")
        s_md = gr.Markdown()
        s_res = _ui.result_json()
    s_btn.click(eval_speed, [s_audio, s_benches, s_rep, s_warm], [s_plot, s_md, s_res], api_name="eval_speed")

    with gr.Tab("Round trip: TTS → ASR"):
        asr_names = quality.asr_engines()
        with gr.Row():
            r_prompts = gr.Textbox("\n".join(quality.EXAMPLE_PROMPTS[:5]), lines=6, label="Prompts (one per line)")
            with gr.Column():
                r_tts = gr.Dropdown(_tts_choices(), value="espeak-ng", label="TTS engine")
                r_asr = gr.Dropdown([("auto (first that works)", AUTO), *[(n, n) for n in asr_names]], value=AUTO, label="ASR engine")
                if not asr_names:
                    gr.Markdown("No speech recogniser is registered yet (lesson 04's `asr` engines); running this will say so.")
                r_btn = gr.Button("Round trip", variant="primary", elem_id="l17-r-btn")
        r_audio = _ui.audio_output("First prompt, synthesised")
        r_md = gr.Markdown()
        r_res = _ui.result_json()
    r_btn.click(eval_roundtrip, [r_prompts, r_tts, r_asr], [r_audio, r_md, r_res], api_name="eval_roundtrip")

    with gr.Tab("Fréchet distance"):
        gr.Markdown("Compare two *sets* of clips as distributions (the FAD recipe). Leave both empty for a built-in example of two generated sets.")
        with gr.Row():
            f_a = gr.File(file_count="multiple", file_types=["audio"], label="Set A (2–50 clips)")
            f_b = gr.File(file_count="multiple", file_types=["audio"], label="Set B (2–50 clips)")
        f_emb = gr.Radio([("MFCC mean+std (40-d)", "mfcc_stats"), ("log-mel mean (40-d)", "logmel_mean")], value="mfcc_stats", label="Embedding")
        f_btn = gr.Button("Compare sets", variant="primary", elem_id="l17-f-btn")
        f_plot = gr.Plot(format="png", label="Embeddings")
        f_md = gr.Markdown()
        f_res = _ui.result_json()
    f_btn.click(eval_frechet, [f_a, f_b, f_emb], [f_plot, f_md, f_res], api_name="eval_frechet")

    with gr.Tab("Batch WER"):
        gr.Markdown("Upload a CSV (`file,reference[,hypothesis]`) and the audio files it names. Rows without a hypothesis are transcribed by the ASR engine.")
        example_csv = ASSETS / "batch.csv"
        with gr.Row():
            b_csv = gr.File(file_types=[".csv"], label="CSV", value=str(example_csv) if example_csv.exists() else None)
            b_files = gr.File(file_count="multiple", file_types=["audio"], label="Audio files",
                              value=[str(p) for p in sorted(ASSETS.glob("batch_*.flac"))] or None)  # fmt: skip
            with gr.Column():
                b_asr = gr.Dropdown([("auto (first that works)", AUTO), *[(n, n) for n in asr_names]], value=AUTO, label="ASR engine")
                b_opts = gr.CheckboxGroup(NORM_CHOICES, value=textnorm.DEFAULT.toggles(), label="Normalisation")
                b_btn = gr.Button("Score all", variant="primary", elem_id="l17-b-btn")
        b_table = gr.Markdown(label="Per-file results", elem_id="l17-batch-table")  # a Dataframe would import pandas at start-up
        b_md = gr.Markdown()
        b_dl = gr.File(label="Download the table (CSV)")
        b_res = _ui.result_json()
    b_btn.click(eval_batch, [b_csv, b_files, b_asr, b_opts], [b_table, b_md, b_dl, b_res], api_name="eval_batch")

    with gr.Tab("Leaderboards"):
        gr.Markdown(LEADERBOARDS)
