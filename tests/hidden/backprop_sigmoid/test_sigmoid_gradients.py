"""The error signals, the layer gradients and `backward`: reference, torch autograd, known mistakes named."""
import numpy as np
from hypothesis import given

from autograder.testing import Failure, assert_close, assert_no_mutation, graded
from autograder.testing.hints import with_hints
from autograder.testing.oracle_sigmoid import deltas, network_loss_and_grads
from autograder.testing.strategies import random_sigmoid_network, sigmoid_networks


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _intermediates(reference, X, Y, params):
    Y_hat, cache = reference.forward(X, params)
    delta2 = reference.output_delta(Y_hat, Y)
    delta1 = reference.hidden_delta(delta2, params["W2"], cache["z1"])
    return Y_hat, cache, delta2, delta1


def _output_delta_hints(Y_hat, Y):
    err = (Y_hat - Y) / Y.size
    return {"delta2 = dL/dz2 needs the sigmoid's derivative too: multiply dL/dY_hat by "
            "Y_hat * (1 - Y_hat).": err,
            "the sigmoid's derivative at z2 is Y_hat * (1 - Y_hat); sigmoid'(Y_hat) takes the derivative at "
            "the activation instead of the pre-activation.": err * _sig(Y_hat) * (1.0 - _sig(Y_hat))}


@graded("output_delta", weight=2)
@given(net=sigmoid_networks())
def test_output_delta_matches_reference_and_torch(student, reference, net):
    X, Y, params = net
    Y_hat, _ = reference.forward(X, params)
    n = Y.shape[0]
    actual = student.output_delta(Y_hat, Y)
    kw = dict(inputs={"Y_hat": Y_hat, "Y": Y}, factors={"wrong_mean_denominator": [n]})
    hints = _output_delta_hints(Y_hat, Y)
    with_hints(lambda: assert_close(actual, reference.output_delta(Y_hat, Y), what="output_delta(Y_hat, Y)", **kw),
               actual, hints)
    assert_close(actual, deltas(X, Y, params)[0], what="output_delta vs torch autograd (dL/dz2)", **kw)


@graded("output_delta")
def test_output_delta_walkthrough(student, reference):
    """delta2 = (y_hat - y) * y_hat * (1 - y_hat) = -0.0723 on the 2-1-1 example (the text's -0.0736 is an error)."""
    X, Y = reference.walkthrough_example()
    Y_hat, _ = reference.forward(X, reference.walkthrough_params())
    call = student.call("output_delta", Y_hat, Y)
    with_hints(lambda: assert_close(call.value, reference.output_delta(Y_hat, Y), what="output_delta on the 2-1-1 "
                                    "example", inputs={"Y_hat": Y_hat, "Y": Y}),
               call.value, _output_delta_hints(Y_hat, Y))
    assert_no_mutation(call, "output_delta", inputs={"Y_hat": Y_hat, "Y": Y})


@graded("hidden_delta", weight=2)
@given(net=sigmoid_networks())
def test_hidden_delta_matches_reference_and_torch(student, reference, net):
    X, Y, params = net
    _, cache, delta2, _ = _intermediates(reference, X, Y, params)
    W2, z1 = params["W2"], cache["z1"]
    actual = student.hidden_delta(delta2, W2, z1)
    back = delta2 @ W2.T
    hints = {"delta1 = (delta2 @ W2.T) * sigmoid'(z1): the sigmoid's derivative is missing.": back,
             "sigmoid'(z1) is sigmoid(z1) * (1 - sigmoid(z1)); z1 * (1 - z1) treats z1 as if it were the "
             "activation a1.": back * z1 * (1.0 - z1)}
    kw = dict(what="hidden_delta(delta2, W2, z1)", inputs={"delta2": delta2, "W2": W2, "z1": z1})
    with_hints(lambda: assert_close(actual, reference.hidden_delta(delta2, W2, z1), **kw), actual, hints)
    assert_close(actual, deltas(X, Y, params)[1], **{**kw, "what": "hidden_delta vs torch autograd (dL/dz1)"})


@graded("hidden_delta")
def test_hidden_delta_keeps_its_inputs(student, reference):
    X, Y, params = random_sigmoid_network(seed=4, n=3, hidden=3)
    _, cache, delta2, _ = _intermediates(reference, X, Y, params)
    call = student.call("hidden_delta", delta2, params["W2"], cache["z1"])
    assert_no_mutation(call, "hidden_delta")


@graded("weight_grad", weight=2)
@given(net=sigmoid_networks())
def test_weight_grad_for_both_layers(student, reference, net):
    X, Y, params = net
    _, cache, delta2, delta1 = _intermediates(reference, X, Y, params)
    for a_prev, delta, layer in ((cache["a1"], delta2, "W2"), (X, delta1, "W1")):
        assert_close(student.weight_grad(a_prev, delta), reference.weight_grad(a_prev, delta),
                     what=f"weight_grad(a_prev, delta) for {layer}", inputs={"a_prev": a_prev, "delta": delta},
                     alternatives={"outer_product_batch": np.outer(a_prev[0], delta[0]) if len(X) > 1 else None},
                     factors={"wrong_mean_denominator": [len(X)]})


@graded("weight_grad")
def test_weight_grad_matches_torch(student, reference):
    X, Y, params = random_sigmoid_network(seed=12, n=6, hidden=4)
    _, cache, delta2, delta1 = _intermediates(reference, X, Y, params)
    grads = network_loss_and_grads(X, Y, params)[1]
    assert_close(student.weight_grad(cache["a1"], delta2), grads["W2"], what="weight_grad(a1, delta2) vs torch's dL/dW2")
    assert_close(student.weight_grad(X, delta1), grads["W1"], what="weight_grad(X, delta1) vs torch's dL/dW1")


@graded("bias_grad", weight=2)
@given(net=sigmoid_networks())
def test_bias_grad_for_both_layers(student, reference, net):
    X, Y, params = net
    _, _, delta2, delta1 = _intermediates(reference, X, Y, params)
    for delta, layer in ((delta2, "b2"), (delta1, "b1")):
        assert_close(student.bias_grad(delta), reference.bias_grad(delta), what=f"bias_grad(delta) for {layer}",
                     inputs={"delta": delta},
                     alternatives={"bias_not_summed": delta.mean(axis=0) if len(delta) > 1 else None})


@graded("bias_grad")
def test_bias_grad_sums_over_the_batch(student, reference):
    delta = np.array([[0.1, -0.2, 0.3], [0.4, 0.1, -0.1], [-0.3, 0.0, 0.2]])
    call = student.call("bias_grad", delta)
    assert_close(call.value, reference.bias_grad(delta), what="bias_grad(delta)", inputs={"delta": delta},
                 alternatives={"bias_not_summed": delta})
    assert_no_mutation(call, "bias_grad", inputs={"delta": delta})


def _check_backward(student, reference, X, Y, params):
    _, cache = reference.forward(X, params)
    inputs = {"X": X, "Y": Y, **params}
    call = student.call("backward", Y, params, cache)
    if not isinstance(call.value, dict):
        raise Failure("backward should return a dict of gradients with keys W1, b1, W2, b2.", ("not_array",))
    assert_close(call.value, reference.backward(Y, params, cache), what="backward(Y, params, cache)", inputs=inputs)
    assert_close(call.value, network_loss_and_grads(X, Y, params)[1], what="backward vs torch autograd",
                 inputs=inputs)
    return call


@graded("backward", weight=2)
@given(net=sigmoid_networks())
def test_backward_matches_reference_and_torch(student, reference, net):
    X, Y, params = net
    _check_backward(student, reference, X, Y, params)


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
