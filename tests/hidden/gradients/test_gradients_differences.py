"""forward_difference, central_difference and difference_errors: values, the step size, torch.

Every check names the classic mistakes by the value each would give (computed here, on the
trusted side): the wrong points, the wrong sign, h ignored, h not divided by, `/ 2 * h`.
"""
import numpy as np
from hypothesis import given

from autograder.testing import Mistake, assert_close, graded
from autograder.testing.mistakes import distinct
from autograder.testing.types import as_number
from autograder.testing.strategies import decimals, step_sizes

from autograder.testing.oracle_gradients import (Counted, derivative, one_sided, texts_polynomial,
                                                 texts_polynomial_torch, wavy, wavy_torch)

xs = decimals(-2.0, 2.0, 0.1)
WAVY = "sin(x) + x**3 / 3"


def forward_mistakes(f, x, h):
    """What forward_difference(f, x, h) gives with each classic mistake."""
    return [Mistake("step_size_ignored", one_sided(f, x, 1e-5)),
            Mistake("wrong_difference", (f(x) - f(x - h)) / h),
            Mistake("wrong_difference", (f(x + h) - f(x - h)) / (2.0 * h)),
            Mistake("not_divided_by_step", f(x + h) - f(x))]


def central_mistakes(f, x, h):
    """What central_difference(f, x, h) gives with each classic mistake."""
    return [Mistake("one_sided_difference", one_sided(f, x, h)),
            Mistake("one_sided_difference", (f(x) - f(x - h)) / h),
            Mistake("precedence", (f(x + h) - f(x - h)) / 2.0 * h),
            Mistake("not_divided_by_step", f(x + h) - f(x - h)),
            Mistake("step_size_ignored", (f(x + 1e-5) - f(x - 1e-5)) / 2e-5)]


MISTAKES = {"forward_difference": forward_mistakes, "central_difference": central_mistakes}


def _check_difference(student, reference, name, x, h):
    """`name`(f, x, h) on the wavy f against the reference's, with its known mistakes named. How
    many times it calls f is its own business: the average of the two one-sided differences (four
    calls) is the central difference too."""
    actual = as_number(getattr(student, name)(Counted(wavy), x, h))
    assert_close(actual, getattr(reference, name)(wavy, x, h), what=f"{name}(f, x={x}, h={h})",
                 inputs={"f": WAVY}, mistakes=MISTAKES[name](wavy, x, h))


@graded("forward_difference", weight=2, core=True)
@given(x=xs, h=step_sizes)
def test_forward_difference_matches_reference(student, reference, x, h):
    _check_difference(student, reference, "forward_difference", x, h)


@graded("forward_difference")
def test_forward_difference_on_the_texts_table(student, reference):
    """f(x) = x**2 at x = 2: the slopes 5, 4.1, 4.01, 4.001, 4.0001 of text 004's table."""
    def square(x):
        return x * x
    for h in (1.0, 0.1, 0.01, 0.001, 0.0001):
        assert_close(as_number(student.forward_difference(Counted(square), 2.0, h)),
                     reference.forward_difference(square, 2.0, h),
                     what=f"forward_difference(f, 2.0, h={h})", inputs={"f": "x**2"},
                     mistakes=forward_mistakes(square, 2.0, h))


@graded("central_difference", weight=2, core=True)
@given(x=xs, h=step_sizes)
def test_central_difference_matches_reference(student, reference, x, h):
    _check_difference(student, reference, "central_difference", x, h)


@graded("central_difference")
@given(x=xs)
def test_central_difference_matches_torch(student, reference, x):
    assert_close(as_number(student.central_difference(Counted(wavy), x, 1e-4)), derivative(wavy_torch, x),
                 tol="gradcheck",
                 what=f"central_difference(f, x={x}, h=1e-4) vs the exact derivative (torch autograd)",
                 inputs={"f": WAVY}, mistakes=central_mistakes(wavy, x, 1e-4))


@graded("central_difference")
def test_central_difference_on_the_texts_polynomial(student, reference):
    """y = x**2 + 3x + 1 at x = 2: dy/dx = 7 (text 003, torch autograd agrees)."""
    assert_close(as_number(student.central_difference(Counted(texts_polynomial), 2.0, 1e-5)),
                 derivative(texts_polynomial_torch, 2.0), tol="gradcheck",
                 what="central_difference(f, 2.0, h=1e-5) for f(x) = x**2 + 3x + 1",
                 mistakes=central_mistakes(texts_polynomial, 2.0, 1e-5))


def _signed_errors(reference, exact, x, hs):
    return np.array([[reference.forward_difference(wavy, x, h) - exact,
                      reference.central_difference(wavy, x, h) - exact] for h in hs])


def _check_errors(student, reference, x, hs):
    exact = derivative(wavy_torch, x)
    args = (Counted(wavy), exact, x, hs)
    actual = student.call("difference_errors", *args).value
    expected = reference.difference_errors(wavy, exact, x, hs)
    mistakes = [Mistake("swapped_order", expected[:, ::-1]),
                Mistake("missing_abs", _signed_errors(reference, exact, x, hs))]
    assert_close(actual, expected, tol="gradcheck", what=f"difference_errors(f, dfdx, x={x}, hs)",
                 inputs={"f": WAVY, "dfdx": exact, "hs": hs}, mistakes=distinct(mistakes, expected))


@graded("difference_errors", weight=2, core=True)
@given(x=xs)
def test_difference_errors_matches_reference(student, reference, x):
    _check_errors(student, reference, x, np.array([1e-1, 1e-2, 1e-3]))


@graded("difference_errors")
def test_difference_errors_shrink_like_h_and_h_squared(student, reference):
    """The point of the exercise: 10x smaller h, 10x smaller forward error, 100x smaller central error.
    At x = -1 the forward difference undershoots: its error is only a distance once made absolute."""
    _check_errors(student, reference, -1.0, np.array([1e-1, 1e-2, 1e-3, 1e-4]))
