"""Torch autograd as the oracle for the `gradients` assignment, always in float64 (trusted side only).

The hidden suite and the project tests take exact derivatives, gradients and descent paths from
here, and the trusted test functions they hand to student code: each is written twice, in NumPy
(called by the student's code through the sandbox's callback, evaluated here) and in torch.
"""
from __future__ import annotations

import numpy as np
from .lazy_torch import torch, remembered

from . import counted
from .types import scalar_input


@remembered
def derivative(function, x):
    """f'(x) by autograd. function: torch scalar -> torch scalar; x: float -> float."""
    x_t = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
    function(x_t).backward()
    return float(x_t.grad.item())


@remembered
def gradient(function, point):
    """The gradient of a scalar function of a vector by autograd. point: (n,) -> (n,) float64."""
    p = torch.tensor(np.asarray(point, dtype=np.float64), requires_grad=True)
    function(p).backward()
    return p.grad.numpy().copy()


def bowl_torch(p):
    """The text's f(x, y) = x**2 + 3 * y**2 on a torch vector [x, y]."""
    return p[0] ** 2 + 3.0 * p[1] ** 2


@remembered
def descent_path(function, start, lr, steps):
    """Gradient descent with autograd gradients, as the text's torch loop (w -= lr * w.grad, then
    zero the gradient) -> (steps + 1, n) float64: row k is the point after k updates."""
    w = torch.tensor(np.asarray(start, dtype=np.float64), requires_grad=True)
    path = [w.detach().numpy().copy()]
    for _ in range(steps):
        function(w).backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
        path.append(w.detach().numpy().copy())
    return np.array(path)


# -- trusted test functions, NumPy and torch twins ------------------------------------


class Counted(counted.Counted):
    """A trusted function of a point handed to student code, counting its calls (counted.Counted):
    its argument is converted to a float (scalar=True, under the type rule of `types`) or to a new
    float64 array first."""

    def __init__(self, function, scalar=True):
        super().__init__(function, scalar_input if scalar else lambda x: np.array(x, dtype=np.float64))


def wavy(x):
    """sin(x) + x**3 / 3, whose derivative cos(x) + x**2 is at least about 0.6 everywhere."""
    return float(np.sin(x) + x ** 3 / 3.0)


def wavy_torch(x):
    return torch.sin(x) + x ** 3 / 3.0


def texts_polynomial(x):
    """y = x**2 + 3x + 1 (text 003): dy/dx = 2x + 3, 7 at x = 2."""
    return float(x ** 2 + 3.0 * x + 1.0)


def texts_polynomial_torch(x):
    return x ** 2 + 3.0 * x + 1.0


def hill(p):
    """A function of a vector with every kind of term: sum(c * p**2 + p) + sin(p[0]) * p[-1] + sum(p**3) / 10,
    c = 1, 2, 3, ...; its gradient is never 0 at every coordinate at once on the tests' grids."""
    c = np.arange(1.0, p.shape[0] + 1.0)
    return float(np.sum(c * p ** 2 + p) + np.sin(p[0]) * p[-1] + np.sum(p ** 3) / 10.0)


def hill_torch(p):
    c = torch.arange(1.0, p.shape[0] + 1.0, dtype=torch.float64)
    return torch.sum(c * p ** 2 + p) + torch.sin(p[0]) * p[-1] + torch.sum(p ** 3) / 10.0


def bowl(p):
    """The text's f(x, y) = x**2 + 3 * y**2."""
    return float(p[0] ** 2 + 3.0 * p[1] ** 2)


def bowl_grad(p):
    return np.array([2.0 * p[0], 6.0 * p[1]])


def one_sided(f, x, h):
    return (f(x + h) - f(x)) / h
