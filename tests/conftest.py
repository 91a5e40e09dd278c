"""Shared fixtures: where the real recordings live, and a factory for temporary audio files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REAL_DATA_ENV = "LAB_REAL_DATA"  # set to point the tests at a copy of shared/data/real elsewhere
_EXTENSIONS = {"WAV": "wav", "FLAC": "flac", "OGG": "ogg", "MP3": "mp3", "AIFF": "aiff"}


def real_data_dir() -> Path:
    """The real-recordings folder: $LAB_REAL_DATA, else ../shared/data/real beside the repo."""
    env = os.environ.get(REAL_DATA_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Path to the real recordings (with MANIFEST.csv); skips the test when they are absent."""
    root = real_data_dir()
    if not (root / "MANIFEST.csv").is_file():
        pytest.skip(f"real recordings not found at {root}; they live in ../shared/data/real "
                    f"(or set {REAL_DATA_ENV})")
    return root


@pytest.fixture
def tmp_wav(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``tmp_wav(y, sr, subtype="PCM_16", format="WAV", name=None) -> Path``.

    ``y`` is in soundfile's layout, (n,) or (n, channels), any dtype soundfile accepts; the file
    is written with ``soundfile.write`` in the given format and subtype (e.g. "PCM_U8", "PCM_24",
    "FLOAT", "FLAC"/"PCM_24", "OGG"/"VORBIS") and named ``name`` or ``audio<k>.<ext>``.
    """
    counter = iter(range(10**6))

    def write(
        y: np.ndarray,
        sr: int,
        *,
        subtype: str | None = "PCM_16",
        format: str = "WAV",
        name: str | None = None,
    ) -> Path:
        if name is None:
            name = f"audio{next(counter)}.{_EXTENSIONS.get(format.upper(), format.lower())}"
        path = tmp_path / name
        sf.write(str(path), y, sr, subtype=subtype, format=format)
        return path

    return write
