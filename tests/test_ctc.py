"""CTC and RNN-T from scratch: loss parity with torch/torchaudio, decoders against an exact oracle."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from core import ctc
from core.charlm import default_lm
from core.errors import ParamError

torch = pytest.importorskip("torch")


def _rand_log_probs(rng, T, V, scale=2.0):
    return ctc.log_softmax(rng.standard_normal((T, V)) * scale)


def _torch_ctc(lp: np.ndarray, y: list[int]) -> float:
    return float(torch.nn.functional.ctc_loss(
        torch.tensor(lp)[:, None, :], torch.tensor([y], dtype=torch.long).reshape(1, len(y)),
        torch.tensor([lp.shape[0]]), torch.tensor([len(y)]), blank=0, reduction="sum", zero_infinity=False,
    ))


# ----------------------------------------------------------------------------- the CTC loss


@pytest.mark.parametrize(("T", "V", "y"), [
    (10, 5, [1, 2, 3]),
    (12, 4, [1, 1, 2, 2, 3]),  # repeats need a blank between them
    (6, 3, [2, 2, 2]),  # the tightest fit: T = L + repeats = 3 + 2 + 1 spare
    (1, 2, [1]),
    (7, 6, []),  # empty target: only the all-blank path
    (40, 29, [8, 5, 12, 12, 15]),  # "hello"
])
def test_ctc_loss_matches_torch(T, V, y):
    lp = _rand_log_probs(np.random.default_rng(T * V), T, V)
    ours = ctc.ctc_loss(lp, y)
    assert ours == pytest.approx(_torch_ctc(lp, y), rel=1e-10, abs=1e-10)


def test_ctc_loss_is_inf_when_the_target_cannot_fit():
    lp = _rand_log_probs(np.random.default_rng(0), 3, 3)
    assert ctc.ctc_loss(lp, [1, 1]) < math.inf  # "1 ∅ 1" fits in 3 frames
    assert ctc.ctc_loss(lp, [1, 1, 1]) == math.inf  # needs 5 frames
    assert _torch_ctc(lp, [1, 1, 1]) == math.inf


def test_ctc_gradient_matches_torch_autograd():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((15, 6)) * 2
    y = [1, 3, 3, 5, 2]
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.ctc_loss(torch.log_softmax(xt, -1)[:, None], torch.tensor([y]), torch.tensor([15]), torch.tensor([5]),
                                 blank=0, reduction="sum").backward()
    g = ctc.ctc_grad(ctc.log_softmax(x), y)
    np.testing.assert_allclose(g, xt.grad.numpy(), atol=1e-10)


def test_occupancy_rows_sum_to_one_and_forward_equals_backward():
    lp = _rand_log_probs(np.random.default_rng(2), 12, 5)
    y = [1, 2, 2, 4]
    gamma = ctc.ctc_occupancy(lp, y)
    np.testing.assert_allclose(gamma.sum(axis=1), 1.0, atol=1e-10)
    beta = ctc.ctc_backward(lp, y)
    log_p_backward = np.logaddexp(beta[0, 0], beta[0, 1])
    assert log_p_backward == pytest.approx(ctc.ctc_log_likelihood(lp, y), abs=1e-10)


def test_ctc_likelihood_equals_brute_force_sum_over_paths():
    rng = np.random.default_rng(3)
    for _ in range(20):
        T, V = int(rng.integers(1, 7)), int(rng.integers(2, 4))
        lp = _rand_log_probs(rng, T, V)
        oracle = ctc.brute_force_decode(lp)
        for labels, log_p in oracle.labellings.items():
            assert ctc.ctc_log_likelihood(lp, labels) == pytest.approx(log_p, abs=1e-10)
        total = np.logaddexp.reduce(list(oracle.labellings.values()))
        assert total == pytest.approx(0.0, abs=1e-10)  # the labellings partition all paths


# ----------------------------------------------------------------------------- collapse and greedy


def test_collapse_golden():
    assert ctc.collapse([1, 1, 0, 1, 2, 2]) == (1, 1, 2)
    assert ctc.collapse([0, 0, 0]) == ()
    assert ctc.collapse([3, 3, 3]) == (3,)
    v = ctc.CHAR_VOCAB
    path = [v.encode(c)[0] if c != "_" else 0 for c in "hh_e_ll_llo_"]
    steps = ctc.collapse_steps(path)
    assert "".join(v.glyph(k) for k in steps.merged) == "h∅e∅l∅lo∅"
    assert v.decode(steps.output) == "hello"


def test_greedy_takes_the_best_path_not_the_best_labelling():
    # Frame probabilities (blank, a): (0.6, 0.4) twice. Best path "∅∅" → "" with p = 0.36, but
    # "a" collects 0.4·0.4 + 0.4·0.6 + 0.6·0.4 = 0.64 over three paths.
    lp = np.log([[0.6, 0.4], [0.6, 0.4]])
    g = ctc.greedy_decode(lp)
    assert g.labels == () and g.log_prob == pytest.approx(math.log(0.36))
    best = ctc.prefix_beam_search(lp, config=ctc.BeamConfig(beam_width=4))[0]
    assert best.labels == (1,) and best.log_p_ctc == pytest.approx(math.log(0.64))
    assert ctc.brute_force_decode(lp).best.labels == (1,)


# ----------------------------------------------------------------------------- prefix beam search vs the oracle


def test_prefix_beam_search_equals_the_exact_oracle_on_all_tiny_cases():
    rng = np.random.default_rng(4)
    n = 0
    for T in range(1, 7):
        for V in (2, 3, 4):
            if V**T > 5000:
                continue
            for _ in range(8):
                lp = _rand_log_probs(rng, T, V, scale=float(rng.uniform(0.5, 3.0)))
                exact = ctc.brute_force_decode(lp)
                hyps = ctc.prefix_beam_search(lp, config=ctc.BeamConfig(beam_width=ctc.MAX_BEAM_WIDTH, n_best=len(exact.labellings)))
                assert hyps[0].labels == exact.best.labels
                assert hyps[0].score == pytest.approx(exact.best.score, abs=1e-10)
                # unpruned, every labelling's probability is exact too
                for h in hyps:
                    assert h.log_p_ctc == pytest.approx(exact.labellings[h.labels], abs=1e-10)
                n += 1
    assert n > 100


def test_prefix_beam_search_with_lm_fusion_equals_the_oracle():
    lm = default_lm()
    v = ctc.Vocab(tokens=(ctc.BLANK_GLYPH, "a", "h", "t"))
    chars = [v.char(k) for k in range(v.size)]
    rng = np.random.default_rng(5)
    for _ in range(15):
        lp = _rand_log_probs(rng, int(rng.integers(2, 6)), v.size, scale=1.5)
        for alpha, beta in ((0.5, 0.0), (1.0, 1.5)):
            exact = ctc.brute_force_decode(lp, lm=lm, lm_weight=alpha, insertion_bonus=beta, chars=chars)
            cfg = ctc.BeamConfig(beam_width=ctc.MAX_BEAM_WIDTH, lm_weight=alpha, insertion_bonus=beta)
            best = ctc.prefix_beam_search(lp, config=cfg, lm=lm, chars=chars)[0]
            assert best.labels == exact.best.labels
            assert best.score == pytest.approx(exact.best.score, abs=1e-9)
            assert best.log_p_lm == pytest.approx(exact.best.log_p_lm, abs=1e-9)


def test_hello_keeps_its_double_l():
    v = ctc.CHAR_VOCAB
    hello, helo = v.encode("hello"), v.encode("helo")
    lp = ctc.synthetic_posteriors(hello, v.size, ctc.PosteriorConfig(frames_per_symbol=3, blank_prob=0.3))
    assert v.decode(ctc.greedy_decode(lp).labels) == "hello"
    assert v.decode(ctc.prefix_beam_search(lp, config=ctc.BeamConfig(beam_width=8))[0].labels) == "hello"
    # No blank frame between the l's: the best *path* merges them ("helo"), but the blank mass
    # inside the l frames makes "hello" the more probable *labelling*; only a beam that keeps
    # blank-ending and symbol-ending prefixes apart can find it.
    lp = ctc.synthetic_posteriors(hello, v.size, ctc.PosteriorConfig(frames_per_symbol=3, blank_prob=0.3, gap_frames=0))
    assert ctc.ctc_log_likelihood(lp, hello) > ctc.ctc_log_likelihood(lp, helo) + 0.4
    assert v.decode(ctc.greedy_decode(lp).labels) == "helo"
    best = ctc.prefix_beam_search(lp, config=ctc.BeamConfig(beam_width=16))[0]
    assert v.decode(best.labels) == "hello"
    # pruned to 16 prefixes, the beam keeps almost all of the exact probability mass
    assert best.log_p_ctc == pytest.approx(ctc.ctc_log_likelihood(lp, hello), abs=0.01)


def test_beam_with_lm_repairs_noisy_posteriors():
    v, lm = ctc.CHAR_VOCAB, default_lm()
    fixed_by_lm = 0
    for seed in range(4):
        lp = ctc.synthetic_posteriors(v.encode("the weather today"), v.size, ctc.PosteriorConfig(frames_per_symbol=2, noise=1.5, seed=seed))
        plain = v.decode(ctc.prefix_beam_search(lp, config=ctc.BeamConfig(beam_width=8))[0].labels)
        fused = v.decode(ctc.prefix_beam_search(lp, config=ctc.BeamConfig(beam_width=8, lm_weight=0.5, insertion_bonus=1.0),
                                                lm=lm, chars=v.char)[0].labels)
        fixed_by_lm += plain != "the weather today" and fused == "the weather today"
    assert fixed_by_lm >= 2


def test_synthetic_posteriors_layout():
    v = ctc.CHAR_VOCAB
    cfg = ctc.PosteriorConfig(frames_per_symbol=4, blank_prob=0.2, gap_frames=1)
    lp = ctc.synthetic_posteriors(v.encode("abc"), v.size, cfg)
    assert lp.shape == (3 * (4 + 1) + 1, v.size)
    np.testing.assert_allclose(np.exp(lp).sum(axis=1), 1.0, atol=1e-12)
    assert np.exp(lp[1, v.encode("a")[0]]) == pytest.approx(1 - 0.2 - ctc.FLOOR_MASS)
    assert np.exp(lp[0, 0]) == pytest.approx(ctc.GAP_BLANK_PROB)
    a = ctc.synthetic_posteriors(v.encode("abc"), v.size, ctc.PosteriorConfig(noise=1.0, seed=3))
    b = ctc.synthetic_posteriors(v.encode("abc"), v.size, ctc.PosteriorConfig(noise=1.0, seed=3))
    np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- RNN-T


@pytest.mark.parametrize(("T", "U", "V"), [(4, 3, 5), (10, 6, 8), (1, 0, 3), (3, 0, 4), (1, 2, 4), (7, 7, 3)])
def test_rnnt_loss_matches_torchaudio(T, U, V):
    F = pytest.importorskip("torchaudio.functional")
    rng = np.random.default_rng(T * 100 + U)
    logits = rng.standard_normal((T, U + 1, V)).astype(np.float32)
    y = list(rng.integers(1, V, U))
    ours = ctc.rnnt_loss(logits, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchaudio's deprecation notice
        ref = F.rnnt_loss(torch.tensor(logits)[None], torch.tensor([y], dtype=torch.int32).reshape(1, U),
                          torch.tensor([T], dtype=torch.int32), torch.tensor([U], dtype=torch.int32), blank=0, reduction="sum")
    assert ours == pytest.approx(float(ref), rel=1e-5)


def test_rnnt_lattice_sums_all_monotonic_paths():
    # With uniform joint outputs every path has probability V^-(T+U), and there are C(T-1+U, U)
    # paths through the (T, U+1) grid, each ending in the final blank.
    T, U, V = 4, 3, 5
    lp = np.full((T, U + 1, V), -math.log(V))
    alpha = ctc.rnnt_forward(lp, [1, 2, 3])
    log_p = alpha[-1, -1] + lp[-1, -1, 0]
    assert log_p == pytest.approx(math.log(math.comb(T - 1 + U, U)) - (T + U) * math.log(V))


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("width", "words"), [(0, "beam width 0"), (10_000, "beam width 10000"), (2.5, "whole number"), ("x", "not a number")])
def test_bad_beam_width_is_refused_clearly(width, words):
    lp = _rand_log_probs(np.random.default_rng(0), 5, 3)
    with pytest.raises(ParamError, match=words):
        ctc.prefix_beam_search(lp, config=ctc.BeamConfig(beam_width=width))


def test_bad_inputs():
    with pytest.raises(ParamError, match="2-D"):
        ctc.greedy_decode(np.zeros(5))
    with pytest.raises(ParamError, match="no frames"):
        ctc.greedy_decode(np.zeros((0, 3)))
    with pytest.raises(ParamError, match="NaN"):
        ctc.ctc_loss(np.full((3, 3), np.nan), [1])
    with pytest.raises(ParamError, match="blank"):
        ctc.ctc_loss(np.zeros((3, 3)), [0, 1])
    with pytest.raises(ParamError, match="paths"):
        ctc.brute_force_decode(np.zeros((30, 5)))
    with pytest.raises(ParamError, match="outside this vocabulary"):
        ctc.CHAR_VOCAB.encode("h3llo")
    with pytest.raises(ParamError, match="empty"):
        ctc.normalize_target("   ")
    with pytest.raises(ParamError, match="label positions"):
        ctc.rnnt_loss(np.zeros((3, 2, 4)), [1, 2])


def test_rnnt_backward_agrees_with_forward_and_occupancy_is_a_probability():
    rng = np.random.default_rng(7)
    lp = ctc.log_softmax(rng.standard_normal((6, 4, 5)))
    y = [1, 3, 3]
    alpha, beta = ctc.rnnt_forward(lp, y), ctc.rnnt_backward(lp, y)
    assert beta[0, 0] == pytest.approx(alpha[-1, -1] + lp[-1, -1, 0], abs=1e-12)
    occ = ctc.rnnt_occupancy(lp, y)
    assert occ[0, 0] == pytest.approx(1.0) and occ[-1, -1] == pytest.approx(1.0)
    assert ((occ >= 0) & (occ <= 1 + 1e-12)).all()
    # every path emits each label exactly once: Σ_t P(at (t, u) and emit y_{u+1} there) = 1
    emit = np.exp(ctc.rnnt_forward(lp, y)[:, :3] + lp[:, np.arange(3), y] + beta[:, 1:] - beta[0, 0])
    np.testing.assert_allclose(emit.sum(axis=0), 1.0, atol=1e-12)
