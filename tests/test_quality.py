"""Quality and distribution metrics (core.quality): SI-SNR, delay, PESQ/STOI/DNSMOS, Fréchet distance."""

from __future__ import annotations

import numpy as np
import pytest

from core import quality as q
from core.audio import load_audio
from core.errors import AudioError, ParamError

ASSETS = q.__file__.rsplit("/core/", 1)[0] + "/assets/eval"


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return load_audio(f"{ASSETS}/clean_speech.flac", sr=q.SR).y.astype(np.float64)


# ----------------------------------------------------------------------------- SI-SNR


def test_si_snr_is_scale_invariant_and_matches_the_noise_level():
    rng = np.random.default_rng(0)
    s = rng.standard_normal(16_000)
    noise = rng.standard_normal(16_000)
    noise -= noise.mean()
    noise -= (noise @ (s - s.mean())) / ((s - s.mean()) @ (s - s.mean())) * (s - s.mean())  # orthogonal to s
    noise *= np.linalg.norm(s - s.mean()) / np.linalg.norm(noise) / 10 ** (10 / 20)  # exactly 10 dB below
    est = s + noise
    assert q.si_snr(s, est) == pytest.approx(10.0, abs=1e-6)
    for gain in (0.01, 0.5, 3.0, 1000.0):
        assert q.si_snr(s, gain * est) == pytest.approx(q.si_snr(s, est), abs=1e-6)
    assert q.si_snr(s, est + 5.0) == pytest.approx(q.si_snr(s, est), abs=1e-6)  # DC offset removed too
    assert q.si_snr(s, -est) < 20 and q.si_snr(s, s) > 100


def test_si_snr_bad_input():
    with pytest.raises(ParamError, match="align them first"):
        q.si_snr(np.ones(10), np.ones(11))
    with pytest.raises(AudioError, match="silent"):
        q.si_snr(np.zeros(100), np.ones(100))


# ----------------------------------------------------------------------------- alignment


@pytest.mark.parametrize("lag", [0, 37, 640, -250])
def test_delay_is_found_and_removed(speech, lag):
    deg = np.r_[np.zeros(lag), speech] if lag >= 0 else speech[-lag:]
    assert q.estimate_delay(speech, deg, sr=q.SR) == lag
    r, d, found = q.align_pair(speech, deg, sr=q.SR)
    assert found == lag and len(r) == len(d)
    assert np.allclose(r, d)


# ----------------------------------------------------------------------------- PESQ / STOI / DNSMOS


def test_pesq_stoi_order_clean_above_noisy(speech):
    light = q.add_noise(speech, snr_db=25, seed=1).astype(np.float64)
    heavy = q.add_noise(speech, snr_db=0, seed=1).astype(np.float64)
    assert q.pesq_score(speech, speech, sr=q.SR) > 4.4  # identical: near the wide-band ceiling 4.64
    assert q.pesq_score(speech, light, sr=q.SR) > q.pesq_score(speech, heavy, sr=q.SR)
    assert q.pesq_score(speech, light, sr=q.SR, mode="nb") > q.pesq_score(speech, heavy, sr=q.SR, mode="nb")
    assert q.stoi_score(speech, speech, sr=q.SR) == pytest.approx(1.0, abs=1e-6)
    assert q.stoi_score(speech, light, sr=q.SR) > q.stoi_score(speech, heavy, sr=q.SR)


def test_add_noise_hits_the_requested_snr(speech):
    noisy = q.add_noise(speech, snr_db=7.0, seed=3).astype(np.float64)
    noise = noisy - speech
    assert 10 * np.log10(np.sum(speech**2) / np.sum(noise**2)) == pytest.approx(7.0, abs=0.01)


def test_pesq_refuses_short_or_silent_reference(speech):
    with pytest.raises(AudioError, match="at least 0.25 s"):
        q.pesq_score(speech[:3000], speech[:3000], sr=q.SR)
    with pytest.raises(AudioError, match="silent"):
        q.pesq_score(np.zeros(16_000), speech[:16_000], sr=q.SR)
    with pytest.raises(ParamError, match="'wb'"):
        q.pesq_score(speech, speech, sr=q.SR, mode="xx")


def test_stoi_refuses_too_little_speech(speech):
    with pytest.raises(AudioError, match="STOI needs at least"):
        q.stoi_score(speech[:4000], speech[:4000], sr=q.SR)


def test_dnsmos_ranks_clean_above_noisy_and_refuses_silence(speech):
    clean = q.dnsmos(speech, q.SR)
    noisy = q.dnsmos(q.add_noise(speech, snr_db=0, seed=2), q.SR)
    for v in (clean.sig, clean.bak, clean.ovrl, noisy.sig, noisy.bak, noisy.ovrl):
        assert 1.0 <= v <= 5.0
    assert clean.bak > noisy.bak + 1.0  # background noise is what BAK rates
    assert clean.ovrl > noisy.ovrl
    with pytest.raises(AudioError, match="silent"):
        q.dnsmos(np.zeros(16_000), q.SR)
    with pytest.raises(AudioError, match="at least 0.5 s"):
        q.dnsmos(speech[:1000], q.SR)


def test_dnsmos_same_from_any_rate(speech):
    """Invariance: the 16 kHz clip and its 48 kHz version (resampled back inside) score alike."""
    from core.audio import resample

    y48 = resample(speech.astype(np.float32), orig_sr=q.SR, target_sr=48_000)
    a, b = q.dnsmos(speech, q.SR), q.dnsmos(y48, 48_000)
    assert a.ovrl == pytest.approx(b.ovrl, abs=0.05)


def test_quality_report_with_reference(speech):
    deg = np.r_[np.zeros(480), q.add_noise(speech, snr_db=15, seed=4)]
    rep = q.quality_report(deg, q.SR, reference=speech)
    assert rep.delay_ms == pytest.approx(30.0)
    assert 1.0 < rep.pesq < 4.64 and 0.0 < rep.stoi <= 1.0
    assert rep.si_snr_db == pytest.approx(15.0, abs=0.5)
    alone = q.quality_report(deg, q.SR)
    assert alone.pesq is None and alone.dnsmos is not None


# ----------------------------------------------------------------------------- Fréchet distance


def test_frechet_matches_closed_forms():
    # 1-D Gaussians: W2² = (μ1 − μ2)² + (σ1 − σ2)²
    assert q.frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4.0 + 1.0)
    # commuting (diagonal) covariances: full and diagonal formulas agree exactly
    c1, c2 = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 4.0, 1.0])
    mu1, mu2 = np.zeros(3), np.array([1.0, 2.0, 2.0])
    expected = 9.0 + (1 - 2) ** 2 + 0 + (3 - 1) ** 2
    assert q.frechet_distance(mu1, c1, mu2, c2) == pytest.approx(expected)
    assert q.frechet_distance(mu1, c1, mu2, c2, diagonal=True) == pytest.approx(expected)


def test_frechet_full_covariance_against_independent_formula():
    """General case: Tr(Σ1 + Σ2 − 2(Σ1^½ Σ2 Σ1^½)^½) computed by eigendecompositions only."""
    rng = np.random.default_rng(5)

    def spd(d):
        a = rng.standard_normal((d, d))
        return a @ a.T + 0.1 * np.eye(d)

    def psd_sqrt(m):
        w, v = np.linalg.eigh(m)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T

    for d in (2, 5, 12):
        c1, c2 = spd(d), spd(d)
        mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
        s1 = psd_sqrt(c1)
        expected = np.sum((mu1 - mu2) ** 2) + np.trace(c1 + c2 - 2 * psd_sqrt(s1 @ c2 @ s1))
        assert q.frechet_distance(mu1, c1, mu2, c2) == pytest.approx(expected, rel=1e-7)
        # correlations matter: the diagonal approximation differs for non-diagonal covariances
        assert q.frechet_distance(mu1, c1, mu2, c2, diagonal=True) != pytest.approx(expected, rel=1e-3)


def test_frechet_from_samples_converges_and_is_zero_for_one_set():
    rng = np.random.default_rng(6)
    X1 = rng.multivariate_normal([0, 0], [[1.0, 0.8], [0.8, 1.0]], size=20_000)
    X2 = rng.multivariate_normal([1, 0], [[1.0, -0.8], [-0.8, 1.0]], size=20_000)
    fd = q.frechet_from_embeddings(X1, X2)
    s = np.sqrt
    # both have eigenvalues 1.8 and 0.2, but along swapped axes: Tr term = 2·(√1.8 − √0.2)²
    assert fd.full == pytest.approx(1.0 + 2 * (s(1.8) - s(0.2)) ** 2, rel=0.03)
    assert fd.diagonal == pytest.approx(1.0, rel=0.03)  # same variances: only the mean term is seen
    assert q.frechet_from_embeddings(X1, X1).full == pytest.approx(0.0, abs=1e-9)
    assert not fd.rank_deficient


def test_frechet_bad_input_and_rank_deficiency():
    with pytest.raises(ParamError, match="n ≥ 2"):
        q.frechet_from_embeddings(np.ones((1, 3)), np.ones((5, 3)))
    with pytest.raises(ParamError, match="embeddings of size"):
        q.frechet_from_embeddings(np.random.rand(5, 3), np.random.rand(5, 4))
    rng = np.random.default_rng(0)
    fd = q.frechet_from_embeddings(rng.standard_normal((4, 10)), rng.standard_normal((4, 10)))
    assert fd.rank_deficient and np.isfinite(fd.full) and fd.full >= 0


def test_example_sets_and_embeddings():
    a, b = q.example_sets(n=3)
    assert len(a) == len(b) == 3
    for kind in q.EMBEDDINGS:
        e = q.clip_embedding(a[0], q.SR, kind=kind)
        assert e.shape == (40,) and np.all(np.isfinite(e))
    with pytest.raises(ParamError, match="embedding must be"):
        q.clip_embedding(a[0], q.SR, kind="wav2vec")


# ----------------------------------------------------------------------------- Gaussian scores


def test_gaussian_eer_closed_form_matches_the_sample():
    from core.metrics import eer

    e_th, thr = q.gaussian_eer(mu_target=2.0, sd_target=1.0, mu_nontarget=0.0, sd_nontarget=1.0)
    assert thr == pytest.approx(1.0) and e_th == pytest.approx(0.158655, abs=1e-6)  # Φ(−1)
    s, y = q.gaussian_trials(mu_target=2.0, sd_target=1.0, mu_nontarget=0.0, sd_nontarget=1.0, n_target=20_000, n_nontarget=20_000)
    assert eer(s, y)[0] == pytest.approx(e_th, abs=0.01)
    with pytest.raises(ParamError, match="standard deviations"):
        q.gaussian_trials(mu_target=0, sd_target=0, mu_nontarget=0, sd_nontarget=1, n_target=5, n_nontarget=5)
