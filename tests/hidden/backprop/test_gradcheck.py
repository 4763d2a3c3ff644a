"""numerical_gradient, rel_error and gradient_check: exactness, call counts, restoring x, the guard."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.testing import Failure, assert_close, graded
from autograder.testing.strategies import matrices, random_network, vectors


class Counted:
    """A trusted scalar function of an array that counts its calls (runs on the grader's side)."""

    def __init__(self, function):
        self.function = function
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return float(self.function(np.asarray(x, dtype=np.float64)))


def _one_sided(f, x, h):
    grad = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        bumped = x.copy()
        bumped[i] += h
        grad[i] = (f(bumped) - base) / h
    return grad


def _cubic(x):
    return float(np.sum(x ** 3) + 0.5 * np.sum(x ** 2))


shapes = st.sampled_from([(3,), (2, 3), (4, 1)])


@graded("numerical_gradient", weight=2)
@given(x=shapes.flatmap(lambda s: matrices(*s) if len(s) == 2 else vectors(s[0])))
def test_numerical_gradient_is_exact_on_quadratics(student, reference, x):
    scale = np.arange(1, x.size + 1, dtype=np.float64).reshape(x.shape)
    f = Counted(lambda v: np.sum(scale * v * v) - np.sum(v))
    x_sent = x.copy()
    call = student.call("numerical_gradient", f, x_sent, 1e-4)
    assert_close(call.value, 2 * scale * x - 1, tol="gradcheck", what="numerical_gradient(f, x, h=1e-4)",
                 inputs={"x": x, "f": "sum(c * x**2) - sum(x) with c = 1, 2, 3, ..."},
                 alternatives={"one_sided_difference": _one_sided(lambda v: np.sum(scale * v * v) - np.sum(v),
                                                                  x, 1e-4)})
    if call.mutated:
        raise Failure("numerical_gradient left x changed after it returned: put each entry back exactly "
                      "after nudging it.", ("input_not_restored",))
    if f.calls != 2 * x.size:
        raise Failure(f"numerical_gradient called f {f.calls} times for an x with {x.size} entries; central "
                      f"differences need exactly 2 calls per entry ({2 * x.size}).",
                      ("one_sided_difference",) if f.calls == x.size + 1 else ("wrong_values",))


@graded("numerical_gradient")
@given(x=vectors(3, -1.0, 1.0), h=st.sampled_from([1e-1, 1e-2, 1e-3]))
def test_numerical_gradient_uses_its_step_size(student, reference, x, h):
    expected = reference.numerical_gradient(Counted(_cubic), x.copy(), h)
    assert_close(student.numerical_gradient(Counted(_cubic), x.copy(), h), expected, tol="gradcheck",
                 what=f"numerical_gradient(f, x, h={h})", inputs={"x": x, "f": "sum(x**3) + 0.5 * sum(x**2)"},
                 alternatives={"step_size_ignored": reference.numerical_gradient(Counted(_cubic), x.copy()),
                               "one_sided_difference": _one_sided(_cubic, x, h)})


@graded("rel_error", weight=2)
@given(a=matrices(2, 3), b=matrices(2, 3))
def test_rel_error_matches_reference(student, reference, a, b):
    actual = student.rel_error(a, b)
    if isinstance(actual, float) and not np.isfinite(actual):
        raise Failure(f"rel_error(a, b) returned {actual}: guard the denominator with max(1e-8, |a| + |b|).",
                      ("rel_error_zero_guard",))
    assert_close(actual, reference.rel_error(a, b), what="rel_error(a, b)", inputs={"a": a, "b": b})


@graded("rel_error")
def test_rel_error_where_both_are_zero(student, reference):
    a = np.array([0.0, 1e-9, 0.5])
    b = np.array([0.0, 0.0, 0.5])
    actual = student.rel_error(a, b)
    if isinstance(actual, (float, np.floating)) and not np.isfinite(actual):
        raise Failure(f"rel_error gave {actual} where a and b are both 0: guard the denominator with "
                      "max(1e-8, |a| + |b|).", ("rel_error_zero_guard",))
    assert_close(actual, reference.rel_error(a, b), what="rel_error(a, b) with zeros", inputs={"a": a, "b": b},
                 alternatives={"rel_error_zero_guard": 1.0})


@graded("gradient_check", weight=2)
def test_gradient_check_is_small_for_correct_gradients(student, reference):
    X, Y, params = random_network(seed=21, n=4, hidden=3)
    call = student.call("gradient_check", X, Y, params)
    errors = call.value
    if not isinstance(errors, dict) or set(errors) != {"W1", "b1", "W2", "b2"}:
        raise Failure("gradient_check should return a dict with keys W1, b1, W2, b2.", ("not_array",))
    expected = reference.gradient_check(X, Y, params)
    for key, value in errors.items():
        if not isinstance(value, (float, np.floating)) or not 0.0 <= float(value) < 1e-6:
            raise Failure(f"gradient_check(...)[{key!r}] is {value!r}; for correct gradients the relative error "
                          f"should be tiny (the reference gets {expected[key]:.1e}).", ("wrong_values",))
    if call.mutated:
        raise Failure(f"gradient_check changed {', '.join(call.mutated)}; restore every parameter.",
                      ("input_not_restored",))


@graded("gradient_check", weight=2)
def test_gradient_check_sees_the_kink(student, reference):
    """With a pre-activation exactly at 0, finite differences straddle the kink and disagree with backprop."""
    params = reference.walkthrough_params()
    X = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    X, params["b1"] = X, params["b1"].copy()
    params["b1"][0] = -float((X[0] @ params["W1"])[0])   # z1[0, 0] at the kink, up to rounding
    Y = np.array([[1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    errors = student.gradient_check(X, Y, params, 1e-5)
    expected = reference.gradient_check(X, Y, params, 1e-5)
    if not isinstance(errors, dict) or set(errors) != set(expected):
        raise Failure("gradient_check should return a dict with keys W1, b1, W2, b2.", ("not_array",))
    for key in expected:
        assert_close(errors[key], expected[key], tol=1e-3, what=f"gradient_check(...)[{key!r}] at a ReLU kink",
                     inputs={"X": X, "Y": Y})
