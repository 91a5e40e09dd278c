"""Diarization (lesson 06): from-scratch agglomerative clustering vs scipy/scikit-learn, energy VAD, RTTM, DER, pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist, squareform

from core import diarization as D
from core import speaker
from core.engines import REGISTRY
from core.errors import ParamError

SR = speaker.SR


def _same_partition(a, b) -> bool:
    from sklearn.metrics import adjusted_rand_score

    return adjusted_rand_score(a, b) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def resemblyzer():
    return REGISTRY.resolve(speaker.CAPABILITY, "resemblyzer", fallback=False).obj


# ------------------------------------------------------------------------------ clustering


@pytest.mark.parametrize("method", D.LINKAGES)
@pytest.mark.parametrize("seed", range(6))
def test_linkage_matrix_equals_scipy(method, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(int(rng.integers(2, 40)), 5))
    dist = pdist(X, metric="cosine")
    ours = D.linkage_matrix(squareform(dist), method=method)
    ref = hierarchy.linkage(dist, method=method)
    np.testing.assert_allclose(ours[:, 2], ref[:, 2], atol=1e-12)  # merge heights
    np.testing.assert_array_equal(ours[:, 3], ref[:, 3])  # cluster sizes
    np.testing.assert_array_equal(ours[:, :2], ref[:, :2])  # which clusters merge (scipy's ids)


@pytest.mark.parametrize("seed", range(6))
def test_cuts_match_scipy_fcluster_and_sklearn(seed):
    from sklearn.cluster import AgglomerativeClustering

    rng = np.random.default_rng(100 + seed)
    centres = rng.normal(size=(4, 8))
    X = np.repeat(centres, 6, axis=0) + 0.4 * rng.normal(size=(24, 8))
    dist = pdist(X, metric="cosine")
    Z = hierarchy.linkage(dist, method="average")
    for k in (1, 2, 3, 4, 7):
        labels, _ = D.agglomerative(X, n_clusters=k)
        assert labels.max() + 1 == k
        assert _same_partition(labels, hierarchy.fcluster(Z, k, criterion="maxclust"))
        sk = AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(X)
        assert _same_partition(labels, sk)
    for t in (0.1, 0.3, 0.6):
        labels, _ = D.agglomerative(X, distance_threshold=t)
        assert _same_partition(labels, hierarchy.fcluster(Z, t, criterion="distance"))
    with pytest.raises(ParamError, match="exactly one"):
        D.agglomerative(X)
    with pytest.raises(ParamError, match="between 1 and"):
        D.agglomerative(X, n_clusters=30)


def test_assign_to_clusters_picks_the_nearest_centroid():
    members = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    labels = np.array([0, 0, 1])
    out = D.assign_to_clusters(np.array([[1.0, 0.2], [0.1, 1.0]]), members, labels)
    assert out.tolist() == [0, 1]


# ---------------------------------------------------------------------------------- VAD


def test_energy_vad_finds_bursts_bridges_short_gaps_and_drops_blips():
    rng = np.random.default_rng(0)
    y = np.zeros(6 * SR, np.float32)

    def burst(start, end, amp=0.3):
        n = int((end - start) * SR)
        y[int(start * SR) : int(start * SR) + n] = amp * np.sin(2 * np.pi * 200 * np.arange(n) / SR)

    burst(0.5, 1.5)
    burst(1.6, 2.0)  # 0.1 s gap: bridged
    burst(3.0, 4.0)
    burst(5.0, 5.05)  # 50 ms blip: dropped
    y += 1e-4 * rng.standard_normal(y.size).astype(np.float32)
    regions = D.energy_vad(y)
    assert len(regions) == 2
    pad = D.VadConfig().pad_s + 0.025  # regions are padded, and a 25 ms frame straddling an onset counts
    for (s, e), (start, end) in zip(regions, [(0.5, 2.0), (3.0, 4.0)]):
        assert start - pad - 1e-9 <= s <= start and end <= e <= end + pad + 1e-9
    assert D.energy_vad(np.zeros(SR, np.float32)) == []


def test_speech_windows_cover_regions():
    wins = D.speech_windows([(0.0, 4.0), (5.0, 6.0), (7.0, 7.2)])
    assert wins[0] == (0.0, 1.5) and wins[-2][1] == pytest.approx(4.0)
    assert all(e - s == pytest.approx(1.5) for s, e in wins[:-1])
    assert wins[-1] == (5.0, 6.0)  # a short region is one window; 0.2 s is too short to embed
    assert len(wins) == 6


def test_vad_on_the_ami_excerpt_against_its_reference(real_data):
    from core.audio import load_audio

    y = load_audio(real_data / "vad" / "ami_dev01.wav", sr=SR).y
    ref = D.parse_rttm(real_data / "vad" / "ami_dev01.rttm")
    vad = D.energy_vad(y)
    r = D.der([(s, e, "speech") for s, e, _ in ref], [(s, e, "speech") for s, e in vad])
    print(f"\nenergy VAD on AMI dev01: missed {r.missed_s:.2f} s, false alarm {r.false_alarm_s:.2f} s of {r.total_s:.2f} s")
    assert r.der < 0.35


# ------------------------------------------------------------------------------ RTTM / DER


RTTM = """;; a comment
SPEAKER rec 1 0.00 4.00 <NA> <NA> A <NA> <NA>
SPEAKER rec 1 2.00 5.00 <NA> <NA> B <NA> <NA>
SPKR-INFO rec 1 <NA> <NA> <NA> unknown A <NA> <NA>
"""


def test_parse_rttm_and_round_trip(tmp_path):
    segs = D.parse_rttm(RTTM)
    assert segs == [(0.0, 4.0, "A"), (2.0, 7.0, "B")]
    path = tmp_path / "ref.rttm"
    path.write_text(D.to_rttm(segs, file_id="rec"))
    assert D.parse_rttm(path) == segs
    assert D.parse_rttm(str(path)) == segs
    with pytest.raises(ParamError, match="line 1"):
        D.parse_rttm("SPEAKER rec 1 zero 1.0 <NA> <NA> A <NA> <NA>\n")
    with pytest.raises(ParamError, match="no SPEAKER lines"):
        D.parse_rttm("hello\nworld\n")
    with pytest.raises(ParamError, match="2 recordings"):
        D.parse_rttm("SPEAKER a 1 0 1 <NA> <NA> A <NA> <NA>\nSPEAKER b 1 0 1 <NA> <NA> A <NA> <NA>\n")
    with pytest.raises(ParamError, match="not found"):
        D.parse_rttm(str(tmp_path / "missing.rttm"))
    binary = tmp_path / "x.rttm"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ParamError, match="not a text file"):
        D.parse_rttm(binary)


def test_der_golden_values():
    ref = [(0.0, 4.0, "A"), (4.0, 8.0, "B")]
    assert D.der(ref, [(0.0, 4.0, "x"), (4.0, 8.0, "y")]).der == 0.0
    # labels are mapped, not matched by name
    r = D.der(ref, [(0.0, 5.0, "y"), (5.0, 8.0, "x")])
    assert r.der == pytest.approx(1 / 8) and r.confusion_s == pytest.approx(1.0) and r.mapping == {"y": "A", "x": "B"}
    # missed 2 s, false alarm 1 s (after the reference ends)
    r = D.der(ref, [(2.0, 4.0, "x"), (4.0, 9.0, "y")])
    assert (r.missed_s, r.false_alarm_s, r.confusion_s) == pytest.approx((2.0, 1.0, 0.0))
    assert r.der == pytest.approx(3 / 8)
    # overlap, hand-worked: ref A [0,4) + B [2,7), hyp X [0,5) → X↦A (4 s overlap > 3 s);
    # missed: [2,4) one of two speakers + [5,7) = 4 s; confusion: [4,5) B heard as X = 1 s; total 4 + 5 = 9 s
    r = D.der([(0.0, 4.0, "A"), (2.0, 7.0, "B")], [(0.0, 5.0, "X")])
    assert (r.missed_s, r.false_alarm_s, r.confusion_s, r.total_s) == pytest.approx((4.0, 0.0, 1.0, 9.0))
    assert r.der == pytest.approx(5 / 9)
    # everything as one speaker: confusion = the other speaker's time; nothing at all: all missed
    assert D.der(ref, [(0.0, 8.0, "x")]).der == pytest.approx(0.5)
    assert D.der(ref, []).der == pytest.approx(1.0)


def test_der_collar_forgives_boundaries():
    ref = [(0.0, 4.0, "A"), (4.0, 8.0, "B")]
    hyp = [(0.0, 4.2, "x"), (4.2, 8.0, "y")]  # boundary 0.2 s late
    assert D.der(ref, hyp).confusion_s == pytest.approx(0.2)
    r = D.der(ref, hyp, collar_s=0.25)
    assert r.der == 0.0
    assert r.total_s == pytest.approx(8.0 - 0.25 - 0.5 - 0.25)  # 0.25 s inside 0 and 8, ±0.25 s around 4
    with pytest.raises(ParamError, match="collar"):
        D.der(ref, hyp, collar_s=-1)


# ------------------------------------------------------------------------------ pipeline


def test_diarize_the_builtin_conversation(resemblyzer):
    from core.audio import load_audio

    y = load_audio(speaker.ASSETS / "conversation_3spk.flac", sr=SR).y
    ref = D.parse_rttm(speaker.ASSETS / "conversation_3spk.rttm")
    auto = D.diarize(y, resemblyzer)
    known = D.diarize(y, resemblyzer, n_speakers=3)
    r_auto, r_known = D.der(ref, auto.segments), D.der(ref, known.segments)
    print(f"\nbuilt-in conversation (3 eSpeak speakers): auto → {auto.n_speakers} speakers, DER {100 * r_auto.der:.1f} %; "
          f"n=3 → DER {100 * r_known.der:.1f} % (collar 0.25: {100 * D.der(ref, known.segments, collar_s=0.25).der:.1f} %)")
    assert auto.n_speakers == 3
    assert r_known.der < 0.15 and r_known.confusion_s < 0.5
    starts = [s for s, _, _ in known.segments]
    assert starts == sorted(starts) and all(e > s for s, e, _ in known.segments)
    assert known.segments[0][2] == "SPK1"


def test_diarize_the_ami_excerpt_with_two_speakers(real_data, resemblyzer):
    from core.audio import load_audio

    y = load_audio(real_data / "vad" / "ami_dev01.wav", sr=SR).y
    ref = D.parse_rttm(real_data / "vad" / "ami_dev01.rttm")
    d = D.diarize(y, resemblyzer, n_speakers=2)
    r = D.der(ref, d.segments)
    one = D.der(ref, [(s, e, "x") for s, e in d.regions])  # same VAD, everyone one speaker
    print(f"\nAMI dev01 (2 speakers, overlapping): DER {100 * r.der:.1f} % (missed {r.missed_s:.2f} s, false alarm "
          f"{r.false_alarm_s:.2f} s, confusion {r.confusion_s:.2f} s of {r.total_s:.2f} s); one-speaker baseline {100 * one.der:.1f} %")
    assert d.n_speakers == 2
    assert r.der < one.der - 0.1


def test_a_better_vad_lowers_the_der_on_ami(real_data, resemblyzer):
    pytest.importorskip("silero_vad")
    from core.audio import load_audio
    from core.vad import speech_segments

    y = load_audio(real_data / "vad" / "ami_dev01.wav", sr=SR).y
    ref = D.parse_rttm(real_data / "vad" / "ami_dev01.rttm")
    energy = D.der(ref, D.diarize(y, resemblyzer, n_speakers=2).segments)
    silero = D.der(ref, D.diarize(y, resemblyzer, n_speakers=2, regions=speech_segments(y, SR, min_silence_ms=300)).segments)
    print(f"\nAMI dev01, 2 speakers: DER with energy VAD {100 * energy.der:.1f} % (false alarm {energy.false_alarm_s:.2f} s), "
          f"with Silero VAD {100 * silero.der:.1f} % (false alarm {silero.false_alarm_s:.2f} s)")
    assert silero.false_alarm_s < energy.false_alarm_s


def test_diarize_bad_input(resemblyzer):
    with pytest.raises(ParamError, match="no speech"):
        D.diarize(np.zeros(3 * SR, np.float32), resemblyzer)
    y = np.sin(2 * np.pi * 150 * np.arange(2 * SR) / SR).astype(np.float32) * 0.3
    with pytest.raises(ParamError, match="window"):
        D.diarize(y, resemblyzer, n_speakers=5)
    with pytest.raises(ParamError, match="between 1 and"):
        D.diarize(y, resemblyzer, n_speakers=12)
    with pytest.raises(ParamError, match="at most"):
        D.diarize(np.zeros(int((D.MAX_DIARIZE_S + 1) * SR), np.float32), resemblyzer)
    with pytest.raises(ParamError, match="16000"):
        D.diarize(y, resemblyzer, sr=8000)
