"""eSpeak NG speech synthesis through ctypes, with the library and voices from ``espeakng-loader``.

eSpeak NG is a formant synthesizer (Klatt-style source–filter model driven by phoneme rules):
no neural network, no download, about a millisecond of compute per word. It is the app's
embedded TTS engine and the way our scripts make spoken examples and test utterances.
Reference: https://github.com/espeak-ng/espeak-ng (``speak_lib.h`` is the API used here).
"""

from __future__ import annotations

import ctypes
import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import EngineUnavailable, ParamError

MAX_TEXT_CHARS = 2_000
RATE_WPM_RANGE = (80, 450)  # espeak's own limits for espeakRATE
PITCH_RANGE = (0, 99)

# speak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE, _PITCH = 1, 3

# Phonetically balanced test sentences: the Harvard sentences, lists 1 and 2
# (IEEE 1969, "IEEE Recommended Practice for Speech Quality Measurements").
HARVARD_SENTENCES = (
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.",
    "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
    "The boy was there when the sun rose.",
    "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.",
    "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.",
    "A pot of tea helps to pass the evening.",
    "Smoky fires lack flame and heat.",
    "The soft cushion broke the man's fall.",
    "The salt breeze came across from the sea.",
    "The girl at the booth sold fifty bonds.",
)

_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
# The library keeps global state and one callback: every call holds this lock.
_LOCK = threading.Lock()


@dataclass
class _Lib:
    lib: ctypes.CDLL
    sr: int
    callback: object  # kept referenced so ctypes does not free it
    chunks: list[np.ndarray]


@functools.lru_cache(maxsize=1)
def _library() -> _Lib:
    try:
        import espeakng_loader
    except ImportError as exc:  # pragma: no cover - listed in requirements.txt
        raise EngineUnavailable("the Python package 'espeakng-loader' is not installed") from exc
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    data_parent = str(Path(espeakng_loader.get_data_path()).parent).encode()
    lib.espeak_Initialize.restype = ctypes.c_int
    sr = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_parent, _INITIALIZE_DONT_EXIT)
    if sr <= 0:
        raise EngineUnavailable(f"eSpeak NG failed to initialise (code {sr})")
    state = _Lib(lib=lib, sr=sr, callback=None, chunks=[])

    def on_audio(wav, n, _events):
        if n > 0 and wav:
            state.chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0

    state.callback = _CALLBACK(on_audio)
    lib.espeak_SetSynthCallback(state.callback)
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
        ctypes.c_void_p, ctypes.c_void_p,
    ]
    return state


def voices() -> list[str]:
    """Voice (language) names shipped with the bundled eSpeak NG data, e.g. ``en-us``, ``de``, ``fr-fr``."""
    import espeakng_loader

    root = Path(espeakng_loader.get_data_path()) / "lang"
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def synthesize(text: str, *, voice: str = "en-us", rate_wpm: int = 175, pitch: int = 50) -> tuple[np.ndarray, int]:
    """Speak ``text``; returns ``(y, sr)`` with ``y`` float32 mono in [-1, 1) at eSpeak's rate (22050 Hz).

    ``rate_wpm`` is words per minute (80–450), ``pitch`` eSpeak's 0–99 base-pitch scale.
    """
    text = (text or "").strip()
    if not text:
        raise ParamError("the text is empty; type something to say")
    if len(text) > MAX_TEXT_CHARS:
        raise ParamError(f"the text is {len(text)} characters long; keep it under {MAX_TEXT_CHARS}")
    if not RATE_WPM_RANGE[0] <= int(rate_wpm) <= RATE_WPM_RANGE[1]:
        raise ParamError(f"rate_wpm={rate_wpm} is out of range; choose {RATE_WPM_RANGE[0]}–{RATE_WPM_RANGE[1]}")
    if not PITCH_RANGE[0] <= int(pitch) <= PITCH_RANGE[1]:
        raise ParamError(f"pitch={pitch} is out of range; choose {PITCH_RANGE[0]}–{PITCH_RANGE[1]}")
    state = _library()
    encoded = text.encode("utf-8")
    with _LOCK:
        if state.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ParamError(f"unknown eSpeak voice {voice!r}; try 'en-us', 'en', 'de', 'fr' or 'es'")
        state.lib.espeak_SetParameter(_RATE, int(rate_wpm), 0)
        state.lib.espeak_SetParameter(_PITCH, int(pitch), 0)
        state.chunks.clear()
        err = state.lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        state.lib.espeak_Synchronize()
        pcm = np.concatenate(state.chunks) if state.chunks else np.zeros(0, dtype=np.int16)
        state.chunks.clear()
    if err != 0:
        raise EngineUnavailable(f"eSpeak NG could not synthesise this text (error {err})")
    return (pcm.astype(np.float32) / 32768.0), state.sr
