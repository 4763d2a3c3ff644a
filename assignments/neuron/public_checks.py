"""Public checks for neuron: `check("bce_grads", bce_grads)` in the notebook; test_public.py runs all."""
import sys
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent.parent))   # the source tree's one public_base.py
from public_base import Checks, number, same, unchanged  # beside this file when released

SUBMISSION = "neuron"   # your neuron.ipynb, or a neuron.py module of the same functions
CHECKS = Checks()
public, check = CHECKS.public, CHECKS.check


def _pair(result, what):
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{what} should return a tuple of two arrays, got {type(result).__name__}")
    return result


@public("relu_layer")
def check_relu_layer(relu_layer):
    X = np.array([[1.0, 2.0], [-1.0, 0.0]])
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([0.0, -1.0, 0.5])
    same(relu_layer(X, W, b), [[1.0, 1.0, 3.5], [0.0, 0.0, 0.0]],
         "relu_layer(X, W, b): Z = X @ W.T + b = [[1, 1, 3.5], [-1, -1, -0.5]], then max(0, Z)",
         likely={"missing_activation": [[1.0, 1.0, 3.5], [-1.0, -1.0, -0.5]],
                 "missing_bias": [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]})
    unchanged(np.array([[1.0, 2.0], [-1.0, 0.0]]), X, "relu_layer")


@public("sigmoid")
def check_sigmoid(sigmoid):
    z = np.array([0.0, np.log(3.0), -np.log(3.0)])
    same(sigmoid(z), [0.5, 0.75, 0.25], "sigmoid([0, log 3, -log 3])")
    same(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0], "sigmoid([-1000, 1000]) (no NaN)")


@public("neuron_forward")
def check_neuron_forward(neuron_forward):
    X = np.array([[1.0, 2.0], [0.0, 0.0]])
    z, p = _pair(neuron_forward(X, np.array([[np.log(3.0), 0.0]]), np.array([0.0])), "neuron_forward")
    same(z, [np.log(3.0), 0.0], "z = (X @ W.T + b)[:, 0], shape (N,)")
    same(p, [0.75, 0.5], "p = sigmoid(z), shape (N,)", likely={"missing_activation": [np.log(3.0), 0.0]})


@public("bce_loss")
def check_bce_loss(bce_loss):
    number(bce_loss(np.array([0.0, 0.0]), np.array([1.0, 0.0])), np.log(2.0), "bce_loss(z=[0, 0], y=[1, 0]) = log 2")
    number(bce_loss(np.array([np.log(3.0)]), np.array([0.0])), np.log(4.0),
            "bce_loss(z=[log 3], y=[0]) = -log(1 - 0.75)")
    number(bce_loss(np.array([1000.0]), np.array([0.0])), 1000.0,
            "bce_loss(z=[1000], y=[0]): finite and exact, computed from z")


@public("bce_grad_z")
def check_bce_grad_z(bce_grad_z):
    same(bce_grad_z(np.array([0.0, np.log(3.0)]), np.array([1.0, 1.0])), [-0.25, -0.125],
         "bce_grad_z(z=[0, log 3], y=[1, 1]) = (p - y) / N",
         likely={"wrong_mean_denominator": [-0.5, -0.25], "extra_activation_grad": [-0.0625, -0.0234375]})


@public("bce_grads")
def check_bce_grads(bce_grads):
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    dW, db = _pair(bce_grads(X, np.array([1.0, 0.0]), np.zeros((1, 2)), np.zeros(1)), "bce_grads")
    same(dW, [[0.5, 0.5]], "dW at W = 0, b = 0: p = 0.5, dz = [-0.25, 0.25], dW = dz @ X, shape (1, D)")
    same(db, [0.0], "db: the sum of dz, shape (1,)", likely={"bias_not_summed": [-0.25, 0.25]})


@public("neuron_step")
def check_neuron_step(neuron_step):
    W, b = np.array([[1.0, 2.0]]), np.array([0.5])
    new_W, new_b = _pair(neuron_step(W, b, (np.array([[10.0, -10.0]]), np.array([1.0])), 0.1), "neuron_step")
    same(new_W, [[0.0, 3.0]], "W - 0.1 * dW",
         likely={"sign_flipped": [[2.0, 1.0]], "step_size_ignored": [[-9.0, 12.0]]})
    same(new_b, [0.4], "b - 0.1 * db")
    unchanged(np.array([[1.0, 2.0]]), W, "neuron_step")


@public("tanh_grad")
def check_tanh_grad(tanh_grad):
    z = np.array([0.0, np.log(2.0), -np.log(2.0)])
    same(tanh_grad(z), [1.0, 0.64, 0.64], "tanh_grad([0, log 2, -log 2]): tanh(log 2) = 0.6",
         likely={"confused_with_derivative": [0.0, 0.6, -0.6]})
    same(tanh_grad(np.array([[-40.0, 40.0]])), [[0.0, 0.0]], "tanh_grad(±40): tanh saturates, the slope is ~0")
    unchanged(np.array([0.0, np.log(2.0), -np.log(2.0)]), z, "tanh_grad")


@public("leaky_relu_grad")
def check_leaky_relu_grad(leaky_relu_grad):
    z = np.array([-2.0, -0.5, 0.5, 3.0])
    same(leaky_relu_grad(z, 0.1), [0.1, 0.1, 1.0, 1.0], "leaky_relu_grad(z, alpha=0.1): alpha left of 0, 1 right")
    same(leaky_relu_grad(np.array([[-1.0, 1.0]]), 0.25), [[0.25, 1.0]], "leaky_relu_grad(z, alpha=0.25)")
    same(leaky_relu_grad(np.array([0.0]), 0.1), [0.1], "leaky_relu_grad at z = 0: alpha, as torch",
         likely={"relu_gate_at_zero": [1.0]})
    unchanged(np.array([-2.0, -0.5, 0.5, 3.0]), z, "leaky_relu_grad")
