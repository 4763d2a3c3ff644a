"""forward and mse_loss: values and cache against the reference and torch, no mutation."""
import numpy as np
from hypothesis import given

from autograder.testing import Mistake, assert_close, assert_no_mutation, graded
from autograder.testing.forward import check_forward, reference_output
from autograder.testing.oracle import network_loss_and_grads
from autograder.testing.strategies import networks, random_network



def forward_mistakes(X, params):
    """The Y_hat and z1 that the classic forward-pass mistakes give."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1 = X @ W1 + b1
    h = np.maximum(0.0, z1)
    Y_hat = [Mistake("missing_activation", z1 @ W2 + b2),
             Mistake("missing_bias", np.maximum(0.0, X @ W1) @ W2 + b2),
             Mistake("extra_activation", np.maximum(0.0, h @ W2 + b2))]
    return Y_hat, [Mistake("missing_bias", X @ W1), Mistake("missing_activation", z1)]


def _check_forward(student, reference, X, params):
    y_mistakes, z_mistakes = forward_mistakes(X, params)
    check_forward(student, reference, X, params, cache_keys=("X", "z1", "h"), y_mistakes=y_mistakes,
                  cache_mistakes=lambda key, expected: z_mistakes if key == "z1" else [
                      Mistake("gate_on_wrong_input", expected["z1"])])


@graded("forward", weight=2, core=True)
@given(net=networks())
def test_forward_matches_reference(student, reference, net):
    """Y_hat and the cache (X, z1, h) on random networks; a ReLU left out, a bias left out or one
    ReLU too many is named."""
    X, _, params = net
    _check_forward(student, reference, X, params)


@graded("forward")
def test_forward_walkthrough_and_torch(student, reference):
    X, Y = np.array([[1.0, 0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 0.0, 1.0]])
    _check_forward(student, reference, X, reference.walkthrough_params())
    X, Y, params = random_network(seed=7, n=6, hidden=5)
    Y_hat, _ = student.forward(X, params)
    torch_loss, _ = network_loss_and_grads(X, Y, params)
    assert_close(float(np.mean((Y_hat - Y) ** 2)), torch_loss, what="the loss of your Y_hat vs torch",
                 inputs={"X": X, **params})


@graded("forward")
def test_forward_keeps_its_inputs(student):
    X, _, params = random_network(seed=3, n=3, hidden=2)
    assert_no_mutation(student.call("forward", X, params), "forward", inputs={"X": X, **params},
                       may_return_inputs=True)


@graded("mse_loss", weight=2, core=True)
@given(net=networks())
def test_mse_loss_matches_reference_and_torch(student, reference, net):
    Y_hat, Y, n = reference_output(reference, net)
    expected = reference.mse_loss(Y_hat, Y)
    actual = student.mse_loss(Y_hat, Y)
    assert_close(actual, expected, what="mse_loss(Y_hat, Y)", inputs={"Y_hat": Y_hat, "Y": Y},
                 factors={"wrong_mean_denominator": [n, 4, 4 * n]})
    assert_close(actual, network_loss_and_grads(*net)[0], what="mse_loss vs torch MSELoss",
                 inputs={"Y_hat": Y_hat, "Y": Y}, factors={"wrong_mean_denominator": [n, 4, 4 * n]})


@graded("mse_loss")
def test_mse_loss_keeps_its_inputs(student):
    Y_hat, Y = np.array([[0.1, -0.1, 0.3, 0.9]]), np.array([[1.0, 1.0, 0.0, 1.0]])
    assert_no_mutation(student.call("mse_loss", Y_hat, Y), "mse_loss", inputs={"Y_hat": Y_hat, "Y": Y})
