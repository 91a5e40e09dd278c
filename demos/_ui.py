"""Shared UI pieces: the audio input, the error boundary, plot helpers, engine badge, JSON result.

Every lesson module builds its tab from these so the 17 tabs look and fail alike.
"""

from __future__ import annotations

import csv
import functools
import inspect
import logging
import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from core.errors import LabError, LabWarning

log = logging.getLogger("speech_audio_lab")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "assets" / "examples"

# Plot colours chosen to read on both Gradio's light and dark backgrounds (figures are transparent).
INK = "#8a8f98"  # axis labels, ticks, spines: mid grey works on white and on near-black
GRID = "#8a8f9833"
PALETTE = ("#3b82f6", "#f97316", "#10b981", "#e11d48", "#a855f7", "#eab308")
CMAP = "magma"
DPI = 90
MARGIN_IN = {"left": 0.75, "right": 0.2, "bottom": 0.5, "top": 0.35, "hspace": 0.75, "wspace": 0.75}


# ----------------------------------------------------------------------------- error boundary


def guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Error boundary for every handler.

    ``LabError`` (bad input the user can fix) → ``gr.Error`` with the core's message;
    ``LabWarning`` emitted while the handler runs → ``gr.Warning`` toasts;
    anything else → logged with its traceback on the server, and a ``gr.Error`` that says
    what failed without leaking internals. The wrapped signature is kept, so Gradio still sees
    ``gr.Progress`` / ``gr.Request`` parameters.
    """

    def _fail(exc: Exception) -> gr.Error:
        if isinstance(exc, gr.Error):
            return exc
        if isinstance(exc, LabError):
            return gr.Error(str(exc), print_exception=False)
        log.exception("unexpected error in %s", fn.__qualname__)
        return gr.Error(
            f"Something unexpected went wrong in {fn.__name__.replace('_', ' ')} "
            f"({type(exc).__name__}). The details were logged on the server; "
            "try another input or other settings.",
            print_exception=False,
        )

    def _toast(caught: list[warnings.WarningMessage]) -> None:
        seen: set[str] = set()
        for w in caught:
            if issubclass(w.category, LabWarning):
                msg = str(w.message)
                if msg not in seen:
                    seen.add(msg)
                    gr.Warning(msg)

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", LabWarning)
                try:
                    yield from fn(*args, **kwargs)
                except Exception as exc:
                    raise _fail(exc) from None
                finally:
                    _toast(caught)

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", LabWarning)
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                raise _fail(exc) from None
            finally:
                _toast(caught)

    return wrapper


# ----------------------------------------------------------------------------- audio in / out


def example_files() -> list[tuple[str, str]]:
    """(path, description) of the built-in examples listed in ``assets/examples/MANIFEST.csv``."""
    manifest = EXAMPLES_DIR / "MANIFEST.csv"
    if not manifest.exists():
        return []
    with manifest.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return [(str(EXAMPLES_DIR / r["file"]), r["description"]) for r in rows if (EXAMPLES_DIR / r["file"]).exists()]


def audio_input(
    label: str = "Audio — record, upload or pick an example",
    *,
    elem_id: str | None = None,
    examples: Sequence[str] | None = None,
) -> gr.Audio:
    """Microphone + upload input that hands the handler a file path, with one-click examples.

    File paths (not numpy) because Gradio decodes non-WAV uploads through ffmpeg, which a fresh
    machine lacks; ``core.audio.load_audio`` decodes with soundfile instead.
    """
    audio = gr.Audio(
        sources=["microphone", "upload"],
        type="filepath",
        label=label,
        elem_id=elem_id,
        editable=False,
    )
    files = [p for p, _ in example_files()] if examples is None else list(examples)
    if files:
        gr.Examples(
            examples=[[p] for p in files],
            inputs=[audio],
            label="Built-in examples (click to load)",
            example_labels=[Path(p).stem.replace("_", " ") for p in files],
            cache_examples=False,
        )
    return audio


def audio_output(label: str, *, elem_id: str | None = None) -> gr.Audio:
    return gr.Audio(label=label, type="numpy", interactive=False, elem_id=elem_id)


def to_pcm16(y: np.ndarray, sr: int) -> tuple[int, np.ndarray]:
    """Return ``(sr, int16)`` for a Gradio audio output.

    Gradio peak-normalises float arrays, which would make a filtered-out alias or a quantization
    error sound as loud as the signal; int16 keeps the level the lesson is about.
    """
    y = np.nan_to_num(np.asarray(y, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return int(sr), (np.clip(y, -1.0, 32767 / 32768) * 32768.0).round().astype(np.int16)


# ----------------------------------------------------------------------------- plots


def figure(nrows: int = 1, ncols: int = 1, *, height: float = 3.0, width: float = 9.0, **subplot_kw: Any):
    """A transparent matplotlib Figure (no pyplot state) styled for light and dark themes.

    Returns ``(fig, axes)`` with ``axes`` always a flat list.
    """
    from matplotlib.figure import Figure

    # Fixed margins in inches rather than constrained layout: the layout engine measures every
    # tick label and was most of a figure's render time (≈ 0.3 s per figure on 2 vCPUs).
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.patch.set_alpha(0.0)
    row_h = height / nrows
    fig.subplots_adjust(
        left=MARGIN_IN["left"] / width,
        right=1 - MARGIN_IN["right"] / width,
        bottom=MARGIN_IN["bottom"] / height,
        top=1 - MARGIN_IN["top"] / height,
        hspace=MARGIN_IN["hspace"] / max(row_h - MARGIN_IN["hspace"], 0.5),
        wspace=MARGIN_IN["wspace"] / max(width / ncols - MARGIN_IN["wspace"], 0.5),
    )
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw).ravel().tolist()
    for ax in axes:
        style(ax)
    return fig, axes


def style(ax: Any, *, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None) -> Any:
    """Apply the theme-neutral style; set title and axis labels (always with units)."""
    ax.set_facecolor("none")
    for spine in ax.spines.values():
        spine.set_color(INK)
    ax.tick_params(colors=INK, labelsize=8)
    ax.xaxis.label.set_color(INK)
    ax.yaxis.label.set_color(INK)
    ax.title.set_color(INK)
    ax.grid(True, color=GRID, linewidth=0.6)
    if title is not None:
        ax.set_title(title, fontsize=10, loc="left")
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=9)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=9)
    return ax


def image(
    ax: Any,
    data: np.ndarray,
    *,
    extent: tuple[float, float, float, float],
    title: str,
    xlabel: str,
    ylabel: str,
    colorbar_label: str | None = None,
    cmap: str = CMAP,
    vmin: float | None = None,
    vmax: float | None = None,
) -> Any:
    """Draw a (rows, frames) matrix with origin at the bottom, labelled axes and a colour bar."""
    im = ax.imshow(
        data, origin="lower", aspect="auto", extent=extent, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest"
    )
    style(ax, title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(False)
    if colorbar_label is not None:
        cb = ax.figure.colorbar(im, ax=ax, pad=0.01, fraction=0.035, aspect=12)
        cb.set_label(colorbar_label, color=INK, fontsize=8)
        cb.ax.tick_params(colors=INK, labelsize=7)
        cb.outline.set_edgecolor(INK)
    return im


def waveform(ax: Any, y: np.ndarray, sr: int, *, title: str = "Waveform", max_points: int = 4000) -> None:
    """Waveform against time in seconds; long signals are drawn as a min/max envelope per pixel."""
    n = len(y)
    if n > max_points:
        per = math.ceil(n / (max_points // 2))
        m = n // per
        blocks = y[: m * per].reshape(m, per)
        t = (np.arange(m) * per + per / 2) / sr
        ax.fill_between(t, blocks.min(axis=1), blocks.max(axis=1), color=PALETTE[0], linewidth=0)
    else:
        ax.plot(np.arange(n) / sr, y, color=PALETTE[0], linewidth=0.8)
    style(ax, title=title, xlabel="time (s)", ylabel="amplitude (full scale = 1)")
    ax.set_xlim(0, max(n / sr, 1e-9))


# ----------------------------------------------------------------------------- text outputs


def badge(engine: str, ms: float | None = None, *, skipped: Sequence[tuple[str, str]] = (), note: str = "") -> str:
    """One-line Markdown saying which engine answered, how long it took, and what was skipped."""
    parts = [f"**Engine:** `{engine}`"]
    if ms is not None:
        parts.append(f"**time:** {ms:.1f} ms")
    if note:
        parts.append(note)
    text = " · ".join(parts)
    for name, reason in skipped:
        text += f"\n\n<small>skipped `{name}`: {reason}</small>"
    return text


def result_json(label: str = "Result (JSON, as returned by the API)") -> gr.JSON:
    return gr.JSON(label=label, open=False)


def clean(obj: Any) -> Any:
    """Make a result JSON-safe: numpy scalars → Python, non-finite floats → None, round floats."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return clean(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return float(f"{v:.7g}") if math.isfinite(v) else None  # 7 significant digits, small values kept
    return obj


def lesson_header(number: str, title: str, summary: str) -> None:
    gr.Markdown(f"## {number} · {title}\n{summary}")
