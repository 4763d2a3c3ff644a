"""Public checks for gradients: `check("gradient", gradient)` in the notebook; test_public.py runs all."""
import sys
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent.parent))   # the source tree's one public_base.py
from public_base import Checks, either, number, same, unchanged  # beside this file when released

SUBMISSION = "gradients"   # your gradients.ipynb, or a gradients.py module of the same functions
CHECKS = Checks()
public, check = CHECKS.public, CHECKS.check


def _counted(function):
    calls = []

    def wrapped(x):
        calls.append(x)
        return function(x)
    return wrapped, calls


@public("forward_difference")
def check_forward_difference(forward_difference):
    number(forward_difference(lambda x: x * x, 2.0, 0.5), 4.5, "forward_difference(x**2, 2, h=0.5) = (6.25 - 4) / 0.5",
           likely={"step_size_ignored": 4.00001, "wrong_difference": either(3.5, 4.0), "not_divided_by_step": 2.25})
    number(forward_difference(lambda x: 3.0 * x, 1.0, 0.1), 3.0, "forward_difference(3x, 1, h=0.1)")


@public("central_difference")
def check_central_difference(central_difference):
    number(central_difference(lambda x: x * x, 2.0, 0.5), 4.0,
           "central_difference(x**2, 2, h=0.5) = (6.25 - 2.25) / 1 (exact for a parabola)",
           likely={"one_sided_difference": 4.5, "missing_factor_2": 8.0, "precedence": 1.0})
    number(central_difference(lambda x: x ** 3, 1.0, 0.5), 3.25,
            "central_difference(x**3, 1, h=0.5) = (3.375 - 0.125) / 1")


@public("difference_errors")
def check_difference_errors(difference_errors):
    same(difference_errors(lambda x: x ** 3, 3.0, 1.0, np.array([0.5, 0.25])),
          [[1.75, 0.25], [0.8125, 0.0625]],
         "difference_errors(x**3, dfdx=3, x=1, hs=[0.5, 0.25]) (columns: forward, central)",
         likely={"swapped_order": [[0.25, 1.75], [0.0625, 0.8125]]})


@public("partial_derivative")
def check_partial_derivative(partial_derivative):
    point = np.array([2.0, 1.0])
    f = lambda p: p[0] ** 2 + 3.0 * p[1] ** 2
    number(partial_derivative(f, point, 0, 0.5), 4.0, "partial_derivative(x**2 + 3y**2, [2, 1], i=0, h=0.5)",
           likely={"one_sided_difference": 4.5, "wrong_coordinate": 10.0, "missing_factor_2": 8.0})
    number(partial_derivative(f, point, 1, 0.5), 6.0, "partial_derivative(x**2 + 3y**2, [2, 1], i=1, h=0.5)")
    unchanged(np.array([2.0, 1.0]), point, "partial_derivative", "input_not_restored")


@public("gradient")
def check_gradient(gradient):
    point = np.array([1.0, 2.0, 3.0])
    f, calls = _counted(lambda p: float(p[0] * p[1] + p[2] ** 2))
    same(gradient(f, point, 0.5), [2.0, 1.0, 6.0], "gradient(x*y + z**2, [1, 2, 3], h=0.5)",
         likely={"one_sided_difference": [2.0, 1.0, 6.5], "off_by_one": [2.0, 1.0]})
    unchanged(np.array([1.0, 2.0, 3.0]), point, "gradient")
    if len(calls) != 6:
        raise AssertionError("gradient should call f twice per coordinate (6 times here), "
                             f"called it {len(calls)} times")


@public("f_loss")
def check_f_loss(f_loss):
    number(f_loss(np.array([2.0, 1.0])), 7.0, "f_loss([2, 1]) = 4 + 3",
           likely={"missing_coefficient": 5.0, "swapped_order": 13.0})
    number(f_loss(np.array([4.0, 3.0])), 43.0, "f_loss([4, 3]) = 16 + 27")


@public("grad_f")
def check_grad_f(grad_f):
    same(grad_f(np.array([2.0, 1.0])), [4.0, 6.0], "grad_f([2, 1]) = [2x, 6y]",
         likely={"missing_factor_2": [2.0, 3.0], "swapped_order": [12.0, 2.0]})


@public("gradient_descent")
def check_gradient_descent(gradient_descent):
    start = np.array([4.0, 3.0])
    path = gradient_descent(lambda p: np.array([2.0 * p[0], 6.0 * p[1]]), start, 0.05, 2)
    same(path, [[4.0, 3.0], [3.6, 2.1], [3.24, 1.47]], "gradient_descent(grad_f, [4, 3], lr=0.05, steps=2) "
         "(steps + 1 rows: the start, then each update)",
         likely={"off_by_one": either([[3.6, 2.1], [3.24, 1.47]],
                                      [[4.0, 3.0], [3.6, 2.1], [3.24, 1.47], [2.916, 1.029]]),
                 "sign_flipped": [[4.0, 3.0], [4.4, 3.9], [4.84, 5.07]],
                 "stale_gradients": [[4.0, 3.0], [3.6, 2.1], [3.2, 1.2]],
                 "step_size_ignored": [[4.0, 3.0], [3.2, 1.2], [2.56, 0.48]]})
    unchanged(np.array([4.0, 3.0]), start, "gradient_descent")
