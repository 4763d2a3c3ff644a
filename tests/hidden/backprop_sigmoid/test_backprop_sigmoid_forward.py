"""forward and half_mse_loss: values and cache against the reference and torch, no mutation."""
import numpy as np
from hypothesis import given

from autograder.testing import Mistake, assert_close, assert_no_mutation, graded
from autograder.testing.forward import check_forward, reference_output
from autograder.testing.oracle_sigmoid import forward_values, loss_value
from autograder.testing.strategies import random_sigmoid_network, sigmoid_networks

CACHE_KEYS = ("X", "z1", "a1", "z2")


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward_mistakes(X, params):
    """The Y_hat and cache values that the classic forward-pass mistakes give."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1 = X @ W1 + b1
    a1 = _sig(z1)
    z2 = a1 @ W2 + b2
    Y_hat = [Mistake("missing_activation", z2), Mistake("missing_activation", _sig(z1 @ W2 + b2)),
             Mistake("missing_bias", _sig(_sig(X @ W1) @ W2 + b2)), Mistake("missing_bias", _sig(a1 @ W2))]
    cache = {"z1": [Mistake("missing_bias", X @ W1)],
             "a1": [Mistake("missing_bias", _sig(X @ W1)), Mistake("missing_activation", z1)],
             "z2": [Mistake("missing_bias", a1 @ W2), Mistake("missing_bias", _sig(X @ W1) @ W2 + b2),
                    Mistake("missing_activation", z1 @ W2 + b2)]}
    return Y_hat, cache


def _check_forward(student, reference, X, params, *, torch_too=False):
    y_mistakes, cache_mistakes = forward_mistakes(X, params)
    Y_hat, cache = check_forward(student, reference, X, params, cache_keys=CACHE_KEYS, y_mistakes=y_mistakes,
                                 cache_mistakes=lambda key, _: cache_mistakes.get(key))
    if torch_too:
        inputs = {"X": X, **params}
        torch_Y_hat, torch_cache = forward_values(X, params)
        assert_close(Y_hat, torch_Y_hat, what="Y_hat vs torch", inputs=inputs)
        for key, value in torch_cache.items():
            assert_close(cache[key], value, what=f"cache[{key!r}] vs torch", inputs=inputs)


@graded("forward", weight=2, core=True)
@given(net=sigmoid_networks())
def test_forward_matches_reference(student, reference, net):
    X, _, params = net
    _check_forward(student, reference, X, params)


@graded("forward")
def test_forward_walkthrough_and_torch(student, reference):
    """The 2-1-1 example: z1 = 0.4 * 0.5 + 0.6 * 0.8 + 0.1 = 0.78 (not the text's 0.68)."""
    X, _ = reference.walkthrough_example()
    _check_forward(student, reference, X, reference.walkthrough_params(), torch_too=True)
    X, _, params = random_sigmoid_network(seed=7, n=6, hidden=4)
    _check_forward(student, reference, X, params, torch_too=True)


@graded("forward")
def test_forward_keeps_its_inputs(student):
    X, _, params = random_sigmoid_network(seed=3, n=3, hidden=2)
    assert_no_mutation(student.call("forward", X, params), "forward", inputs={"X": X, **params},
                       may_return_inputs=True)


def loss_mistakes(Y_hat, Y):
    return [Mistake("wrong_reduction", 0.5 * float(np.mean(Y_hat - Y)) ** 2)]


@graded("half_mse_loss", weight=2, core=True)
@given(net=sigmoid_networks())
def test_half_mse_loss_matches_reference_and_torch(student, reference, net):
    Y_hat, Y, n = reference_output(reference, net)
    kw = dict(inputs={"Y_hat": Y_hat, "Y": Y}, factors={"wrong_mean_denominator": [n]},
              mistakes=loss_mistakes(Y_hat, Y) if n > 1 else None)
    actual = student.half_mse_loss(Y_hat, Y)
    assert_close(actual, reference.half_mse_loss(Y_hat, Y), what="half_mse_loss(Y_hat, Y)", **kw)
    assert_close(actual, loss_value(Y_hat, Y), what="half_mse_loss vs 0.5 * torch's MSELoss", **kw)


@graded("half_mse_loss")
def test_half_mse_loss_walkthrough(student, reference):
    """One example: L = 1/2 (y_hat - y)^2 = 0.0538 for the 2-1-1 network (the text's 0.0550 is an error)."""
    X, Y = reference.walkthrough_example()
    Y_hat, _ = reference.forward(X, reference.walkthrough_params())
    call = student.call("half_mse_loss", Y_hat, Y)
    assert_close(call.value, reference.half_mse_loss(Y_hat, Y), what="half_mse_loss on the 2-1-1 example",
                 inputs={"Y_hat": Y_hat, "Y": Y})
    assert_no_mutation(call, "half_mse_loss", inputs={"Y_hat": Y_hat, "Y": Y})


@graded("half_mse_loss")
def test_half_mse_loss_on_a_batch(student, reference):
    """A batch whose errors have both signs tells the classic reductions apart."""
    Y_hat, Y = np.array([[0.9], [0.2], [0.6], [0.3]]), np.array([[1.0], [1.0], [0.0], [0.0]])
    assert_close(student.half_mse_loss(Y_hat, Y), reference.half_mse_loss(Y_hat, Y), what="half_mse_loss(Y_hat, Y)",
                 inputs={"Y_hat": Y_hat, "Y": Y}, factors={"wrong_mean_denominator": [4]},
                 mistakes=loss_mistakes(Y_hat, Y))
