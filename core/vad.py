"""Voice activity detection: where in a recording is someone speaking?

Minimal on purpose (lesson 14 grows this module into energy, WebRTC and Silero VADs side by side):
one function, :func:`speech_segments`, backed by Silero VAD — a small neural VAD whose weights ship
inside the ``silero-vad`` wheel, so it works offline. The ASR lesson uses it to cut long audio at
pauses instead of at blind 30 s marks.

Silero scores 32 ms windows (512 samples at 16 kHz) with a speech probability; ``get_speech_timestamps``
turns those into segments with hysteresis (enter above ``threshold``, leave below threshold − 0.15),
drops segments shorter than ``min_speech_ms`` and bridges pauses shorter than ``min_silence_ms``.
Reference: Silero Team, "Silero VAD: pre-trained enterprise-grade Voice Activity Detector" (2024),
https://github.com/snakers4/silero-vad.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from core.errors import ParamError

VAD_SR = 16_000  # Silero runs at 16 kHz (or 8 kHz); other rates are resampled first
SPEECH_PAD_MS = 30  # Silero's default padding around each segment
_LOCK = threading.Lock()  # the JIT model keeps recurrent state between windows: one caller at a time


@functools.lru_cache(maxsize=1)
def _model():
    import warnings

    from silero_vad import load_silero_vad

    with warnings.catch_warnings():  # silero-vad 6 uses importlib.resources.path (deprecated, harmless)
        warnings.simplefilter("ignore", DeprecationWarning)
        return load_silero_vad()  # TorchScript weights from inside the wheel; no download


def speech_segments(
    y: np.ndarray, sr: int, *, threshold: float = 0.5, min_speech_ms: int = 250, min_silence_ms: int = 100
) -> list[tuple[float, float]]:
    """Speech segments of mono audio ``y`` (n,) at ``sr`` Hz, as ``[(start_s, end_s), ...]`` in order.

    ``threshold``: speech probability needed to start a segment (0–1); ``min_speech_ms``: shorter
    bursts are dropped; ``min_silence_ms``: shorter pauses do not end a segment.
    """
    import torch

    from core.audio import resample

    x = np.asarray(y, dtype=np.float32)
    if x.ndim != 1:
        raise ParamError(f"speech_segments needs mono audio of shape (n,), got {x.shape}")
    if not np.isfinite(x).all():
        raise ParamError("audio contains NaN or Inf samples")
    if not 0.0 < float(threshold) < 1.0:
        raise ParamError(f"threshold={threshold} must be between 0 and 1 (exclusive), e.g. 0.5")
    if min_speech_ms < 0 or min_silence_ms < 0:
        raise ParamError("min_speech_ms and min_silence_ms must be ≥ 0 ms")
    if int(sr) != VAD_SR:
        x = resample(x, orig_sr=int(sr), target_sr=VAD_SR)
    if len(x) < 512:  # one Silero window
        return []
    from silero_vad import get_speech_timestamps

    with _LOCK, torch.inference_mode():
        stamps = get_speech_timestamps(
            torch.from_numpy(x), _model(), threshold=float(threshold), sampling_rate=VAD_SR,
            min_speech_duration_ms=int(min_speech_ms), min_silence_duration_ms=int(min_silence_ms),
            speech_pad_ms=SPEECH_PAD_MS,
        )
    return [(s["start"] / VAD_SR, s["end"] / VAD_SR) for s in stamps]
