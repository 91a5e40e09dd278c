"""Lesson 02 — Spectrograms, Mel Scale & Features: the feature ladder from waveform to MFCC."""

from __future__ import annotations

import dataclasses
import time

import gradio as gr
import numpy as np

from core import dsp, features, pitfalls, signals
from core.audio import load_audio
from core.errors import ParamError
from demos import _ui

SLUG = "02"
TITLE = "Spectrograms, Mel Scale & Features"
API_NAMES = ("features_compute", "features_resolution", "features_pitfall")  # public Gradio endpoints: a stable contract
SUMMARY = (
    "Climb the feature ladder: waveform → short-time Fourier transform → mel filterbank → log-mel "
    "→ MFCC (+Δ, ΔΔ). Every step is our own code, checked live against librosa. Then see the "
    "time/frequency trade-off, and the three mistakes that silently break models."
)

SCALES = {"dB (10·log10, top 80 dB)": "db", "log10 (Whisper, clamped 8 below max)": "whisper", "ln (natural log)": "ln"}
SCALE_UNITS = {"db": "dB", "whisper": "scaled log10", "ln": "ln power"}
SAMPLE_RATES = [8000, 16000, 22050, 24000, 44100, 48000]
RESOLUTION_SR = 16_000
PITFALLS = tuple(pitfalls.PITFALLS)
PARITY_REPEATS = 3


def _cfg(sr, n_fft, hop_length, n_mels, window, fmin, fmax, htk=False, norm="slaney") -> features.MelConfig:
    def whole(name: str, v) -> int:
        if v is None or not np.isfinite(float(v)) or float(v) != int(float(v)):
            raise ParamError(f"{name}={v} must be a whole number")
        return int(float(v))

    fmax_v = None if fmax in (None, 0, "") else float(fmax)
    cfg = features.MelConfig(
        sr=whole("sr", sr),
        n_fft=whole("n_fft", n_fft),
        hop_length=whole("hop_length", hop_length),
        n_mels=whole("n_mels", n_mels),
        window=str(window),
        fmin=float(fmin),
        fmax=fmax_v,
        htk=bool(htk),
        norm=None if norm in (None, "none", "None", "") else str(norm),
    )
    cfg.validate()
    return cfg


def _time_ms(fn, repeats: int = PARITY_REPEATS) -> tuple[object, float]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, (time.perf_counter() - t0) * 1e3)
    return out, best


def _librosa_log_mel(y: np.ndarray, cfg: features.MelConfig, scale: str) -> np.ndarray:
    import librosa

    S = librosa.feature.melspectrogram(
        y=y, sr=cfg.sr, n_fft=cfg.n_fft, hop_length=cfg.hop_length, window=cfg.window, n_mels=cfg.n_mels,
        fmin=cfg.fmin, fmax=cfg.fmax, center=cfg.center, power=cfg.power, htk=cfg.htk, norm=cfg.norm,
    )
    return features.scale_log_mel(S, scale) if scale != "db" else librosa.power_to_db(S, ref=1.0, top_db=80.0)


@_ui.guard
def compute(audio: str | None, n_fft: float = 400, hop_length: float = 160, n_mels: float = 80,
            window: str = "hann", fmin: float = 0.0, fmax: float = 8000.0, scale: str = "db",
            n_mfcc: float = 13, sr: float = 16000, htk: bool = False, norm: str = "slaney"):
    """Compute the feature ladder (STFT → mel → log-mel → MFCC, Δ, ΔΔ) and compare with librosa.

    Args:
        audio: path to an audio file; it is resampled to `sr` and mixed to mono.
        n_fft: FFT size in samples (also the window length), 16–16384.
        hop_length: hop between frames in samples, 1…n_fft.
        n_mels: number of mel bands; must leave no empty filter for this n_fft.
        window: "hann", "hamming", "blackman" or "rectangular".
        fmin: lowest mel filter edge in Hz.
        fmax: highest mel filter edge in Hz (≤ sr/2; 0 means sr/2).
        scale: "db" (10·log10 re 1, top 80 dB), "whisper" (log10 clamped, as Whisper) or "ln".
        n_mfcc: number of MFCCs, 1…n_mels.
        sr: analysis sample rate in Hz.
        htk: HTK mel formula (2595·log10(1 + f/700)) instead of Slaney's.
        norm: "slaney" (equal-area filters) or "none" (peak height 1).

    Returns plots, a shape readout and a result with keys log_mel_shape, mfcc_shape,
    max_abs_diff_vs_librosa (in the scale's units), ms_ours and ms_librosa (best of 3),
    n_frames, frame_ms, hop_ms, bin_hz.
    """
    cfg = _cfg(sr, n_fft, hop_length, n_mels, window, fmin, fmax, htk, norm)
    scale = SCALES.get(scale, scale)
    if scale not in SCALE_UNITS:
        raise ParamError(f"scale={scale!r} is not one of {', '.join(SCALE_UNITS)}")
    n_mfcc_i = int(n_mfcc)
    if not 1 <= n_mfcc_i <= cfg.n_mels:
        raise ParamError(f"n_mfcc={n_mfcc} must be between 1 and n_mels={cfg.n_mels}")
    clip = load_audio(audio, sr=cfg.sr)
    y = clip.y

    log_mel, ms_ours = _time_ms(lambda: features.log_mel(y, cfg, scale=scale))
    ref, ms_librosa = _time_ms(lambda: _librosa_log_mel(y, cfg, scale))
    max_diff = float(np.max(np.abs(log_mel - ref)))

    S = np.abs(dsp.stft(y, n_fft=cfg.n_fft, hop_length=cfg.hop_length, window=cfg.window, center=cfg.center)) ** 2
    fb = features.mel_filterbank(sr=cfg.sr, n_fft=cfg.n_fft, n_mels=cfg.n_mels, fmin=cfg.fmin, fmax=cfg.fmax, htk=cfg.htk, norm=cfg.norm)
    mfcc = features.mfcc(S=dsp.power_to_db(fb @ S), n_mfcc=n_mfcc_i)
    d1, d2 = features.delta(mfcc, order=1), features.delta(mfcc, order=2)

    dur = len(y) / cfg.sr
    fmax_eff = cfg.fmax or cfg.sr / 2
    ladder, axes = _ui.figure(4, 1, height=9.0)
    _ui.waveform(axes[0], y, cfg.sr, title=f"Waveform at {cfg.sr} Hz")
    _ui.image(axes[1], dsp.power_to_db(S), extent=(0, dur, 0, cfg.sr / 2), title=f"Linear spectrogram |STFT|², {S.shape[0]} bins × {S.shape[1]} frames",
              xlabel="time (s)", ylabel="frequency (Hz)", colorbar_label="dB")
    _ui.image(axes[2], log_mel, extent=(0, dur, 0, cfg.n_mels), title=f"Log-mel ({scale}), {log_mel.shape[0]} × {log_mel.shape[1]}",
              xlabel="time (s)", ylabel="mel band", colorbar_label=SCALE_UNITS[scale])
    _ui.image(axes[3], features.cmvn(mfcc), extent=(0, dur, 0, n_mfcc_i), title=f"MFCC, {mfcc.shape[0]} × {mfcc.shape[1]} (shown after CMVN)",
              xlabel="time (s)", ylabel="coefficient", colorbar_label="z (per coeff.)", cmap="coolwarm", vmin=-3, vmax=3)
    for ax in axes[1:]:
        ax.set_xlim(0, dur)

    fb_fig, (ax_fb, ax_mel) = _ui.figure(1, 2, height=3.2, width=11)
    _ui.image(ax_fb, fb, extent=(0, cfg.sr / 2, 0, cfg.n_mels), cmap="viridis", colorbar_label="weight",
              title=f"Mel filterbank matrix {fb.shape}: {'HTK' if cfg.htk else 'Slaney'} scale, {'equal area' if cfg.norm else 'peak 1'}",
              xlabel="FFT bin frequency (Hz)", ylabel="mel band")
    hz = np.linspace(0, fmax_eff, 400)
    for htk_scale, colour, name in ((False, _ui.PALETTE[0], "Slaney"), (True, _ui.PALETTE[1], "HTK")):
        mels = features.hz_to_mel(hz, htk=htk_scale)
        ax_mel.plot(hz, mels / mels[-1], color=colour, label=name)  # the two scales use different units
    ax_mel.plot(hz, hz / hz[-1], color=_ui.INK, linewidth=0.6, linestyle=":", label="linear (Hz)")
    _ui.style(ax_mel, title=f"The mel scale: equal steps in mel, up to {fmax_eff:.0f} Hz", xlabel="frequency (Hz)",
              ylabel="mel / mel(fmax)")
    ax_mel.legend(fontsize=7)

    d_fig, d_axes = _ui.figure(1, 3, height=2.6, width=11)
    for ax, data, name in zip(d_axes, (mfcc, d1, d2), ("MFCC", "Δ (velocity)", "ΔΔ (acceleration)")):
        _ui.image(ax, features.cmvn(data), extent=(0, dur, 0, n_mfcc_i), title=f"{name}, after CMVN", xlabel="time (s)",
                  ylabel="coefficient", cmap="coolwarm", vmin=-3, vmax=3)

    frame_ms, hop_ms = cfg.n_fft / cfg.sr * 1e3, cfg.hop_length / cfg.sr * 1e3
    shapes_md = (
        f"| step | shape | meaning |\n|---|---|---|\n"
        f"| waveform | ({len(y)},) | {dur:.2f} s × {cfg.sr} Hz |\n"
        f"| STFT power | {S.shape} | 1 + n_fft/2 bins of {cfg.sr / cfg.n_fft:.1f} Hz × frames every {hop_ms:.1f} ms ({frame_ms:.1f} ms window) |\n"
        f"| mel filterbank | {fb.shape} | n_mels × FFT bins |\n"
        f"| log-mel | {log_mel.shape} | n_mels × frames |\n"
        f"| MFCC (+Δ, ΔΔ) | {mfcc.shape} (×3) | DCT-II of each log-mel column, first n_mfcc kept |\n"
        f"| Whisper's input | ({cfg.n_mels}, {features.N_FRAMES}) | audio padded/trimmed to {features.CHUNK_LENGTH} s first, whatever its length |"
    )
    parity_md = (
        f"**Parity with librosa:** max |ours − librosa| = **{max_diff:.2e}** {SCALE_UNITS[scale]} · "
        f"ours **{ms_ours:.1f} ms**, librosa {ms_librosa:.1f} ms (best of {PARITY_REPEATS}; ratio {ms_ours / max(ms_librosa, 1e-9):.2f}×)"
    )
    result = {
        "log_mel_shape": list(log_mel.shape),
        "mfcc_shape": list(mfcc.shape),
        "max_abs_diff_vs_librosa": max_diff,
        "ms_ours": ms_ours,
        "ms_librosa": ms_librosa,
        "n_frames": log_mel.shape[1],
        "frame_ms": frame_ms,
        "hop_ms": hop_ms,
        "bin_hz": cfg.sr / cfg.n_fft,
        "config": dataclasses.asdict(cfg),
        "scale": scale,
    }
    return ladder, fb_fig, d_fig, shapes_md, parity_md, _ui.clean(result)


@_ui.guard
def resolution(window_ms: float = 32.0):
    """Show the time/frequency trade-off on a chirp with clicks at three window lengths.

    Args:
        window_ms: the middle panel's window length in ms (2–256); the other panels use ¼ and 4×.

    Returns a plot and a result with key panels: [{n_fft, window_ms, time_res_ms, freq_res_hz}].
    """
    if not 2.0 <= float(window_ms) <= 256.0:
        raise ParamError(f"window_ms={window_ms} is out of range; choose 2–256 ms")
    sr = RESOLUTION_SR
    y = signals.chirp_with_clicks(duration_s=2.0, sr=sr)
    fig, axes = _ui.figure(1, 3, height=3.2, width=12)
    panels = []
    for ax, factor in zip(axes, (0.25, 1.0, 4.0)):
        n_fft = int(np.clip(round(float(window_ms) * factor * 1e-3 * sr), 16, 2**15))
        hop = max(1, n_fft // 4)
        S_db = dsp.power_to_db(np.abs(dsp.stft(y, n_fft=n_fft, hop_length=hop)) ** 2)
        _ui.image(ax, S_db, extent=(0, len(y) / sr, 0, sr / 2), title=f"{n_fft / sr * 1e3:.0f} ms window (n_fft={n_fft})",
                  xlabel="time (s)", ylabel="frequency (Hz)", vmin=float(S_db.max()) - 80)
        panels.append({"n_fft": n_fft, "window_ms": n_fft / sr * 1e3, "time_res_ms": n_fft / sr * 1e3, "freq_res_hz": sr / n_fft})
    return fig, _ui.clean({"sr": sr, "panels": panels})


@_ui.guard
def pitfall(audio: str | None, which: str = PITFALLS[0]):
    """Show one classic feature mistake next to the correct features.

    Args:
        audio: path to an audio file.
        which: "sample-rate mismatch", "mel-count mismatch" or "dB vs log".

    Returns a plot, an explanation, and a result with the numbers behind it.
    """
    if which not in PITFALLS:
        raise ParamError(f"pitfall {which!r} is not one of: {', '.join(PITFALLS)}")
    clip = load_audio(audio, sr=None)
    report = pitfalls.pitfall_demo(clip.y, clip.sr, which)
    fig, axes = _ui.figure(1, len(report.panels), height=3.2, width=12)
    for ax, panel in zip(axes, report.panels):
        _ui.image(ax, panel.data, extent=(0, panel.duration_s, 0, panel.data.shape[0]), title=panel.title,
                  xlabel="time (s)", ylabel=panel.ylabel, colorbar_label=panel.units)
    return fig, report.explanation, _ui.clean(report.numbers)


PRESET_SCALES = {"whisper": "whisper", "speech": "db", "music": "db"}


def _apply_preset(name: str):
    p = features.PRESETS[name]
    return (p.sr, p.n_fft, p.hop_length, p.n_mels, p.window, p.fmin, p.fmax or p.sr / 2, PRESET_SCALES[name],
            p.htk, "slaney" if p.norm else "none")


def build() -> None:
    _ui.lesson_header(SLUG, TITLE, SUMMARY)
    with gr.Tab("Feature ladder"):
        with gr.Row():
            with gr.Column(scale=2):
                audio = _ui.audio_input(elem_id="l02-audio")
            with gr.Column(scale=2):
                preset = gr.Radio(list(features.PRESETS), value="whisper", label="preset")
                with gr.Row():
                    sr = gr.Dropdown(SAMPLE_RATES, value=16000, label="sr (Hz)")
                    window = gr.Dropdown(list(dsp.WINDOWS), value="hann", label="window")
                    scale = gr.Dropdown([(label, v) for label, v in SCALES.items()], value="db", label="log scale")
                n_fft = gr.Slider(64, 4096, value=400, step=1, label="n_fft (samples)")
                hop = gr.Slider(16, 2048, value=160, step=1, label="hop_length (samples)")
                n_mels = gr.Slider(8, 256, value=80, step=1, label="n_mels")
                with gr.Row():
                    fmin = gr.Number(0, label="fmin (Hz)")
                    fmax = gr.Number(8000, label="fmax (Hz)")
                    n_mfcc = gr.Slider(2, 40, value=13, step=1, label="n_mfcc")
                with gr.Row():
                    htk = gr.Checkbox(False, label="HTK mel formula")
                    norm = gr.Radio(["slaney", "none"], value="slaney", label="filter norm")
                run = gr.Button("Compute features", variant="primary", elem_id="l02-compute")
        parity = gr.Markdown(elem_id="l02-parity")
        ladder = gr.Plot(label="Feature ladder", format="png")
        shapes = gr.Markdown()
        fb = gr.Plot(label="Mel filterbank", format="png")
        deltas = gr.Plot(label="MFCC and deltas", format="png")
        result = _ui.result_json()
    preset.change(_apply_preset, preset, [sr, n_fft, hop, n_mels, window, fmin, fmax, scale, htk, norm], api_name=False)
    run.click(compute, [audio, n_fft, hop, n_mels, window, fmin, fmax, scale, n_mfcc, sr, htk, norm],
              [ladder, fb, deltas, shapes, parity, result], api_name="features_compute")

    with gr.Tab("Time vs frequency"):
        gr.Markdown(
            "A window of N samples resolves frequencies `sr/N` apart but smears time over `N/sr`. "
            "On a chirp with clicks: short windows keep the clicks sharp and blur the chirp's pitch; "
            "long windows do the opposite. You cannot have both."
        )
        w_ms = gr.Slider(2, 256, value=32, step=1, label="middle window (ms); left ¼×, right 4×")
        r_btn = gr.Button("Compare", variant="primary", elem_id="l02-resolution")
        r_plot = gr.Plot(label="Resolution", format="png")
        r_result = _ui.result_json()
    r_btn.click(resolution, w_ms, [r_plot, r_result], api_name="features_resolution")

    with gr.Tab("Pitfalls"):
        gr.Markdown("Three mistakes that produce features of the right shape and the wrong meaning.")
        with gr.Row():
            p_audio = _ui.audio_input(elem_id="l02-p-audio")
            with gr.Column():
                p_which = gr.Radio(list(PITFALLS), value=PITFALLS[0], label="pitfall")
                p_btn = gr.Button("Show", variant="primary", elem_id="l02-pitfall")
        p_plot = gr.Plot(label="Pitfall", format="png")
        p_text = gr.Markdown()
        p_result = _ui.result_json()
    p_btn.click(pitfall, [p_audio, p_which], [p_plot, p_text, p_result], api_name="features_pitfall")
