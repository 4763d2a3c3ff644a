"""The neuron reference solution against torch autograd (float64) and the numbers of text 003."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import oracle_neuron as oracle
from solutions import neuron as ref


@st.composite
def random_neurons(draw):
    seed, n, d = draw(st.integers(0, 10_000)), draw(st.integers(1, 9)), draw(st.integers(1, 6))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n).astype(np.float64)
    return X, y, rng.normal(size=(1, d)), rng.normal(size=1)


@given(seed=st.integers(0, 10_000), n=st.integers(1, 6), d=st.integers(1, 5), m=st.integers(1, 5))
def test_relu_layer_matches_torch_linear(seed, n, d, m):
    rng = np.random.default_rng(seed)
    X, W, b = rng.normal(size=(n, d)), rng.normal(size=(m, d)), rng.normal(size=m)
    layer = torch.nn.Linear(d, m, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(W))
        layer.bias.copy_(torch.tensor(b))
        expected = torch.relu(layer(torch.tensor(X))).numpy()
    np.testing.assert_allclose(ref.relu_layer(X, W, b), expected, rtol=1e-12, atol=1e-14)


@given(z=st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=20).map(np.array))
def test_sigmoid_matches_torch_everywhere_without_warnings(z):
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        actual = ref.sigmoid(z)
    np.testing.assert_allclose(actual, torch.sigmoid(torch.tensor(z)).numpy(), rtol=1e-14, atol=1e-300)


@given(case=random_neurons())
def test_loss_and_gradients_match_torch(case):
    X, y, W, b = case
    z, p = ref.neuron_forward(X, W, b)
    assert z.shape == p.shape == y.shape
    loss, dW, db = oracle.neuron_loss_and_grads(X, y, W, b)
    assert ref.bce_loss(z, y) == pytest.approx(loss, rel=1e-12)
    assert ref.bce_loss(z, y) == pytest.approx(oracle.bce_loss_with_logits(z, y), rel=1e-12)
    np.testing.assert_allclose(ref.bce_grad_z(z, y), oracle.bce_grad_z(z, y), rtol=1e-12, atol=1e-16)
    mine_dW, mine_db = ref.bce_grads(X, y, W, b)
    assert mine_dW.shape == W.shape and mine_db.shape == b.shape and mine_dW.dtype == np.float64
    np.testing.assert_allclose(mine_dW, dW, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(mine_db, db, rtol=1e-10, atol=1e-14)


@given(case=random_neurons(), lr=st.floats(1e-3, 1.0))
def test_step_matches_torch(case, lr):
    X, y, W, b = case
    new_W, new_b = ref.neuron_step(W, b, ref.bce_grads(X, y, W, b), lr)
    torch_W, torch_b = oracle.neuron_step(X, y, W, b, lr)
    np.testing.assert_allclose(new_W, torch_W, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(new_b, torch_b, rtol=1e-10, atol=1e-14)


def test_extreme_logits_stay_finite_and_exact():
    z = np.array([-1000.0, -40.0, 40.0, 1000.0, 745.0, -745.0])
    y = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss = ref.bce_loss(z, y)
        grad = ref.bce_grad_z(z, y)
    assert loss == pytest.approx(oracle.bce_loss_with_logits(z, y), rel=1e-14)
    assert loss == pytest.approx((1000 + 40 + 40 + 1000) / 6, rel=1e-12)
    np.testing.assert_allclose(grad, oracle.bce_grad_z(z, y), rtol=1e-14)
    # computed from p, the loss is infinite in NumPy and clamped at 100 per term in torch
    p = torch.sigmoid(torch.tensor(z))
    assert F.binary_cross_entropy(p, torch.tensor(y)).item() < loss


def test_no_function_mutates_its_inputs():
    X, y = ref.people()
    W, b = ref.text_params()
    frozen = [a.copy() for a in (X, y, W, b)]
    ref.relu_layer(X, W, b)
    z, _ = ref.neuron_forward(X, W, b)
    ref.bce_loss(z, y)
    grads = ref.bce_grads(X, y, W, b)
    ref.neuron_step(W, b, grads, 0.1)
    for before, after in zip(frozen, (X, y, W, b)):
        np.testing.assert_array_equal(before, after)


def test_the_texts_relu_layer():
    """Text 003's layer (its four people, its weights): the reference is torch's relu(X @ W.T + b).
    The values themselves are stated in assignments/ERRATA.md and checked by tests/test_errata.py."""
    X, _ = ref.people()
    W = np.array([[0.01, -0.02, 0.03], [0.02, 0.01, -0.01]])
    np.testing.assert_allclose(ref.relu_layer(X, W, np.zeros(2)), oracle.relu_layer(X, W, np.zeros(2)), rtol=1e-12)


def test_the_texts_one_step_of_learning():
    """Text 003's neuron, one step with lr 1e-4: probabilities, loss, gradients, the new weights and
    the loss after the step, each as torch autograd (float64) computes it."""
    X, y = ref.people()
    W, b = ref.text_params()
    z, p = ref.neuron_forward(X, W, b)
    np.testing.assert_allclose(p, oracle.sigmoid(z), rtol=1e-12)
    torch_loss, torch_dW, torch_db = oracle.neuron_loss_and_grads(X, y, W, b)
    assert ref.bce_loss(z, y) == pytest.approx(torch_loss, rel=1e-12)
    dW, db = ref.bce_grads(X, y, W, b)
    np.testing.assert_allclose(dW, torch_dW, rtol=1e-12)
    np.testing.assert_allclose(db, torch_db, rtol=1e-12)
    new_W, new_b = ref.neuron_step(W, b, (dW, db), 1e-4)
    torch_W, torch_b = oracle.neuron_step(X, y, W, b, 1e-4)
    np.testing.assert_allclose(new_W, torch_W, rtol=1e-12)
    np.testing.assert_allclose(new_b, torch_b, rtol=1e-12)
    after = ref.bce_loss(ref.neuron_forward(X, new_W, new_b)[0], y)
    assert oracle.neuron_loss_and_grads(X, y, torch_W, torch_b)[0] == pytest.approx(after, rel=1e-12)
    assert after < ref.bce_loss(z, y)                    # the step learns


def test_per_person_losses_match_torch():
    """Each person's loss term is torch's binary cross-entropy (reduction='none'); their mean is the loss."""
    X, y = ref.people()
    W, b = ref.text_params()
    z, p = ref.neuron_forward(X, W, b)
    terms = [ref.bce_loss(z[i:i + 1], y[i:i + 1]) for i in range(len(y))]
    expected = F.binary_cross_entropy(torch.tensor(oracle.sigmoid(z)), torch.tensor(y), reduction="none").numpy()
    np.testing.assert_allclose(terms, expected, rtol=1e-12)
    assert np.mean(terms) == pytest.approx(ref.bce_loss(z, y), rel=1e-12)
