"""The error signals, the layer gradients and `backward`: reference, torch autograd, known mistakes named."""
import numpy as np
from hypothesis import given

from autograder.testing import Failure, Mistake, assert_close, assert_no_mutation, each_graded, graded
from autograder.testing.oracle_sigmoid import deltas, network_loss_and_grads
from autograder.testing.strategies import random_sigmoid_network, sigmoid_networks



def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _sig_grad(z):
    return _sig(z) * (1.0 - _sig(z))


def _intermediates(reference, X, Y, params):
    Y_hat, cache = reference.forward(X, params)
    delta2 = reference.output_delta(Y_hat, Y)
    delta1 = reference.hidden_delta(delta2, params["W2"], cache["z1"])
    return Y_hat, cache, delta2, delta1


def output_delta_mistakes(Y_hat, Y):
    """dL/dY_hat without the sigmoid's derivative, and with the derivative taken at Y_hat (the activation)."""
    err = (Y_hat - Y) / Y.size
    return [Mistake("missing_activation_grad", err), Mistake("derivative_at_activation", err * _sig_grad(Y_hat))]


def _check_output_delta(call, reference, Y_hat, Y, what):
    assert_close(call.value, reference.output_delta(Y_hat, Y), what=what, inputs={"Y_hat": Y_hat, "Y": Y},
                 mistakes=output_delta_mistakes(Y_hat, Y), factors={"wrong_mean_denominator": [Y.size]})
    assert_no_mutation(call, "output_delta", inputs={"Y_hat": Y_hat, "Y": Y})


@graded("output_delta", weight=2, core=True)
@given(net=sigmoid_networks())
def test_output_delta_matches_reference_and_torch(student, reference, net):
    X, Y, params = net
    Y_hat, _ = reference.forward(X, params)
    call = student.call("output_delta", Y_hat, Y)
    _check_output_delta(call, reference, Y_hat, Y, "output_delta(Y_hat, Y)")
    assert_close(call.value, deltas(X, Y, params)[0], what="output_delta vs torch autograd (dL/dz2)",
                 inputs={"Y_hat": Y_hat, "Y": Y})


@graded("output_delta")
def test_output_delta_walkthrough(student, reference):
    """delta2 = (y_hat - y) * y_hat * (1 - y_hat) = -0.0723 on the 2-1-1 example (the text's -0.0736 is an error)."""
    X, Y = reference.walkthrough_example()
    Y_hat, _ = reference.forward(X, reference.walkthrough_params())
    _check_output_delta(student.call("output_delta", Y_hat, Y), reference, Y_hat, Y,
                        "output_delta on the 2-1-1 example")


@graded("output_delta")
def test_output_delta_on_a_batch(student, reference):
    Y_hat, Y = np.array([[0.9], [0.2], [0.6]]), np.array([[1.0], [1.0], [0.0]])
    _check_output_delta(student.call("output_delta", Y_hat, Y), reference, Y_hat, Y, "output_delta(Y_hat, Y)")


def hidden_delta_mistakes(delta2, W2, z1):
    back = delta2 @ W2.T
    return [Mistake("missing_activation_grad", back), Mistake("derivative_at_activation", back * z1 * (1.0 - z1)),
            Mistake("derivative_at_activation", back * _sig_grad(_sig(z1)))]


def _check_hidden_delta(student, reference, delta2, W2, z1, torch_value=None):
    args = (delta2, W2, z1)
    call = student.call("hidden_delta", *args)
    kw = dict(what="hidden_delta(delta2, W2, z1)", inputs={"delta2": delta2, "W2": W2, "z1": z1},
              mistakes=hidden_delta_mistakes(delta2, W2, z1))
    assert_close(call.value, reference.hidden_delta(*args), **kw)
    if torch_value is not None:
        assert_close(call.value, torch_value,
                                             **{**kw, "what": "hidden_delta vs torch autograd (dL/dz1)"})
    return call


@graded("hidden_delta", weight=2, core=True)
@given(net=sigmoid_networks())
def test_hidden_delta_matches_reference_and_torch(student, reference, net):
    X, Y, params = net
    _, cache, delta2, _ = _intermediates(reference, X, Y, params)
    _check_hidden_delta(student, reference, delta2, params["W2"], cache["z1"], deltas(X, Y, params)[1])


@graded("hidden_delta")
def test_hidden_delta_keeps_its_inputs(student, reference):
    X, Y, params = random_sigmoid_network(seed=4, n=3, hidden=3)
    _, cache, delta2, _ = _intermediates(reference, X, Y, params)
    call = _check_hidden_delta(student, reference, delta2, params["W2"], cache["z1"])
    assert_no_mutation(call, "hidden_delta")


def _check_weight_grad(student, reference, a_prev, delta, layer):
    assert_close(student.weight_grad(a_prev, delta), reference.weight_grad(a_prev, delta),
                 what=f"weight_grad(a_prev, delta) for {layer}", inputs={"a_prev": a_prev, "delta": delta},
                 mistakes=[Mistake("outer_product_batch", np.outer(a_prev, delta))],
                 factors={"wrong_mean_denominator": [len(a_prev)]})


@graded("weight_grad", weight=2, core=True)
@given(net=sigmoid_networks())
def test_weight_grad_for_both_layers(student, reference, net):
    X, Y, params = net
    _, cache, delta2, delta1 = _intermediates(reference, X, Y, params)
    for a_prev, delta, layer in ((cache["a1"], delta2, "W2"), (X, delta1, "W1")):
        _check_weight_grad(student, reference, a_prev, delta, layer)


@graded("weight_grad")
def test_weight_grad_matches_torch(student, reference):
    X, Y, params = random_sigmoid_network(seed=12, n=6, hidden=4)
    _, cache, delta2, delta1 = _intermediates(reference, X, Y, params)
    _check_weight_grad(student, reference, X, delta1, "W1")
    grads = network_loss_and_grads(X, Y, params)[1]
    assert_close(student.weight_grad(cache["a1"], delta2), grads["W2"],
                 what="weight_grad(a1, delta2) vs torch's dL/dW2")
    assert_close(student.weight_grad(X, delta1), grads["W1"], what="weight_grad(X, delta1) vs torch's dL/dW1")


def bias_grad_mistakes(delta):
    total = float(np.sum(delta))
    return [Mistake("bias_not_summed", delta.mean(axis=0) if len(delta) > 1 else None),
            Mistake("bias_not_summed", delta), Mistake("wrong_axis", delta.sum(axis=1)), Mistake("wrong_axis", total),
            Mistake(("wrong_axis", "not_array"), np.array([total]))]   # np.sum's scalar as it crosses the wire


def _check_bias_grad(student, reference, delta, what):
    call = student.call("bias_grad", delta)
    assert_close(call.value, reference.bias_grad(delta), what=what, inputs={"delta": delta},
                 mistakes=bias_grad_mistakes(delta))
    assert_no_mutation(call, "bias_grad", inputs={"delta": delta})


@graded("bias_grad", weight=2, core=True)
@given(net=sigmoid_networks())
def test_bias_grad_for_both_layers(student, reference, net):
    X, Y, params = net
    _, _, delta2, delta1 = _intermediates(reference, X, Y, params)
    for delta, layer in ((delta2, "b2"), (delta1, "b1")):
        _check_bias_grad(student, reference, delta, f"bias_grad(delta) for {layer}")


@graded("bias_grad")
def test_bias_grad_sums_over_the_batch(student, reference):
    delta = np.array([[0.1, -0.2, 0.3], [0.4, 0.1, -0.1], [-0.3, 0.0, 0.2], [0.2, 0.2, 0.1]])
    _check_bias_grad(student, reference, delta, "bias_grad(delta)")


def backward_mistakes(reference, Y, params, cache):
    """The gradients that classic mistakes inside backward give (computed with the reference's parts)."""
    def grads(Y_hat, z_for_hidden, a_for_W2):
        delta2 = reference.output_delta(Y_hat, Y)
        delta1 = reference.hidden_delta(delta2, params["W2"], z_for_hidden)
        return {"W1": reference.weight_grad(cache["X"], delta1), "b1": reference.bias_grad(delta1),
                "W2": reference.weight_grad(a_for_W2, delta2), "b2": reference.bias_grad(delta2)}
    Y_hat, z1, a1 = _sig(cache["z2"]), cache["z1"], cache["a1"]
    return [Mistake("wrong_layer_input", grads(Y_hat, z1, z1)),
            Mistake("derivative_at_activation", grads(Y_hat, a1, a1)),
            Mistake("missing_activation", grads(cache["z2"], z1, a1))]


def _check_gradients(student, reference, name, X, Y, params, mistakes):
    """`name`(Y, params, cache) -> the gradients dict, against the reference's and torch's;
    mistakes(cache) -> the known mistakes on this case."""
    _, cache = reference.forward(X, params)
    args = (Y, params, cache)
    inputs = {"X": X, "Y": Y, **params}
    call = student.call(name, *args)
    if not isinstance(call.value, dict):
        raise Failure(f"{name} should return a dict of gradients with keys W1, b1, W2, b2.", ("not_array",))
    known = mistakes(cache)
    assert_close(call.value, getattr(reference, name)(*args), what=f"{name}(Y, params, cache)",
                 inputs=inputs, mistakes=known)
    assert_close(call.value, network_loss_and_grads(X, Y, params)[1], what=f"{name} vs torch autograd",
                 inputs=inputs, mistakes=known)
    return call


def _check_backward(student, reference, X, Y, params):
    return _check_gradients(student, reference, "backward", X, Y, params,
                            lambda cache: backward_mistakes(reference, Y, params, cache))


def backward_loop_mistakes(reference, X, Y, params):
    """What a per-example loop gives with the classic slips: each example's own mean (no 1/N), only
    the last example kept (= where += belongs), the sigmoid's derivative taken at the activation."""
    _, cache = reference.forward(X, params)
    right = reference.backward(Y, params, cache)
    last = reference.backward(Y[-1:], params, reference.forward(X[-1:], params)[1])
    at_activation = next(m.value for m in backward_mistakes(reference, Y, params, cache)
                         if m.tags == ("derivative_at_activation",))
    return [Mistake("wrong_mean_denominator", {k: v * len(Y) for k, v in right.items()}),
            Mistake("not_accumulated", {k: v / len(Y) for k, v in last.items()} if len(Y) > 1 else None),
            Mistake("derivative_at_activation",
                    {k: at_activation[k] if k.endswith("1") else right[k] for k in right})]


def _check_backward_loop(student, reference, X, Y, params):
    return _check_gradients(student, reference, "backward_loop", X, Y, params, lambda cache: [
        m for m in backward_loop_mistakes(reference, X, Y, params) if m.value is not None])


CHECKS = {"backward": _check_backward, "backward_loop": _check_backward_loop}   # function -> its check


@each_graded("backward", "backward_loop", weight=2, core=True)
@given(net=sigmoid_networks())
def test_gradients_match_reference_and_torch(student, reference, function, net):
    CHECKS[function](student, reference, *net)


@graded("backward")
def test_backward_walkthrough_and_no_mutation(student, reference):
    """dL/dW2 = -0.0496, dL/db1 = delta1 = -0.0140 on the 2-1-1 example (the text's -0.0488, -0.0148 are errors)."""
    X, Y = reference.walkthrough_example()
    call = _check_backward(student, reference, X, Y, reference.walkthrough_params())
    assert_no_mutation(call, "backward", inputs={"X": X, "Y": Y})


@graded("backward")
def test_backward_on_larger_random_networks(student, reference):
    for seed in range(3):
        X, Y, params = random_sigmoid_network(seed=200 + seed, n=8, hidden=6)
        _check_backward(student, reference, X, Y, params)


@graded("backward_loop")
def test_backward_loop_on_larger_batches_keeps_its_inputs(student, reference):
    for seed in range(2):
        X, Y, params = random_sigmoid_network(seed=300 + seed, n=9, hidden=5)
        call = _check_backward_loop(student, reference, X, Y, params)
        assert_no_mutation(call, "backward_loop", inputs={"X": X, "Y": Y})
