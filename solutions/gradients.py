"""Reference solution for the `gradients` assignment: derivatives, gradients and gradient descent.

Numbers are Python floats or float64 arrays. A function of one variable `f(x)` takes and returns
a float; a function of several variables `f(point)` takes a (n,) array and returns a float.
The running example is the elliptical bowl f(x, y) = x**2 + 3 * y**2, minimum 0 at (0, 0).
No function mutates its inputs.
"""
import numpy as np


# -- derivatives of one variable: two finite differences ------------------------

def forward_difference(f, x, h):
    """The slope of the secant from x to x + h: (f(x + h) - f(x)) / h -> float.

    f: a function of one float; x, h: floats. The error shrinks like h (first order).
    """
    return float((f(x + h) - f(x)) / h)


def central_difference(f, x, h):
    """The symmetric slope (f(x + h) - f(x - h)) / (2 * h) -> float.

    f: a function of one float; x, h: floats. The h**2 terms cancel: the error shrinks like h**2.
    """
    return float((f(x + h) - f(x - h)) / (2.0 * h))


def difference_errors(f, dfdx, x, hs):
    """How far each finite difference is from the true derivative dfdx, for each step size.

    f: a function of one float; dfdx: float, the exact f'(x); x: float; hs: (K,) step sizes
    -> (K, 2) float64: row k is [|forward - dfdx|, |central - dfdx|] with h = hs[k].
    """
    return np.array([[abs(forward_difference(f, x, h) - dfdx), abs(central_difference(f, x, h) - dfdx)]
                     for h in np.asarray(hs, dtype=np.float64).tolist()], dtype=np.float64).reshape(-1, 2)


# -- several variables: partial derivatives and the gradient vector --------------

def partial_derivative(f, point, i, h):
    """df/dx_i at `point` by central differences, every other coordinate held fixed -> float.

    f: a function of a (n,) array; point: (n,) float64; i: int in [0, n); h: float.
    `point` is not modified: the nudged points are new arrays.
    """
    step = np.zeros(point.shape, dtype=np.float64)
    step[i] = h
    return float((f(point + step) - f(point - step)) / (2.0 * h))


def gradient(f, point, h):
    """The gradient vector [df/dx_0, ..., df/dx_{n-1}] at `point`: (n,) float64.

    f: a function of a (n,) array; point: (n,) float64; h: float. Calls f 2 * n times.
    """
    return np.array([partial_derivative(f, point, i, h) for i in range(point.shape[0])], dtype=np.float64)


def f_loss(point):
    """The bowl f(x, y) = x**2 + 3 * y**2. point: (2,) [x, y] -> float."""
    x, y = point
    return float(x ** 2 + 3.0 * y ** 2)


def grad_f(point):
    """The exact gradient of the bowl, [df/dx, df/dy] = [2x, 6y]. point: (2,) -> (2,) float64."""
    x, y = point
    return np.array([2.0 * x, 6.0 * y], dtype=np.float64)


# -- walking downhill ---------------------------------------------------------------

def gradient_descent(grad, start, lr, steps):
    """Gradient descent from `start`: p_{k+1} = p_k - lr * grad(p_k) -> the whole path.

    grad: a function (n,) -> (n,); start: (n,) float64; lr: float; steps: int >= 0
    -> (steps + 1, n) float64: row k is the point after k updates (row 0 is `start`).
    """
    path = [np.array(start, dtype=np.float64)]
    for _ in range(steps):
        path.append(path[-1] - lr * np.asarray(grad(path[-1]), dtype=np.float64))
    return np.array(path, dtype=np.float64)


# -- example functions (provided to students, not graded) ---------------------------

def square(x):
    """f(x) = x**2, whose derivative is 2x: 4 at x = 2."""
    return x ** 2


def wavy(x):
    """f(x) = sin(x) + x**3 / 3, whose derivative is cos(x) + x**2."""
    return np.sin(x) + x ** 3 / 3


def wavy_derivative(x):
    """The exact derivative of `wavy`: cos(x) + x**2."""
    return np.cos(x) + x ** 2
