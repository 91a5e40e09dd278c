"""Lesson 06 — Speaker Recognition & Verification: embeddings, cosine, EER/minDCF, what hurts, diarization."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import gradio as gr
import numpy as np

from core import diarization, metrics, speaker
from core.errors import EngineUnavailable, LabWarning, ParamError
from demos import _ui

SLUG = "06"
TITLE = "Speaker Recognition & Verification"
API_NAMES = ("speaker_verify", "speaker_evaluate", "speaker_degrade", "speaker_diarize")  # public endpoints: a stable contract
SUMMARY = (
    "A voice becomes a point on a sphere (an *embedding*: x-vector → ECAPA-TDNN → WavLM-SV; here also GE2E and "
    "our MFCC-statistics baseline); two clips are compared by **cosine**. Verification (1:1) accepts a claim "
    "when the score passes a threshold; identification (1:N) picks the closest enrolled speaker. Every "
    "production threshold is set from trials: the **EER** (where false accepts = false rejects) and **minDCF** "
    "(the cost when impostors are rare). Then see what hurts — short, noisy, telephone audio — and diarize: "
    "VAD → windows → embeddings → clustering."
)

ASSETS = speaker.ASSETS
ENGINES = list(speaker.ENGINE_NAMES)
DEFAULT_ENGINE = "resemblyzer"  # embedded, fast, EER 0 on the LibriSpeech clips; the hub engines fall back to it offline
CONDITIONS = {"short test clip": "short", "noise at an SNR": "noise", "telephone channel (300–3400 Hz, 8 kHz, µ-law)": "telephone"}
SWEEPS = {"short": (0.5, 1.0, 2.0, 3.0), "noise": (20.0, 10.0, 5.0, 0.0)}  # extra points shown for "how the EER moves"
N_SPEAKER_CHOICES = ["auto", "1", "2", "3", "4", "5", "6"]
VADS = {"energy (from scratch)": "energy", "silero (neural, core.vad)": "silero"}


def _asset(name: str) -> str:
    return str(ASSETS / name)


def _shared_dir() -> Path:
    """The real recordings beside the repo (../shared/data/real, or $LAB_REAL_DATA), if present."""
    env = os.environ.get("LAB_REAL_DATA")
    return Path(env).expanduser() if env else _ui.ROOT.parent / "shared" / "data" / "real"


def _copy_to_temp(paths: list[Path]) -> list[str]:
    """Gradio serves files from the app folder or the temp folder only: copy shared recordings there."""
    folder = Path(tempfile.mkdtemp(prefix="l06_shared_"))
    return [shutil.copy(p, folder / p.name) for p in paths]


def _trial_set_builtin() -> list[str]:
    return [_asset(r["file"]) for r in speaker.manifest() if r["role"] in ("enroll", "test", "impostor")]


def _librispeech_clips() -> list[Path]:
    folder = _shared_dir() / "speakers"
    return sorted(folder.glob("librispeech_*")) if folder.is_dir() else []


def _librispeech_label(path: str) -> str:
    return Path(path).name.split("_")[1].split("-")[0]  # librispeech_1688-142285-0003.flac → 1688


def _resolve(engine: str | None):
    if engine is not None and engine not in ENGINES:
        raise ParamError(f"engine {engine!r} is not one of: {', '.join(ENGINES)}")
    return speaker.resolve(engine or DEFAULT_ENGINE)


def _threshold_for(resolved, requested: str | None, threshold: float | None) -> float:
    """The user's threshold, unless a fallback engine answered: its scores live on another scale."""
    served = resolved.name
    if threshold is None:
        return speaker.default_threshold(served)
    if requested and served != requested:
        warnings.warn(
            f"{requested} was unavailable, so {served} answered; its cosines live on another scale, so its own "
            f"default threshold {speaker.default_threshold(served):.2f} was used instead of {float(threshold):.2f}",
            LabWarning,
            stacklevel=2,
        )
        return speaker.default_threshold(served)
    return float(threshold)


# --------------------------------------------------------------------------------------- plots


def _gauge(score: float, threshold: float, clip_scores: list[float] | None = None):
    fig, (ax,) = _ui.figure(1, 1, height=1.9, width=9.0)
    lo = min(-0.2, score - 0.1, threshold - 0.1)
    ax.axvspan(lo, threshold, color=_ui.PALETTE[3], alpha=0.18, linewidth=0)
    ax.axvspan(threshold, 1.0, color=_ui.PALETTE[2], alpha=0.18, linewidth=0)
    ax.axvline(threshold, color=_ui.INK, linewidth=1.5, linestyle="--")
    ax.text(threshold, 1.02, f" threshold {threshold:.2f}", color=_ui.INK, fontsize=8, va="bottom")
    for s in clip_scores or []:
        ax.plot([s], [0.5], marker="|", markersize=18, color=_ui.PALETTE[0], alpha=0.6)
    color = _ui.PALETTE[2] if score >= threshold else _ui.PALETTE[3]
    ax.plot([score], [0.5], marker="v", markersize=16, color=color)
    ax.text(score, 0.18, f"{score:.3f}", color=color, fontsize=10, ha="center", fontweight="bold")
    ax.set_xlim(lo, 1.0)
    ax.set_ylim(0, 1.2)
    ax.set_yticks([])
    _ui.style(ax, title="Cosine score (▼ speaker model vs test; | each enrolment clip vs test)", xlabel="cosine similarity")
    return fig


def _verdict(score: float, threshold: float, accept: bool) -> str:
    head = "### ✅ ACCEPT — same speaker" if accept else "### ❌ REJECT — different speaker"
    return f"{head}\nscore **{score:.3f}** {'≥' if accept else '<'} threshold **{threshold:.2f}**"


def _det_axes(ax, title: str) -> None:
    """Normal-deviate axes from 0.01 % (where zero rates are clipped: a perfect system hugs the corner) to 60 %."""
    ticks = [metrics.DET_EPS, *[t for t in metrics.DET_TICKS if t <= 0.6]]
    pos = metrics.probit(np.array(ticks))
    labels = [f"{100 * t:g}" for t in ticks]
    ax.set_xticks(pos, labels)
    ax.set_yticks(pos, labels)
    lim = (float(metrics.probit(metrics.DET_EPS)) - 0.15, float(metrics.probit(0.6)))
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.plot(lim, lim, color=_ui.GRID, linewidth=1)
    _ui.style(ax, title=title, xlabel="false acceptance rate (%)", ylabel="false rejection rate (%)")


def _evaluation_figure(primary: dict, curves: list[dict]):
    fig, (ax_h, ax_r, ax_d) = _ui.figure(1, 3, height=3.4, width=13.0)
    s, t, thr_eer = primary["scores"], primary["targets"], primary["threshold_at_eer"]
    bins = np.linspace(min(s.min(), thr_eer) - 0.02, max(s.max(), thr_eer) + 0.02, 30)
    ax_h.hist(s[~t], bins=bins, color=_ui.PALETTE[3], alpha=0.6, label=f"non-target ({(~t).sum()})")
    ax_h.hist(s[t], bins=bins, color=_ui.PALETTE[2], alpha=0.6, label=f"target ({t.sum()})")
    ax_h.axvline(thr_eer, color=_ui.INK, linestyle="--", linewidth=1)
    _ui.style(ax_h, title=f"{primary['engine']}: score distributions", xlabel="cosine score", ylabel="trials")
    ax_h.legend(fontsize=7)
    thr, far, frr = metrics.far_frr(s, t)
    finite = np.isfinite(thr)
    ax_r.plot(thr[finite], 100 * far[finite], color=_ui.PALETTE[3], label="FAR (impostors accepted)")
    ax_r.plot(thr[finite], 100 * frr[finite], color=_ui.PALETTE[0], label="FRR (targets rejected)")
    ax_r.plot([thr_eer], [100 * primary["eer"]], "o", color=_ui.PALETTE[1], label=f"EER {100 * primary['eer']:.1f} %")
    _ui.style(ax_r, title="Error rates vs threshold", xlabel="threshold (cosine)", ylabel="error rate (%)")
    ax_r.legend(fontsize=7)
    for k, c in enumerate(curves):
        fpr, fnr, _ = metrics.det_curve(c["scores"], c["targets"])
        ax_d.step(metrics.probit(fpr), metrics.probit(fnr), where="post", color=_ui.PALETTE[k % len(_ui.PALETTE)],
                  label=f"{c['engine']} (EER {100 * c['eer']:.1f} %)")
        ax_d.plot([metrics.probit(c["eer"])], [metrics.probit(c["eer"])], "o", color=_ui.PALETTE[k % len(_ui.PALETTE)])
    _det_axes(ax_d, "DET curve (normal-deviate axes)")
    ax_d.legend(fontsize=7, loc="upper right")
    return fig


def _timeline(y: np.ndarray, segs: list, ref: list | None, regions: list):
    rows = 2 if ref else 1
    fig, axes = _ui.figure(rows + 1, 1, height=1.6 + 1.3 * rows, width=12.0)
    _ui.waveform(axes[0], y, speaker.SR, title="Recording (shaded: VAD speech regions)")
    for s, e in regions:
        axes[0].axvspan(s, e, color=_ui.PALETTE[0], alpha=0.12, linewidth=0)
    dur = len(y) / speaker.SR
    for ax, data, title in zip(axes[1:], [segs, ref] if ref else [segs], ["Hypothesis (ours)", "Reference (RTTM)"]):
        names = sorted({x[2] for x in data})
        for s, e, spk in data:
            k = names.index(spk)
            ax.broken_barh([(s, e - s)], (k - 0.4, 0.8), color=_ui.PALETTE[k % len(_ui.PALETTE)])
        ax.set_yticks(range(len(names)), names)
        ax.set_xlim(0, dur)
        _ui.style(ax, title=title, xlabel="time (s)")
    return fig


# ------------------------------------------------------------------------------------ handlers


@_ui.guard
def verify(enroll_audio, test_audio, engine: str = DEFAULT_ENGINE, threshold: float | None = None):
    """Verification (1:1): is the test clip spoken by the enrolled speaker?

    Args:
        enroll_audio: 1–5 enrolment clips (a list of files, or one audio file) of the claimed speaker;
            3 clean clips of a few seconds each work best. Each needs ≥ 0.5 s of speech, ≤ 60 s in all.
        test_audio: the clip to check (file path).
        engine: "ecapa", "wavlm-sv" (hub; offline they fall back), "resemblyzer" (embedded) or "mfcc-stats" (from scratch).
        threshold: accept when cosine ≥ threshold; None = the engine's default. If a fallback engine
            answers, its own default is used (scores of different engines are not comparable).

    Returns a verdict, a score gauge, an engine badge and a result with keys score (cosine of the
    enrolled speaker model — mean of the L2-normalised enrolment embeddings — with the test
    embedding), threshold, accept, engine, n_enroll, clip_scores (each enrolment clip vs the test),
    enroll_consistency (mean cosine between enrolment clips), ms, skipped.
    """
    clips = speaker.as_file_list(enroll_audio)
    if not clips:
        raise ParamError("no enrolment clips; upload or record 1–5 clips of the speaker to enrol")
    if len(clips) > speaker.MAX_ENROLL_CLIPS:
        raise ParamError(
            f"got {len(clips)} enrolment clips; enrol with 1–{speaker.MAX_ENROLL_CLIPS} "
            f"({speaker.RECOMMENDED_ENROLL_CLIPS} clean clips of a few seconds each work best)"
        )
    if test_audio is None:
        raise ParamError("no test clip; record, upload or pick the clip to verify")
    ys = [speaker.load_clip(c, what=f"enrolment clip {k} ('{speaker.file_name(c)}')") for k, c in enumerate(clips, start=1)]
    y_test = speaker.load_clip(test_audio, what="the test clip")
    if len(ys) < speaker.RECOMMENDED_ENROLL_CLIPS:
        warnings.warn(f"enrolled with {len(ys)} clip(s); {speaker.RECOMMENDED_ENROLL_CLIPS} or more clean clips give a steadier voiceprint", LabWarning, stacklevel=2)
    resolved = _resolve(engine)
    thr = _threshold_for(resolved, engine, threshold)
    t0 = time.perf_counter()
    E = resolved.obj.embed_many(ys)
    e_test = resolved.obj.embed(y_test)
    ms = (time.perf_counter() - t0) * 1e3
    v = speaker.verify(E, e_test, threshold=thr)
    clip_scores = speaker.cosine_scores(E, e_test)[:, 0].tolist()
    C = speaker.cosine_scores(E, E)
    consistency = float(C[np.triu_indices(len(E), 1)].mean()) if len(E) > 1 else None
    result = {
        "score": v.score, "threshold": v.threshold, "accept": v.accept, "engine": resolved.name,
        "n_enroll": v.n_enroll, "clip_scores": clip_scores, "enroll_consistency": consistency, "ms": ms,
        "skipped": [{"engine": n, "reason": r} for n, r in resolved.skipped],
    }
    badge = _ui.badge(resolved.name, ms + resolved.load_ms, skipped=resolved.skipped,
                      note=f"{len(ys)} enrolment clip(s) + 1 test clip embedded")
    return _verdict(v.score, v.threshold, v.accept), _gauge(v.score, v.threshold, clip_scores), badge, _ui.clean(result)


def _rethreshold(result: dict | None, threshold: float):
    """Move the threshold over the last score without re-embedding (cosmetic)."""
    if not result or result.get("score") is None:
        return gr.update(), gr.update()
    score = float(result["score"])
    return _verdict(score, float(threshold), score >= float(threshold)), _gauge(score, float(threshold), result.get("clip_scores"))


def _engine_threshold(engine: str):
    return gr.update(value=speaker.default_threshold(engine))


@_ui.guard
def evaluate(files, speaker_labels: str = "", engine: str = DEFAULT_ENGINE, p_target: float = metrics.DCF_P_TARGET, compare: bool = True):
    """Evaluate an engine on a labelled set: every pair of files is a trial → EER, minDCF, DET.

    Args:
        files: 3–40 audio files (≤ 60 s each, ≤ 10 min in all).
        speaker_labels: one speaker name per file, comma-separated, in file order; empty = each file
            name up to its first "_" (e.g. "ava_2.flac" → "ava"). Needs ≥ 2 speakers and one speaker
            with ≥ 2 files.
        engine: the engine to evaluate (see speaker_verify); falls back in preference order.
        p_target: prior probability of a target trial for minDCF (C_miss = C_fa = 1), 0.001–0.5.
        compare: also evaluate every other engine available here, side by side.

    Returns plots (score histograms, FAR/FRR vs threshold, DET curves), a table and a result with
    keys eer, min_dcf, threshold_at_eer, n_target, n_nontarget, engine (for the evaluated engine),
    auc, p_target, eer_snorm (S-norm with a cohort of the other speakers; null with < 3 speakers),
    by_engine [{engine, eer, min_dcf, threshold_at_eer, eer_snorm, ms_per_clip}], skipped.
    """
    if not 0.001 <= float(p_target) <= 0.5:
        raise ParamError(f"p_target={p_target} is out of range; choose 0.001–0.5 (0.01 is the NIST convention)")
    clips, labels, _ = speaker.load_trial_files(files, speaker_labels)
    resolved = _resolve(engine)
    names = [resolved.name]
    if compare:
        names += [st.name for st in speaker.REGISTRY.status(speaker.CAPABILITY) if st.available and st.name != resolved.name]
    runs, skipped = [], list(resolved.skipped)
    for n in names:
        try:
            enc = speaker.REGISTRY.resolve(speaker.CAPABILITY, n, fallback=False).obj
        except EngineUnavailable as exc:  # a comparison engine that cannot load is reported, not fatal
            skipped.append((n, str(exc)))
            continue
        runs.append(speaker.evaluate_encoder(enc, clips, labels, p_target=float(p_target)))
    primary = runs[0]
    fig = _evaluation_figure(primary, runs)
    table = "| engine | EER | minDCF (p_target " + f"{float(p_target):g}) | EER after S-norm | threshold at EER | ms / clip |\n|---|---|---|---|---|---|\n"
    for r in runs:
        sn = "n/a (< 3 speakers)" if r["eer_snorm"] is None else f"{100 * r['eer_snorm']:.1f} %"
        table += f"| `{r['engine']}` | **{100 * r['eer']:.1f} %** | {r['min_dcf']:.3f} | {sn} | {r['threshold_at_eer']:.3f} | {r['ms_per_clip']:.0f} |\n"
    rep = primary
    table += (f"\n{rep['n_target']} target and {rep['n_nontarget']} non-target trials from {len(clips)} files of "
              f"{len(set(labels))} speakers. With few trials each error moves the EER a lot: 1 target trial = "
              f"{100 / max(rep['n_target'], 1):.1f} %.")
    result = {
        "eer": rep["eer"], "min_dcf": rep["min_dcf"], "threshold_at_eer": rep["threshold_at_eer"],
        "n_target": rep["n_target"], "n_nontarget": rep["n_nontarget"], "engine": primary["engine"],
        "auc": rep["auc"], "p_target": rep["p_target"], "eer_snorm": primary["eer_snorm"],
        "by_engine": [{k: r[k] for k in ("engine", "eer", "min_dcf", "threshold_at_eer", "eer_snorm", "ms_per_clip")} for r in runs],
        "skipped": [{"engine": n, "reason": r} for n, r in skipped],
    }
    compared = ", ".join(r["engine"] for r in runs[1:]) or "none"
    badge = _ui.badge(primary["engine"], skipped=skipped, note=f"compared with: {compared}")
    return fig, table, badge, _ui.clean(result)


@_ui.guard
def degrade(files, speaker_labels: str = "", engine: str = DEFAULT_ENGINE, condition: str = "short",
            duration_s: float = 2.0, snr_db: float = 10.0):
    """What hurts: the same trials with the test side shortened, noisy, or through a telephone channel.

    Args:
        files, speaker_labels, engine: as in speaker_evaluate.
        condition: "short" (the central `duration_s` of speech), "noise" (pink noise at `snr_db`)
            or "telephone" (300–3400 Hz band-pass, 8 kHz, 8-bit µ-law).
        duration_s: test-clip length for "short", 0.5–10 s.
        snr_db: signal-to-noise ratio for "noise", -10–40 dB.

    Enrolment sides stay clean; every ordered pair of files (i enrols, j tests) is a trial.
    Returns a DET plot (clean vs degraded), an EER-vs-condition plot, a degraded example clip and
    a result with keys condition, eer_clean, eer_degraded, min_dcf_clean, min_dcf_degraded,
    n_target, n_nontarget, engine, sweep [{value, eer}].
    """
    condition = CONDITIONS.get(condition, condition)
    if condition not in ("short", "noise", "telephone"):
        raise ParamError(f"condition {condition!r} is not one of: short, noise, telephone")
    if condition == "short" and not 0.5 <= float(duration_s) <= 10.0:
        raise ParamError(f"duration_s={duration_s} is out of range; choose 0.5–10 s")
    if condition == "noise" and not -10.0 <= float(snr_db) <= 40.0:
        raise ParamError(f"snr_db={snr_db} is out of range; choose -10 to 40 dB")
    clips, labels, _ = speaker.load_trial_files(files, speaker_labels)
    resolved = _resolve(engine)
    enc = resolved.obj
    clean = enc.embed_many(clips)
    value = float(duration_s) if condition == "short" else float(snr_db)

    def run(v: float) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        return speaker.degraded_trials(enc, clips, labels, condition=condition, value=v, clean=clean)

    s_clean, t_clean = speaker.degraded_trial_scores(clean, clean, labels)
    s_deg, t_deg, degraded = run(value)
    sweep = [{"value": v, "eer": metrics.eer(*run(v)[:2])[0]} for v in SWEEPS.get(condition, ()) if v != value]
    sweep = sorted([*sweep, {"value": value, "eer": metrics.eer(s_deg, t_deg)[0]}], key=lambda d: d["value"])
    rc, rd = metrics.verification_report(s_clean, t_clean), metrics.verification_report(s_deg, t_deg)
    what = {"short": f"test clip cut to {value:g} s", "noise": f"pink noise at {value:g} dB SNR", "telephone": "telephone channel"}[condition]
    fig, (ax_d, ax_s) = _ui.figure(1, 2, height=3.6, width=12.0)
    for k, (s, t, lab) in enumerate([(s_clean, t_clean, "clean"), (s_deg, t_deg, what)]):
        fpr, fnr, _ = metrics.det_curve(s, t)
        e = metrics.eer(s, t)[0]
        ax_d.step(metrics.probit(fpr), metrics.probit(fnr), where="post", color=_ui.PALETTE[[2, 3][k]], label=f"{lab} (EER {100 * e:.1f} %)")
        ax_d.plot([metrics.probit(e)], [metrics.probit(e)], "o", color=_ui.PALETTE[[2, 3][k]])
    _det_axes(ax_d, f"{resolved.name}: DET, clean vs degraded test side")
    ax_d.legend(fontsize=7, loc="upper right")
    if condition == "telephone":
        ax_s.bar(["clean", "telephone"], [100 * rc["eer"], 100 * rd["eer"]], color=[_ui.PALETTE[2], _ui.PALETTE[3]])
        _ui.style(ax_s, title="EER: clean vs telephone", ylabel="EER (%)")
    else:
        ax_s.plot([d["value"] for d in sweep], [100 * d["eer"] for d in sweep], "o-", color=_ui.PALETTE[3], label="degraded")
        ax_s.axhline(100 * rc["eer"], color=_ui.PALETTE[2], linestyle="--", label="clean")
        _ui.style(ax_s, title="How the EER moves", xlabel="test duration (s)" if condition == "short" else "SNR (dB)", ylabel="EER (%)")
        ax_s.legend(fontsize=7)
    md = (f"**EER clean {100 * rc['eer']:.1f} % → {what}: {100 * rd['eer']:.1f} %** · minDCF {rc['min_dcf']:.3f} → "
          f"{rd['min_dcf']:.3f} · {rd['n_target']} target / {rd['n_nontarget']} non-target trials (clean enrolment, degraded test)")
    result = {
        "condition": condition, "value": value, "eer_clean": rc["eer"], "eer_degraded": rd["eer"],
        "min_dcf_clean": rc["min_dcf"], "min_dcf_degraded": rd["min_dcf"], "n_target": rd["n_target"],
        "n_nontarget": rd["n_nontarget"], "engine": resolved.name, "sweep": sweep,
        "skipped": [{"engine": n, "reason": r} for n, r in resolved.skipped],
    }
    return fig, _ui.to_pcm16(degraded[0], speaker.SR), md + "\n\n" + _ui.badge(resolved.name, skipped=resolved.skipped), _ui.clean(result)


@_ui.guard
def diarize(audio, n_speakers_or_auto: str = "auto", engine: str = DEFAULT_ENGINE, reference_rttm=None, collar_s: float = 0.0,
            vad: str = "energy"):
    """Who spoke when: energy VAD → 1.5 s windows → speaker embeddings → agglomerative clustering.

    Args:
        audio: a recording with 1–6 speakers (file path, ≤ 5 min).
        n_speakers_or_auto: "auto" (merge clusters closer than the engine's cosine-distance
            threshold) or the number of speakers "1"…"6".
        engine: speaker engine for the windows (see speaker_verify).
        reference_rttm: optional RTTM file with the true turns; when given, the DER is computed.
        collar_s: forgiveness collar around reference boundaries for the DER, 0–0.5 s (NIST: 0.25).
        vad: "energy" (our frame-energy detector) or "silero" (Silero VAD, weights in its wheel).

    Returns a timeline plot, the segments as RTTM text, a summary and a result with keys segments
    [[start_s, end_s, speaker]], n_speakers, engine, threshold (auto only), and — with a
    reference — der, missed_s, false_alarm_s, confusion_s, total_s, mapping.
    """
    from core.audio import load_audio

    if n_speakers_or_auto not in N_SPEAKER_CHOICES:
        raise ParamError(f"n_speakers_or_auto={n_speakers_or_auto!r} must be one of {', '.join(N_SPEAKER_CHOICES)}")
    if not 0.0 <= float(collar_s) <= 0.5:
        raise ParamError(f"collar_s={collar_s} is out of range; choose 0–0.5 s")
    vad = VADS.get(vad, vad)
    if vad not in ("energy", "silero"):
        raise ParamError(f"vad={vad!r} must be 'energy' or 'silero'")
    ref_path = reference_rttm.get("path") if isinstance(reference_rttm, dict) else reference_rttm
    ref = diarization.parse_rttm(Path(ref_path)) if ref_path else None
    clip = load_audio(audio, sr=speaker.SR, max_duration_s=diarization.MAX_DIARIZE_S)
    speaker.check_clip(clip.y, speaker.SR, what="the recording")
    resolved = _resolve(engine)
    t0 = time.perf_counter()
    k = None if n_speakers_or_auto == "auto" else int(n_speakers_or_auto)
    regions = None
    if vad == "silero":
        from core.vad import speech_segments

        regions = speech_segments(clip.y, speaker.SR, min_silence_ms=300)
    d = diarization.diarize(clip.y, resolved.obj, n_speakers=k, regions=regions)
    ms = (time.perf_counter() - t0) * 1e3
    result = {"segments": [[s, e, spk] for s, e, spk in d.segments], "n_speakers": d.n_speakers, "engine": resolved.name,
              "threshold": d.threshold, "n_windows": len(d.windows), "ms": ms, "vad": vad,
              "skipped": [{"engine": n, "reason": r} for n, r in resolved.skipped]}
    md = f"**{d.n_speakers} speaker(s)** in {len(d.segments)} segments from {len(d.windows)} windows"
    if ref is not None:
        r = diarization.der(ref, d.segments, collar_s=float(collar_s))
        result.update({"der": r.der, "missed_s": r.missed_s, "false_alarm_s": r.false_alarm_s, "confusion_s": r.confusion_s,
                       "total_s": r.total_s, "mapping": r.mapping, "collar_s": float(collar_s)})
        md += (f" · **DER {100 * r.der:.1f} %** = missed {r.missed_s:.2f} s + false alarm {r.false_alarm_s:.2f} s + "
               f"confusion {r.confusion_s:.2f} s over {r.total_s:.2f} s of reference speech (collar {float(collar_s):g} s)")
    fig = _timeline(clip.y, d.segments, ref, d.regions)
    rttm = diarization.to_rttm(d.segments, file_id=Path(speaker.file_name(audio)).stem or "audio")
    return fig, rttm, md + "\n\n" + _ui.badge(resolved.name, ms + resolved.load_ms, skipped=resolved.skipped), _ui.clean(result)


# ------------------------------------------------------------------ identification (session state)


def _roster_md(roster: dict) -> str:
    if not roster:
        return "_No speakers enrolled in this session yet._"
    rows = "\n".join(f"| {name} | {len(v['clips'])} | `{v['engine']}` |" for name, v in roster.items())
    return f"| speaker | clips | engine |\n|---|---|---|\n{rows}"


@_ui.guard
def _enroll_speaker(roster: dict | None, name: str, files, engine: str):
    """Add a speaker to this session's roster (gr.State: never shared between users)."""
    roster = dict(roster or {})
    name = (name or "").strip()
    if not name:
        raise ParamError("give the speaker a name first")
    items = speaker.as_file_list(files)
    if not 1 <= len(items) <= speaker.MAX_ENROLL_CLIPS:
        raise ParamError(f"got {len(items)} clip(s); enrol each speaker with 1–{speaker.MAX_ENROLL_CLIPS} clips")
    if name not in roster and len(roster) >= speaker.MAX_ROSTER:
        raise ParamError(f"{speaker.MAX_ROSTER} speakers are enrolled already; clear the roster first")
    resolved = _resolve(engine)
    if roster and any(v["engine"] != resolved.name for v in roster.values()):
        raise ParamError(f"the roster was enrolled with {next(iter(roster.values()))['engine']}; clear it to use {resolved.name}")
    ys = [speaker.load_clip(f, what=f"clip {k} of {name}") for k, f in enumerate(items, start=1)]
    E = resolved.obj.embed_many(ys)
    roster[name] = {"engine": resolved.name, "model": speaker.enroll(E).tolist(), "clips": [speaker.file_name(f) for f in items]}
    return roster, _roster_md(roster)


@_ui.guard
def _enroll_builtin(roster: dict | None, engine: str):
    roster = {}
    for name in ("ava", "ben", "cleo", "dev"):
        roster, _ = _enroll_speaker.__wrapped__(roster, name, [_asset(f"{name}_{k}.flac") for k in (1, 2, 3)], engine)
    return roster, _roster_md(roster)


@_ui.guard
def _identify(roster: dict | None, test_audio, threshold: float, open_set: bool):
    """Identification (1:N) against this session's roster."""
    if not roster:
        raise ParamError("no speakers enrolled in this session; enrol some first (or load the built-in four)")
    engine = next(iter(roster.values()))["engine"]
    enc = speaker.REGISTRY.resolve(speaker.CAPABILITY, engine, fallback=False).obj
    e = enc.embed(speaker.load_clip(test_audio, what="the test clip"))
    ident = speaker.identify({n: np.asarray(v["model"]) for n, v in roster.items()}, e, threshold=float(threshold) if open_set else None)
    fig, (ax,) = _ui.figure(1, 1, height=2.8, width=9.0)
    names = [n for n, _ in ident.ranking][::-1]
    scores = [s for _, s in ident.ranking][::-1]
    ax.barh(names, scores, color=[_ui.PALETTE[2] if n == ident.best else _ui.PALETTE[0] for n in names])
    if open_set:
        ax.axvline(float(threshold), color=_ui.INK, linestyle="--", linewidth=1)
    _ui.style(ax, title=f"Cosine score against each enrolled speaker ({engine})", xlabel="cosine similarity")
    top, top_score = ident.ranking[0]
    md = (f"### 🎯 {ident.best} ({top_score:.3f})" if ident.best else
          f"### ❓ unknown speaker — best match {top} scores {top_score:.3f} < threshold {float(threshold):.2f}")
    return fig, md, _ui.clean({"ranking": [list(r) for r in ident.ranking], "best": ident.best, "engine": engine})


# ------------------------------------------------------------------------------------------- UI


def _load_builtin_trials():
    files = _trial_set_builtin()
    return files, ", ".join(Path(f).name.split("_")[0] for f in files)


def _load_librispeech_trials():
    clips = _librispeech_clips()
    if not clips:
        raise gr.Error("the LibriSpeech clips are not here (they live in ../shared/data/real/speakers)")
    files = _copy_to_temp(clips)
    return files, ", ".join(_librispeech_label(f) for f in files)


def _load_ami():
    folder = _shared_dir() / "vad"
    wav, rttm = folder / "ami_dev01.wav", folder / "ami_dev01.rttm"
    if not (wav.exists() and rttm.exists()):
        raise gr.Error("the AMI excerpt is not here (it lives in ../shared/data/real/vad)")
    a, r = _copy_to_temp([wav, rttm])
    return a, r, "2"


def _add_recording(files, recording):
    if recording is None:
        raise gr.Error("record a clip first")
    items = [f if isinstance(f, str) else getattr(f, "name", f) for f in speaker.as_file_list(files)]
    return [*items, recording], None


def build() -> None:
    _ui.lesson_header(SLUG, TITLE, SUMMARY)
    engine_choices = [(f"{n} ({speaker.REGISTRY.engine(speaker.CAPABILITY, n).kind})", n) for n in ENGINES]
    test_examples = [_asset(f) for f in ("ava_4.flac", "ben_4.flac", "cleo_4.flac", "dev_4.flac", "eli_1.flac", "fay_1.flac")]
    has_shared = bool(_librispeech_clips())

    with gr.Tab("Enroll & verify"):
        gr.Markdown("Enrol a speaker with 1–5 clips (3 clean clips of a few seconds work best), then test a clip. "
                    "The score is the cosine between the speaker model (mean of the enrolment embeddings) and the test embedding.")
        with gr.Row():
            with gr.Column():
                enroll = gr.File(file_count="multiple", file_types=["audio"], type="filepath", label="Enrolment clips (1–5)", elem_id="l06-enroll")
                with gr.Accordion("Record an enrolment clip with the microphone", open=False):
                    rec = gr.Audio(sources=["microphone"], type="filepath", label="Recording", elem_id="l06-rec")
                    add = gr.Button("Add the recording to the enrolment clips", elem_id="l06-add")
            with gr.Column():
                test = _ui.audio_input("Test clip — record, upload or pick an example", elem_id="l06-test", examples=test_examples)
        with gr.Row():
            engine = gr.Dropdown(engine_choices, value=DEFAULT_ENGINE, label="engine")
            threshold = gr.Slider(-1.0, 1.0, value=speaker.default_threshold(DEFAULT_ENGINE), step=0.01, label="threshold (cosine)")
            run = gr.Button("Verify", variant="primary", elem_id="l06-verify")
        gr.Examples(
            examples=[[[_asset(f"ava_{k}.flac") for k in (1, 2, 3)], _asset("ava_4.flac")],
                      [[_asset(f"ava_{k}.flac") for k in (1, 2, 3)], _asset("fay_1.flac")]],
            inputs=[enroll, test], label="Built-in trials (click to load)",
            example_labels=["ava enrols, ava tests (target)", "ava enrols, fay tests (impostor)"],
        )
        verdict = gr.Markdown(elem_id="l06-verdict")
        gauge = gr.Plot(label="Score", format="png")
        badge = gr.Markdown()
        result = _ui.result_json()
    add.click(_add_recording, [enroll, rec], [enroll, rec], api_name=False)
    engine.change(_engine_threshold, engine, threshold, api_name=False)
    run.click(verify, [enroll, test, engine, threshold], [verdict, gauge, badge, result], api_name="speaker_verify")
    threshold.release(_rethreshold, [result, threshold], [verdict, gauge], api_name=False)

    with gr.Tab("Identify"):
        gr.Markdown("1:N — enrol several speakers (kept in **your session only**), then ask who is speaking. "
                    "Open-set identification also answers *unknown* when even the best score is under the threshold.")
        roster = gr.State({})
        with gr.Row():
            with gr.Column():
                i_name = gr.Textbox(label="speaker name", placeholder="e.g. alice")
                i_files = gr.File(file_count="multiple", file_types=["audio"], type="filepath", label="their clips (1–5)")
                with gr.Row():
                    i_engine = gr.Dropdown(engine_choices, value=DEFAULT_ENGINE, label="engine")
                    i_add = gr.Button("Enrol speaker")
                with gr.Row():
                    i_builtin = gr.Button("Enrol the 4 built-in eSpeak speakers", elem_id="l06-roster-builtin")
                    i_clear = gr.Button("Clear roster")
                i_roster = gr.Markdown(_roster_md({}))
            with gr.Column():
                i_test = _ui.audio_input("Who is this?", elem_id="l06-id-test", examples=test_examples)
                i_open = gr.Checkbox(True, label="open set (answer 'unknown' under the threshold)")
                i_thr = gr.Slider(-1.0, 1.0, value=speaker.default_threshold(DEFAULT_ENGINE), step=0.01, label="threshold (cosine)")
                i_run = gr.Button("Identify", variant="primary", elem_id="l06-identify")
        i_md = gr.Markdown()
        i_plot = gr.Plot(label="Scores", format="png")
        i_result = _ui.result_json()
    i_add.click(_enroll_speaker, [roster, i_name, i_files, i_engine], [roster, i_roster], api_name=False)
    i_builtin.click(_enroll_builtin, [roster, i_engine], [roster, i_roster], api_name=False)
    i_clear.click(lambda: ({}, _roster_md({})), None, [roster, i_roster], api_name=False)
    i_engine.change(_engine_threshold, i_engine, i_thr, api_name=False)
    i_run.click(_identify, [roster, i_test, i_thr, i_open], [i_plot, i_md, i_result], api_name=False)

    with gr.Tab("Evaluate"):
        gr.Markdown("Every pair of files is a trial: same speaker = *target*, different = *non-target*. "
                    "Load a trial set, or upload your own labelled clips.")
        with gr.Row():
            e_files = gr.File(file_count="multiple", file_types=["audio"], type="filepath", label="clips", elem_id="l06-e-files")
            with gr.Column():
                e_labels = gr.Textbox(label="speaker labels, one per file, comma-separated (empty: file name up to the first '_')", lines=3)
                with gr.Row():
                    e_builtin = gr.Button("Load the built-in eSpeak trial set", elem_id="l06-e-builtin")
                    e_libri = gr.Button("Load the LibriSpeech clips (shared data)", visible=has_shared)
                with gr.Row():
                    e_engine = gr.Dropdown(engine_choices, value=DEFAULT_ENGINE, label="engine")
                    e_p = gr.Slider(0.001, 0.5, value=metrics.DCF_P_TARGET, step=0.001, label="p_target (minDCF prior)")
                    e_compare = gr.Checkbox(True, label="compare all available engines")
                e_run = gr.Button("Evaluate", variant="primary", elem_id="l06-evaluate")
        e_table = gr.Markdown(elem_id="l06-e-table")
        e_plot = gr.Plot(label="Evaluation", format="png")
        e_badge = gr.Markdown()
        e_result = _ui.result_json()
    e_builtin.click(_load_builtin_trials, None, [e_files, e_labels], api_name=False)
    e_libri.click(_load_librispeech_trials, None, [e_files, e_labels], api_name=False)
    e_run.click(evaluate, [e_files, e_labels, e_engine, e_p, e_compare], [e_plot, e_table, e_badge, e_result], api_name="speaker_evaluate")

    with gr.Tab("What hurts"):
        gr.Markdown("The same trials, with the *test* side degraded (enrolment stays clean). Watch the EER move.")
        with gr.Row():
            h_files = gr.File(file_count="multiple", file_types=["audio"], type="filepath", label="clips")
            with gr.Column():
                h_labels = gr.Textbox(label="speaker labels (as in Evaluate)", lines=2)
                with gr.Row():
                    h_builtin = gr.Button("Load the built-in eSpeak trial set")
                    h_libri = gr.Button("Load the LibriSpeech clips (shared data)", visible=has_shared)
                h_cond = gr.Radio([(k, v) for k, v in CONDITIONS.items()], value="noise", label="condition")
                with gr.Row():
                    h_dur = gr.Slider(0.5, 10.0, value=1.0, step=0.5, label="test duration (s)")
                    h_snr = gr.Slider(-10, 40, value=5, step=1, label="SNR (dB)")
                    h_engine = gr.Dropdown(engine_choices, value=DEFAULT_ENGINE, label="engine")
                h_run = gr.Button("Degrade and re-score", variant="primary", elem_id="l06-degrade")
        h_md = gr.Markdown()
        h_plot = gr.Plot(label="Clean vs degraded", format="png")
        h_audio = _ui.audio_output("the first test clip, degraded")
        h_result = _ui.result_json()
    h_builtin.click(_load_builtin_trials, None, [h_files, h_labels], api_name=False)
    h_libri.click(_load_librispeech_trials, None, [h_files, h_labels], api_name=False)
    h_run.click(degrade, [h_files, h_labels, h_engine, h_cond, h_dur, h_snr], [h_plot, h_audio, h_md, h_result], api_name="speaker_degrade")

    with gr.Tab("Who spoke when"):
        gr.Markdown("Diarization = VAD → windows → embeddings → clustering. Give a reference RTTM to get the DER.")
        with gr.Row():
            with gr.Column():
                d_audio = _ui.audio_input("Recording with 2–4 speakers", elem_id="l06-d-audio", examples=[])
                d_rttm = gr.File(file_types=[".rttm", ".txt"], type="filepath", label="reference RTTM (optional)", elem_id="l06-d-rttm")
            with gr.Column():
                d_k = gr.Dropdown(N_SPEAKER_CHOICES, value="auto", label="number of speakers")
                d_engine = gr.Dropdown(engine_choices, value=DEFAULT_ENGINE, label="engine")
                d_vad = gr.Radio([(k, v) for k, v in VADS.items()], value="energy", label="VAD")
                d_collar = gr.Slider(0.0, 0.5, value=0.0, step=0.05, label="DER collar (s)")
                d_ami = gr.Button("Load the AMI meeting excerpt (shared data)", visible=(_shared_dir() / "vad" / "ami_dev01.rttm").exists())
                d_run = gr.Button("Diarize", variant="primary", elem_id="l06-diarize")
        gr.Examples(examples=[[_asset("conversation_3spk.flac"), _asset("conversation_3spk.rttm")]], inputs=[d_audio, d_rttm],
                    label="Built-in example (click to load)", example_labels=["3 eSpeak speakers + reference"])
        d_md = gr.Markdown(elem_id="l06-d-summary")
        d_plot = gr.Plot(label="Timeline", format="png")
        d_text = gr.Textbox(label="hypothesis (RTTM)", lines=4)
        d_result = _ui.result_json()
    d_ami.click(_load_ami, None, [d_audio, d_rttm, d_k], api_name=False)
    d_run.click(diarize, [d_audio, d_k, d_engine, d_rttm, d_collar, d_vad], [d_plot, d_text, d_md, d_result], api_name="speaker_diarize")
