"""Speed and parity of our log-mel front end and FFTs against librosa, torchaudio and numpy.

Run: ``python -m benchmarks.features``. Everything runs in one process on the same 60 s of
deterministic 16 kHz audio (a chirp with harmonics, syllable-like amplitude modulation and
noise); contenders are timed in interleaved round-robin blocks with ``time.perf_counter``, each
block after an untimed warm-up call, and each figure is the best and the median of those calls.
Timings are machine-dependent; only the ratios travel.
"""

from __future__ import annotations


import numpy as np

from core import dsp, features
from core.timing import time_interleaved

SR = 16_000
DURATION_S = 60.0
N_FFT = 400
HOP_LENGTH = 160
N_MELS = 80
TOP_DB = 80.0
SEED = 0
ROUNDS = 10  # round-robin rounds over the contenders
BLOCK = 3  # timed calls per contender per round
FFT_N = 2**14
DFT_N = 1024


def speech_like_signal(*, sr: int = SR, duration_s: float = DURATION_S, seed: int = SEED) -> np.ndarray:
    """Speech-like test audio: a 100→3000 Hz chirp with 3 harmonics, 4 Hz AM and noise, float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * duration_s)) / sr
    f0 = 100.0 * (30.0 ** (t / duration_s))  # exponential sweep 100 Hz → 3 kHz
    phase = 2 * np.pi * np.cumsum(f0) / sr
    voiced = sum(np.sin(h * phase) / h for h in (1, 2, 3))
    envelope = 0.5 * (1 + np.sin(2 * np.pi * 4.0 * t))  # ~4 syllables per second
    y = 0.3 * envelope * voiced + 0.02 * rng.standard_normal(t.shape)
    return (y / np.abs(y).max() * 0.9).astype(np.float32)


def run(*, rounds: int = ROUNDS) -> dict[str, dict[str, float]]:
    """Time every contender; returns {name: {'best_ms', 'median_ms', ...parity fields}}."""
    import librosa
    import torch
    import torchaudio

    y = speech_like_signal()
    cfg = features.MelConfig(sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS)

    def ours() -> np.ndarray:
        return features.log_mel(y, cfg, top_db=TOP_DB)

    def ref_librosa() -> np.ndarray:
        S = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS)
        return librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=TOP_DB)

    mel_t = torchaudio.transforms.MelSpectrogram(
        sample_rate=SR,
        n_fft=N_FFT,
        hop_length=HOP_LENGTH,
        n_mels=N_MELS,
        norm="slaney",
        mel_scale="slaney",
        center=True,
        pad_mode="constant",
        power=2.0,
    )
    # multiplier 10 and amin 1e-10 make AmplitudeToDB('power') exactly power_to_db(ref=1.0).
    db_t = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=TOP_DB)
    y_t = torch.from_numpy(y)

    def ref_torchaudio() -> np.ndarray:
        with torch.inference_mode():
            return db_t(mel_t(y_t)).numpy()

    rng = np.random.default_rng(SEED)
    x_fft = rng.standard_normal(FFT_N) + 1j * rng.standard_normal(FFT_N)
    x_dft = x_fft[:DFT_N]

    groups = (
        {"log_mel ours": ours, "log_mel librosa": ref_librosa, "log_mel torchaudio": ref_torchaudio},
        {f"fft_radix2 N={FFT_N}": lambda: dsp.fft_radix2(x_fft), f"numpy.fft.fft N={FFT_N}": lambda: np.fft.fft(x_fft)},
        {f"dft naive N={DFT_N}": lambda: dsp.dft(x_dft), f"numpy.fft.fft N={DFT_N}": lambda: np.fft.fft(x_dft)},
    )
    results: dict[str, dict[str, float]] = {}
    for group in groups:
        for name, t in time_interleaved(group, rounds=rounds, block=BLOCK).items():
            results[name] = {"best_ms": 1e3 * min(t), "median_ms": 1e3 * float(np.median(t))}

    a, b, c = ours(), ref_librosa(), ref_torchaudio()
    results["log_mel ours"]["max_abs_diff_db_vs_librosa"] = float(np.abs(a - b).max())
    results["log_mel ours"]["max_abs_diff_log10_vs_librosa"] = float(np.abs(a - b).max() / 10.0)
    results["log_mel torchaudio"]["max_abs_diff_db_vs_librosa"] = float(np.abs(c - b).max())
    results["log_mel torchaudio"]["max_abs_diff_log10_vs_librosa"] = float(np.abs(c - b).max() / 10.0)
    results[f"fft_radix2 N={FFT_N}"]["max_abs_diff_vs_numpy"] = float(
        np.abs(dsp.fft_radix2(x_fft) - np.fft.fft(x_fft)).max()
    )
    results[f"dft naive N={DFT_N}"]["max_abs_diff_vs_numpy"] = float(np.abs(dsp.dft(x_dft) - np.fft.fft(x_dft)).max())
    for key in ("best_ms", "median_ms"):
        results["log_mel ours"][f"ratio_librosa_{key}"] = results["log_mel ours"][key] / results["log_mel librosa"][key]
        results["log_mel ours"][f"ratio_torchaudio_{key}"] = (
            results["log_mel ours"][key] / results["log_mel torchaudio"][key]
        )
    return results


def main() -> None:
    import torch

    r = run()
    print(
        f"60 s of 16 kHz audio, n_fft={N_FFT}, hop={HOP_LENGTH}, {N_MELS} mels, dB with top_db={TOP_DB:g}; "
        f"{ROUNDS}x{BLOCK} interleaved calls each, torch threads={torch.get_num_threads()}"
    )
    print(f"{'contender':<26}{'best ms':>10}{'median ms':>11}  notes")
    for name, row in r.items():
        notes = ""
        if name == "log_mel ours":
            notes = (
                f"ours/librosa {row['ratio_librosa_best_ms']:.2f}x "
                f"(median {row['ratio_librosa_median_ms']:.2f}x), "
                f"ours/torchaudio {row['ratio_torchaudio_best_ms']:.2f}x "
                f"(median {row['ratio_torchaudio_median_ms']:.2f}x); "
                f"max|diff| vs librosa {row['max_abs_diff_db_vs_librosa']:.2e} dB = "
                f"{row['max_abs_diff_log10_vs_librosa']:.2e} log10"
            )
        elif name == "log_mel torchaudio":
            notes = (
                f"max|diff| vs librosa {row['max_abs_diff_db_vs_librosa']:.2e} dB = "
                f"{row['max_abs_diff_log10_vs_librosa']:.2e} log10"
            )
        elif "max_abs_diff_vs_numpy" in row:
            notes = f"max|diff| vs numpy {row['max_abs_diff_vs_numpy']:.1e}"
        print(f"{name:<26}{row['best_ms']:>10.2f}{row['median_ms']:>11.2f}  {notes}")


if __name__ == "__main__":
    main()
