"""partial_derivative, gradient, f_loss and grad_f: against the reference and torch autograd."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import Failure, assert_close, assert_no_mutation, graded
from autograder.testing.scalars import number
from autograder.testing.strategies import points, step_sizes

from autograder.testing.oracle_gradients import Counted, bowl_torch, hill, hill_torch
from autograder.testing.oracle_gradients import gradient as torch_gradient


def _one_sided_partial(f, point, i, h):
    step = np.zeros_like(point)
    step[i] = h
    return (f(point + step) - f(point)) / h


@graded("partial_derivative", weight=2)
@given(point=points(), data=st.data(), h=step_sizes)
def test_partial_derivative_matches_reference(student, reference, point, data, h):
    i = data.draw(st.integers(0, point.shape[0] - 1), label="i")
    f = Counted(hill, scalar=False)
    call = student.call("partial_derivative", f, point, i, h)
    assert_close(number(call.value), reference.partial_derivative(hill, point, i, h),
                 what=f"partial_derivative(f, point, i={i}, h={h})",
                 inputs={"point": point, "f": "sum(c * p**2 + p) + sin(p[0]) * p[-1] + sum(p**3) / 10"},
                 alternatives={"one_sided_difference": _one_sided_partial(hill, point, i, h),
                               "step_size_ignored": reference.partial_derivative(hill, point, i, 1e-5)})
    assert_no_mutation(call, "partial_derivative", inputs={"point": point})


@graded("partial_derivative")
@given(point=points())
def test_partial_derivative_matches_torch(student, reference, point):
    exact = torch_gradient(hill_torch, point)
    actual = np.array([number(student.partial_derivative(Counted(hill, scalar=False), point, i, 1e-4))
                       for i in range(point.shape[0])])
    assert_close(actual, exact, tol="gradcheck", what="[partial_derivative(f, point, i, 1e-4) for each i] vs torch",
                 inputs={"point": point})


@graded("partial_derivative")
def test_partial_derivatives_of_the_texts_bowl(student, reference):
    """f(x, y) = x**2 + 3y**2 at (2, 1): df/dx = 4, df/dy = 6 (text 004)."""
    point = np.array([2.0, 1.0])
    exact = torch_gradient(bowl_torch, point)
    for i in (0, 1):
        assert_close(number(student.partial_derivative(Counted(lambda p: p[0] ** 2 + 3 * p[1] ** 2, scalar=False),
                                                point, i, 1e-5)), exact[i], tol="gradcheck",
                     what=f"partial_derivative(f, [2, 1], i={i}, h=1e-5) for f = x**2 + 3y**2")


@graded("gradient", weight=2)
@given(point=points(), h=step_sizes)
def test_gradient_matches_reference_and_torch(student, reference, point, h):
    f = Counted(hill, scalar=False)
    call = student.call("gradient", f, point, h)
    what = f"gradient(f, point, h={h})"
    inputs = {"point": point, "f": "sum(c * p**2 + p) + sin(p[0]) * p[-1] + sum(p**3) / 10"}
    one_sided = np.array([_one_sided_partial(hill, point, i, h) for i in range(point.shape[0])])
    assert_close(call.value, reference.gradient(hill, point, h), what=what, inputs=inputs,
                 alternatives={"one_sided_difference": one_sided})
    assert_no_mutation(call, "gradient", inputs={"point": point})
    if f.calls != 2 * point.shape[0]:
        raise Failure(f"gradient called f {f.calls} times for a point of {point.shape[0]} coordinates; central "
                      f"differences need exactly 2 per coordinate.", ("wrong_values",))
    if h == 1e-4:
        assert_close(call.value, torch_gradient(hill_torch, point), tol="gradcheck", what=f"{what} vs torch",
                     inputs=inputs)


@graded("gradient")
def test_gradient_of_the_texts_bowl(student, reference):
    """∇f(2, 1) = [4, 6] for f(x, y) = x**2 + 3y**2 (text 004), as torch autograd computes it."""
    point = np.array([2.0, 1.0])
    assert_close(student.gradient(Counted(lambda p: p[0] ** 2 + 3 * p[1] ** 2, scalar=False), point, 1e-5),
                 torch_gradient(bowl_torch, point), tol="gradcheck", what="gradient(f, [2, 1], h=1e-5)")


@graded("f_loss")
@given(point=points(2))
def test_f_loss_matches_reference(student, reference, point):
    assert_close(number(student.f_loss(point)), reference.f_loss(point), what="f_loss(point)", inputs={"point": point},
                 alternatives={"wrong_values": point[0] ** 2 + point[1] ** 2})


@graded("f_loss")
def test_f_loss_at_the_texts_points(student, reference):
    """f(2, 1) = 7 and f(4, 3) = 43 (text 004)."""
    for point, value in ((np.array([2.0, 1.0]), 7.0), (np.array([4.0, 3.0]), 43.0)):
        assert_close(number(student.f_loss(point)), value, what="f_loss(point)", inputs={"point": point})


@graded("grad_f", weight=2)
@given(point=points(2))
def test_grad_f_matches_reference_and_torch(student, reference, point):
    call = student.call("grad_f", point)
    x, y = point
    alternatives = {"missing_factor_2": np.array([2 * x, 3 * y]), "wrong_values": np.array([x, 3 * y ** 2])}
    assert_close(call.value, reference.grad_f(point), what="grad_f(point)", inputs={"point": point},
                 alternatives=alternatives)
    assert_close(call.value, torch_gradient(bowl_torch, point), what="grad_f(point) vs torch autograd",
                 inputs={"point": point}, alternatives=alternatives)
    assert_no_mutation(call, "grad_f", inputs={"point": point})
