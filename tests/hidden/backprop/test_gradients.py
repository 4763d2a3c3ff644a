"""The seven gradient steps and `backward`: reference, torch autograd, known mistakes named."""
import numpy as np
from hypothesis import given

from autograder.testing import Failure, assert_close, assert_no_mutation, graded
from autograder.testing.oracle import network_loss_and_grads, output_grad
from autograder.testing.strategies import networks, random_network


def _intermediates(reference, X, Y, params):
    """Everything the reference computes on the way back: dy, dh, dz1 and the cache."""
    Y_hat, cache = reference.forward(X, params)
    dy = reference.dL_dy(Y_hat, Y)
    dh = reference.dL_dh(dy, params["W2"])
    dz1 = reference.dL_dz1(dh, cache["z1"])
    return Y_hat, cache, dy, dh, dz1


@graded("dL_dy", weight=2)
@given(net=networks())
def test_dL_dy_matches_reference_and_torch(student, reference, net):
    X, Y, params = net
    Y_hat, _ = reference.forward(X, params)
    n = Y.shape[0]
    kw = dict(what="dL_dy(Y_hat, Y)", inputs={"Y_hat": Y_hat, "Y": Y},
              factors={"wrong_mean_denominator": [n, 4, 4 * n]})
    actual = student.dL_dy(Y_hat, Y)
    assert_close(actual, reference.dL_dy(Y_hat, Y), **kw)
    assert_close(actual, output_grad(Y_hat, Y), **kw)


@graded("dL_dy")
def test_dL_dy_keeps_its_inputs(student):
    Y_hat, Y = np.array([[0.1, -0.1, -0.05, -0.25]]), np.array([[1.0, 1.0, 0.0, 1.0]])
    assert_no_mutation(student.call("dL_dy", Y_hat, Y), "dL_dy", inputs={"Y_hat": Y_hat, "Y": Y})


@graded("dL_dW2", weight=2)
@given(net=networks())
def test_dL_dW2_matches_reference(student, reference, net):
    X, Y, params = net
    _, cache, dy, _, _ = _intermediates(reference, X, Y, params)
    h = cache["h"]
    assert_close(student.dL_dW2(h, dy), reference.dL_dW2(h, dy), what="dL_dW2(h, dy)",
                 inputs={"h": h, "dy": dy},
                 alternatives={"outer_product_batch": np.outer(h[0], dy[0]) if len(h) > 1 else None},
                 factors={"wrong_mean_denominator": [len(h)]})


@graded("dL_db2", weight=2)
@given(net=networks())
def test_dL_db2_matches_reference(student, reference, net):
    X, Y, params = net
    dy = _intermediates(reference, X, Y, params)[2]
    assert_close(student.dL_db2(dy), reference.dL_db2(dy), what="dL_db2(dy)", inputs={"dy": dy},
                 alternatives={"bias_not_summed": dy.mean(axis=0) if len(dy) > 1 else None})


@graded("dL_db2")
def test_dL_db2_sums_over_the_batch(student, reference):
    dy = np.array([[0.1, -0.2, 0.3, 0.0], [0.4, 0.1, -0.1, 0.2], [-0.3, 0.0, 0.2, 0.1]])
    call = student.call("dL_db2", dy)
    assert_close(call.value, reference.dL_db2(dy), what="dL_db2(dy)", inputs={"dy": dy},
                 alternatives={"bias_not_summed": dy})
    assert_no_mutation(call, "dL_db2", inputs={"dy": dy})


@graded("dL_dh", weight=2)
@given(net=networks())
def test_dL_dh_matches_reference(student, reference, net):
    X, Y, params = net
    dy = _intermediates(reference, X, Y, params)[2]
    W2 = params["W2"]
    assert_close(student.dL_dh(dy, W2), reference.dL_dh(dy, W2), what="dL_dh(dy, W2)",
                 inputs={"dy": dy, "W2": W2})


@graded("dL_dz1", weight=2)
@given(net=networks())
def test_dL_dz1_matches_reference(student, reference, net):
    X, Y, params = net
    _, cache, _, dh, _ = _intermediates(reference, X, Y, params)
    z1 = cache["z1"]
    assert_close(student.dL_dz1(dh, z1), reference.dL_dz1(dh, z1), what="dL_dz1(dh, z1)",
                 inputs={"dh": dh, "z1": z1},
                 alternatives={"gate_on_wrong_input": dh * (dh > 0), "wrong_values": dh})


@graded("dL_dz1")
def test_dL_dz1_keeps_its_inputs(student):
    dh, z1 = np.array([[-0.1, 0.3, 0.4]]), np.array([[0.5, -0.2, 0.1]])
    assert_no_mutation(student.call("dL_dz1", dh, z1), "dL_dz1", inputs={"dh": dh, "z1": z1})


@graded("dL_dW1", weight=2)
@given(net=networks())
def test_dL_dW1_matches_reference(student, reference, net):
    X, Y, params = net
    dz1 = _intermediates(reference, X, Y, params)[4]
    assert_close(student.dL_dW1(X, dz1), reference.dL_dW1(X, dz1), what="dL_dW1(X, dz1)",
                 inputs={"X": X, "dz1": dz1},
                 alternatives={"outer_product_batch": np.outer(X[0], dz1[0]) if len(X) > 1 else None},
                 factors={"wrong_mean_denominator": [len(X)]})


@graded("dL_db1", weight=2)
@given(net=networks())
def test_dL_db1_matches_reference(student, reference, net):
    X, Y, params = net
    dz1 = _intermediates(reference, X, Y, params)[4]
    assert_close(student.dL_db1(dz1), reference.dL_db1(dz1), what="dL_db1(dz1)", inputs={"dz1": dz1},
                 alternatives={"bias_not_summed": dz1.mean(axis=0) if len(dz1) > 1 else None})


@graded("dL_db1")
def test_dL_db1_sums_over_the_batch(student, reference):
    dz1 = np.array([[0.0, 0.2, 0.44], [0.1, 0.0, -0.3]])
    call = student.call("dL_db1", dz1)
    assert_close(call.value, reference.dL_db1(dz1), what="dL_db1(dz1)", inputs={"dz1": dz1},
                 alternatives={"bias_not_summed": dz1})
    assert_no_mutation(call, "dL_db1", inputs={"dz1": dz1})


def _check_backward(student, reference, X, Y, params, *, torch_too):
    _, cache = reference.forward(X, params)
    inputs = {"X": X, "Y": Y, **params}
    grads = student.backward(Y, params, cache)
    assert_close(grads, reference.backward(Y, params, cache), what="backward(Y, params, cache)", inputs=inputs)
    if torch_too:
        assert_close(grads, network_loss_and_grads(X, Y, params)[1], what="backward vs torch autograd",
                     inputs=inputs)


@graded("backward", weight=2)
@given(net=networks())
def test_backward_matches_reference_and_torch(student, reference, net):
    X, Y, params = net
    _check_backward(student, reference, X, Y, params, torch_too=True)


@graded("backward")
def test_backward_on_larger_random_networks(student, reference):
    for seed in range(3):
        X, Y, params = random_network(seed=100 + seed, n=8, hidden=6)
        _check_backward(student, reference, X, Y, params, torch_too=True)


@graded("backward")
def test_backward_walkthrough_and_no_mutation(student, reference):
    X, Y = np.array([[1.0, 0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 0.0, 1.0]])
    params = reference.walkthrough_params()
    _, cache = reference.forward(X, params)
    call = student.call("backward", Y, params, cache)
    if not isinstance(call.value, dict):
        raise Failure("backward should return a dict of gradients with keys W1, b1, W2, b2.", ("not_array",))
    assert_close(call.value, reference.backward(Y, params, cache), what="backward on the walk-through example",
                 inputs={"X": X, "Y": Y})
    assert_no_mutation(call, "backward", inputs={"X": X, "Y": Y})
