"""forward_difference, central_difference and difference_errors: values, the step size, torch."""
import numpy as np
from hypothesis import given

from autograder.testing import Failure, assert_close, graded
from autograder.testing.scalars import number
from autograder.testing.strategies import decimals, step_sizes

from autograder.testing.oracle_gradients import (Counted, derivative, one_sided, texts_polynomial,
                                                 texts_polynomial_torch, wavy, wavy_torch)

xs = decimals(-2.0, 2.0, 0.1)


@graded("forward_difference", weight=2)
@given(x=xs, h=step_sizes)
def test_forward_difference_matches_reference(student, reference, x, h):
    f = Counted(wavy)
    actual = number(student.forward_difference(f, x, h))
    assert_close(actual, reference.forward_difference(wavy, x, h), what=f"forward_difference(f, x={x}, h={h})",
                 inputs={"f": "sin(x) + x**3 / 3"},
                 alternatives={"step_size_ignored": one_sided(wavy, x, 1e-5),
                               "wrong_values": reference.central_difference(wavy, x, h)})
    if f.calls != 2:
        raise Failure(f"forward_difference called f {f.calls} times; (f(x + h) - f(x)) / h needs exactly 2.",
                      ("wrong_values",))


@graded("forward_difference")
def test_forward_difference_on_the_texts_table(student, reference):
    """f(x) = x**2 at x = 2: the slopes 5, 4.1, 4.01, 4.001, 4.0001 of text 004's table."""
    for h in (1.0, 0.1, 0.01, 0.001, 0.0001):
        assert_close(number(student.forward_difference(Counted(lambda x: x * x), 2.0, h)),
                     reference.forward_difference(lambda x: x * x, 2.0, h),
                     what=f"forward_difference(f, 2.0, h={h})", inputs={"f": "x**2"})


@graded("central_difference", weight=2)
@given(x=xs, h=step_sizes)
def test_central_difference_matches_reference(student, reference, x, h):
    f = Counted(wavy)
    actual = number(student.central_difference(f, x, h))
    assert_close(actual, reference.central_difference(wavy, x, h), what=f"central_difference(f, x={x}, h={h})",
                 inputs={"f": "sin(x) + x**3 / 3"},
                 alternatives={"one_sided_difference": one_sided(wavy, x, h),
                               "step_size_ignored": reference.central_difference(wavy, x, 1e-5)})
    if f.calls != 2:
        raise Failure(f"central_difference called f {f.calls} times; (f(x + h) - f(x - h)) / (2h) needs exactly 2.",
                      ("one_sided_difference",) if f.calls == 3 else ("wrong_values",))


@graded("central_difference")
@given(x=xs)
def test_central_difference_matches_torch(student, reference, x):
    assert_close(number(student.central_difference(Counted(wavy), x, 1e-4)), derivative(wavy_torch, x), tol="gradcheck",
                 what=f"central_difference(f, x={x}, h=1e-4) vs the exact derivative (torch autograd)",
                 inputs={"f": "sin(x) + x**3 / 3"},
                 alternatives={"one_sided_difference": one_sided(wavy, x, 1e-4)})


@graded("central_difference")
def test_central_difference_on_the_texts_polynomial(student, reference):
    """y = x**2 + 3x + 1 at x = 2: dy/dx = 7 (text 003, torch autograd agrees)."""
    assert_close(number(student.central_difference(Counted(texts_polynomial), 2.0, 1e-5)),
                 derivative(texts_polynomial_torch, 2.0), tol="gradcheck",
                 what="central_difference(f, 2.0, h=1e-5) for f(x) = x**2 + 3x + 1")


@graded("difference_errors", weight=2)
@given(x=xs)
def test_difference_errors_matches_reference(student, reference, x):
    hs = np.array([1e-1, 1e-2, 1e-3])
    exact = derivative(wavy_torch, x)
    expected = reference.difference_errors(wavy, exact, x, hs)
    actual = student.difference_errors(Counted(wavy), exact, x, hs)
    assert_close(actual, expected, tol="gradcheck", what=f"difference_errors(f, dfdx, x={x}, hs)",
                 inputs={"f": "sin(x) + x**3 / 3", "dfdx": exact, "hs": hs},
                 alternatives={"wrong_values": expected[:, ::-1]})


@graded("difference_errors")
def test_difference_errors_shrink_like_h_and_h_squared(student, reference):
    """The point of the exercise: 10x smaller h, 10x smaller forward error, 100x smaller central error."""
    hs = np.array([1e-1, 1e-2, 1e-3, 1e-4])
    exact = derivative(wavy_torch, 1.0)
    actual = student.difference_errors(Counted(wavy), exact, 1.0, hs)
    assert_close(actual, reference.difference_errors(wavy, exact, 1.0, hs), tol="gradcheck",
                 what="difference_errors(f, dfdx, x=1.0, hs=[1e-1, 1e-2, 1e-3, 1e-4])",
                 inputs={"f": "sin(x) + x**3 / 3"})
