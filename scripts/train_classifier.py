"""Train lesson 03's embedded sound classifier (a small CNN on log-mels) on data this script makes.

    python -m scripts.train_classifier            # writes assets/classifier/

Cost: about 2–3 min on 2 idle CPU cores (≈ 15 s to synthesise and featurise 2,760 clips, ≈ 5.5 s
per epoch); several times longer when other processes share the cores (the shipped run took 13 min
on a shared 2-core machine under a load average of about 4).

No download: six toy sound classes are synthesised here, each with its own randomised recipe
(``CLASSES``): speech from eSpeak NG (core.espeak: dozens of languages and voice variants, random
syllables, pitch and rate) and five signal-model classes (music, whistle, birdsong, noise,
clicks). Every clip then goes through the same random "recording chain": optional room reverb,
a random tilt/low-pass EQ, background noise at a random SNR and a random gain, so the classes
cannot be told apart by level or by the absence of noise. Clips are 1 s at 16 kHz, the CNN's
window (core.classify.cnn_windows).

The held-out set is made with a different seed and, for speech, with languages and voice
variants never seen in training, so its accuracy measures generalisation within the toy domain
(not to real-world recordings; tests/test_classify.py states what the model does on real clips).

Training: AdamW, one-cycle learning rate, SpecAugment on every example and mixup (α = 0.2) on
every batch (core.classify.spec_augment / mixup); seeds fixed, torch deterministic, 2 threads.
Outputs (assets/classifier/): toy_cnn.safetensors (weights), toy_cnn.json (classes, front end,
architecture, recipe, held-out metrics), heldout.npz (held-out labels and both engines' scores,
and the MFCC-statistics reference set of the mfcc-knn engine), README.md (this recipe and the
numbers).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import signal as sps

from core import classify, espeak, metrics
from core.audio import resample

SR = classify.SR
CLIP_S = 1.0
N = int(SR * CLIP_S)
SEED = 0
TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 60
KNN_REFS_PER_CLASS = 150  # MFCC-statistics references kept for the mfcc-knn engine
KNN_K = 5
EPOCHS = 20
BATCH = 64
LR = 3e-3
WEIGHT_DECAY = 1e-3
MIXUP_ALPHA = 0.2
SPEC_AUGMENT = classify.SpecAugmentConfig(n_freq_masks=2, freq_mask_param=8, n_time_masks=2, time_mask_param=12)
OUT = Path(__file__).resolve().parents[1] / "assets" / "classifier"
COMMAND = "python -m scripts.train_classifier"

# eSpeak voices: training and held-out languages and variants are disjoint.
TRAIN_LANGS = ("en-us", "en", "de", "fr", "es", "it", "pt", "nl", "sv", "ru", "cs", "el", "hi", "ar", "cmn",
               "id", "ro", "bg", "da", "et", "lt", "sk", "sr", "uk", "ka", "ms", "eu", "ca", "af", "is")
TEST_LANGS = ("ja", "hu", "sw", "ta", "vi", "pl", "tr", "ko", "fi", "cy")
TRAIN_VARIANTS = ("", "+f1", "+f2", "+f3", "+f4", "+m1", "+m2", "+m3", "+m4", "+m5", "+m6", "+klatt", "+klatt2")
TEST_VARIANTS = ("", "+f5", "+m7", "+klatt4", "+m8")
ONSETS = ("", "b", "d", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "ch", "f", "h", "j", "w")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ou", "ee")
CODAS = ("", "", "", "n", "s", "t", "r", "l", "m", "k")


# ---------------------------------------------------------------------------------- sound recipes


def _envelope(n: int, attack: int, release: int) -> np.ndarray:
    env = np.ones(n)
    a, r = min(attack, n // 2), min(release, n // 2)
    if a:
        env[:a] = np.linspace(0.0, 1.0, a)
    if r:
        env[n - r :] = np.minimum(env[n - r :], np.linspace(1.0, 0.0, r))
    return env


def _place(out: np.ndarray, x: np.ndarray, start: int) -> None:
    if start >= out.size:
        return
    seg = x[: out.size - start]
    out[start : start + seg.size] += seg


def _speech(rng: np.random.Generator, held_out: bool) -> np.ndarray:
    langs, variants = (TEST_LANGS, TEST_VARIANTS) if held_out else (TRAIN_LANGS, TRAIN_VARIANTS)
    voice = str(rng.choice(langs)) + str(rng.choice(variants))
    words = []
    for _ in range(int(rng.integers(3, 9))):
        syl = int(rng.integers(1, 4))
        words.append("".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syl)))
    text = " ".join(words) + str(rng.choice([".", ",", "?", "!"]))
    y, sr = espeak.synthesize(text, voice=voice, rate_wpm=int(rng.integers(120, 260)), pitch=int(rng.integers(15, 90)))
    y = resample(y, orig_sr=sr, target_sr=SR)
    if y.size <= N:
        out = np.zeros(N)
        _place(out, y, int(rng.integers(0, N - y.size + 1)))
        return out
    # a 1 s crop that holds speech: the loudest of a few random crops
    starts = rng.integers(0, y.size - N + 1, size=4)
    best = max(starts, key=lambda s: float(np.sum(y[s : s + N] ** 2)))
    return y[best : best + N].astype(np.float64)


def _harmonic_note(rng: np.random.Generator, f0: float, n: int, bright: float, odd: bool, vibrato: float) -> np.ndarray:
    t = np.arange(n) / SR
    f = f0 * (1 + vibrato * np.sin(2 * np.pi * rng.uniform(4.5, 6.5) * t))
    phase = 2 * np.pi * np.cumsum(f) / SR
    y = np.zeros(n)
    for h in range(1, 16):
        if h * f0 >= 0.45 * SR or (odd and h % 2 == 0 and h > 1):
            continue
        y += h ** (-bright) * np.sin(h * phase + rng.uniform(0, 2 * np.pi))
    return y


def _music(rng: np.random.Generator, held_out: bool) -> np.ndarray:
    out = np.zeros(N)
    scale = np.array([0, 2, 4, 5, 7, 9, 11] if rng.random() < 0.6 else [0, 2, 3, 5, 7, 8, 10])
    root = int(rng.integers(45, 76))
    bright, odd = rng.uniform(0.6, 2.2), rng.random() < 0.25
    vibrato = rng.uniform(0.002, 0.012) if rng.random() < 0.5 else 0.0
    plucked = rng.random() < 0.35
    note_s = rng.uniform(0.12, 0.6)
    voices = int(rng.integers(1, 4))
    t0 = -int(rng.uniform(0, note_s) * SR)
    while t0 < N:
        n = int(note_s * rng.uniform(0.8, 1.2) * SR)
        degree = rng.integers(0, 14, size=voices)
        for d in degree:
            midi = root + 12 * (d // 7) + scale[d % 7]
            f0 = 440.0 * 2 ** ((midi - 69) / 12)
            x = _harmonic_note(rng, f0, n, bright, odd, vibrato)
            if plucked:
                x *= np.exp(-np.arange(n) / (SR * rng.uniform(0.05, 0.3)))
            x *= _envelope(n, int(rng.uniform(0.003, 0.05) * SR), int(0.02 * SR))
            if t0 < 0:
                x = x[-t0:]
            _place(out, x, max(t0, 0))
        t0 += n
    return out


def _whistle(rng: np.random.Generator, held_out: bool) -> np.ndarray:
    out = np.zeros(N)
    n_seg = int(rng.integers(1, 4))
    bounds = np.sort(rng.uniform(0, N, size=2 * n_seg).astype(int))
    if n_seg == 1 and rng.random() < 0.5:
        bounds = np.array([0, N])
    for a, b in bounds.reshape(-1, 2):
        n = b - a
        if n < int(0.08 * SR):
            continue
        walk = np.cumsum(rng.standard_normal(n // 400 + 2))
        contour = np.interp(np.arange(n), np.linspace(0, n, walk.size), walk)
        contour = contour / (np.abs(contour).max() + 1e-9) * rng.uniform(0.0, 0.35)
        f = rng.uniform(600, 2800) * (1 + contour)
        f *= 1 + rng.uniform(0, 0.03) * np.sin(2 * np.pi * rng.uniform(3, 7) * np.arange(n) / SR)
        phase = 2 * np.pi * np.cumsum(f) / SR
        x = np.sin(phase) + rng.uniform(0, 0.1) * np.sin(2 * phase)
        breath = sps.lfilter(*sps.butter(2, [0.05, 0.4], btype="band"), rng.standard_normal(n))
        x += rng.uniform(0, 0.08) * breath / (np.abs(breath).max() + 1e-9)
        out[a:b] += x * _envelope(n, int(rng.uniform(0.01, 0.08) * SR), int(rng.uniform(0.01, 0.08) * SR))
    return out


def _birdsong(rng: np.random.Generator, held_out: bool) -> np.ndarray:
    out = np.zeros(N)
    t = int(rng.uniform(0, 0.2) * SR)
    base = rng.uniform(1800, 6500)
    while t < N:
        n = int(rng.uniform(0.02, 0.15) * SR)
        f_start = base * rng.uniform(0.7, 1.3)
        f_end = np.clip(f_start + rng.uniform(-3000, 3000), 1000, 7600)
        shape = rng.integers(0, 3)
        u = np.linspace(0, 1, n)
        if shape == 0:  # straight sweep
            f = f_start + (f_end - f_start) * u
        elif shape == 1:  # down-up "V"
            f = f_start + (f_end - f_start) * np.abs(2 * u - 1)
        else:  # warble
            f = f_start + (f_end - f_start) * 0.5 * (1 + np.sin(2 * np.pi * rng.uniform(2, 6) * u))
        x = np.sin(2 * np.pi * np.cumsum(f) / SR) + rng.uniform(0, 0.2) * np.sin(4 * np.pi * np.cumsum(f) / SR)
        if rng.random() < 0.3:  # trill
            x *= 0.5 * (1 + np.sin(2 * np.pi * rng.uniform(20, 60) * np.arange(n) / SR))
        _place(out, x * np.hanning(n) * rng.uniform(0.4, 1.0), t)
        t += n + int(rng.uniform(0.01, 0.25) * SR)
    return out


def _noise(rng: np.random.Generator, held_out: bool) -> np.ndarray:
    n = N
    beta = rng.uniform(0.0, 2.5)  # 1/f^beta power: white 0, pink 1, brown 2
    X = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    X[1:] /= f[1:] ** (beta / 2)
    X[0] = 0
    y = np.fft.irfft(X, n)
    if rng.random() < 0.4:  # band-limited (wind, hum of a fan, a hiss)
        lo = rng.uniform(20, 2000)
        hi = min(lo * rng.uniform(2, 20), 7900)
        y = sps.sosfilt(sps.butter(2, [lo, hi], btype="band", fs=SR, output="sos"), y)
    y /= np.abs(y).max() + 1e-12
    y *= 1 - rng.uniform(0, 0.7) * (0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.1, 2) * np.arange(n) / SR + rng.uniform(0, 6.3)))
    if rng.random() < 0.35:  # rain: a dense shower of tiny drops
        drops = np.zeros(n)
        idx = rng.integers(0, n, size=int(rng.uniform(200, 2000)))
        drops[idx] = rng.uniform(-1, 1, size=idx.size)
        drops = sps.lfilter([1, -0.9], [1], drops)
        y += rng.uniform(0.3, 1.0) * drops / (np.abs(drops).max() + 1e-12)
    if rng.random() < 0.25:  # thunder: a slow low rumble
        rumble = sps.sosfilt(sps.butter(2, rng.uniform(80, 300), fs=SR, output="sos"), rng.standard_normal(n))
        swell = np.exp(-((np.arange(n) - rng.uniform(0, n)) / (rng.uniform(0.2, 0.6) * SR)) ** 2)
        y += rng.uniform(0.5, 2.0) * rumble * swell / (np.abs(rumble).max() + 1e-12)
    return y


def _clicks(rng: np.random.Generator, held_out: bool) -> np.ndarray:
    out = np.zeros(N)
    rate = rng.uniform(2, 10)
    regular = rng.random() < 0.5
    t = rng.uniform(0, 1 / rate)
    kind = int(rng.integers(0, 4))
    while t < CLIP_S:
        k = kind if rng.random() < 0.8 else int(rng.integers(0, 4))
        if k == 0:  # clap: a band-passed noise burst
            n = int(rng.uniform(0.03, 0.12) * SR)
            lo = rng.uniform(400, 1500)
            x = sps.sosfilt(sps.butter(2, [lo, min(lo * rng.uniform(2, 6), 7800)], btype="band", fs=SR, output="sos"),
                            rng.standard_normal(n))
            x *= np.exp(-np.arange(n) / (rng.uniform(0.005, 0.03) * SR))
        elif k == 1:  # finger snap: short, bright
            n = int(0.04 * SR)
            x = sps.sosfilt(sps.butter(2, rng.uniform(1500, 4000), btype="high", fs=SR, output="sos"), rng.standard_normal(n))
            x *= np.exp(-np.arange(n) / (rng.uniform(0.002, 0.008) * SR))
        elif k == 2:  # knock: a damped low resonance plus a click
            n = int(0.15 * SR)
            x = np.sin(2 * np.pi * rng.uniform(80, 450) * np.arange(n) / SR) * np.exp(-np.arange(n) / (rng.uniform(0.01, 0.04) * SR))
            x[: int(0.002 * SR)] += rng.standard_normal(int(0.002 * SR)) * 0.5
        else:  # tick: a filtered impulse (clock, keyboard, tongue click)
            n = int(0.02 * SR)
            x = np.zeros(n)
            x[0] = 1.0
            x = sps.lfilter(*sps.butter(2, rng.uniform(0.05, 0.6)), x)
            x += 0.3 * rng.standard_normal(n) * np.exp(-np.arange(n) / (0.001 * SR))
        _place(out, x / (np.abs(x).max() + 1e-12) * rng.uniform(0.5, 1.0), int(t * SR))
        t += (1 / rate) * (rng.uniform(0.9, 1.1) if regular else rng.exponential(1.0) + 0.1)
    return out


CLASSES: dict[str, Callable[[np.random.Generator, bool], np.ndarray]] = {
    "speech": _speech,
    "music": _music,
    "whistle": _whistle,
    "birdsong": _birdsong,
    "noise": _noise,
    "clicks": _clicks,
}


def recording_chain(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Room, microphone and background: reverb (50 %), EQ, noise at 5–40 dB SNR (90 %), gain."""
    x = np.asarray(x, dtype=np.float64)
    if rng.random() < 0.5:
        rt60 = rng.uniform(0.1, 0.6)
        m = int(rt60 * SR)
        ir = rng.standard_normal(m) * np.exp(-6.9 * np.arange(m) / m)
        ir[0] = 1.0 / rng.uniform(0.2, 1.0)  # direct path vs reverberant energy
        x = sps.fftconvolve(x, ir)[: x.size]
    if rng.random() < 0.5:
        x = sps.sosfilt(sps.butter(1, rng.uniform(2500, 7900), fs=SR, output="sos"), x)
    if rng.random() < 0.3:
        x = sps.sosfilt(sps.butter(1, rng.uniform(50, 400), btype="high", fs=SR, output="sos"), x)
    power = np.mean(x**2) + 1e-12
    if rng.random() < 0.9:
        beta = rng.uniform(0, 2)
        X = np.fft.rfft(rng.standard_normal(x.size))
        f = np.fft.rfftfreq(x.size, 1 / SR)
        X[1:] /= f[1:] ** (beta / 2)
        X[0] = 0
        bg = np.fft.irfft(X, x.size)
        snr_db = rng.uniform(5, 40)
        x = x + bg * np.sqrt(power / (np.mean(bg**2) + 1e-12) / 10 ** (snr_db / 10))
    return (x / (np.abs(x).max() + 1e-12) * rng.uniform(0.05, 0.9)).astype(np.float32)


def make_clip(label: str, rng: np.random.Generator, *, held_out: bool = False) -> np.ndarray:
    """One 1 s, 16 kHz float32 clip of class ``label`` after the recording chain."""
    return recording_chain(CLASSES[label](rng, held_out), rng)


def make_set(per_class: int, seed: int, *, held_out: bool) -> tuple[list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    clips, labels = [], []
    for i in range(per_class):
        for c, name in enumerate(CLASSES):
            clips.append(make_clip(name, rng, held_out=held_out))
            labels.append(c)
    return clips, np.asarray(labels)


# ---------------------------------------------------------------------------------- training


def train(X: np.ndarray, y: np.ndarray, *, epochs: int, seed: int, log: Callable[[str], None]) -> object:
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed + 1)
    model = classify.build_cnn(len(CLASSES))
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    steps = epochs * int(np.ceil(len(X) / BATCH))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps, pct_start=0.2)
    eye = np.eye(len(CLASSES))
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(X))
        total, t0 = 0.0, time.perf_counter()
        for b in range(0, len(X), BATCH):
            idx = order[b : b + BATCH]
            xb = np.stack([classify.spec_augment(X[i], SPEC_AUGMENT, rng=rng)[0] for i in idx])
            tb = eye[y[idx]]
            perm = rng.permutation(len(idx))
            lam = classify.mixup_lambda(MIXUP_ALPHA, rng=rng)
            xb, tb = classify.mixup(xb, tb, xb[perm], tb[perm], lam=lam)
            logits = model(torch.from_numpy(xb.astype(np.float32)))
            loss = -(torch.from_numpy(tb.astype(np.float32)) * F.log_softmax(logits, dim=1)).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        log(f"epoch {epoch + 1:2d}/{epochs}: loss {total / len(X):.3f} ({time.perf_counter() - t0:.1f} s)")
    model.eval()
    return model


def evaluate(y_true: np.ndarray, P: np.ndarray) -> dict[str, object]:
    names = list(CLASSES)
    pred = P.argmax(axis=1)
    precision, recall, f1, support = metrics.precision_recall_f1(y_true, pred, labels=list(range(len(names))))
    ovr = metrics.one_vs_rest(y_true, P)
    return {
        "accuracy": metrics.accuracy(y_true, pred),
        "top2_accuracy": metrics.top_k_accuracy(y_true, P, k=2),
        "macro_f1": metrics.macro_f1(y_true, pred, labels=list(range(len(names)))),
        "macro_roc_auc": ovr["macro_roc_auc"],
        "mean_ap": ovr["mean_ap"],
        "per_class": {n: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                          "support": int(support[i]), "roc_auc": float(ovr["roc_auc"][i]),
                          "average_precision": float(ovr["average_precision"][i])} for i, n in enumerate(names)},
        "confusion_matrix": metrics.confusion_matrix(y_true, pred, labels=list(range(len(names)))).tolist(),
    }


def _readme(card: dict[str, object]) -> str:
    names = card["classes"]
    lines = [
        "# Lesson 03's embedded sound classifier (toy-cnn) and its k-NN baseline (mfcc-knn)",
        "",
        "Made by this exact command, from data the script synthesises (no download):",
        "",
        f"    {card['command']}",
        "",
        (f"Training took {card['training']['seconds']:.0f} s on {card['training']['machine']} "
         f"(torch {card['training']['torch']}, {card['training']['threads']} threads)."),
        "",
        "## Data recipe (scripts/train_classifier.py)",
        "",
        (f"Six classes, 1 s clips at 16 kHz: {', '.join(names)}. {card['data']['train_per_class']} training clips and "
         f"{card['data']['test_per_class']} held-out clips per class (seeds {card['data']['train_seed']} and "
         f"{card['data']['test_seed']})."),
        "",
        ("- speech: eSpeak NG reading random syllable strings, random pitch (15–90) and rate (120–260 wpm); training "
         f"languages {', '.join(TRAIN_LANGS)}; held-out languages {', '.join(TEST_LANGS)} and voice variants never seen in training;"),
        ("- music: note sequences and chords on major/minor scales, 3–15 harmonics with random brightness, plucked or "
         "sustained, some vibrato;"),
        "- whistle: a near-pure tone 600–2800 Hz with slow glides, vibrato and a little breath noise;",
        "- birdsong: trains of 20–150 ms fast frequency sweeps (1–7.6 kHz), some trilled;",
        "- noise: 1/f^β noise (β 0–2.5), sometimes band-limited, slowly modulated, with rain-like drops or thunder-like rumble;",
        "- clicks: claps, finger snaps, knocks and ticks, 2–10 per second, regular or random;",
        ("- every clip: room reverb (RT60 0.1–0.6 s, half of the clips), random EQ, coloured background noise at "
         "5–40 dB SNR (90 %), random gain."),
        "",
        "## Model",
        "",
        (f"core.classify.build_cnn: 4 conv blocks {card['architecture']['channels']}, 64-d embedding, "
         f"{card['architecture']['parameters']:,} parameters ({card['architecture']['bytes'] / 1e6:.2f} MB as float32 safetensors). "
         "Input: 64-mel log spectrogram of a 1 s window (25 ms / 10 ms frames), scaled to its own peak "
         "(80 dB range). Longer clips: windows every 0.5 s, probabilities averaged over windows within 30 dB of "
         "the loudest. Training: "
         f"{card['training']['epochs']} epochs, AdamW (lr {LR}, one-cycle), batch {BATCH}, SpecAugment "
         f"(2 freq masks ≤ {SPEC_AUGMENT.freq_mask_param} mels, 2 time masks ≤ {SPEC_AUGMENT.time_mask_param} frames) and "
         f"mixup α = {MIXUP_ALPHA}."),
        "",
        (f"mfcc-knn: cosine k-NN (k = {KNN_K}, standardised) over MFCC statistics (mean, std, skew, kurtosis of 20 MFCCs, "
         f"80-d) of {card['knn']['refs_per_class']} training clips per class."),
        "",
        "## Held-out results (synthetic held-out set; a toy domain, not real-world accuracy)",
        "",
        "| engine | accuracy | top-2 | macro-F1 | macro ROC-AUC | mAP |",
        "|---|---|---|---|---|---|",
    ]
    for engine in ("toy-cnn", "mfcc-knn"):
        m = card["heldout"][engine]
        lines.append(f"| {engine} | {m['accuracy']:.3f} | {m['top2_accuracy']:.3f} | {m['macro_f1']:.3f} | "
                     f"{m['macro_roc_auc']:.3f} | {m['mean_ap']:.3f} |")
    for engine in ("toy-cnn", "mfcc-knn"):
        C = card["heldout"][engine]["confusion_matrix"]
        lines += ["", f"Confusion matrix, {engine} (rows: true class, columns: predicted):", "",
                  "| true \\ predicted | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        lines += [f"| {n} | " + " | ".join(str(v) for v in row) + " |" for n, row in zip(names, C)]
    lines += ["", ("Real recordings (tests/test_classify.py, /work/shared/data/real): see that test for what "
                   "toy-cnn predicts on real speech and sounds; the toy domain transfers only partly."), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, object]:
    import torch
    from safetensors.torch import save_file

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--train-per-class", type=int, default=TRAIN_PER_CLASS)
    ap.add_argument("--test-per-class", type=int, default=TEST_PER_CLASS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    t_start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.1f} s] {msg}", flush=True)


    train_clips, y_train = make_set(args.train_per_class, args.seed, held_out=False)
    test_clips, y_test = make_set(args.test_per_class, args.seed + 1000, held_out=True)
    log(f"synthesised {len(train_clips)} training and {len(test_clips)} held-out clips")
    X_train = np.stack([classify.cnn_windows(c).x[0] for c in train_clips])
    X_test = np.stack([classify.cnn_windows(c).x[0] for c in test_clips])
    log(f"log-mel windows {X_train.shape}")

    model = train(X_train, y_train, epochs=args.epochs, seed=args.seed, log=log)
    with torch.inference_mode():
        P_cnn = torch.softmax(model(torch.from_numpy(X_test)), dim=1).numpy().astype(np.float64)

    moments = classify.MOMENTS
    refs = np.concatenate([np.flatnonzero(y_train == c)[: min(KNN_REFS_PER_CLASS, args.train_per_class)] for c in range(len(CLASSES))])
    knn_X = np.stack([classify.mfcc_statistics(train_clips[i], SR, moments=moments) for i in refs])
    knn_y = y_train[refs]
    E_test = np.stack([classify.mfcc_statistics(c, SR, moments=moments) for c in test_clips])
    knn = classify.KNNClassifier(k=KNN_K).fit(knn_X, knn_y)
    P_knn = knn.predict_proba(E_test)
    log("evaluated on the held-out set")

    args.out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(args.out / "toy_cnn.safetensors"))
    n_params = sum(p.numel() for p in model.parameters())
    card = {
        "classes": list(CLASSES),
        "command": COMMAND + ("" if argv is None or not argv else " " + " ".join(argv)),
        "front_end": {"sr": SR, "n_fft": classify.CNN_MEL.n_fft, "hop_length": classify.CNN_MEL.hop_length,
                      "n_mels": classify.CNN_MEL.n_mels, "window_s": classify.WINDOW_S,
                      "dynamic_range_db": classify.DYNAMIC_RANGE_DB},
        "architecture": {"n_mels": classify.CNN_MEL.n_mels, "channels": list(classify.CNN_CHANNELS),
                         "embed_dim": classify.CNN_EMBED_DIM, "parameters": int(n_params),
                         "bytes": int((args.out / "toy_cnn.safetensors").stat().st_size)},
        "data": {"train_per_class": args.train_per_class, "test_per_class": args.test_per_class,
                 "train_seed": args.seed, "test_seed": args.seed + 1000,
                 "train_languages": list(TRAIN_LANGS), "test_languages": list(TEST_LANGS)},
        "training": {"epochs": args.epochs, "batch": BATCH, "lr": LR, "weight_decay": WEIGHT_DECAY,
                     "mixup_alpha": MIXUP_ALPHA, "spec_augment": SPEC_AUGMENT.__dict__,
                     "seconds": round(time.perf_counter() - t_start, 1), "threads": torch.get_num_threads(),
                     "torch": torch.__version__, "machine": f"{platform.machine()} CPU"},
        "knn": {"k": KNN_K, "moments": list(moments), "n_mfcc": 20, "refs_per_class": int(len(refs) // len(CLASSES))},
        "heldout": {"toy-cnn": evaluate(y_test, P_cnn), "mfcc-knn": evaluate(y_test, P_knn)},
    }
    (args.out / "toy_cnn.json").write_text(json.dumps(card, indent=1) + "\n")
    np.savez_compressed(args.out / "heldout.npz", y_true=y_test.astype(np.int8), cnn=P_cnn.astype(np.float32),
                        knn=P_knn.astype(np.float32), knn_X=knn_X.astype(np.float32), knn_y=knn_y.astype(np.int8))
    (args.out / "README.md").write_text(_readme(card))
    for engine in ("toy-cnn", "mfcc-knn"):
        m = card["heldout"][engine]
        log(f"{engine}: held-out accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}, mAP {m['mean_ap']:.3f}")
    log(f"wrote {args.out}")
    return card


if __name__ == "__main__":
    main()
