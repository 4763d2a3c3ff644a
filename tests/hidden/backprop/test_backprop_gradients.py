"""The seven gradient steps and `backward`: reference, torch autograd, known mistakes named."""
import numpy as np
from hypothesis import given

from autograder.testing import Failure, Mistake, assert_close, assert_no_mutation, each_graded, graded
from autograder.testing.composite import with_parts
from autograder.testing.forward import reference_output
from autograder.testing.oracle import hidden_grads, network_loss_and_grads, output_grad
from autograder.testing.strategies import either_side_of_the_kinks, networks, random_network



def _intermediates(reference, X, Y, params):
    """Everything the reference computes on the way back: dy, dh, dz1 and the cache."""
    Y_hat, cache = reference.forward(X, params)
    dy = reference.dL_dy(Y_hat, Y)
    dh = reference.dL_dh(dy, params["W2"])
    dz1 = reference.dL_dz1(dh, cache["z1"])
    return Y_hat, cache, dy, dh, dz1


def weight_grad_mistakes(a, d):
    """What the classic mistakes give for a weight gradient a.T @ d (a: layer input, d: its error)."""
    return [Mistake("outer_product_batch", np.outer(a, d)), Mistake("outer_product_batch", np.outer(a[0], d[0]))]


def bias_grad_mistakes(d):
    return [Mistake("bias_not_summed", d.mean(axis=0)), Mistake("bias_not_summed", d),
            Mistake("wrong_axis", d.sum(axis=1)), Mistake("wrong_axis", np.float64(d.sum())),
            Mistake(("wrong_axis", "shape"), np.array([d.sum()]))]


def _check_with_torch(student, reference, name, inputs, torch_value, **kw):
    """`name`(*inputs.values()) against the reference's value and torch autograd's `torch_value`.
    inputs: argument name -> array, in the order of the arguments; kw: assert_close's mistakes, factors."""
    what = f"{name}({', '.join(inputs)})"
    actual = getattr(student, name)(*inputs.values())
    assert_close(actual, getattr(reference, name)(*inputs.values()), what=what, inputs=inputs, **kw)
    assert_close(actual, torch_value, what=f"{what} vs torch autograd", inputs=inputs, **kw)


def _check_weight_grad(student, reference, name, inputs, torch_value):
    """A weight gradient `name`(a, d) = a.T @ d, inputs {a: (N, in) the layer's input, d: (N, out) its error}."""
    a, d = inputs.values()
    _check_with_torch(student, reference, name, inputs, torch_value,
                      mistakes=weight_grad_mistakes(a, d) if len(a) > 1 else None,
                      factors={"wrong_mean_denominator": [len(a)]})


def _check_bias_grad(student, reference, name, inputs, torch_value):
    """A bias gradient `name`(d), the sum of d (N, out) over the batch; inputs {d's name: d}."""
    (d,) = inputs.values()
    _check_with_torch(student, reference, name, inputs, torch_value,
                      mistakes=bias_grad_mistakes(d) if len(d) > 1 else [Mistake("wrong_axis", d.sum(axis=1))])


def _check_bias_sum(student, reference, name, inputs):
    """A bias gradient `name`(d) on a hand-made batch d (N, out) of N > 1: the sum, its input kept."""
    (d,) = inputs.values()
    call = student.call(name, d)
    assert_close(call.value, getattr(reference, name)(d), what=f"{name}({', '.join(inputs)})", inputs=inputs,
                 mistakes=bias_grad_mistakes(d))
    assert_no_mutation(call, name, inputs=inputs)


def gate_mistakes(dh, z1):
    return [Mistake("gate_on_wrong_input", dh * (dh > 0)), Mistake("missing_activation_grad", dh),
            Mistake("confused_with_derivative", dh * np.maximum(0.0, z1)),
            Mistake("missing_upstream_grad", (z1 > 0) * 1.0), Mistake("relu_gate_at_zero", dh * (z1 >= 0))]


@graded("dL_dy", weight=2, core=True)
@given(net=networks())
def test_dL_dy_matches_reference_and_torch(student, reference, net):
    Y_hat, Y, n = reference_output(reference, net)
    kw = dict(what="dL_dy(Y_hat, Y)", inputs={"Y_hat": Y_hat, "Y": Y},
              factors={"wrong_mean_denominator": [n, 4, 4 * n]})
    actual = student.dL_dy(Y_hat, Y)
    assert_close(actual, reference.dL_dy(Y_hat, Y), **kw)
    assert_close(actual, output_grad(Y_hat, Y), **kw)


@graded("dL_dy")
def test_dL_dy_on_a_batch_of_three(student, reference):
    """N = 3: the factors 2, 4 and N all differ here, so every forgotten one is named whichever batch
    size the randomized check met first (with N = 2, 2N and 4 are the same factor)."""
    Y_hat = np.array([[0.1, -0.1, -0.05, -0.25], [0.3, 0.2, 0.9, 0.4], [1.2, -0.4, 0.0, 0.6]])
    Y = np.array([[1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]])
    assert_close(student.dL_dy(Y_hat, Y), reference.dL_dy(Y_hat, Y), what="dL_dy(Y_hat, Y) for a batch of 3",
                 inputs={"Y_hat": Y_hat, "Y": Y}, factors={"wrong_mean_denominator": [3, 4, 12]})


@graded("dL_dy")
def test_dL_dy_keeps_its_inputs(student):
    Y_hat, Y = np.array([[0.1, -0.1, -0.05, -0.25]]), np.array([[1.0, 1.0, 0.0, 1.0]])
    assert_no_mutation(student.call("dL_dy", Y_hat, Y), "dL_dy", inputs={"Y_hat": Y_hat, "Y": Y})


PARAMETER = {"dL_dW2": "W2", "dL_db2": "b2", "dL_dW1": "W1", "dL_db1": "b1"}   # what each gradient is of


def _layer_inputs(reference, net, function):
    """The arguments of a layer's gradient `function` on the reference's way back through net = (X, Y, params)."""
    X, Y, params = net
    _, cache, dy, _, dz1 = _intermediates(reference, X, Y, params)
    return {"dL_dW2": {"h": cache["h"], "dy": dy}, "dL_db2": {"dy": dy},
            "dL_dW1": {"X": X, "dz1": dz1}, "dL_db1": {"dz1": dz1}}[function]


def _hand_made(function):
    """Fixed arguments for a layer's gradient `function`, fresh arrays each time (a mutant may change them)."""
    rows = {"dL_dW2": {"h": [[0.5, 0.0, 1.2], [0.1, 0.3, 0.0]], "dy": [[0.1, -0.2, 0.3, 0.05], [0.2, 0.1, -0.4, 0.3]]},
            "dL_dW1": {"X": [[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]], "dz1": [[0.1, 0.0, -0.2], [0.3, 0.2, 0.0]]},
            "dL_db2": {"dy": [[0.1, -0.2, 0.3, 0.0], [0.4, 0.1, -0.1, 0.2], [-0.3, 0.0, 0.2, 0.1]]},
            "dL_db1": {"dz1": [[0.0, 0.2, 0.44], [0.1, 0.0, -0.3]]}}[function]
    return {name: np.array(value) for name, value in rows.items()}


@each_graded("dL_dW2", "dL_db2", "dL_dW1", "dL_db1", weight=2, core=True)
@given(net=networks())
def test_layer_grad_matches_reference(student, reference, function, net):
    parameter = PARAMETER[function]
    check = _check_weight_grad if parameter.startswith("W") else _check_bias_grad
    torch_value = network_loss_and_grads(*net)[1][parameter]
    check(student, reference, function, _layer_inputs(reference, net, function), torch_value)


@each_graded("dL_dW2", "dL_dW1")
def test_weight_grad_keeps_its_inputs(student, function):
    inputs = _hand_made(function)
    assert_no_mutation(student.call(function, *inputs.values()), function, inputs=inputs)


@each_graded("dL_db2", "dL_db1")
def test_bias_grad_sums_over_the_batch(student, reference, function):
    _check_bias_sum(student, reference, function, _hand_made(function))


@graded("dL_dh", weight=2, core=True)
@given(net=networks())
def test_dL_dh_matches_reference(student, reference, net):
    X, Y, params = net
    dy = _intermediates(reference, X, Y, params)[2]
    W2 = params["W2"]
    kw = dict(inputs={"dy": dy, "W2": W2}, mistakes=[
        Mistake("wrong_axis", (dy @ W2.T).sum(axis=0)),
        Mistake("transposed", dy @ W2 if W2.shape[0] == W2.shape[1] else None)])
    actual = student.dL_dh(dy, W2)
    assert_close(actual, reference.dL_dh(dy, W2), what="dL_dh(dy, W2)", **kw)
    assert_close(actual, hidden_grads(X, Y, params)[0], what="dL_dh(dy, W2) vs torch autograd", **kw)


@graded("dL_dh")
def test_dL_dh_with_a_square_W2(student, reference):
    """With H = 4, forgetting to transpose W2 gives a wrong value instead of a shape error."""
    dy = np.array([[0.1, -0.2, 0.3, 0.05], [0.2, 0.1, -0.4, 0.3]])
    W2 = np.array([[0.3, -0.2, 0.4, 0.1], [-0.1, 0.5, -0.3, 0.2], [0.2, -0.4, 0.1, -0.5], [0.6, 0.1, 0.0, 0.3]])
    call = student.call("dL_dh", dy, W2)
    assert_close(call.value, reference.dL_dh(dy, W2), what="dL_dh(dy, W2) with H = 4",
                 inputs={"dy": dy, "W2": W2}, mistakes=[Mistake("transposed", dy @ W2)])
    assert_no_mutation(call, "dL_dh", inputs={"dy": dy, "W2": W2})


@graded("dL_dz1", weight=2, core=True)
@given(net=networks())
def test_dL_dz1_matches_reference(student, reference, net):
    X, Y, params = net
    _, cache, _, dh, _ = _intermediates(reference, X, Y, params)
    z1 = cache["z1"]
    actual = student.dL_dz1(dh, z1)
    assert_close(actual, reference.dL_dz1(dh, z1), what="dL_dz1(dh, z1)",
                 inputs={"dh": dh, "z1": z1}, mistakes=gate_mistakes(dh, z1))
    assert_close(actual, hidden_grads(X, Y, params)[1], what="dL_dz1(dh, z1) vs torch autograd",
                 inputs={"dh": dh, "z1": z1}, mistakes=gate_mistakes(dh, z1))


@graded("dL_dz1")
def test_dL_dz1_keeps_its_inputs(student, reference):
    """No z1 at exactly 0 here: the convention at the kink is relu_grad's, graded there only, so that
    a relu_grad wrong at 0 does not cost dL_dz1's points as well."""
    dh, z1 = np.array([[-0.1, 0.3, 0.4], [0.2, -0.5, 0.6]]), np.array([[0.5, -0.2, 0.1], [-0.2, 0.3, 0.7]])
    call = student.call("dL_dz1", dh, z1)
    assert_no_mutation(call, "dL_dz1", inputs={"dh": dh, "z1": z1})
    assert_close(call.value, reference.dL_dz1(dh, z1), what="dL_dz1(dh, z1)",
                 inputs={"dh": dh, "z1": z1}, mistakes=gate_mistakes(dh, z1))


def backward_mistakes(reference, Y, params, cache):
    """The gradients that the classic mistakes inside backward give (reference with one wrong step)."""
    def wrong(**parts):
        return with_parts(reference.backward, reference, parts)(Y, params, cache)
    return [Mistake("gate_on_wrong_input", wrong(dL_dz1=lambda dh, z1: dh * (dh > 0))),
            Mistake("missing_activation_grad", wrong(dL_dz1=lambda dh, z1: dh))]


def _check_backward(student, reference, X, Y, params, *, torch_too):
    _, cache = reference.forward(X, params)
    inputs = {"X": X, "Y": Y, **params}
    grads = student.call("backward", Y, params, cache).value
    n = len(Y)
    kw = dict(inputs=inputs, mistakes=backward_mistakes(reference, Y, params, cache),
              factors={"wrong_mean_denominator": [n, 4, 4 * n]})
    assert_close(grads, reference.backward(Y, params, cache), what="backward(Y, params, cache)", **kw)
    if torch_too:
        assert_close(grads, network_loss_and_grads(X, Y, params)[1], what="backward vs torch autograd", **kw)


@graded("backward", weight=2, core=True)
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
    assert_no_mutation(call, "backward", inputs={"X": X, "Y": Y})
    # the walk-through's z1[0] is 0 in exact arithmetic: a backward that recomputes the forward pass
    # from cache["X"] in another summation order sees it from the other side of the kink
    mistakes, failures = backward_mistakes(reference, Y, params, cache), []
    for start in either_side_of_the_kinks(X, params):
        try:
            assert_close(call.value, reference.backward(Y, start, reference.forward(X, start)[1]),
                         what="backward on the walk-through example", inputs={"X": X, "Y": Y}, mistakes=mistakes)
            return
        except Failure as failure:
            failures.append(failure)
    raise failures[0]
