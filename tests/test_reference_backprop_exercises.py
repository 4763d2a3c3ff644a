"""The backprop exercises' reference (text 001): lr_sweep, steps_to_reach, make_hflip_dataset, and the
evidence for the hidden-width claim (assignments/ERRATA.md): no 4-3-4 network can get all 16 images right."""
import math

import numpy as np
import pytest

from autograder.testing.oracle import train_losses
from solutions import backprop as ref

WALK_X = np.array([[1.0, 0.0, 1.0, 1.0]])
WALK_Y = np.array([[1.0, 1.0, 0.0, 1.0]])


def _reached_patterns(W2, b2, samples=200_000, seed=0):
    """The rounded-and-clipped output rows hit by many hidden vectors h (any real h: the hidden layer can
    produce at most these, and a ReLU layer's h >= 0 fewer). Scales from 0.01 to 100 reach far regions."""
    rng = np.random.default_rng(seed)
    H = rng.normal(size=(samples, W2.shape[0])) * 10.0 ** rng.uniform(-2, 2, size=(samples, 1))
    rows = (H @ W2 + b2 > 0.5).astype(np.int8)          # = clip(round(y)) for every y (round-half-even)
    return {tuple(r) for r in np.unique(rows, axis=0)}


@pytest.mark.parametrize("seed", range(6))
def test_a_3_dim_output_subspace_misses_exactly_the_unreachable_pattern(seed):
    rng = np.random.default_rng(seed)
    W2, b2 = rng.normal(size=(3, 4)), rng.uniform(-0.5, 1.5, size=4)
    a = np.linalg.svd(W2)[2][-1]
    beta = a @ (b2 - 0.5)
    np.testing.assert_allclose(W2 @ a, 0.0, atol=1e-12)       # a is normal to every output direction
    missed = ref.unreachable_pattern(W2, b2)
    # The certificate: in the missed orthant each a_j (y_j - 1/2) has the sign opposite to beta.
    assert all(a_j * beta * (1 if m else -1) < 0 for a_j, m in zip(a, missed))
    assert tuple(missed.astype(np.int8)) not in _reached_patterns(W2, b2, seed=seed)
    # Every other pattern is reached: an explicit hidden vector h for each.
    for index in range(16):
        pattern = np.array([(index >> s) & 1 for s in (3, 2, 1, 0)], dtype=np.float64)
        if not np.array_equal(pattern, missed):
            h = _witness(W2, b2, pattern)
            np.testing.assert_array_equal((h @ W2 + b2 > 0.5).astype(np.float64), pattern)


def _witness(W2, b2, pattern):
    """A hidden vector h (3,) whose output h @ W2 + b2 rounds to `pattern`, built on the hyperplane
    a . (y - 1/2) = beta: every entry a small step into its side of 1/2, except one entry j with
    a_j * s_j * beta > 0 (one exists unless `pattern` is the unreachable one), solved for exactly."""
    a = np.linalg.svd(W2)[2][-1]
    beta = a @ (b2 - 0.5)
    s = 2.0 * pattern - 1.0
    j = int(np.argmax(a * s * beta))
    assert a[j] * s[j] * beta > 0
    eps = 1e-3 * abs(beta) / np.sum(np.abs(a))
    v = s * eps
    v[j] = (beta - (a @ v - a[j] * v[j])) / a[j]
    h, *_ = np.linalg.lstsq(W2.T, v + 0.5 - b2, rcond=None)
    return h


@pytest.mark.parametrize("hidden", [1, 2])
def test_narrower_output_subspaces_meet_at_most_the_sum_of_binomials(hidden):
    bound = sum(math.comb(4, i) for i in range(hidden + 1))          # 5 for H = 1, 11 for H = 2
    most = 0
    for seed in range(8):
        rng = np.random.default_rng(100 + seed)
        reached = _reached_patterns(rng.normal(size=(hidden, 4)), rng.uniform(-0.5, 1.5, size=4),
                                    samples=50_000, seed=seed)
        assert len(reached) <= bound
        most = max(most, len(reached))
    assert most == bound          # and the bound is attained


def test_training_H3_never_reaches_16_while_H4_to_8_does():
    X, Y = ref.make_dataset()
    for seed in range(10):
        trained, _ = ref.train(X, Y, ref.init_params(3, seed), 0.2, 500)
        Y_hat = ref.forward(X, trained)[0]
        assert ref.accuracy(Y_hat, Y) < 16
        missed = ref.unreachable_pattern(trained["W2"], trained["b2"])
        row = next(i for i in range(16) if np.array_equal(Y[i], missed))
        assert not np.array_equal(np.clip(np.round(Y_hat[row]), 0, 1), Y[row])   # that image is wrong
    for hidden in range(4, 9):
        assert any(ref.accuracy(ref.forward(X, ref.train(X, Y, ref.init_params(hidden, seed), 0.2, 500)[0])[0], Y)
                   == 16 for seed in range(10)), hidden


def test_lr_sweep_is_train_per_learning_rate_and_matches_torch():
    params = ref.walkthrough_params()
    params["b1"] = params["b1"] - np.array([1e-12, 0.0, 0.0])       # off the kink (assignments/ERRATA.md)
    lrs = [0.01, 0.1, 0.5, 2.0, 5.0]
    before = {k: v.copy() for k, v in params.items()}
    sweep = ref.lr_sweep(WALK_X, WALK_Y, params, lrs, 40)
    assert sweep.shape == (5, 41) and sweep.dtype == np.float64
    for row, lr in zip(sweep, lrs):
        np.testing.assert_array_equal(row, ref.train(WALK_X, WALK_Y, params, lr, 40)[1])
        np.testing.assert_allclose(row, train_losses(WALK_X, WALK_Y, params, lr, 40), rtol=1e-9, atol=1e-300)
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])


def test_the_notebooks_sweep_converges_for_the_texts_rates_and_diverges_at_5():
    sweep = ref.lr_sweep(WALK_X, WALK_Y, ref.walkthrough_params(), [0.01, 0.1, 0.5, 2.0, 5.0], 200)
    speeds = [ref.steps_to_reach(row, 1e-3) for row in sweep]
    assert speeds == [-1, 64, 12, 2, -1]
    assert np.all(np.diff(sweep[0]) < 0) and sweep[0, -1] < 0.1     # 0.01: slow but steady
    assert sweep[4, -1] > 1e60                                      # 5.0 diverges


def test_steps_to_reach():
    assert ref.steps_to_reach([1.0, 0.5, 0.2], 0.5) == 2
    assert ref.steps_to_reach(np.array([np.nan, np.inf, 0.1]), 0.2) == 2
    assert ref.steps_to_reach(np.array([1.0, np.nan]), 0.5) == -1
    assert isinstance(ref.steps_to_reach([0.0], 1.0), int)


def test_make_hflip_dataset():
    X, Y = ref.make_hflip_dataset()
    X_diag, _ = ref.make_dataset()
    np.testing.assert_array_equal(X, X_diag)
    assert Y.dtype == np.float64 and Y.shape == (16, 4)
    np.testing.assert_array_equal(Y, X[:, [1, 0, 3, 2]])             # [p00, p01, p10, p11] -> [p01, p00, p11, p10]
    np.testing.assert_array_equal(np.flip(X.reshape(16, 2, 2), axis=2).reshape(16, 4), Y)
    assert sorted(map(tuple, Y)) == sorted(map(tuple, X))           # a permutation of the 16 images
