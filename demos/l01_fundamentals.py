"""Lesson 01 — Audio Fundamentals: waveforms, sampling, aliasing, bit depth and the FFT."""

from __future__ import annotations

import time

import gradio as gr
import numpy as np

from core import dsp, sampling, signals
from core.audio import asr_readiness, level_report, load_audio, resample
from core.engines import REGISTRY
from core.errors import ParamError
from demos import _ui

SLUG = "01"
TITLE = "Audio Fundamentals"
API_NAMES = ("fundamentals_analyze", "fundamentals_alias", "fundamentals_quantize")  # public Gradio endpoints: a stable contract
SUMMARY = (
    "Sound as numbers: a waveform is pressure sampled `sr` times a second, each sample stored with "
    "a finite number of bits. Look at single samples, find the dominant frequency with an FFT we "
    "wrote ourselves, hear aliasing when a tone passes the Nyquist frequency `sr/2`, and hear what "
    "each bit of depth buys (≈ 6 dB)."
)

SPECTRUM_MAX_N = 2**16  # FFT length cap: 1.4 s at 48 kHz; keeps the from-scratch FFT interactive
DFT_N = 1024  # the naive O(N²) DFT is timed on this many samples
ALIAS_DURATION_S = 1.0
PLAYBACK_SR = 48_000  # aliasing results are played through an ideal reconstruction at this rate
QUANT_MAX_S = 10.0  # the quantization SNR curve uses at most this much of an uploaded clip
ZOOM_DEFAULT_MS = 10.0


def _median_ms(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def _central(y: np.ndarray, n: int) -> np.ndarray:
    start = max(0, (len(y) - n) // 2)
    return y[start : start + n]


def _waveform_figure(y: np.ndarray, sr: int, at_s: float | None, window_ms: float):
    fig, (ax_full, ax_zoom) = _ui.figure(2, 1, height=4.6)
    _ui.waveform(ax_full, y, sr, title="Whole clip")
    n_win = max(2, int(round(window_ms * 1e-3 * sr)))
    if at_s is None:  # centre the zoom on the loudest sample
        centre = int(np.argmax(np.abs(y)))
    else:
        centre = int(round(at_s * sr))
    start = int(np.clip(centre - n_win // 2, 0, max(0, len(y) - n_win)))
    seg = y[start : start + n_win]
    t_ms = (start + np.arange(len(seg))) / sr * 1e3
    ax_full.axvspan(start / sr, (start + len(seg)) / sr, color=_ui.PALETTE[1], alpha=0.35, linewidth=0)
    if len(seg) <= 400:  # few enough to see each sample as a stem
        ax_zoom.vlines(t_ms, 0, seg, color=_ui.PALETTE[0], linewidth=0.8)
        ax_zoom.plot(t_ms, seg, "o", color=_ui.PALETTE[0], markersize=3)
    else:
        ax_zoom.plot(t_ms, seg, color=_ui.PALETTE[0], linewidth=0.8)
    _ui.style(
        ax_zoom,
        title=f"Zoom: {len(seg)} samples = {len(seg) / sr * 1e3:.2f} ms (one sample every {1e3 / sr:.4f} ms)",
        xlabel="time (ms)",
        ylabel="amplitude",
    )
    ax_zoom.axhline(0, color=_ui.INK, linewidth=0.5)
    return fig


def _verdict_markdown(ready: bool, verdict: str) -> str:
    head, *items = verdict.splitlines()
    return f"**{'✅' if ready else '⚠️'} {head}**\n" + "".join(f"\n{line}" for line in items)


@_ui.guard
def analyze(audio: str | None):
    """Analyze an audio clip: levels, dominant frequency, FFT check and whether it is ready for ASR.

    Args:
        audio: path to an audio file (WAV, FLAC, OGG or MP3), any rate, 1–32 channels.

    Returns the waveform and spectrum plots, an FFT comparison, a loader check, and a result with
    keys sr (Hz, the file's own rate), duration_s, channels, peak_dbfs, rms_dbfs, dc_offset,
    clipping_fraction (share of samples at full scale), dominant_freq_hz, verdict (text), ready
    (bool, ready for 16 kHz mono ASR), bin_hz (FFT bin resolution sr/N) and fft_max_abs_diff
    (our radix-2 FFT vs numpy).
    """
    clip = load_audio(audio, sr=None)
    y, sr = clip.y, clip.sr
    wave_fig = _waveform_figure(y, sr, None, ZOOM_DEFAULT_MS)

    seg = _central(y, SPECTRUM_MAX_N)
    spec = dsp.magnitude_spectrum(seg, sr)
    fig, (ax,) = _ui.figure(1, 1, height=3.0)
    ax.plot(spec.freqs_hz, spec.magnitude_db, color=_ui.PALETTE[0], linewidth=0.8)
    if np.isfinite(spec.peak_hz):
        ax.axvline(spec.peak_hz, color=_ui.PALETTE[1], linestyle="--", linewidth=1)
        ax.annotate(f" peak {spec.peak_hz:.1f} Hz", (spec.peak_hz, float(np.max(spec.magnitude_db))), color=_ui.PALETTE[1], fontsize=9)
    _ui.style(
        ax,
        title=f"Magnitude spectrum of the central {len(seg) / sr:.2f} s (Hann window, bin = sr/N = {spec.bin_hz:.2f} Hz)",
        xlabel="frequency (Hz)",
        ylabel="level (dBFS)",
    )
    ax.set_xlim(0, sr / 2)
    ax.set_ylim(-140, 5)

    # The lesson's FFT against numpy's on the same (zero-padded, power-of-two) segment.
    n = dsp.next_pow2(len(seg))
    x = np.zeros(n, dtype=np.complex128)
    x[: len(seg)] = seg
    ours = dsp.fft_radix2(x)
    ref = np.fft.fft(x)
    max_diff = float(np.max(np.abs(ours - ref)))
    ms_ours = _median_ms(lambda: dsp.fft_radix2(x))
    ms_numpy = _median_ms(lambda: np.fft.fft(x))
    x_small = x[:DFT_N]
    ms_dft = _median_ms(lambda: dsp.dft(x_small), repeats=3)
    ms_fft_small = _median_ms(lambda: dsp.fft_radix2(x_small))
    fft_md = (
        f"| N | method | time | \n|---|---|---|\n"
        f"| {DFT_N} | naive DFT, O(N²) | {ms_dft:.2f} ms |\n"
        f"| {DFT_N} | our radix-2 FFT, O(N log N) | {ms_fft_small:.3f} ms |\n"
        f"| {n} | our radix-2 FFT | {ms_ours:.2f} ms |\n"
        f"| {n} | `numpy.fft.fft` (pocketfft, C) | {ms_numpy:.2f} ms |\n\n"
        f"Max |ours − numpy| over {n} bins: **{max_diff:.2e}** "
        f"(relative to the largest bin: {max_diff / max(float(np.max(np.abs(ref))), 1e-30):.1e})."
    )

    ready, verdict = asr_readiness(clip)
    lv = clip.levels
    check_md = (
        f"| property | value |\n|---|---|\n"
        f"| format | {clip.source_format} |\n"
        f"| sample rate | {clip.source_sr} Hz |\n"
        f"| channels | {clip.source_channels} |\n"
        f"| duration | {clip.source_duration_s:.3f} s |\n"
        f"| peak | {lv.peak_dbfs:.1f} dBFS |\n"
        f"| RMS | {lv.rms_dbfs:.1f} dBFS |\n"
        f"| DC offset | {lv.dc_offset:+.4f} |\n"
        f"| clipped samples | {lv.clipping_fraction * 100:.3f} % |\n\n"
        + _verdict_markdown(ready, verdict)
    )
    result = {
        "sr": clip.source_sr,
        "duration_s": clip.source_duration_s,
        "channels": clip.source_channels,
        "peak_dbfs": lv.peak_dbfs,
        "rms_dbfs": lv.rms_dbfs,
        "dc_offset": lv.dc_offset,
        "clipping_fraction": lv.clipping_fraction,
        "dominant_freq_hz": spec.peak_hz,
        "verdict": verdict,
        "ready": ready,
        "bin_hz": spec.bin_hz,
        "fft_max_abs_diff": max_diff,
        "warnings": list(clip.warnings),
    }
    return wave_fig, fig, fft_md, check_md, _ui.clean(result)


@_ui.guard
def zoom(audio: str | None, at_s: float, window_ms: float):
    clip = load_audio(audio, sr=None)
    return _waveform_figure(clip.y, clip.sr, at_s, window_ms)


@_ui.guard
def generate(kind: str, freq_hz: float, duration_s: float, sr: float):
    y = signals.generate(kind, freq_hz=freq_hz, duration_s=duration_s, sr=int(sr), seed=0)
    return _ui.to_pcm16(y, int(sr))


@_ui.guard
def alias(freq_hz: float, sr: float, anti_alias: bool, resampler: str = "soxr"):
    """Sample a pure tone at a chosen rate, with or without an anti-aliasing filter.

    Args:
        freq_hz: tone frequency in Hz, 0–20000.
        sr: sample rate in Hz, 4000–48000.
        anti_alias: True low-pass filters before sampling (a real ADC), False samples the tone directly.
        resampler: engine for the anti-aliased path, "soxr" or "sinc" (our from-scratch resampler).

    Returns the result played back at 48 kHz, a plot, and a result with keys predicted_alias_hz
    (|f − sr·round(f/sr)|), measured_peak_hz (FFT peak of what was sampled), output_rms_dbfs,
    removed_by_filter (the tone was above sr/2 and the filter removed it) and engine.
    """
    freq_hz, sr_i = float(freq_hz), sampling.check_rate(sr)
    if not (0.0 <= freq_hz <= 20_000.0):
        raise ParamError(f"freq_hz={freq_hz} is out of range; choose 0–20000 Hz")
    if not (4_000 <= sr_i <= 48_000):
        raise ParamError(f"sr={sr_i} Hz is out of range for this explorer; choose 4000–48000 Hz")
    predicted = sampling.alias_frequency(freq_hz, sr_i)
    engine = "none (no filter)"
    skipped: tuple = ()
    if anti_alias:
        analog = sampling.sample_tone(freq_hz, sr=sampling.ANALOG_SR, duration_s=ALIAS_DURATION_S)
        resolved = REGISTRY.resolve("resample", resampler)
        y = resolved.obj(analog, orig_sr=sampling.ANALOG_SR, target_sr=sr_i).astype(np.float32)
        engine, skipped = resolved.name, resolved.skipped
    else:
        y = sampling.sample_tone(freq_hz, sr=sr_i, duration_s=ALIAS_DURATION_S)
    spec = dsp.magnitude_spectrum(y, sr_i)
    rms_dbfs = level_report(y).rms_dbfs
    removed = bool(anti_alias and freq_hz > sr_i / 2 and rms_dbfs < -40)

    fig, (ax_t, ax_f, ax_fold) = _ui.figure(1, 3, height=3.2, width=11)
    t_end = min(ALIAS_DURATION_S, 4.0 / max(min(freq_hz, predicted) if predicted > 0 else freq_hz, 50.0))
    t = np.linspace(0, t_end, 2000)
    ax_t.plot(t * 1e3, 0.5 * np.cos(2 * np.pi * freq_hz * t), color=_ui.INK, linewidth=0.6, label=f"{freq_hz:.0f} Hz tone")
    n_show = int(t_end * sr_i) + 1
    ts = np.arange(n_show) / sr_i
    ax_t.plot(ts * 1e3, y[:n_show], "o-", color=_ui.PALETTE[1], markersize=3, linewidth=0.8, label=f"samples at {sr_i} Hz")
    _ui.style(ax_t, title="Time: the samples trace a slower wave" if predicted != freq_hz else "Time", xlabel="time (ms)", ylabel="amplitude")
    ax_t.legend(fontsize=7, loc="upper right")

    ax_f.plot(spec.freqs_hz, spec.magnitude_db, color=_ui.PALETTE[0], linewidth=0.8)
    ax_f.axvline(predicted, color=_ui.PALETTE[3], linestyle="--", linewidth=1, label=f"predicted {predicted:.0f} Hz")
    _ui.style(ax_f, title=f"Spectrum after sampling (0 … sr/2 = {sr_i / 2:.0f} Hz)", xlabel="frequency (Hz)", ylabel="level (dBFS)")
    ax_f.set_xlim(0, sr_i / 2)
    ax_f.set_ylim(-120, 0)
    ax_f.legend(fontsize=7)

    f_in = np.linspace(0, 20_000, 2001)
    ax_fold.plot(f_in, [sampling.alias_frequency(f, sr_i) for f in f_in], color=_ui.PALETTE[2], linewidth=1)
    ax_fold.plot([freq_hz], [predicted], "o", color=_ui.PALETTE[3])
    for k in range(1, int(20_000 // (sr_i / 2)) + 1):
        ax_fold.axvline(k * sr_i / 2, color=_ui.INK, linewidth=0.5, linestyle=":")
    _ui.style(ax_fold, title="Folding: input vs sampled frequency", xlabel="input frequency (Hz)", ylabel="frequency after sampling (Hz)")

    playback = resample(y, orig_sr=sr_i, target_sr=PLAYBACK_SR)
    result = {
        "freq_hz": freq_hz,
        "sr": sr_i,
        "anti_alias": bool(anti_alias),
        "nyquist_hz": sr_i / 2,
        "predicted_alias_hz": predicted,
        "measured_peak_hz": spec.peak_hz,
        "output_rms_dbfs": rms_dbfs,
        "removed_by_filter": removed,
        "engine": engine,
    }
    note = "the filter removed the tone: nothing above sr/2 survives" if removed else ""
    return _ui.to_pcm16(playback, PLAYBACK_SR), fig, _ui.badge(engine, skipped=skipped, note=note), _ui.clean(result)


@_ui.guard
def quantize(audio: str | None, bits: float, dither: bool):
    """Quantize audio (or a full-scale 440 Hz tone when none is given) to a bit depth and measure SNR.

    Args:
        audio: optional path to an audio file; without one a full-scale 440 Hz tone is used.
        bits: bit depth, 2–24.
        dither: add ±1 LSB triangular (TPDF) dither before rounding.

    Returns the quantized audio (16-bit playback), a plot, and a result with keys bits, snr_db
    (measured), rule_db (6.02·bits + 1.76) and rule_at_level_db (the rule corrected for the
    signal's level).
    """
    if not (2 <= float(bits) <= 24):
        raise ParamError(f"bits={bits} is out of range; choose 2–24")
    bits = int(round(float(bits)))
    if audio:
        clip = load_audio(audio, sr=None)
        y, sr = clip.y[: int(QUANT_MAX_S * clip.sr)], clip.sr
        source = "your audio"
    else:
        sr = 16_000
        y = signals.tone(440.0, duration_s=1.0, sr=sr, amplitude=0.999)
        source = "full-scale 440 Hz tone"
    q = sampling.quantization_snr(y, bits=bits, dither=dither)
    curve = [sampling.quantization_snr(y, bits=b, dither=dither) for b in range(2, 25)]

    fig, (ax_w, ax_s) = _ui.figure(1, 2, height=3.2, width=11)
    n = min(len(y), max(int(sr * 0.005), 64))
    centre = int(np.argmax(np.abs(y)))
    s = max(0, min(centre - n // 2, len(y) - n))
    t = (s + np.arange(n)) / sr * 1e3
    ax_w.plot(t, y[s : s + n], color=_ui.INK, linewidth=0.8, label="original")
    ax_w.step(t, q.y[s : s + n], where="mid", color=_ui.PALETTE[1], linewidth=1, label=f"{bits}-bit")
    ax_w.plot(t, q.error[s : s + n], color=_ui.PALETTE[3], linewidth=0.6, label="error")
    _ui.style(ax_w, title=f"{source}: {2**bits} levels", xlabel="time (ms)", ylabel="amplitude")
    ax_w.legend(fontsize=7, loc="upper right")
    bs = np.arange(2, 25)
    ax_s.plot(bs, [c.snr_db for c in curve], "o-", color=_ui.PALETTE[0], markersize=3, label="measured")
    ax_s.plot(bs, 6.02 * bs + 1.76, "--", color=_ui.INK, linewidth=1, label="6.02·b + 1.76")
    ax_s.plot([bits], [q.snr_db], "o", color=_ui.PALETTE[1], markersize=8)
    _ui.style(ax_s, title="SNR vs bit depth", xlabel="bits", ylabel="SNR (dB)")
    ax_s.legend(fontsize=7)
    result = {
        "bits": bits,
        "dither": bool(dither),
        "source": source,
        "snr_db": q.snr_db,
        "rule_db": q.rule_db,
        "rule_at_level_db": q.rule_at_level_db,
    }
    note = f"measured {q.snr_db:.1f} dB vs rule {q.rule_db:.1f} dB (at this signal's level: {q.rule_at_level_db:.1f} dB)"
    return _ui.to_pcm16(q.y, sr), fig, note, _ui.clean(result)


def build() -> None:
    _ui.lesson_header(SLUG, TITLE, SUMMARY)
    with gr.Tab("Look & listen"):
        with gr.Row():
            with gr.Column(scale=2):
                audio = _ui.audio_input(elem_id="l01-audio")
            with gr.Column(scale=1):
                with gr.Accordion("…or generate a test signal", open=False):
                    kind = gr.Dropdown(list(signals.GENERATORS), value="tone", label="signal")
                    g_freq = gr.Slider(20, 20_000, value=440, step=1, label="frequency (Hz)")
                    g_dur = gr.Slider(0.1, 10, value=2, step=0.1, label="duration (s)")
                    g_sr = gr.Dropdown([8000, 16000, 22050, 44100, 48000], value=16000, label="sample rate (Hz)")
                    gen_btn = gr.Button("Generate")
                run = gr.Button("Analyze", variant="primary", elem_id="l01-analyze")
        wave = gr.Plot(label="Waveform", format="png")
        with gr.Row():
            at_s = gr.Number(value=0.0, label="zoom centre (s) — Analyze starts at the loudest sample", precision=3)
            win_ms = gr.Slider(0.5, 200, value=ZOOM_DEFAULT_MS, step=0.5, label="zoom window (ms) — under ~400 samples shows each sample")
        spectrum = gr.Plot(label="Spectrum", format="png")
        with gr.Row():
            fft_md = gr.Markdown(label="FFT from scratch vs numpy")
            check_md = gr.Markdown(label="Loader check")
        result = _ui.result_json()
    gen_btn.click(generate, [kind, g_freq, g_dur, g_sr], audio, api_name=False)
    run.click(analyze, audio, [wave, spectrum, fft_md, check_md, result], api_name="fundamentals_analyze")
    for ctl in (at_s, win_ms):
        ctl.change(zoom, [audio, at_s, win_ms], wave, api_name=False, show_progress="hidden")

    with gr.Tab("Aliasing explorer"):
        gr.Markdown(
            "A tone above the Nyquist frequency `sr/2` does not disappear when sampled: it *folds* back "
            "to `|f − sr·round(f/sr)|`. A real converter filters first (anti-aliasing), so the tone "
            "is removed instead of turning into a wrong one. Playback is reconstructed at 48 kHz."
        )
        with gr.Row():
            a_freq = gr.Slider(0, 20_000, value=5_000, step=10, label="tone frequency (Hz)")
            a_sr = gr.Slider(4_000, 48_000, value=8_000, step=100, label="sample rate (Hz)")
        with gr.Row():
            a_aa = gr.Checkbox(value=False, label="anti-aliasing filter before sampling")
            a_eng = gr.Radio(list(REGISTRY.names("resample")), value="soxr", label="filter/resampler engine")
            a_btn = gr.Button("Sample it", variant="primary", elem_id="l01-alias")
        a_audio = _ui.audio_output("What was sampled (played at 48 kHz)")
        a_plot = gr.Plot(label="Aliasing", format="png")
        a_badge = gr.Markdown()
        a_result = _ui.result_json()
    a_inputs = [a_freq, a_sr, a_aa, a_eng]
    a_outputs = [a_audio, a_plot, a_badge, a_result]
    a_btn.click(alias, a_inputs, a_outputs, api_name="fundamentals_alias")
    a_aa.change(alias, a_inputs, a_outputs, api_name=False)

    with gr.Tab("Bit depth"):
        gr.Markdown(
            "Each bit doubles the number of levels and buys about 6 dB of signal-to-noise ratio: "
            "SNR ≈ 6.02·b + 1.76 dB for a full-scale sine. Leave the audio empty for a test tone. "
            "Playback is 16-bit, so depths above 16 bits sound the same as 16."
        )
        with gr.Row():
            q_audio = _ui.audio_input("Audio (optional)", elem_id="l01-q-audio", examples=[])
            with gr.Column():
                q_bits = gr.Slider(2, 24, value=4, step=1, label="bit depth")
                q_dither = gr.Checkbox(value=False, label="TPDF dither")
                q_btn = gr.Button("Quantize", variant="primary", elem_id="l01-quantize")
        q_out = _ui.audio_output("Quantized")
        q_plot = gr.Plot(label="Quantization", format="png")
        q_note = gr.Markdown()
        q_result = _ui.result_json()
    q_btn.click(quantize, [q_audio, q_bits, q_dither], [q_out, q_plot, q_note, q_result], api_name="fundamentals_quantize")
