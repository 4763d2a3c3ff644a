"""Public checks for backprop_sigmoid: `check("sigmoid_grad", sigmoid_grad)` in the notebook; test_public.py runs all.

Most numbers below use sigmoid(0) = 1/2 and sigmoid(ln 3) = 1 / (1 + 1/3) = 3/4.
"""
import sys
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent.parent))   # the source tree's one public_base.py
from public_base import (Checks, either, fail, losses_go_down, number, same,  # beside this file when released
                         sums_over_the_batch, unchanged)

SUBMISSION = "backprop_sigmoid"   # your backprop_sigmoid.ipynb, or a backprop_sigmoid.py module of the same functions
CHECKS = Checks()
public, check = CHECKS.public, CHECKS.check
LN3 = float(np.log(3.0))


def _tiny():
    """A 2-1-1 network small enough to work out by hand: z1 = 0, a1 = 1/2, z2 = ln 3, y_hat = 3/4."""
    X = np.array([[1.0, 2.0]])
    Y = np.array([[1.0]])
    params = {"W1": np.zeros((2, 1)), "b1": np.array([0.0]), "W2": np.array([[2.0 * LN3]]), "b2": np.array([0.0])}
    return X, Y, params


@public("sigmoid")
def check_sigmoid(sigmoid):
    z = np.array([[0.0, LN3, -LN3]])
    same(sigmoid(z), [[0.5, 0.75, 0.25]], "sigmoid([[0, ln 3, -ln 3]])",
         likely={"sign_flipped": [[0.5, 0.25, 0.75]], "confused_with_derivative": [[0.25, 0.1875, 0.1875]]})
    unchanged(np.array([[0.0, LN3, -LN3]]), z, "sigmoid")


@public("sigmoid_grad")
def check_sigmoid_grad(sigmoid_grad):
    same(sigmoid_grad(np.array([[0.0, LN3]])), [[0.25, 0.1875]],
         "sigmoid_grad([[0, ln 3]]) = sigmoid * (1 - sigmoid) = [[1/2 * 1/2, 3/4 * 1/4]]",
         likely={"derivative_at_activation": either([[0.0, -0.108337]], [[0.235004, 0.217895]]),
                 "confused_with_derivative": [[0.5, 0.75]]})


@public("forward")
def check_forward(forward):
    X, _, params = _tiny()
    result = forward(X, params)
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError("forward should return a tuple (Y_hat, cache)")
    Y_hat, cache = result
    same(Y_hat, [[0.75]], "Y_hat", likely={"missing_activation": either([[LN3]], [[0.5]])})
    if not isinstance(cache, dict) or not {"X", "z1", "a1", "z2"} <= set(cache):
        raise AssertionError("cache should be a dict with keys 'X', 'z1', 'a1' and 'z2'")
    same(cache["z1"], [[0.0]], "cache['z1']")
    same(cache["a1"], [[0.5]], "cache['a1']")
    same(cache["z2"], [[LN3]], "cache['z2']")
    params["b2"] = np.array([-2.0 * LN3])
    same(forward(X, params)[0], [[0.25]], "Y_hat with b2 = -2 ln 3 (z2 = ln 3 - 2 ln 3 = -ln 3)")


@public("half_mse_loss")
def check_half_mse_loss(half_mse_loss):
    number(half_mse_loss(np.array([[0.75]]), np.array([[1.0]])), 0.03125, "half_mse_loss: 1/2 * (0.75 - 1)^2",
           likely={"missing_factor_2": 0.0625})
    number(half_mse_loss(np.array([[1.0], [0.0]]), np.zeros((2, 1))), 0.25,
            "half_mse_loss for errors 1 and 0: the mean of 1/2 * 1 and 0")


@public("output_delta")
def check_output_delta(output_delta):
    same(output_delta(np.array([[0.75]]), np.array([[1.0]])), [[-0.046875]],
         "output_delta(y_hat=0.75, y=1) = (0.75 - 1) * 0.75 * (1 - 0.75)",
         likely={"missing_activation_grad": [[-0.25]], "derivative_at_activation": [[-0.0544737]]})
    same(output_delta(np.array([[0.5], [0.5]]), np.array([[1.0], [0.0]])), [[-0.0625], [0.0625]],
         "output_delta for two examples with y_hat = 1/2, y = 1 and 0 (the mean has 2 terms)",
         likely={"wrong_mean_denominator": [[-0.125], [0.125]]})


@public("hidden_delta")
def check_hidden_delta(hidden_delta):
    same(hidden_delta(np.array([[1.0]]), np.array([[2.0], [4.0]]), np.array([[0.0, LN3]])), [[0.5, 0.75]],
         "hidden_delta(delta2=[[1]], W2=[[2], [4]], z1=[[0, ln 3]]) = [[2 * 1/4, 4 * 3/16]]",
         likely={"missing_activation_grad": [[2.0, 4.0]],
                 "derivative_at_activation": either([[0.0, -0.433347]], [[0.470007, 0.87158]])})


@public("weight_grad")
def check_weight_grad(weight_grad):
    same(weight_grad(np.array([[1.0, 2.0]]), np.array([[3.0]])), [[3.0], [6.0]],
          "weight_grad(a_prev=[[1, 2]], delta=[[3]])")
    same(weight_grad(np.ones((3, 2)), np.ones((3, 1))), [[3.0], [3.0]], "weight_grad summed over a batch of 3")


@public("bias_grad")
def check_bias_grad(bias_grad):
    sums_over_the_batch(bias_grad, "bias_grad")


@public("backward")
def check_backward(backward):
    X, Y, params = _tiny()
    cache = {"X": X, "z1": np.array([[0.0]]), "a1": np.array([[0.5]]), "z2": np.array([[LN3]])}
    grads = backward(Y, params, cache)
    if not isinstance(grads, dict) or set(grads) != {"W1", "b1", "W2", "b2"}:
        fail("backward should return a dict with keys W1, b1, W2, b2", "wrong_keys")
    delta2 = -0.046875                         # (3/4 - 1) * 3/4 * 1/4
    delta1 = delta2 * 2.0 * LN3 * 0.25         # delta2 * W2 * sigmoid'(0)
    same(grads["W2"], [[0.5 * delta2]], "grads['W2']",
         likely={"missing_activation": [[-0.00534166]], "wrong_layer_input": [[0.0]]})
    same(grads["b2"], [delta2], "grads['b2']")
    same(grads["W1"], [[delta1], [2.0 * delta1]], "grads['W1']")
    same(grads["b1"], [delta1], "grads['b1']")


@public("backward_loop")
def check_backward_loop(backward_loop):
    X, Y, params = _tiny()
    X2, Y2 = np.vstack([X, X]), np.vstack([Y, Y])      # the same example twice: the mean of two equal terms
    cache = {"X": X2, "z1": np.zeros((2, 1)), "a1": np.full((2, 1), 0.5), "z2": np.full((2, 1), LN3)}
    grads = backward_loop(Y2, params, cache)
    if not isinstance(grads, dict) or set(grads) != {"W1", "b1", "W2", "b2"}:
        raise AssertionError("backward_loop should return a dict with keys W1, b1, W2, b2")
    delta2 = -0.046875
    delta1 = delta2 * 2.0 * LN3 * 0.25
    same(grads["W2"], [[0.5 * delta2]], "grads['W2'] for the tiny example written twice (as for it once)",
         likely={"wrong_mean_denominator": [[delta2]]})
    same(grads["b2"], [delta2], "grads['b2'] for the tiny example written twice")
    same(grads["W1"], [[delta1], [2.0 * delta1]], "grads['W1'] for the tiny example written twice")
    same(grads["b1"], [delta1], "grads['b1'] for the tiny example written twice")


@public("numerical_grads")
def check_numerical_grads(numerical_grads):
    params = {"w": np.array([[1.0, -2.0]]), "b": np.array([3.0])}
    grads = numerical_grads(lambda p: float(np.sum(p["w"] ** 2) + 0.5 * np.sum(p["b"] ** 2)), params)
    if not isinstance(grads, dict) or set(grads) != {"w", "b"}:
        raise AssertionError("numerical_grads should return a dict with the keys of params (here 'w' and 'b')")
    for key, want in (("w", [[2.0, -4.0]]), ("b", [3.0])):   # central differences are exact for squares
        if np.shape(grads[key]) != np.shape(want) or not np.allclose(grads[key], want, rtol=0.0, atol=1e-8):
            one_sided = np.shape(grads[key]) == np.shape(want) and np.allclose(grads[key], want, rtol=0.0, atol=1e-3)
            fail(f"numerical_grads(...)[{key!r}] of sum(w**2) + 0.5 * sum(b**2) at w = [[1, -2]], "
                 f"b = [3] should be {want}, got {grads[key]}", "one_sided_difference" if one_sided else None)
    unchanged(np.array([[1.0, -2.0]]), params["w"], "numerical_grads (params['w'] must be as it was)")


@public("sgd_step")
def check_sgd_step(sgd_step):
    params = {"W": np.array([[1.0, 2.0]]), "b": np.array([0.5])}
    grads = {"W": np.array([[10.0, -10.0]]), "b": np.array([1.0])}
    new = sgd_step(params, grads, 0.5)
    same(new["W"], [[-4.0, 7.0]], "new['W'] = W - 0.5 * dW",
         likely={"sign_flipped": [[6.0, -3.0]], "step_size_ignored": [[-9.0, 12.0]]})
    same(new["b"], [0.0], "new['b'] = b - 0.5 * db")
    unchanged(np.array([[1.0, 2.0]]), params["W"], "sgd_step")


public("train")(losses_go_down(_tiny, lr=0.5, first_loss=0.03125))


@public("xor_dataset")
def check_xor_dataset(xor_dataset):
    X, Y = xor_dataset()
    same(X, [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], "X")
    same(Y, [[0.0], [1.0], [1.0], [0.0]], "Y (one column)",
         likely={"shape": [0.0, 1.0, 1.0, 0.0], "labels_inverted": [[1.0], [0.0], [0.0], [1.0]]})


@public("predict")
def check_predict(predict):
    X, _, params = _tiny()
    same(predict(X, params), [[1.0]], "predict where y_hat = 0.75",
         likely={"wrong_threshold": [[0.75]], "labels_inverted": [[0.0]]})
    params["b2"] = np.array([-2.0 * LN3])
    same(predict(X, params), [[0.0]], "predict where y_hat = 0.25")
