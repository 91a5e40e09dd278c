"""Shared fixtures: where the real recordings live, and a factory for temporary audio files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

# Tests never use the network: hub engines are exercised through tiny local models.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

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


@pytest.fixture(scope="module")
def torch_one_thread():
    """Toy torch models for a module's tests on one thread: fastest on 2 shared cores."""
    from core.engines import torch_threads

    with torch_threads(1):
        yield


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


# ----------------------------------------------------------------------------- the running app
# One app process serves every API and browser test of the session (start-up costs seconds).

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_TIMEOUT_MS = 60_000


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """URL of ``app.py`` running on a free localhost port, offline (HF_HUB_OFFLINE=1)."""
    from tests._server import running_app

    with running_app() as url:
        yield url


@pytest.fixture(scope="session")
def app_client(app_url: str):
    """A ``gradio_client.Client`` connected to the running app."""
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    yield client
    client.close()


def call_api(client, api_name: str, *args):
    """``client.predict`` with local audio paths wrapped by ``handle_file``."""
    from gradio_client import handle_file

    wrapped = [handle_file(str(a)) if isinstance(a, (str, Path)) and Path(str(a)).suffix.lower() in AUDIO_SUFFIXES
               and Path(str(a)).exists() else a for a in args]
    return client.predict(*wrapped, api_name=api_name)


AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".txt"}


@pytest.fixture(scope="session")
def mic_wav(tmp_path_factory) -> str:
    """Speech from eSpeak NG as a 16-bit WAV that Chromium loops as its microphone."""
    from core import espeak

    y, sr = espeak.synthesize("Testing the microphone. One, two, three, four, five.", rate_wpm=150)
    path = tmp_path_factory.mktemp("mic") / "mic.wav"
    sf.write(path, np.concatenate([y, np.zeros(sr // 4, np.float32)]), sr, subtype="PCM_16")
    return str(path)


@pytest.fixture(scope="session")
def browser(mic_wav: str):
    """Headless Debian Chromium driven by Playwright, with ``mic_wav`` as a fake microphone."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={mic_wav}",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url: str):
    """A fresh browser context (own cookies and Gradio session) and page, microphone allowed."""
    context = browser.new_context(permissions=["microphone"], viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield pg
    context.close()


def open_lesson(page, slug: str):
    """Click lesson ``slug``'s tab and return its panel locator once its heading shows."""
    import re

    page.get_by_role("tab", name=re.compile(rf"^{slug} ")).click()
    panel = page.locator(f"#lesson-{slug}")
    panel.get_by_text(f"{slug} ·", exact=False).first.wait_for()
    return panel
