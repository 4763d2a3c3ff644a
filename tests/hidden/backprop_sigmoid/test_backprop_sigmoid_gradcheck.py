"""numerical_grads: central differences of a loss of a params dict, checked against the reference,
torch autograd and the classic slips; two calls per entry; params left as they were."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.testing import GENERIC, Failure, Mistake, assert_close, graded
from autograder.testing.counted import Counted, float64_params
from autograder.testing.oracle_sigmoid import network_loss_and_grads
from autograder.testing.strategies import random_sigmoid_network, sigmoid_networks


def network_loss(X, Y):
    """The 2 -> H -> 1 network's half-MSE as a function of its params (NumPy, trusted side)."""
    def loss(params):
        a1 = 1.0 / (1.0 + np.exp(-(X @ params["W1"] + params["b1"])))
        Y_hat = 1.0 / (1.0 + np.exp(-(a1 @ params["W2"] + params["b2"])))
        return 0.5 * np.mean((Y_hat - Y) ** 2)
    return loss


def _one_sided(f, params, h):
    base = f(params)
    grads = {}
    for key, value in params.items():
        grads[key] = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            probe = {k: v.copy() for k, v in params.items()}
            probe[key][index] += h
            grads[key][index] = (f(probe) - base) / h
    return grads


def numerical_grads_mistakes(reference, f, params, h):
    forward = _one_sided(f, params, h)
    return [Mistake("one_sided_difference", forward),
            Mistake("not_divided_by_step", {k: v * h for k, v in forward.items()}),
            Mistake("missing_factor_2", {k: 2.0 * v for k, v in reference.numerical_grads(f, params, h).items()}),
            Mistake("step_size_ignored", reference.numerical_grads(f, params))]


def _check(student, reference, X, Y, params, h, torch_too=True):
    inputs = {"X": X, "Y": Y, **params}
    f = Counted(network_loss(X, Y), float64_params)
    call = student.call("numerical_grads", f, {k: v.copy() for k, v in params.items()}, h)
    if call.mutated:
        raise Failure("numerical_grads changed params: nudge entries of a copy (or put each one back exactly).",
                      ("input_not_restored",))
    mistakes = numerical_grads_mistakes(reference, network_loss(X, Y), params, h)
    assert_close(call.value, reference.numerical_grads(network_loss(X, Y), params, h), tol="gradcheck",
                 what=f"numerical_grads(f, params, h={h})", inputs=inputs, mistakes=mistakes)
    if torch_too:
        assert_close(call.value, network_loss_and_grads(X, Y, params)[1], tol="gradcheck",
                     what="numerical_grads vs torch autograd", inputs=inputs, mistakes=mistakes)
    return f


@graded("numerical_grads", weight=2, core=True)
@settings(max_examples=5)
@given(net=sigmoid_networks())
def test_numerical_grads_matches_reference_and_torch(student, reference, net):
    X, Y, params = net
    _check(student, reference, X, Y, params, 1e-5)


@graded("numerical_grads")
@given(h=st.sampled_from([1e-1, 1e-2]))
def test_numerical_grads_uses_its_step_size(student, reference, h):
    X, Y, params = random_sigmoid_network(seed=41, n=4, hidden=2)
    _check(student, reference, X, Y, params, h, torch_too=False)


@graded("numerical_grads")
def test_numerical_grads_calls_f_twice_per_entry(student, reference):
    X, Y, params = random_sigmoid_network(seed=42, n=3, hidden=3)
    f = _check(student, reference, X, Y, params, 1e-5)
    entries = sum(v.size for v in params.values())
    if f.calls != 2 * entries:
        raise Failure(f"numerical_grads called f {f.calls} times for params with {entries} entries; central "
                      f"differences need exactly 2 calls per entry ({2 * entries}).",
                      ("one_sided_difference",) if f.calls == entries + 1 else (GENERIC,))
