"""The backprop_sigmoid reference against torch autograd (float64), the corrected 2-1-1 example, and XOR."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing.oracle import elementwise_grad
from autograder.testing.oracle_sigmoid import deltas, forward_values, network_loss_and_grads, train_losses
from autograder.testing.strategies import random_sigmoid_network
from solutions import backprop_sigmoid as ref
from test_errata import walkthrough_reference


@given(seed=st.integers(0, 10_000), n=st.integers(1, 9), hidden=st.integers(1, 8))
def test_loss_deltas_and_gradients_match_torch_on_random_networks(seed, n, hidden):
    X, Y, params = random_sigmoid_network(seed, n=n, hidden=hidden)
    loss, grads = network_loss_and_grads(X, Y, params)
    Y_hat, cache = ref.forward(X, params)
    torch_Y_hat, torch_cache = forward_values(X, params)
    np.testing.assert_allclose(Y_hat, torch_Y_hat, rtol=1e-12)
    for key, value in torch_cache.items():
        np.testing.assert_allclose(cache[key], value, rtol=1e-12, atol=1e-15)
    assert ref.half_mse_loss(Y_hat, Y) == pytest.approx(loss, rel=1e-12)
    delta2 = ref.output_delta(Y_hat, Y)
    delta1 = ref.hidden_delta(delta2, params["W2"], cache["z1"])
    torch_delta2, torch_delta1 = deltas(X, Y, params)
    np.testing.assert_allclose(delta2, torch_delta2, rtol=1e-10, atol=1e-16)
    np.testing.assert_allclose(delta1, torch_delta1, rtol=1e-10, atol=1e-16)
    mine = ref.backward(Y, params, cache)
    for key in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(mine[key], grads[key], rtol=1e-10, atol=1e-16)
        assert mine[key].dtype == np.float64 and mine[key].shape == params[key].shape


def test_sigmoid_and_its_derivative_match_torch():
    z = np.linspace(-30.0, 30.0, 121).reshape(11, 11)
    np.testing.assert_allclose(ref.sigmoid(z), torch.sigmoid(torch.tensor(z)).numpy(), rtol=1e-14)
    np.testing.assert_allclose(ref.sigmoid_grad(z), elementwise_grad(torch.sigmoid, z), rtol=1e-12, atol=1e-300)
    assert ref.sigmoid_grad(np.array([0.0]))[0] == 0.25 == ref.sigmoid_grad(z).max()


@given(seed=st.integers(0, 10_000))
def test_training_trajectory_matches_torch(seed):
    X, Y, params = random_sigmoid_network(seed, n=4, hidden=4)
    _, losses = ref.train(X, Y, params, 2.0, 30)
    np.testing.assert_allclose(losses, train_losses(X, Y, params, 2.0, 30), rtol=1e-9)


def test_no_function_mutates_its_inputs():
    X, Y, params = random_sigmoid_network(3, n=4, hidden=3)
    frozen = {k: v.copy() for k, v in params.items()}
    X0, Y0 = X.copy(), Y.copy()
    Y_hat, cache = ref.forward(X, params)
    grads = ref.backward(Y, params, cache)
    ref.sgd_step(params, grads, 0.5)
    ref.train(X, Y, params, 0.5, 3)
    ref.predict(X, params)
    for key in params:
        np.testing.assert_array_equal(params[key], frozen[key])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


# -- the hand-worked 2-1-1 example (text 002) -------------------------------------

def _torch_walkthrough():
    """The text's own PyTorch code in float64: every value of the example, by autograd (the names of
    test_errata.walkthrough_reference, the reference's)."""
    X, Y = ref.walkthrough_example()
    t = {k: torch.tensor(v, requires_grad=True) for k, v in ref.walkthrough_params().items()}
    z1 = torch.tensor(X) @ t["W1"] + t["b1"]
    z1.retain_grad()
    a1 = torch.sigmoid(z1)
    z2 = a1 @ t["W2"] + t["b2"]
    z2.retain_grad()
    y_hat = torch.sigmoid(z2)
    loss = 0.5 * ((y_hat - torch.tensor(Y)) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        new = {key: (p - 0.5 * p.grad).numpy().copy() for key, p in t.items()}
    return {"z1": z1.item(), "a1": a1.item(), "z2": z2.item(), "y_hat": y_hat.item(), "loss": loss.item(),
            "delta2": z2.grad.item(), "delta1": z1.grad.item(), "dl_dw2": t["W2"].grad.item(),
            "dl_db2": t["b2"].grad.item(), "dl_dw11": t["W1"].grad[0, 0].item(),
            "dl_dw12": t["W1"].grad[1, 0].item(), "dl_db1": t["b1"].grad.item(), "new_w2": new["W2"].item(),
            "new_b2": new["b2"].item(), "new_w11": new["W1"][0, 0], "new_w12": new["W1"][1, 0],
            "new_b1": new["b1"].item()}


def test_walkthrough_matches_torch():
    mine, theirs = walkthrough_reference(), _torch_walkthrough()
    assert set(mine) == set(theirs)
    for key in mine:
        np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-12, err_msg=key)


def test_walkthrough_has_the_corrected_values_of_the_errata():
    """The errata (assignments/ERRATA.md): z1 = 0.78 (not 0.68), y_hat 0.6720, L 0.0538, delta2 -0.0723,
    dL/dW2 -0.0496, delta1 -0.0140."""
    v = _torch_walkthrough()
    assert round(v["z1"], 10) == 0.78
    assert [round(v[k], 4) for k in ("y_hat", "loss", "delta2", "dl_dw2", "delta1")] == \
        [0.6720, 0.0538, -0.0723, -0.0496, -0.0140]


def test_notebook_quotes_the_computed_values():
    """The numbers the source notebook's text states, recomputed (so its prose cannot drift)."""
    import nbformat
    from autograder.course import load_course
    nb = nbformat.read(load_course().assignment("backprop_sigmoid").source_notebook, as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    v = walkthrough_reference()
    for key in ("a1", "z2", "y_hat", "loss", "delta2", "dl_dw2", "delta1"):
        assert f"{v[key]:.4f}".replace("-", "−") in prose, key
    assert "**0.78**" in prose
    from test_errata import computed           # the text's XOR program, run as written
    c = computed()
    stated = ", ".join(f"{c[f's002_xor_text_loss_{e}']:.5f}" for e in (0, 1000, 2000))
    assert f"losses\n{stated}" in prose or f"losses {stated}" in prose, stated
    assert "[" + ", ".join(f"{v:.2f}" for v in c["s002_xor_text_outputs"]) + "]" in prose


# -- XOR ----------------------------------------------------------------------------

def test_init_params_reproduces_the_texts_global_seed():
    """`np.random.seed(42); W1 = randn(4, 2) * 0.5; ...; W2 = randn(1, 4) * 0.5`, stored transposed."""
    state = np.random.get_state()
    try:
        np.random.seed(42)
        W1 = np.random.randn(4, 2) * 0.5
        W2 = np.random.randn(1, 4) * 0.5
    finally:
        np.random.set_state(state)
    params = ref.init_params(4, 42)
    np.testing.assert_array_equal(params["W1"], W1.T)
    np.testing.assert_array_equal(params["W2"], W2.T)
    assert not params["b1"].any() and not params["b2"].any()


def test_xor_setup_reaches_four_of_four_as_documented():
    X, Y = ref.xor_dataset()
    setup = ref.XOR_SETUP
    assert setup["hidden"] == 4
    params = ref.init_params(setup["hidden"], setup["seed"])
    trained, losses = ref.train(X, Y, params, setup["lr"], setup["steps"])
    np.testing.assert_array_equal(ref.predict(X, trained), Y)
    assert np.max(np.abs(ref.forward(X, trained)[0] - Y)) < 0.06          # the comment beside XOR_SETUP
    assert _first_correct(X, Y, params, setup["lr"], setup["steps"]) == 675   # ditto
    np.testing.assert_allclose(losses[:200], train_losses(X, Y, params, setup["lr"], 199), rtol=1e-9)


def _first_correct(X, Y, params, lr, steps):
    for k in range(steps + 1):
        Y_hat, cache = ref.forward(X, params)
        if np.array_equal((Y_hat > 0.5).astype(np.float64), Y):
            return k
        params = ref.sgd_step(params, ref.backward(Y, params, cache), lr)
    return -1


def test_xor_dataset_and_predict():
    X, Y = ref.xor_dataset()
    assert X.shape == (4, 2) and Y.shape == (4, 1) and X.dtype == Y.dtype == np.float64
    np.testing.assert_array_equal(Y[:, 0], np.logical_xor(X[:, 0], X[:, 1]))
    params = {"W1": np.zeros((2, 1)), "b1": np.zeros(1), "W2": np.zeros((1, 1)), "b2": np.array([1e-9])}
    assert ref.predict(X, params).dtype == np.float64 and ref.predict(X, params).shape == (4, 1)
    params["b2"] = np.zeros(1)                  # y_hat = 0.5 exactly: not above 0.5
    assert not ref.predict(X, params).any()
