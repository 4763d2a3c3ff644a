"""partial_derivative, gradient, f_loss and grad_f: against the reference and torch autograd.

The classic mistakes are named by the values they give (computed here): one-sided differences,
h ignored, every coordinate nudged at once, a coordinate missing, the point left nudged.
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import GENERIC, Failure, Mistake, assert_close, graded
from autograder.testing.types import as_number
from autograder.testing.strategies import points, step_sizes

from autograder.testing.oracle_gradients import Counted, bowl_torch, hill, hill_torch
from autograder.testing.oracle_gradients import gradient as torch_gradient

HILL = "sum(c * p**2 + p) + sin(p[0]) * p[-1] + sum(p**3) / 10"


def _unit(point, i, h):
    step = np.zeros_like(point)
    step[i] = h
    return step


def partial_mistakes(f, point, i, h):
    """What partial_derivative(f, point, i, h) gives with each classic mistake."""
    e = _unit(point, i, h)
    return [Mistake("one_sided_difference", (f(point + e) - f(point)) / h),
            Mistake("step_size_ignored", _step_size_ignored(f, point, i)),
            Mistake("wrong_coordinate", (f(point + h) - f(point - h)) / (2 * h) if point.shape[0] > 1 else None)]


def _step_size_ignored(f, point, i):
    """partial_derivative with its own h = 1e-5 instead of the one it was given."""
    return (f(point + _unit(point, i, 1e-5)) - f(point - _unit(point, i, 1e-5))) / 2e-5


def _value(mistakes, tag):
    """The value of the mistake named `tag` alone."""
    return next(m.value for m in mistakes if m.tags == (tag,))


def _not_restored(call, name, point):
    if call.mutated:
        raise Failure(f"`{name}` left `point` changed after it returned: nudge a copy (point + step), or put "
                      f"each coordinate back exactly.\nInput: point = {point}", ("input_not_restored",))
    if call.aliased:
        raise Failure(f"`{name}` returned its input `point` itself; return a new array.", ("mutates_input",))


@graded("partial_derivative", weight=2, core=True)
@given(point=points(), data=st.data(), h=step_sizes)
def test_partial_derivative_matches_reference(student, reference, point, data, h):
    i = data.draw(st.integers(0, point.shape[0] - 1), label="i")
    call = student.call("partial_derivative", Counted(hill, scalar=False), point, i, h)
    _not_restored(call, "partial_derivative", point)
    assert_close(as_number(call.value), reference.partial_derivative(hill, point, i, h),
                 what=f"partial_derivative(f, point, i={i}, h={h})", inputs={"point": point, "f": HILL},
                 mistakes=partial_mistakes(hill, point, i, h))


@graded("partial_derivative")
@given(point=points())
def test_partial_derivative_matches_torch(student, reference, point):
    exact = torch_gradient(hill_torch, point)
    actual = np.array([as_number(student.partial_derivative(Counted(hill, scalar=False), point.copy(), i, 1e-4))
                       for i in range(point.shape[0])])
    assert_close(actual, exact, tol="gradcheck", what="[partial_derivative(f, point, i, 1e-4) for each i] vs torch",
                 inputs={"point": point},
                 mistakes=[Mistake(tag, np.array([_value(partial_mistakes(hill, point, i, 1e-4), tag) or 0.0
                                                  for i in range(point.shape[0])]))
                           for tag in ("one_sided_difference", "wrong_coordinate")])


@graded("partial_derivative")
def test_partial_derivatives_of_the_texts_bowl(student, reference):
    """f(x, y) = x**2 + 3y**2 at (2, 1): df/dx = 4, df/dy = 6 (text 004)."""
    def bowl(p):
        return p[0] ** 2 + 3 * p[1] ** 2
    point = np.array([2.0, 1.0])
    exact = torch_gradient(bowl_torch, point)
    for i in (0, 1):
        assert_close(as_number(student.partial_derivative(Counted(bowl, scalar=False), point.copy(), i, 1e-5)),
                     exact[i], tol="gradcheck",
                     what=f"partial_derivative(f, [2, 1], i={i}, h=1e-5) for f = x**2 + 3y**2",
                     mistakes=partial_mistakes(bowl, point, i, 1e-5))


def gradient_mistakes(f, point, h):
    """What gradient(f, point, h) gives with each classic mistake."""
    n = point.shape[0]
    one_sided = np.array([(f(point + _unit(point, i, h)) - f(point)) / h for i in range(n)])
    fixed = np.array([_step_size_ignored(f, point, i) for i in range(n)])
    exact = np.array([(f(point + _unit(point, i, h)) - f(point - _unit(point, i, h))) / (2 * h) for i in range(n)])
    return [Mistake("one_sided_difference", one_sided), Mistake("step_size_ignored", fixed if h != 1e-5 else None),
            Mistake("off_by_one", exact[:-1])]


@graded("gradient", weight=2, core=True)
@given(point=points(), h=step_sizes)
def test_gradient_matches_reference_and_torch(student, reference, point, h):
    f = Counted(hill, scalar=False)
    args = (f, point, h)
    call = student.call("gradient", *args)
    _not_restored(call, "gradient", point)
    what = f"gradient(f, point, h={h})"
    inputs = {"point": point, "f": HILL}
    assert_close(call.value, reference.gradient(hill, point, h), what=what, inputs=inputs,
                                         mistakes=gradient_mistakes(hill, point, h))
    if f.calls != 2 * point.shape[0]:
        raise Failure(f"gradient called f {f.calls} times for a point of {point.shape[0]} coordinates; central "
                      f"differences need exactly 2 per coordinate.", (GENERIC,))
    if h == 1e-4:
        assert_close(call.value, torch_gradient(hill_torch, point), tol="gradcheck", what=f"{what} vs torch",
                     inputs=inputs)


@graded("gradient")
def test_gradient_of_the_texts_bowl(student, reference):
    """∇f(2, 1) = [4, 6] for f(x, y) = x**2 + 3y**2 (text 004), as torch autograd computes it."""
    def bowl(p):
        return p[0] ** 2 + 3 * p[1] ** 2
    point = np.array([2.0, 1.0])
    args = (Counted(bowl, scalar=False), point, 1e-5)
    actual = student.call("gradient", *args).value
    assert_close(actual, torch_gradient(bowl_torch, point), tol="gradcheck",
                                         what="gradient(f, [2, 1], h=1e-5)",
                                         mistakes=gradient_mistakes(bowl, point, 1e-5))


def f_loss_mistakes(point):
    x, y = point
    return [Mistake("missing_coefficient", x ** 2 + y ** 2), Mistake("swapped_order", 3 * x ** 2 + y ** 2)]


@graded("f_loss", core=True)
@given(point=points(2))
def test_f_loss_matches_reference(student, reference, point):
    assert_close(as_number(student.f_loss(point)), reference.f_loss(point), what="f_loss(point)",
                 inputs={"point": point},
                 mistakes=f_loss_mistakes(point))


@graded("f_loss")
def test_f_loss_at_the_texts_points(student, reference):
    """f(2, 1) = 7 and f(4, 3) = 43 (text 004)."""
    for point, value in ((np.array([2.0, 1.0]), 7.0), (np.array([4.0, 3.0]), 43.0)):
        assert_close(as_number(student.f_loss(point)), value, what="f_loss(point)", inputs={"point": point},
                     mistakes=f_loss_mistakes(point))


@graded("grad_f", weight=2, core=True)
@given(point=points(2))
def test_grad_f_matches_reference_and_torch(student, reference, point):
    call = student.call("grad_f", point)
    x, y = point
    mistakes = [Mistake("missing_factor_2", np.array([2 * x, 3 * y])),
                Mistake("missing_factor_2", np.array([x, 3 * y])), Mistake("swapped_order", np.array([6 * x, 2 * y])),
                Mistake("missing_coefficient", np.array([2 * x, 2 * y]))]
    assert_close(call.value, reference.grad_f(point), what="grad_f(point)", inputs={"point": point},
                 mistakes=mistakes)
    assert_close(call.value, torch_gradient(bowl_torch, point), what="grad_f(point) vs torch autograd",
                 inputs={"point": point}, mistakes=mistakes)
    if call.mutated or call.aliased:
        raise Failure("grad_f changed or returned its input `point`; return a new array.", ("mutates_input",))


@graded("grad_f")
def test_grad_f_at_the_texts_point(student, reference):
    """∇f(2, 1) = [4, 6] (text 004)."""
    point = np.array([2.0, 1.0])
    assert_close(student.grad_f(point), np.array([4.0, 6.0]), what="grad_f([2, 1])",
                 mistakes=[Mistake("missing_factor_2", np.array([2.0, 3.0])),
                           Mistake("swapped_order", np.array([12.0, 2.0]))])
