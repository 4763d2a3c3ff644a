"""Public checks for backprop: `check("relu_grad", relu_grad)` in the notebook; test_public.py runs all."""
import sys
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent.parent))   # the source tree's one public_base.py
from public_base import (Checks, either, fail, losses_go_down, number, same,  # beside this file when released
                         sums_over_the_batch, unchanged)

SUBMISSION = "backprop"   # your backprop.ipynb, or a backprop.py module of the same functions
CHECKS = Checks()
public, check = CHECKS.public, CHECKS.check


def _tiny():
    """A 4-1-4 network small enough to work out by hand."""
    X = np.array([[1.0, 0.0, 1.0, 0.0]])
    params = {"W1": np.ones((4, 1)), "b1": np.array([-1.0]),
              "W2": np.array([[1.0, 2.0, 3.0, 4.0]]), "b2": np.array([0.0, 0.0, 0.0, 1.0])}
    Y = np.array([[1.0, 2.0, 3.0, 3.0]])
    return X, Y, params


@public("relu")
def check_relu(relu):
    z = np.array([[-1.0, 0.0, 2.0]])
    same(relu(z), [[0.0, 0.0, 2.0]], "relu([[-1, 0, 2]])",
         likely={"confused_with_derivative": [[0.0, 0.0, 1.0]], "missing_activation": [[-1.0, 0.0, 2.0]],
                 "sign_flipped": [[-1.0, 0.0, 0.0]]})
    unchanged(np.array([[-1.0, 0.0, 2.0]]), z, "relu")


@public("relu_grad")
def check_relu_grad(relu_grad):
    z = np.array([[-1.0, 0.0, 2.0]])
    same(relu_grad(z), [[0.0, 0.0, 1.0]], "relu_grad([[-1, 0, 2]]) (0 at exactly 0)",
         likely={"relu_gate_at_zero": [[0.0, 1.0, 1.0]], "confused_with_derivative": [[0.0, 0.0, 2.0]]})
    unchanged(np.array([[-1.0, 0.0, 2.0]]), z, "relu_grad")


@public("forward")
def check_forward(forward):
    X, _, params = _tiny()
    X2 = np.vstack([X, np.zeros((1, 4))])
    result = forward(X2, params)
    if not isinstance(result, tuple) or len(result) != 2:
        fail("forward should return a tuple (Y_hat, cache)", "not_array")
    Y_hat, cache = result
    same(Y_hat, [[1.0, 2.0, 3.0, 5.0], [0.0, 0.0, 0.0, 1.0]], "Y_hat",
         likely={"missing_activation": [[1.0, 2.0, 3.0, 5.0], [-1.0, -2.0, -3.0, -3.0]],
                 "missing_bias": [[2.0, 4.0, 6.0, 8.0], [0.0, 0.0, 0.0, 0.0]]})
    if not isinstance(cache, dict) or not {"X", "z1", "h"} <= set(cache):
        fail("cache should be a dict with keys 'X', 'z1' and 'h'", "wrong_keys")
    same(cache["z1"], [[1.0], [-1.0]], "cache['z1']")
    same(cache["h"], [[1.0], [0.0]], "cache['h']")


@public("mse_loss")
def check_mse_loss(mse_loss):
    number(mse_loss(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[1.0, 2.0, 3.0, 6.0]])), 1.0,
           "mse_loss for one error of 2 among 4 entries",
           likely={"wrong_mean_denominator": 4.0, "missing_factor_2": 0.5})
    number(mse_loss(np.zeros((2, 4)), np.vstack([np.zeros(4), [0.0, 0.0, 0.0, 4.0]])), 2.0,
           "mse_loss for one error of 4 among 8 entries", likely={"wrong_mean_denominator": 4.0})


@public("dL_dy")
def check_dL_dy(dL_dy):
    same(dL_dy(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[0.0, 2.0, 3.0, 4.0]])), [[0.5, 0.0, 0.0, 0.0]],
         "dL_dy for one example (2 * error / 4)",
         likely={"missing_factor_2": [[0.25, 0.0, 0.0, 0.0]],
                 "wrong_mean_denominator": either([[2.0, 0.0, 0.0, 0.0]], [[1.0, 0.0, 0.0, 0.0]])})
    same(dL_dy(np.ones((2, 4)), np.zeros((2, 4))), np.full((2, 4), 0.25), "dL_dy for two examples (2 * error / 8)",
         likely={"wrong_mean_denominator": np.full((2, 4), 0.5), "missing_factor_2": np.full((2, 4), 0.125)})


@public("dL_dW2")
def check_dL_dW2(dL_dW2):
    same(dL_dW2(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0, 0.0, 1.0]])),
          [[1.0, 0.0, 0.0, 1.0], [2.0, 0.0, 0.0, 2.0]], "dL_dW2(h=[[1, 2]], dy=[[1, 0, 0, 1]])")
    same(dL_dW2(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.ones((3, 4))), np.full((2, 4), 2.0),
         "dL_dW2(h=[[1, 0], [0, 1], [1, 1]], dy=ones((3, 4))), summed over the batch of 3",
         likely={"wrong_mean_denominator": np.full((2, 4), 2.0 / 3.0),
                 "outer_product_batch": [[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]})


@public("dL_db2")
def check_dL_db2(dL_db2):
    same(dL_db2(np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0]])), [2.0, 3.0, 4.0, 5.0],
         "dL_db2 summed over a batch of 2",
         likely={"bias_not_summed": [1.0, 1.5, 2.0, 2.5], "wrong_axis": [10.0, 4.0]})
    same(dL_db2(np.ones((1, 4))), np.ones(4), "dL_db2 of one example", likely={"shape": np.ones((1, 4))})


@public("dL_dh")
def check_dL_dh(dL_dh):
    W2 = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    same(dL_dh(np.array([[1.0, 0.0, 0.0, 0.0]]), W2), [[1.0, 5.0]], "dL_dh(dy=[[1, 0, 0, 0]], W2)")


@public("dL_dz1")
def check_dL_dz1(dL_dz1):
    dh, z1 = np.array([[1.0, -2.0, 3.0]]), np.array([[-1.0, 0.0, 2.0]])
    same(dL_dz1(dh, z1), [[0.0, 0.0, 3.0]], "dL_dz1(dh=[[1, -2, 3]], z1=[[-1, 0, 2]])",
         likely={"missing_activation_grad": [[1.0, -2.0, 3.0]], "missing_upstream_grad": [[0.0, 0.0, 1.0]],
                 "relu_gate_at_zero": [[0.0, -2.0, 3.0]], "gate_on_wrong_input": [[1.0, 0.0, 3.0]],
                 "confused_with_derivative": [[0.0, 0.0, 6.0]]})
    unchanged(np.array([[1.0, -2.0, 3.0]]), dh, "dL_dz1")
    unchanged(np.array([[-1.0, 0.0, 2.0]]), z1, "dL_dz1")


@public("dL_dW1")
def check_dL_dW1(dL_dW1):
    same(dL_dW1(np.array([[1.0, 0.0, 0.0, 1.0]]), np.array([[2.0, 3.0]])),
          [[2.0, 3.0], [0.0, 0.0], [0.0, 0.0], [2.0, 3.0]], "dL_dW1(X=[[1, 0, 0, 1]], dz1=[[2, 3]])")


@public("dL_db1")
def check_dL_db1(dL_db1):
    sums_over_the_batch(dL_db1, "dL_db1")


@public("backward")
def check_backward(backward):
    X, Y, params = _tiny()
    cache = {"X": X, "z1": np.array([[1.0]]), "h": np.array([[1.0]])}
    grads = backward(Y, params, cache)
    if not isinstance(grads, dict) or set(grads) != {"W1", "b1", "W2", "b2"}:
        fail("backward should return a dict with keys W1, b1, W2, b2", "wrong_keys")
    same(grads["W2"], [[0.0, 0.0, 0.0, 1.0]], "grads['W2']")
    same(grads["b2"], [0.0, 0.0, 0.0, 1.0], "grads['b2']")
    same(grads["W1"], [[4.0], [0.0], [4.0], [0.0]], "grads['W1']")
    same(grads["b1"], [4.0], "grads['b1']")


@public("sgd_step")
def check_sgd_step(sgd_step):
    params = {"W": np.array([[1.0, 2.0]]), "b": np.array([0.5])}
    grads = {"W": np.array([[10.0, -10.0]]), "b": np.array([1.0])}
    new = sgd_step(params, grads, 0.1)
    same(new["W"], [[0.0, 3.0]], "new['W'] = W - 0.1 * dW")
    same(new["b"], [0.4], "new['b'] = b - 0.1 * db", likely={"sign_flipped": [0.6]})
    unchanged(np.array([[1.0, 2.0]]), params["W"], "sgd_step")
    same(sgd_step(params, grads, 0.5)["b"], [0.0], "new['b'] = b - 0.5 * db (the step size is lr)")


@public("numerical_gradient")
def check_numerical_gradient(numerical_gradient):
    x = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda v: float(np.sum(v ** 2)), x)
    unchanged(np.array([1.0, -2.0, 3.0]), x, "numerical_gradient", "input_not_restored")
    if not np.allclose(grad, [2.0, -4.0, 6.0], rtol=0.0, atol=1e-8):   # central differences are exact for x**2
        guess = {"one_sided_difference": [2.0, -4.0, 6.0], "wrong_difference": [1.0, -2.0, 3.0],
                 "missing_factor_2": [4.0, -8.0, 12.0]}
        code = next((c for c, v in guess.items() if np.allclose(grad, v, rtol=0.0, atol=1e-3)), None)
        fail(f"numerical_gradient of sum(x**2) at [1, -2, 3] should be [2, -4, 6], got {grad}", code)


@public("rel_error")
def check_rel_error(rel_error):
    number(rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])), 0.0, "rel_error of equal arrays")
    number(rel_error(np.array([1.0]), np.array([3.0])), 0.5, "rel_error([1], [3]) = |1 - 3| / (1 + 3)",
           likely={"rel_error_zero_guard": 2.0})
    number(rel_error(np.zeros(2), np.zeros(2)), 0.0, "rel_error of two zero arrays (guard the denominator)",
           likely={"rel_error_zero_guard": np.nan})


@public("gradient_check")
def check_gradient_check(gradient_check):
    X, Y, params = _tiny()
    errors = gradient_check(X, Y, params)
    if not isinstance(errors, dict) or set(errors) != {"W1", "b1", "W2", "b2"}:
        raise AssertionError("gradient_check should return a dict with keys W1, b1, W2, b2")
    for key, value in errors.items():
        if not 0.0 <= float(value) < 1e-6:
            raise AssertionError(f"gradient_check(...)[{key!r}] = {value}: correct gradients should give < 1e-6")


public("train")(losses_go_down(_tiny, lr=0.01, first_loss=1.0))


@public("make_dataset")
def check_make_dataset(make_dataset):
    X, Y = make_dataset()
    same(X[11], [1.0, 0.0, 1.0, 1.0], "X[11] (the bits of 11, most significant first)")
    same(Y[11], [1.0, 1.0, 0.0, 1.0], "Y[11] (the 2x2 image [[1, 0], [1, 1]] transposed)")
    if X.shape != (16, 4) or Y.shape != (16, 4):
        raise AssertionError("X and Y should both have shape (16, 4)")


@public("accuracy")
def check_accuracy(accuracy):
    Y_hat = np.array([[0.9, 0.1, 1.2, -0.3], [0.4, 0.6, 0.0, 1.0]])
    Y = np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 1.0]])
    result = accuracy(Y_hat, Y)
    if isinstance(result, bool) or not isinstance(result, (int, np.integer)) or result != 1:
        raise AssertionError(f"accuracy should be the int 1 here (only the first row rounds to its target), "
                             f"got {result!r}")



# -- the exercises ------------------------------------------------------------------

@public("lr_sweep")
def check_lr_sweep(lr_sweep):
    X, Y, params = _tiny()
    losses = lr_sweep(X, Y, params, [0.0, 0.01], 2)
    if not isinstance(losses, np.ndarray) or losses.shape != (2, 3):
        raise AssertionError(f"lr_sweep(..., lrs=[0.0, 0.01], steps=2) should be an array of shape (2, 3), got "
                             f"{getattr(losses, 'shape', type(losses).__name__)}")
    same(losses[0], [1.0, 1.0, 1.0], "row 0 (lr = 0: nothing changes, the loss stays 1)")
    number(losses[1, 0], 1.0, "losses[1, 0], the loss before any update")
    if not losses[1, 2] < losses[1, 0]:
        raise AssertionError("row 1 (lr = 0.01) should go down")


@public("steps_to_reach")
def check_steps_to_reach(steps_to_reach):
    losses = np.array([1.0, 0.5, 0.2, 0.05])
    for threshold, expected in ((0.1, 3), (0.5, 2), (0.01, -1)):
        result = steps_to_reach(losses, threshold)
        if result != expected or isinstance(result, bool):
            raise AssertionError(f"steps_to_reach([1.0, 0.5, 0.2, 0.05], {threshold}) should be {expected} "
                                 f"(strictly below; -1 if never), got {result!r}")


@public("unreachable_pattern")
def check_unreachable_pattern(unreachable_pattern):
    W2 = np.array([[1.0, -1.0, 0.0, 0.0], [0.0, 1.0, -1.0, 0.0], [0.0, 0.0, 1.0, -1.0]])
    # Each row of W2 sums to 0, so every output h @ W2 + b2 has the entries' sum of b2.
    same(unreachable_pattern(W2, np.ones(4)), [0.0, 0.0, 0.0, 0.0],
          "unreachable_pattern when every output's entries sum to 4 (they cannot all be at most 1/2)")
    same(unreachable_pattern(W2, np.zeros(4)), [1.0, 1.0, 1.0, 1.0],
          "unreachable_pattern when every output's entries sum to 0 (they cannot all be above 1/2)")


@public("make_hflip_dataset")
def check_make_hflip_dataset(make_hflip_dataset):
    X, Y = make_hflip_dataset()
    if X.shape != (16, 4) or Y.shape != (16, 4):
        raise AssertionError("X and Y should both have shape (16, 4)")
    same(X[11], [1.0, 0.0, 1.0, 1.0], "X[11] (the bits of 11, most significant first)")
    same(Y[11], [0.0, 1.0, 1.0, 1.0], "Y[11] (the image [[1, 0], [1, 1]] flipped left to right)")
    same(Y[6], [1.0, 0.0, 0.0, 1.0], "Y[6] (the image [[0, 1], [1, 0]] flipped left to right)")
