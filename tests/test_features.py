"""core.features: mel scale, filterbank, mel/log-mel, Whisper front end, DCT, MFCC, deltas.

Parity references: librosa 0.11 (mel, MFCC, delta), scipy (DCT, Savitzky–Golay), a direct
numpy transcription of openai-whisper's log_mel_spectrogram, torch.stft, and transformers'
WhisperFeatureExtractor where installed. Tolerances are stated per test.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import warnings

import librosa
import numpy as np
import pytest
import scipy.fft
import scipy.signal

from benchmarks.features import speech_like_signal as speech_like
from core import features
from core.errors import ParamError

SR = 16_000
RNG = np.random.default_rng(7)
Y32 = speech_like(duration_s=2.0)  # float32, speech-like: harmonics, AM, noise
Y64 = Y32.astype(np.float64)
LOG10_TOL = 1e-4  # float32 log-mel vs librosa, in log10 units (= 1e-3 dB)


# ---------------------------------------------------------------------------------------------
# Mel scale
# ---------------------------------------------------------------------------------------------


def test_mel_scale_golden_values():
    assert features.hz_to_mel(1000.0) == pytest.approx(15.0, abs=1e-12)  # Slaney: 1 kHz ↦ 15 mel
    assert features.hz_to_mel(200.0) == pytest.approx(3.0, abs=1e-12)  # linear part: 3 mel / 200 Hz
    assert features.hz_to_mel(6400.0) == pytest.approx(15.0 + 27.0, abs=1e-12)  # 27 mel per ×6.4
    assert features.hz_to_mel(1000.0, htk=True) == pytest.approx(999.9855, abs=1e-4)  # HTK ≈ 1000
    assert features.mel_to_hz(15.0) == pytest.approx(1000.0, abs=1e-9)
    assert features.hz_to_mel(0.0) == 0.0 and features.hz_to_mel(0.0, htk=True) == 0.0


@pytest.mark.parametrize("htk", [False, True])
@pytest.mark.parametrize(
    "f",
    [
        0.0,
        440.0,
        999.999,
        1000.0,
        1000.001,
        8000.0,
        np.array([0.0, 100.0, 1000.0, 4000.0, 11025.0]),
        np.array([[10.0, 2000.0]], dtype=np.float32),
        np.arange(5),
    ],
)
def test_mel_scale_matches_librosa_scalars_and_arrays(f, htk):
    ours, ref = features.hz_to_mel(f, htk=htk), librosa.hz_to_mel(f, htk=htk)
    assert type(ours) is type(ref) and np.asarray(ours).dtype == np.asarray(ref).dtype
    np.testing.assert_array_equal(ours, ref)
    m = np.asarray(f) / 100.0
    np.testing.assert_array_equal(features.mel_to_hz(m, htk=htk), librosa.mel_to_hz(m, htk=htk))


@pytest.mark.parametrize("htk", [False, True])
def test_mel_round_trip(htk):
    f = np.linspace(0.0, 22050.0, 1001)
    np.testing.assert_allclose(features.mel_to_hz(features.hz_to_mel(f, htk=htk), htk=htk), f, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(
    ("n_mels", "fmin", "fmax", "htk"), [(128, 0.0, 11025.0, False), (40, 20.0, 7600.0, True), (2, 0.0, 8000.0, False)]
)
def test_mel_frequencies_match_librosa(n_mels, fmin, fmax, htk):
    np.testing.assert_array_equal(
        features.mel_frequencies(n_mels, fmin=fmin, fmax=fmax, htk=htk),
        librosa.mel_frequencies(n_mels, fmin=fmin, fmax=fmax, htk=htk),
    )


# ---------------------------------------------------------------------------------------------
# Filterbank
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sr", [8000, 16000, 22050, 44100])
@pytest.mark.parametrize("n_fft", [256, 400, 512, 2048])
@pytest.mark.parametrize("n_mels", [20, 40, 80, 128])
@pytest.mark.parametrize("htk", [False, True])
@pytest.mark.parametrize("norm", ["slaney", None])
def test_mel_filterbank_equals_librosa_or_explains(sr, n_fft, n_mels, htk, norm):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=htk, norm=norm)
    if caught:  # librosa warns about empty filters: we refuse, naming the largest n_mels that works
        with pytest.raises(ParamError) as err:
            features.mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=htk, norm=norm)
        best = features.max_mels(sr, n_fft, 0.0, None, htk)
        assert f"n_mels <= {best}" in str(err.value) and "raise n_fft" in str(err.value)
        return
    W = features.mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=htk, norm=norm)
    assert W.dtype == np.float32 and W.shape == (n_mels, 1 + n_fft // 2)
    np.testing.assert_array_equal(W, ref)  # same arithmetic in the same order: bit for bit


@pytest.mark.parametrize(
    ("sr", "n_fft", "fmin", "fmax", "htk"),
    [
        (16000, 400, 0.0, None, False),
        (16000, 256, 0.0, None, True),
        (22050, 512, 300.0, 8000.0, False),
        (8000, 200, 20.0, 3800.0, True),
    ],
)
def test_max_mels_is_the_librosa_warning_threshold(sr, n_fft, fmin, fmax, htk):
    best = features.max_mels(sr, n_fft, fmin, fmax, htk)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "empty filters" warning at the limit …
        librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=best, fmin=fmin, fmax=fmax, htk=htk)
    with pytest.warns(UserWarning, match="Empty filters"):  # … and one just above it
        librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=best + 1, fmin=fmin, fmax=fmax, htk=htk)
    features.mel_filterbank(sr=sr, n_fft=n_fft, n_mels=best, fmin=fmin, fmax=fmax, htk=htk)


@pytest.mark.parametrize(
    ("sr", "n_fft", "n_mels", "htk"), [(16000, 400, 80, False), (16000, 2048, 128, True), (22050, 1024, 64, False)]
)
def test_filterbank_properties(sr, n_fft, n_mels, htk):
    W = features.mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=htk, norm=None)
    assert not W.flags.writeable  # cached: callers must not be able to corrupt it
    assert W.min() >= 0.0
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    centres = features.mel_frequencies(n_mels + 2, fmin=0.0, fmax=sr / 2, htk=htk)[1:-1]
    peaks = freqs[np.argmax(W, axis=1)]
    assert np.all(np.abs(peaks - centres) <= sr / n_fft)  # each triangle peaks within one bin of its centre
    assert W.max(axis=1).min() > 0 and W.max() <= 1.0 + 1e-6  # unnormalised triangles: height ≤ 1
    assert np.all(np.diff(centres) > 0)
    # Slaney norm: every triangle has area 1 (in Hz), i.e. height 2 / width.
    Ws = features.mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=htk)
    edges = features.mel_frequencies(n_mels + 2, fmin=0.0, fmax=sr / 2, htk=htk)
    np.testing.assert_allclose(Ws.max(axis=1) / W.max(axis=1), 2.0 / (edges[2:] - edges[:-2]), rtol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"sr": 16000, "n_fft": 400, "fmax": 9000.0}, ["fmax=9000.0", "Nyquist", "8000"]),
        ({"sr": 16000, "n_fft": 400, "fmin": 8000.0}, ["fmin=8000.0", "fmax"]),
        ({"sr": 16000, "n_fft": 400, "fmin": -5.0}, ["fmin=-5.0"]),
        ({"sr": 16000, "n_fft": 400, "n_mels": 0}, ["n_mels=0", "positive"]),
        ({"sr": 16000, "n_fft": 400, "n_mels": 200}, ["n_mels=200", "n_fft=400", "raise n_fft"]),
        ({"sr": 16000, "n_fft": 65536, "n_mels": 5000}, ["n_mels=5000", "1024"]),
        ({"sr": 16000, "n_fft": 400, "norm": "l2"}, ["norm='l2'", "slaney"]),
        ({"sr": 0, "n_fft": 400}, ["sr=0"]),
        ({"sr": 16000, "n_fft": 0}, ["n_fft=0"]),
    ],
)
def test_mel_filterbank_bad_params(kwargs, words):
    with pytest.raises(ParamError) as err:
        features.mel_filterbank(**kwargs)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_too_many_mels_message_names_the_limit():
    best = features.max_mels(16000, 400, 0.0, None, False)
    assert 80 < best < 200
    with pytest.raises(ParamError, match=f"n_mels <= {best}"):
        features.mel_filterbank(sr=16000, n_fft=400, n_mels=best + 1)


# ---------------------------------------------------------------------------------------------
# MelConfig and presets
# ---------------------------------------------------------------------------------------------


def test_whisper_preset_and_defaults():
    cfg = features.MelConfig()
    assert cfg == features.WHISPER == features.PRESETS["whisper"]
    assert (cfg.sr, cfg.n_fft, cfg.hop_length, cfg.n_mels, cfg.htk, cfg.norm) == (16000, 400, 160, 80, False, "slaney")
    assert (cfg.frame_ms, cfg.hop_ms, cfg.n_bins) == (25.0, 10.0, 201)
    assert features.N_SAMPLES == 480_000 and features.N_FRAMES == 3000


def test_speech_and_music_presets():
    sp = features.SPEECH
    assert (sp.sr, sp.n_fft, sp.hop_length, sp.frame_ms, sp.hop_ms) == (16000, 400, 160, 25.0, 10.0)
    assert sp.n_mels == 40 and sp.htk and sp.norm is None
    sp8 = features.speech_config(8000)
    assert (sp8.n_fft, sp8.hop_length) == (200, 80) and sp8.fmax <= 4000
    mu = features.MUSIC
    assert (mu.sr, mu.n_fft, mu.hop_length, mu.n_mels) == (22050, 2048, 512, 128)
    assert set(features.PRESETS) == {"whisper", "speech", "music"}
    for cfg in features.PRESETS.values():
        assert cfg.validate() is cfg
        with pytest.raises(dataclasses.FrozenInstanceError):
            cfg.n_fft = 512  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"n_fft": 0}, ["n_fft=0"]),
        ({"n_fft": -400}, ["n_fft=-400"]),
        ({"n_fft": 2**17}, ["n_fft=131072", "65536"]),
        ({"hop_length": 0}, ["hop_length=0"]),
        ({"hop_length": 800}, ["hop_length=800", "n_fft=400", "hop_length <= n_fft"]),
        ({"win_length": 512}, ["win_length=512", "n_fft=400"]),
        ({"n_mels": 0}, ["n_mels=0"]),
        ({"n_mels": 500}, ["n_mels=500", "raise n_fft"]),
        ({"fmax": 12000.0}, ["fmax=12000.0", "Nyquist"]),
        ({"fmin": 9000.0, "fmax": 8000.0}, ["fmin=9000.0", "fmax=8000.0"]),
        ({"window": "gauss"}, ["gauss", "hann"]),
        ({"power": 0.0}, ["power=0.0"]),
        ({"norm": "max"}, ["norm='max'"]),
        ({"sr": 0}, ["sr=0"]),
        ({"sr": 10**7}, ["sr=10000000"]),
    ],
)
def test_melconfig_validate_rejects_absurd_values(change, words):
    cfg = dataclasses.replace(features.WHISPER, **change)
    with pytest.raises(ParamError) as err:
        cfg.validate()
    assert all(w in str(err.value) for w in words), str(err.value)


# ---------------------------------------------------------------------------------------------
# Mel spectrogram and log-mel
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_fft", [256, 400, 512, 2048])
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("htk", [False, True])
@pytest.mark.parametrize("norm", ["slaney", None])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_melspectrogram_matches_librosa(n_fft, center, htk, norm, dtype):
    y = Y32[:8000].astype(dtype)
    kw = dict(sr=SR, n_fft=n_fft, hop_length=n_fft // 4, n_mels=40, center=center, htk=htk, norm=norm)
    M = features.melspectrogram(y, **kw)
    ref = librosa.feature.melspectrogram(y=y, **kw)
    assert M.dtype == ref.dtype and M.shape == ref.shape
    # float64: rounding only; float32: ~1e-6 of the peak band (float32 vs float64 FFT).
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    assert np.max(np.abs(M - ref)) <= rtol * ref.max()


@pytest.mark.parametrize(
    ("power", "window", "win_length", "fmin", "fmax"),
    [(1.0, "hamming", 300, 50.0, 7000.0), (2.0, "blackman", None, 0.0, 4000.0)],
)
def test_melspectrogram_options_and_precomputed_S(power, window, win_length, fmin, fmax):
    kw = dict(
        sr=SR,
        n_fft=512,
        hop_length=128,
        win_length=win_length,
        window=window,
        power=power,
        n_mels=64,
        fmin=fmin,
        fmax=fmax,
    )
    M = features.melspectrogram(Y64, **kw)
    ref = librosa.feature.melspectrogram(y=Y64, **kw)
    np.testing.assert_allclose(M, ref, rtol=1e-10, atol=1e-12 * ref.max())
    S = np.abs(librosa.stft(Y64, n_fft=512, hop_length=128, win_length=win_length, window=window)) ** power
    np.testing.assert_allclose(
        features.melspectrogram(S=S, sr=SR, n_mels=64, fmin=fmin, fmax=fmax), ref, rtol=1e-10, atol=1e-12 * ref.max()
    )


def test_melspectrogram_batch_equals_per_channel():
    y = np.stack([Y32[:8000], Y32[8000:16000]])
    M = features.melspectrogram(y, sr=SR, n_fft=400, hop_length=160, n_mels=80)
    assert M.shape == (2, 80, 51)
    np.testing.assert_allclose(
        M[1], features.melspectrogram(y[1], sr=SR, n_fft=400, hop_length=160, n_mels=80), rtol=1e-6
    )


def _librosa_log_mel(y: np.ndarray, cfg: features.MelConfig) -> np.ndarray:
    S = librosa.feature.melspectrogram(
        y=y,
        sr=cfg.sr,
        n_fft=cfg.n_fft,
        hop_length=cfg.hop_length,
        win_length=cfg.win_length,
        window=cfg.window,
        center=cfg.center,
        n_mels=cfg.n_mels,
        fmin=cfg.fmin,
        fmax=cfg.fmax,
        htk=cfg.htk,
        norm=cfg.norm,
        power=cfg.power,
    )
    return librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0)


@pytest.mark.parametrize("preset", ["whisper", "speech", "music"])
def test_log_mel_db_matches_librosa(preset):
    cfg = features.PRESETS[preset]
    y32 = Y32 if cfg.sr == SR else speech_like(sr=cfg.sr, duration_s=2.0)
    L = features.log_mel(y32, cfg)
    ref = _librosa_log_mel(y32, cfg)
    assert L.shape == ref.shape and L.dtype == np.float32 and L.flags.c_contiguous
    assert np.max(np.abs(L - ref)) / 10.0 <= LOG10_TOL  # dB / 10 = log10 units
    L64 = features.log_mel(y32.astype(np.float64), cfg)
    assert L64.dtype == np.float64
    np.testing.assert_allclose(L64, _librosa_log_mel(y32.astype(np.float64), cfg), rtol=0, atol=1e-9)


def test_log_mel_other_scales():
    M = librosa.feature.melspectrogram(y=Y64, sr=SR, n_fft=400, hop_length=160, n_mels=80)
    cfg = features.WHISPER
    np.testing.assert_allclose(features.log_mel(Y64, cfg, scale="log10"), np.log10(np.maximum(M, 1e-10)), atol=1e-10)
    np.testing.assert_allclose(features.log_mel(Y64, cfg, scale="ln"), np.log(np.maximum(M, 1e-10)), atol=1e-10)
    np.testing.assert_allclose(features.log_mel(Y64, cfg, top_db=None), librosa.power_to_db(M, top_db=None), atol=1e-9)
    L = features.log_mel(Y64, cfg, scale="db", top_db=30.0)
    assert L.max() - L.min() == pytest.approx(30.0, abs=1e-9)
    W = features.log_mel(Y64, cfg, scale="whisper")
    assert W.max() - W.min() <= 2.0 + 1e-12  # 8 log10 units / 4


def test_scale_log_mel_golden_and_bad_args():
    S = np.array([[1.0, 1e-3], [1e-12, 100.0]])
    np.testing.assert_allclose(features.scale_log_mel(S, "db", top_db=None), [[0.0, -30.0], [-100.0, 20.0]])
    np.testing.assert_allclose(features.scale_log_mel(S, "db", top_db=40.0), [[0.0, -20.0], [-20.0, 20.0]])
    np.testing.assert_allclose(features.scale_log_mel(S, "log10"), [[0.0, -3.0], [-10.0, 2.0]])
    np.testing.assert_allclose(features.scale_log_mel(S, "whisper"), [[1.0, 0.25], [-0.5, 1.5]])  # floor 2 − 8 = −6
    with pytest.raises(ParamError, match="scale='log2'"):
        features.scale_log_mel(S, "log2")  # type: ignore[arg-type]
    with pytest.raises(ParamError, match="top_db=-3"):
        features.log_mel(Y32, top_db=-3)
    with pytest.raises(ParamError, match="amin=0"):
        features.log_mel(Y32, amin=0)


def test_log_mel_rejects_bad_config_before_work():
    with pytest.raises(ParamError, match="hop_length=800"):
        features.log_mel(Y32, dataclasses.replace(features.WHISPER, hop_length=800))


# ---------------------------------------------------------------------------------------------
# Whisper
# ---------------------------------------------------------------------------------------------


def _whisper_numpy(audio: np.ndarray, n_mels: int = 80) -> np.ndarray:
    """openai-whisper's audio.log_mel_spectrogram, transcribed to numpy (float64)."""
    audio = np.pad(audio.astype(np.float64), (0, max(0, 480000 - len(audio))))[:480000]
    padded = np.pad(audio, 200, mode="reflect")  # torch.stft(center=True) pads with 'reflect'
    frames = librosa.util.frame(padded, frame_length=400, hop_length=160)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)  # torch.hann_window (periodic)
    stft = np.fft.rfft(frames * window[:, None], axis=0)
    magnitudes = np.abs(stft[:, :-1]) ** 2
    filters = librosa.filters.mel(sr=16000, n_fft=400, n_mels=n_mels)  # whisper's mel_filters.npz
    log_spec = np.log10(np.maximum(filters @ magnitudes, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return (log_spec + 4.0) / 4.0


@pytest.mark.parametrize("n_mels", [80, 128])
def test_whisper_log_mel_matches_reference(n_mels):
    L = features.whisper_log_mel(Y32, n_mels=n_mels)
    assert L.shape == (n_mels, features.N_FRAMES) and L.dtype == np.float32
    # float32 pipeline vs a float64 transcription: 1e-5 in Whisper's scaled log10 units.
    np.testing.assert_allclose(L, _whisper_numpy(Y32, n_mels), rtol=0, atol=1e-5)


def test_whisper_log_mel_matches_torch_stft_original():
    torch = pytest.importorskip("torch")
    audio = torch.nn.functional.pad(torch.from_numpy(Y32), (0, 480000 - len(Y32)))
    stft = torch.stft(audio, 400, 160, window=torch.hann_window(400), return_complex=True)  # as in whisper
    mel = torch.from_numpy(librosa.filters.mel(sr=16000, n_fft=400, n_mels=80)) @ (stft[..., :-1].abs() ** 2)
    log_spec = torch.clamp(mel, min=1e-10).log10()
    ref = ((torch.maximum(log_spec, log_spec.max() - 8.0) + 4.0) / 4.0).numpy()
    np.testing.assert_allclose(features.whisper_log_mel(Y32), ref, rtol=0, atol=1e-5)


@pytest.mark.skipif(importlib.util.find_spec("transformers") is None, reason="transformers not installed")
@pytest.mark.parametrize("n_mels", [80, 128])
def test_whisper_log_mel_matches_transformers_feature_extractor(n_mels):
    from transformers import WhisperFeatureExtractor

    fe = WhisperFeatureExtractor(feature_size=n_mels)  # built in code: no download
    ref = fe(Y32, sampling_rate=16000, return_tensors="np").input_features[0]
    # transformers builds its filterbank its own way (same triangles): agree to 1e-4.
    np.testing.assert_allclose(features.whisper_log_mel(Y32, n_mels=n_mels), ref, rtol=0, atol=1e-4)


def test_whisper_log_mel_batch_is_per_clip():
    batch = np.stack([Y32, 0.01 * Y32[::-1]])
    L = features.whisper_log_mel(batch)
    assert L.shape == (2, 80, 3000)
    for i in range(2):  # Whisper's "max − 8" floor is taken per clip, not over the batch
        np.testing.assert_allclose(L[i], features.whisper_log_mel(batch[i]), atol=1e-6)


def test_whisper_pad_or_trim():
    long = np.tile(Y32, 16)  # 32 s
    L = features.whisper_log_mel(long)
    assert L.shape == (80, 3000)
    np.testing.assert_array_equal(L, features.whisper_log_mel(long[: features.N_SAMPLES]))
    short = features.whisper_log_mel(Y32, pad_or_trim=False)
    assert short.shape == (80, len(Y32) // features.HOP_LENGTH)
    with pytest.raises(ParamError, match="pad_or_trim"):
        features.whisper_log_mel(Y32[:100], pad_or_trim=False)
    with pytest.raises(ParamError, match="int16"):
        features.whisper_log_mel(np.zeros(100, dtype=np.int16))


# ---------------------------------------------------------------------------------------------
# DCT, MFCC
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [-2, -1, 0])
@pytest.mark.parametrize("norm", ["ortho", None])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dct_ii_matches_scipy(axis, norm, dtype):
    x = RNG.standard_normal((5, 40, 30)).astype(dtype)
    ours = features.dct_ii(x, axis=axis, norm=norm)
    ref = scipy.fft.dct(x.astype(np.float64), type=2, norm=norm, axis=axis)
    assert ours.dtype == dtype
    atol = 1e-4 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(ours, ref, rtol=0, atol=atol * np.abs(ref).max())


def test_dct_ii_orthonormal_and_1d():
    eye = np.eye(26)
    C = features.dct_ii(eye, axis=0)
    np.testing.assert_allclose(C @ C.T, eye, atol=1e-12)  # orthonormal: energy preserved
    x = RNG.standard_normal(13)
    np.testing.assert_allclose(features.dct_ii(x, axis=-1), scipy.fft.dct(x, norm="ortho"), atol=1e-12)
    with pytest.raises(ParamError, match="axis=3"):
        features.dct_ii(x, axis=3)


@pytest.mark.parametrize("lifter", [0, 22])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mfcc_matches_librosa(lifter, dtype):
    y = Y32.astype(dtype)
    kw = dict(n_fft=400, hop_length=160, n_mels=40)
    M = features.mfcc(y, sr=SR, n_mfcc=13, lifter=lifter, **kw)
    ref = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=13, lifter=lifter, **kw)
    assert M.shape == ref.shape == (13, 201) and M.dtype == ref.dtype
    # dB-scale inputs of magnitude ~100: float32 agrees to 1e-3, float64 to 1e-9 (absolute).
    np.testing.assert_allclose(M, ref, rtol=0, atol=1e-3 if dtype == np.float32 else 1e-9)


def test_mfcc_from_S_and_bad_params():
    S = librosa.power_to_db(librosa.feature.melspectrogram(y=Y64, sr=SR, n_mels=64))
    np.testing.assert_allclose(features.mfcc(S=S, n_mfcc=20), librosa.feature.mfcc(S=S, n_mfcc=20), atol=1e-9)
    with pytest.raises(ParamError, match="n_mfcc=80"):
        features.mfcc(S=S, n_mfcc=80)
    with pytest.raises(ParamError, match="lifter=-1"):
        features.mfcc(S=S, lifter=-1)
    with pytest.raises(ParamError, match="sr"):
        features.mfcc(Y64)


# ---------------------------------------------------------------------------------------------
# Deltas
# ---------------------------------------------------------------------------------------------


def _regression_delta_loops(c: np.ndarray, width: int) -> np.ndarray:
    """The textbook formula with explicit loops, interior frames only."""
    n_half = width // 2
    denom = 2 * sum(n * n for n in range(1, n_half + 1))
    T = c.shape[-1]
    d = np.zeros((c.shape[0], T - 2 * n_half))
    for t in range(n_half, T - n_half):
        d[:, t - n_half] = sum(n * (c[:, t + n] - c[:, t - n]) for n in range(1, n_half + 1)) / denom
    return d


@pytest.mark.parametrize("width", [3, 5, 9])
def test_delta_regression_formula_equals_savgol_interior(width):
    c = RNG.standard_normal((13, 60))
    half = width // 2
    loops = _regression_delta_loops(c, width)
    savgol = scipy.signal.savgol_filter(c, width, polyorder=1, deriv=1, axis=-1)[:, half:-half]
    np.testing.assert_allclose(loops, savgol, atol=1e-12)
    np.testing.assert_allclose(features.delta(c, width=width)[:, half:-half], loops, atol=1e-12)


@pytest.mark.parametrize(
    ("order", "width"), [(o, w) for o in (1, 2, 3) for w in (3, 5, 9) if o < w]
)  # polyorder < width
@pytest.mark.parametrize("mode", features.DELTA_MODES)
@pytest.mark.parametrize("axis", [-1, 0])
def test_delta_matches_librosa(order, width, mode, axis):
    data = RNG.standard_normal((20, 30))
    np.testing.assert_allclose(
        features.delta(data, width=width, order=order, mode=mode, axis=axis),
        librosa.feature.delta(data, width=width, order=order, mode=mode, axis=axis),
        rtol=0,
        atol=1e-10,
    )


def test_delta_golden_linear_ramp():
    ramp = np.arange(20, dtype=np.float64)[None, :] * 0.5  # slope 0.5 per frame
    np.testing.assert_allclose(features.delta(ramp), 0.5, atol=1e-12)  # 'interp' is exact at the edges too
    np.testing.assert_allclose(features.delta(ramp, order=2, width=5), 0.0, atol=1e-12)
    assert features.delta(ramp.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"width": 4}, ["width=4", "odd"]),
        ({"width": 1}, ["width=1"]),
        ({"order": 0}, ["order=0"]),
        ({"width": 41}, ["width=41", "30 frames"]),
        ({"mode": "reflect"}, ["mode='reflect'", "mirror"]),
        ({"order": 3, "width": 3}, ["order=3", "width=3"]),
    ],
)
def test_delta_bad_params(kwargs, words):
    with pytest.raises(ParamError) as err:
        features.delta(RNG.standard_normal((4, 30)), **kwargs)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_cmvn_zero_mean_unit_variance_and_channel_invariance():
    rng = np.random.default_rng(0)
    c = rng.normal(3.0, 5.0, (13, 200)).astype(np.float32)
    z = features.cmvn(c)
    assert z.dtype == np.float32 and z.shape == c.shape
    np.testing.assert_allclose(z.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=1), 1, atol=1e-4)
    # a constant channel offset per coefficient (a different microphone) disappears
    np.testing.assert_allclose(features.cmvn(c + rng.normal(size=(13, 1)).astype(np.float32)), z, atol=1e-4)
    np.testing.assert_allclose(features.cmvn(np.ones((2, 5))), 0)  # constant rows: no division by zero
    np.testing.assert_allclose(features.cmvn(c, variance=False).mean(axis=1), 0, atol=1e-4)
