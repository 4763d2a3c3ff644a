"""The backprop reference solution against torch autograd (float64) and the texts' walk-through."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing.oracle import network_loss_and_grads, train_losses
from autograder.testing.strategies import random_network
from solutions import backprop as ref

WALK_X = np.array([[1.0, 0.0, 1.0, 1.0]])
WALK_Y = np.array([[1.0, 1.0, 0.0, 1.0]])


@given(seed=st.integers(0, 10_000), n=st.integers(1, 9), hidden=st.integers(1, 8))
def test_loss_and_gradients_match_torch_on_random_networks(seed, n, hidden):
    X, Y, params = random_network(seed, n=n, hidden=hidden)
    assert np.min(np.abs(X @ params["W1"] + params["b1"])) >= 1e-6
    loss, grads = network_loss_and_grads(X, Y, params)
    Y_hat, cache = ref.forward(X, params)
    assert ref.mse_loss(Y_hat, Y) == pytest.approx(loss, rel=1e-12)
    mine = ref.backward(Y, params, cache)
    for key in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(mine[key], grads[key], rtol=1e-10, atol=1e-14)
        assert mine[key].dtype == np.float64 and mine[key].shape == params[key].shape


@given(seed=st.integers(0, 10_000))
def test_training_trajectory_matches_torch(seed):
    X, Y, params = random_network(seed, n=16, hidden=4, scale=0.5)
    _, losses = ref.train(X, Y, params, 0.05, 25)
    np.testing.assert_allclose(losses, train_losses(X, Y, params, 0.05, 25), rtol=1e-9)


def test_no_function_mutates_its_inputs():
    X, Y, params = random_network(3, n=4, hidden=3)
    frozen = {k: v.copy() for k, v in params.items()}
    _, cache = ref.forward(X, params)
    grads = ref.backward(Y, params, cache)
    ref.sgd_step(params, grads, 0.1)
    ref.train(X, Y, params, 0.1, 3)
    ref.gradient_check(X, Y, params)
    for key in params:
        np.testing.assert_array_equal(params[key], frozen[key])


def test_relu_grad_convention_at_the_kink_matches_torch():
    z = np.array([[-1.0, 0.0, 2.0]])
    zt = torch.tensor(z, requires_grad=True)
    torch.relu(zt).sum().backward()
    np.testing.assert_array_equal(ref.relu_grad(z), zt.grad.numpy())


def test_walkthrough_matches_the_texts_printed_numbers():
    """The texts are right here: loss 0.89625 -> 0.725753 after one step, and the 200-step trajectory."""
    _, losses = ref.train(WALK_X, WALK_Y, ref.walkthrough_params(), 0.1, 200)
    printed = {0: 0.89625, 1: 0.725753, 5: 0.411635, 10: 0.246461, 25: 0.052900, 50: 0.004070, 100: 0.000024}
    for step, value in printed.items():
        assert round(losses[step], 6) == value, step


def test_walkthrough_matches_torch_once_the_kink_is_resolved():
    """z1[0] is 0 in exact arithmetic; NumPy gets -2.8e-17 and torch float64 +2.8e-17 (assignments/ERRATA.md).
    With b1[0] moved 1e-12 down, both agree that unit 0 is off, and the gradients match."""
    params = ref.walkthrough_params()
    params["b1"] = params["b1"] - np.array([1e-12, 0.0, 0.0])
    _, cache = ref.forward(WALK_X, params)
    _, grads = network_loss_and_grads(WALK_X, WALK_Y, params)
    for key, value in ref.backward(WALK_Y, params, cache).items():
        np.testing.assert_allclose(value, grads[key], rtol=1e-9, atol=1e-15)


def test_walkthrough_kink_errata():
    """Where the text's claim of identical torch gradients fails: z1[0]'s sign differs by library."""
    params = ref.walkthrough_params()
    z_numpy = (WALK_X @ params["W1"] + params["b1"])[0, 0]
    t64 = {k: torch.tensor(v) for k, v in params.items()}
    z_torch64 = (torch.tensor(WALK_X) @ t64["W1"] + t64["b1"])[0, 0].item()
    assert z_numpy < 0 < z_torch64 and abs(z_numpy) < 1e-15


def test_sixteen_images_reach_sixteen_with_eight_hidden_units():
    X, Y = ref.make_dataset()
    assert X.shape == Y.shape == (16, 4) and X.dtype == Y.dtype == np.float64
    np.testing.assert_array_equal(Y.reshape(16, 2, 2), X.reshape(16, 2, 2).transpose(0, 2, 1))
    params = ref.init_params(8, seed=0)
    trained, losses = ref.train(X, Y, params, 0.2, 500)
    assert ref.accuracy(ref.forward(X, trained)[0], Y) == 16
    np.testing.assert_allclose(losses[:60], train_losses(X, Y, params, 0.2, 59), rtol=1e-8)


def test_numerical_gradient_and_gradient_check():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    calls = []

    def f(v):
        calls.append(1)
        return float(np.sum(v ** 3))

    grad = ref.numerical_gradient(f, x, 1e-4)
    np.testing.assert_allclose(grad, 3 * before ** 2, rtol=1e-7)
    np.testing.assert_array_equal(x, before)
    assert len(calls) == 2 * x.size
    X, Y, params = random_network(9, n=5, hidden=4)
    errors = ref.gradient_check(X, Y, params)
    assert set(errors) == {"W1", "b1", "W2", "b2"} and max(errors.values()) < 1e-7
    assert ref.rel_error(np.zeros(3), np.zeros(3)) == 0.0
