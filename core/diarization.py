"""Who spoke when (lesson 06): energy VAD → windows → speaker embeddings → agglomerative clustering, and DER.

The classic diarization pipeline, each step small enough to read:

1. ``energy_vad``: frames louder than an adaptive threshold are speech; short gaps are bridged
   and short blips dropped → speech regions;
2. ``speech_windows``: each region is cut into overlapping windows (1.5 s every 0.75 s), long
   enough to carry a voice, short enough to hold (mostly) one speaker;
3. every window is embedded by a speaker engine (``core.speaker.SpeakerEncoder.embed_windows``);
4. ``agglomerative``: bottom-up clustering of the windows' cosine distances (average linkage,
   from scratch; checked against scipy.cluster.hierarchy), cut at a known number of speakers or
   at a distance threshold;
5. every speech frame takes the label of the nearest window centre → segments.

``der`` scores a hypothesis against a reference (an RTTM file, ``parse_rttm``): missed speech,
false alarm and speaker confusion over the total reference speech, after mapping hypothesis
speakers to reference speakers optimally (Hungarian algorithm).
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import ParamError
from core.speaker import SR, SpeakerEncoder, frame_db

MAX_DIARIZE_S = 300.0  # 5 minutes: ~400 windows, seconds of embedding on 2 cores
MAX_SPEAKERS = 8  # the most speakers "auto" may find, and the most one may ask for
LINKAGES = ("average", "complete", "single")
MAX_RTTM_BYTES = 1_000_000  # a reference for minutes of audio is a few kB

# Cosine-distance thresholds for "auto": clusters closer than this merge into one speaker. The
# embedded and scratch values are set on the built-in 3-speaker conversation (tests/test_diarization.py
# checks it finds 3); the hub values are starting points from those models' score ranges, not
# tuned here (no hub access). On the AMI excerpt resemblyzer's two speakers are only 0.27 apart,
# so "auto" merges them: give the number of speakers when you know it.
AUTO_THRESHOLDS = {"ecapa": 0.6, "wavlm-sv": 0.2, "resemblyzer": 0.35, "mfcc-stats": 0.8}


@dataclass(frozen=True)
class VadConfig:
    """Energy voice-activity detection (frames of 25 ms every 10 ms)."""

    floor_dbfs: float = -50.0  # never speech below this level, however quiet the recording
    range_db: float = 30.0  # speech is within 30 dB of the loud frames (the 95th percentile level)
    min_speech_s: float = 0.2  # drop shorter bursts (clicks, coughs)
    min_gap_s: float = 0.3  # bridge shorter pauses (between words, plosive closures)
    pad_s: float = 0.05  # widen each region a little: onsets and decays are quieter than vowels


@dataclass(frozen=True)
class DiarizationConfig:
    """The pipeline's knobs (sliders map one-to-one)."""

    window_s: float = 1.5  # embedding window: long enough for a voice, short enough for one speaker
    hop_s: float = 0.75  # window step (50 % overlap)
    min_window_s: float = 0.4  # a region shorter than this is too short to embed: left out
    min_cluster_s: float = 1.0  # shorter windows are too noisy to shape the clusters: they join the
    # nearest cluster afterwards (otherwise a lone cough or a half-word forms a "speaker" of its own)
    linkage: str = "average"  # "average", "complete" or "single"
    vad: VadConfig = field(default_factory=VadConfig)

    def validate(self) -> None:
        if not 0.5 <= self.window_s <= 5.0:
            raise ParamError(f"window_s={self.window_s} is out of range; choose 0.5–5 s")
        if not 0.1 <= self.hop_s <= self.window_s:
            raise ParamError(f"hop_s={self.hop_s} must be between 0.1 s and window_s={self.window_s}")
        if self.linkage not in LINKAGES:
            raise ParamError(f"linkage {self.linkage!r} is not one of {', '.join(LINKAGES)}")


# ------------------------------------------------------------------------------------------- VAD


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the True runs of a boolean array."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def energy_vad(y: np.ndarray, sr: int = SR, cfg: VadConfig = VadConfig()) -> list[tuple[float, float]]:
    """Speech regions [(start_s, end_s)] by frame energy, sorted and non-overlapping.

    Formula: speech_t = L_t > max(floor, P95(L) − range) with L_t the frame level in dBFS
    (``core.speaker.frame_db``); then gaps < min_gap_s are filled, runs < min_speech_s dropped,
    and each run padded by pad_s.
    Reference: Rabiner & Sambur (1975), "An algorithm for determining the endpoints of isolated
    utterances", Bell Syst. Tech. J. 54(2) — the energy endpoint detector.
    """
    hop = 0.010
    db = frame_db(y, sr, frame_s=0.025, hop_s=hop)
    if db.size == 0:
        return []
    threshold = max(cfg.floor_dbfs, float(np.percentile(db, 95)) - cfg.range_db)
    speech = db > threshold
    for a, b in _runs(~speech):  # bridge short pauses (not at the edges)
        if a > 0 and b < speech.size and (b - a) * hop < cfg.min_gap_s:
            speech[a:b] = True
    duration = len(y) / sr
    regions = []
    for a, b in _runs(speech):
        if (b - a) * hop >= cfg.min_speech_s:
            start = max(0.0, a * hop - cfg.pad_s)
            end = min(duration, b * hop + 0.025 - hop + cfg.pad_s)  # last frame ends 15 ms after its hop
            if regions and start <= regions[-1][1]:
                regions[-1] = (regions[-1][0], end)
            else:
                regions.append((start, end))
    return regions


def speech_windows(regions: Sequence[tuple[float, float]], cfg: DiarizationConfig = DiarizationConfig()) -> list[tuple[float, float]]:
    """Cut speech regions into windows [(start_s, end_s)] of window_s every hop_s (the last one flush with the end).

    A region shorter than window_s becomes one window; one shorter than min_window_s is skipped.
    """
    out = []
    for start, end in regions:
        length = end - start
        if length < cfg.min_window_s:
            continue
        if length <= cfg.window_s:
            out.append((start, end))
            continue
        n = 1 + math.ceil((length - cfg.window_s) / cfg.hop_s - 1e-9)
        for k in range(n):
            s = min(start + k * cfg.hop_s, end - cfg.window_s)
            out.append((s, s + cfg.window_s))
    return out


# -------------------------------------------------------------------------------- clustering


def cosine_distances(X: np.ndarray) -> np.ndarray:
    """Pairwise cosine distances 1 − cos of the rows of X (n, d) → (n, n), zero diagonal (scipy's "cosine")."""
    from core.speaker import cosine_scores

    D = 1.0 - cosine_scores(X, X)
    np.fill_diagonal(D, 0.0)
    return np.maximum(D, 0.0)


def linkage_matrix(D: np.ndarray, *, method: str = "average") -> np.ndarray:
    """Agglomerative clustering of a distance matrix D (n, n) → linkage matrix Z (n − 1, 4), scipy's format.

    Start with every item as its own cluster; repeatedly merge the two closest clusters and update
    the distances of the merged cluster to the rest with the Lance–Williams rule. Row k of Z is
    [id_a, id_b, distance, size] with id_a < id_b; the new cluster gets id n + k.
    Formula (Lance–Williams): average d(k, i∪j) = (n_i d_ki + n_j d_kj)/(n_i + n_j);
    complete max(d_ki, d_kj); single min(d_ki, d_kj).
    Reference: Lance & Williams (1967), "A general theory of classificatory sorting strategies",
    Comput. J. 9(4); Müllner (2011), "Modern hierarchical, agglomerative clustering algorithms",
    arXiv:1109.2378 (scipy's implementation).
    """
    if method not in LINKAGES:
        raise ParamError(f"linkage {method!r} is not one of {', '.join(LINKAGES)}")
    D = np.array(D, dtype=np.float64)
    n = D.shape[0]
    if D.ndim != 2 or D.shape[1] != n:
        raise ParamError(f"D has shape {D.shape}; pass a square (n, n) distance matrix")
    if n < 2:
        return np.zeros((0, 4))
    np.fill_diagonal(D, np.inf)
    ids = np.arange(n)
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    Z = np.zeros((n - 1, 4))
    for step in range(n - 1):
        flat = int(np.argmin(D))
        a, b = divmod(flat, n)
        a, b = min(a, b), max(a, b)
        dist = D[a, b]
        Z[step] = [min(ids[a], ids[b]), max(ids[a], ids[b]), dist, sizes[a] + sizes[b]]
        if method == "average":
            merged = (sizes[a] * D[a] + sizes[b] * D[b]) / (sizes[a] + sizes[b])
        elif method == "complete":
            merged = np.maximum(D[a], D[b])
        else:
            merged = np.minimum(D[a], D[b])
        merged[~alive] = np.inf
        D[a, :] = merged
        D[:, a] = merged
        D[a, a] = np.inf
        D[b, :] = np.inf
        D[:, b] = np.inf
        alive[b] = False
        ids[a] = n + step
        sizes[a] += sizes[b]
    return Z


def cut_linkage(Z: np.ndarray, *, n_clusters: int | None = None, distance_threshold: float | None = None) -> np.ndarray:
    """Flat cluster labels (n,) from a linkage matrix: replay the merges until ``n_clusters`` remain,
    or while the merge distance is ≤ ``distance_threshold``. Labels are 0..k−1 in order of first appearance.

    Equivalent to scipy's ``fcluster(Z, k, "maxclust")`` / ``fcluster(Z, t, "distance")`` for the
    monotone linkages here (up to label names).
    """
    if (n_clusters is None) == (distance_threshold is None):
        raise ParamError("give exactly one of n_clusters or distance_threshold")
    n = Z.shape[0] + 1
    parent = list(range(2 * n - 1))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    n_merges = n - int(n_clusters) if n_clusters is not None else int(np.sum(Z[:, 2] <= float(distance_threshold)))
    if n_clusters is not None and not 1 <= int(n_clusters) <= n:
        raise ParamError(f"n_clusters={n_clusters} must be between 1 and the number of items ({n})")
    for k in range(n_merges):
        a, b = int(Z[k, 0]), int(Z[k, 1])
        parent[find(a)] = n + k
        parent[find(b)] = n + k
    roots = [find(i) for i in range(n)]
    names: dict[int, int] = {}
    return np.array([names.setdefault(r, len(names)) for r in roots], dtype=int)


def agglomerative(
    X: np.ndarray,
    *,
    n_clusters: int | None = None,
    distance_threshold: float | None = None,
    linkage: str = "average",
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster embeddings X (n, d) by cosine distance: (labels (n,), linkage matrix Z).

    One of ``n_clusters`` (a known number of speakers) or ``distance_threshold`` (stop merging
    when the closest clusters are further apart than this cosine distance). See ``linkage_matrix``.
    """
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    if X.shape[0] == 1:
        return np.zeros(1, dtype=int), np.zeros((0, 4))
    Z = linkage_matrix(cosine_distances(X), method=linkage)
    return cut_linkage(Z, n_clusters=n_clusters, distance_threshold=distance_threshold), Z


def assign_to_clusters(X: np.ndarray, members: np.ndarray, member_labels: np.ndarray) -> np.ndarray:
    """Label each row of X (m, d) with the cluster whose centroid (mean of its L2-normalised members) is most cosine-similar."""
    from core.speaker import cosine_scores, l2_normalize

    k = int(member_labels.max()) + 1
    M = l2_normalize(members)
    centroids = np.stack([M[member_labels == c].mean(axis=0) for c in range(k)])
    return np.argmax(cosine_scores(X, centroids), axis=1)


# ------------------------------------------------------------------------------------ pipeline


@dataclass(frozen=True)
class Diarization:
    """A diarization hypothesis and the intermediate steps that produced it."""

    segments: list[tuple[float, float, str]]  # (start_s, end_s, speaker), sorted by start
    n_speakers: int
    regions: list[tuple[float, float]]  # VAD speech regions
    windows: list[tuple[float, float]]  # embedded windows
    window_labels: np.ndarray  # (n_windows,) cluster of each window
    embeddings: np.ndarray  # (n_windows, dim)
    linkage: np.ndarray  # (n_clustered − 1, 4) scipy-format linkage matrix of the windows ≥ min_cluster_s
    threshold: float | None  # the cosine-distance threshold used by "auto" (None when n_speakers was given)


def diarize(
    y: np.ndarray,
    encoder: SpeakerEncoder,
    *,
    sr: int = SR,
    n_speakers: int | None = None,
    distance_threshold: float | None = None,
    regions: Sequence[tuple[float, float]] | None = None,
    cfg: DiarizationConfig = DiarizationConfig(),
) -> Diarization:
    """Who spoke when in ``y`` (16 kHz mono): VAD → windows → embeddings → clustering → segments.

    ``n_speakers`` None means "auto": clusters merge while closer than ``distance_threshold``
    (default: the engine's AUTO_THRESHOLDS entry), capped at MAX_SPEAKERS. ``regions`` are speech
    regions [(start_s, end_s)] from another VAD (e.g. ``core.vad.speech_segments``); by default
    ``energy_vad`` finds them.
    Speaker names are "SPK1", "SPK2", ... in order of first appearance.
    Reference: Park et al. (2022), "A review of speaker diarization: recent advances with deep
    learning", Comput. Speech Lang. 72 — the modular pipeline.
    """
    cfg.validate()
    if sr != SR:
        raise ParamError(f"diarize works on {SR} Hz audio, got sr={sr}; resample first (core.audio.load_audio(..., sr=16000))")
    if len(y) / sr > MAX_DIARIZE_S:
        raise ParamError(f"the recording is {len(y) / sr:.0f} s long; diarize at most {MAX_DIARIZE_S:.0f} s at a time")
    if n_speakers is not None and not 1 <= int(n_speakers) <= MAX_SPEAKERS:
        raise ParamError(f"n_speakers={n_speakers} must be between 1 and {MAX_SPEAKERS} (or 'auto')")
    if regions is None:
        regions = energy_vad(y, sr, cfg.vad)
    else:
        duration = len(y) / sr
        regions = [(max(0.0, float(a)), min(duration, float(b))) for a, b in sorted(regions) if b > a]
    windows = speech_windows(regions, cfg)
    if not windows:
        raise ParamError(
            "no speech long enough to embed was found (the recording is silent or only has short blips); "
            "upload a recording with at least a second of speech"
        )
    clips = [y[round(s * sr) : round(e * sr)] for s, e in windows]
    E = encoder.embed_windows(clips)
    long = np.array([e - s >= cfg.min_cluster_s - 1e-9 for s, e in windows])
    if long.sum() < max(2, int(n_speakers or 1)):
        long[:] = True  # too few long windows: let every window vote
    threshold = None
    if n_speakers is not None:
        if int(n_speakers) > len(windows):
            raise ParamError(
                f"asked for {int(n_speakers)} speakers but the recording has only {len(windows)} window(s) of speech; "
                "choose fewer speakers or 'auto'"
            )
        core_labels, Z = agglomerative(E[long], n_clusters=int(n_speakers), linkage=cfg.linkage)
    else:
        threshold = float(distance_threshold if distance_threshold is not None else AUTO_THRESHOLDS.get(encoder.name, 0.5))
        core_labels, Z = agglomerative(E[long], distance_threshold=threshold, linkage=cfg.linkage)
        if core_labels.max() + 1 > MAX_SPEAKERS:
            core_labels = cut_linkage(Z, n_clusters=MAX_SPEAKERS)
    labels = assign_to_clusters(E, E[long], core_labels)
    labels[long] = core_labels
    segments = _frames_to_segments(regions, windows, labels)
    return Diarization(
        segments=segments, n_speakers=len({s[2] for s in segments}), regions=regions, windows=windows,
        window_labels=labels, embeddings=E, linkage=Z, threshold=threshold,
    )


def _frames_to_segments(
    regions: Sequence[tuple[float, float]], windows: Sequence[tuple[float, float]], labels: np.ndarray, *, hop_s: float = 0.01
) -> list[tuple[float, float, str]]:
    """Label every 10 ms of each region by its nearest window centre, then join equal-label runs."""
    centres = np.array([(s + e) / 2 for s, e in windows])
    names: dict[int, str] = {}
    segments: list[tuple[float, float, str]] = []
    for start, end in regions:
        inside = np.flatnonzero((centres >= start) & (centres <= end))
        if inside.size == 0:
            continue  # a region too short to embed: left unlabelled (counts as missed speech)
        t = start + (np.arange(max(1, round((end - start) / hop_s))) + 0.5) * hop_s
        nearest = inside[np.argmin(np.abs(t[:, None] - centres[inside][None, :]), axis=1)]
        frame_labels = labels[nearest]
        change = np.flatnonzero(np.diff(frame_labels)) + 1
        bounds = np.r_[0, change, frame_labels.size]
        for a, b in itertools.pairwise(bounds):
            lab = int(frame_labels[a])
            name = names.setdefault(lab, f"SPK{len(names) + 1}")
            seg = (round(start + a * hop_s, 3), round(min(end, start + b * hop_s), 3), name)
            segments.append(seg)
    return sorted(segments)


# ------------------------------------------------------------------------------- RTTM and DER


def parse_rttm(source: str | os.PathLike[str]) -> list[tuple[float, float, str]]:
    """Read the SPEAKER lines of an RTTM file (a path, or the text itself): [(start_s, end_s, speaker)], sorted.

    Format (NIST RT-09): ``SPEAKER <file> <chan> <onset> <duration> <NA> <NA> <name> <NA> <NA>``;
    other line types and ``;;`` comments are skipped. A file with several recordings is refused.
    Reference: NIST, "The 2009 (RT-09) Rich Transcription Meeting Recognition Evaluation Plan", appendix A.
    """
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source and "SPEAKER" not in source):
        path = Path(source)
        if not path.is_file():
            raise ParamError(f"RTTM file not found: '{path.name}'; upload the reference again")
        if path.stat().st_size > MAX_RTTM_BYTES:
            raise ParamError(f"'{path.name}' is {path.stat().st_size // 1000} kB; a reference RTTM should be under {MAX_RTTM_BYTES // 1000} kB")
        try:
            text = path.read_text(encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise ParamError(f"'{path.name}' is not a text file; upload an RTTM reference (plain text, one SPEAKER line per turn)") from None
    else:
        text = str(source)
    segments, files = [], set()
    for k, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith(";;") or fields[0] != "SPEAKER":
            continue
        if len(fields) < 8:
            raise ParamError(f"RTTM line {k} has {len(fields)} fields; a SPEAKER line has 10 (type file chan onset duration <NA> <NA> name <NA> <NA>)")
        try:
            onset, duration = float(fields[3]), float(fields[4])
        except ValueError:
            raise ParamError(f"RTTM line {k}: onset {fields[3]!r} and duration {fields[4]!r} must be numbers in seconds") from None
        if not (math.isfinite(onset) and math.isfinite(duration)) or onset < 0 or duration < 0:
            raise ParamError(f"RTTM line {k}: onset {onset} and duration {duration} must be finite and ≥ 0")
        files.add(fields[1])
        if duration > 0:
            segments.append((onset, onset + duration, fields[7]))
    if len(files) > 1:
        raise ParamError(f"the RTTM describes {len(files)} recordings ({', '.join(sorted(files)[:3])}, …); give the lines of one recording")
    if not segments:
        raise ParamError("the RTTM has no SPEAKER lines; it should hold one 'SPEAKER file 1 onset duration <NA> <NA> name <NA> <NA>' line per turn")
    return sorted(segments)


def to_rttm(segments: Sequence[tuple[float, float, str]], *, file_id: str = "audio") -> str:
    """Segments [(start_s, end_s, speaker)] as RTTM text (one SPEAKER line each)."""
    return "".join(
        f"SPEAKER {file_id} 1 {s:.3f} {e - s:.3f} <NA> <NA> {spk} <NA> <NA>\n" for s, e, spk in segments
    )


@dataclass(frozen=True)
class DERResult:
    """Diarization error rate and its parts, in seconds of (scored) reference time."""

    der: float  # (missed + false_alarm + confusion) / total; can exceed 1
    missed_s: float  # reference speech with fewer hypothesis speakers than reference speakers
    false_alarm_s: float  # hypothesis speakers beyond the reference speakers (incl. non-speech)
    confusion_s: float  # speech attributed to the wrong (mapped) speaker
    total_s: float  # total reference speech (speaker-time: overlapped speech counts per speaker)
    mapping: dict[str, str]  # hypothesis speaker → reference speaker


def _activity(segments: Sequence[tuple[float, float, str]], n_frames: int, hop_s: float) -> tuple[list[str], np.ndarray]:
    names = sorted({s[2] for s in segments})
    A = np.zeros((len(names), n_frames), dtype=bool)
    index = {n: i for i, n in enumerate(names)}
    for s, e, spk in segments:
        a, b = round(s / hop_s), round(e / hop_s)  # frame t covers [t·hop, (t+1)·hop)
        A[index[spk], max(0, a) : max(0, b)] = True
    return names, A


def der(
    reference: Sequence[tuple[float, float, str]],
    hypothesis: Sequence[tuple[float, float, str]],
    *,
    collar_s: float = 0.0,
    hop_s: float = 0.01,
) -> DERResult:
    """Diarization error rate of ``hypothesis`` against ``reference`` (both [(start_s, end_s, speaker)]).

    Time is cut into hop_s frames. With N_ref(t), N_hyp(t) the number of active reference and
    hypothesis speakers and N_correct(t) the reference speakers whose mapped hypothesis speaker is
    also active: missed = Σ max(0, N_ref − N_hyp), false alarm = Σ max(0, N_hyp − N_ref),
    confusion = Σ min(N_ref, N_hyp) − N_correct. The speaker mapping is the one-to-one assignment
    maximising the total overlap (scipy.optimize.linear_sum_assignment). ``collar_s`` excludes
    ± collar_s around every reference boundary from scoring (NIST uses 0.25 s).
    Formula: DER = (missed + false alarm + confusion) / Σ N_ref.
    Reference: NIST RT-09 evaluation plan; Fiscus et al. (2006), md-eval.pl; pyannote.metrics.
    """
    from scipy.optimize import linear_sum_assignment

    if collar_s < 0 or not math.isfinite(collar_s):
        raise ParamError(f"collar_s={collar_s} must be ≥ 0 seconds (0.25 s is the NIST convention)")
    if not reference:
        raise ParamError("the reference has no speech; DER is undefined")
    end = max(e for _, e, _ in [*reference, *hypothesis])
    n_frames = math.ceil(end / hop_s) + 1
    ref_names, R = _activity(reference, n_frames, hop_s)
    hyp_names, H = _activity(hypothesis, n_frames, hop_s) if hypothesis else ([], np.zeros((0, n_frames), bool))
    scored = np.ones(n_frames, dtype=bool)
    if collar_s > 0:
        c = round(collar_s / hop_s)
        for s, e, _ in reference:
            for edge in (round(s / hop_s), round(e / hop_s)):
                scored[max(0, edge - c) : edge + c] = False
    R, H = R[:, scored], H[:, scored]
    overlap = R.astype(np.int64) @ H.T.astype(np.int64)  # (n_ref, n_hyp) frames both active
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else (np.zeros(0, int), np.zeros(0, int))
    n_ref, n_hyp = R.sum(axis=0), H.sum(axis=0)
    correct = np.zeros(R.shape[1], dtype=np.int64)
    for i, j in zip(rows, cols):
        correct += R[i] & H[j]
    missed = np.maximum(0, n_ref - n_hyp).sum() * hop_s
    false_alarm = np.maximum(0, n_hyp - n_ref).sum() * hop_s
    confusion = (np.minimum(n_ref, n_hyp) - correct).sum() * hop_s
    total = n_ref.sum() * hop_s
    if total <= 0:
        raise ParamError("no reference speech is left to score (the collar covers it all); use a smaller collar")
    mapping = {hyp_names[j]: ref_names[i] for i, j in zip(rows, cols) if overlap[i, j] > 0}
    return DERResult(
        der=float((missed + false_alarm + confusion) / total), missed_s=float(missed), false_alarm_s=float(false_alarm),
        confusion_s=float(confusion), total_s=float(total), mapping=mapping,
    )
