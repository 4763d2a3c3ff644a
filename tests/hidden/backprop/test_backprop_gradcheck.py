"""numerical_gradient, rel_error and gradient_check: exactness, call counts, restoring x, the guard."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.diagnosis import CODES
from autograder.testing import GENERIC, Failure, Mistake, assert_close, assert_no_mutation, describe, graded
from autograder.testing.compare import HIDDEN_NOTE, expected_shown
from autograder.testing.calls import CallCase
from autograder.testing.composite import with_parts
from autograder.testing.counted import Counted
from autograder.testing.strategies import either_side_of_the_kinks, matrices, random_network, vectors
from autograder.testing.types import as_number, type_name



def _one_sided(f, x, h):
    grad = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        bumped = x.copy()
        bumped[i] += h
        grad[i] = (f(bumped) - base) / h
    return grad


def _difference_mistakes(f, x, h):
    """What the classic finite-difference slips give: forward differences, and f(x + h) - f(x) over
    2h (the x - h nudge forgotten: f is evaluated at x where x - h belongs)."""
    forward = _one_sided(f, x, h)
    return [Mistake("one_sided_difference", forward), Mistake("wrong_difference", forward / 2.0)]


def _cubic(x):
    return float(np.sum(x ** 3) + 0.5 * np.sum(x ** 2))


shapes = st.sampled_from([(3,), (2, 3), (4, 1)])


@graded("numerical_gradient", weight=2, core=True)
@given(x=shapes.flatmap(lambda s: matrices(*s) if len(s) == 2 else vectors(s[0])))
def test_numerical_gradient_is_exact_on_quadratics(student, reference, x):
    scale = np.arange(1, x.size + 1, dtype=np.float64).reshape(x.shape)
    f = Counted(lambda v: np.sum(scale * v * v) - np.sum(v))
    exact = 2 * scale * x - 1
    assert_close(student.numerical_gradient(f, x.copy(), 1e-4), exact, tol="gradcheck",
                 what="numerical_gradient(f, x, h=1e-4)",
                 inputs={"x": x, "f": "sum(c * x**2) - sum(x) with c = 1, 2, 3, ..."},
                 mistakes=_difference_mistakes(lambda v: np.sum(scale * v * v) - np.sum(v), x, 1e-4),
                 factors={"missing_factor_2": [2]})


@graded("numerical_gradient")
def test_numerical_gradient_restores_x_and_calls_f_twice_per_entry(student):
    x = np.array([[0.1, -0.7, 0.3], [1.1, 0.2, -0.4]])
    f = Counted(lambda v: np.sum(v ** 3))
    call = student.call("numerical_gradient", f, x.copy(), 1e-3)
    if call.mutated:
        raise Failure("numerical_gradient left x changed after it returned: save each entry before nudging it "
                      "and put that saved value back (x[i] += h; x[i] -= h is not exact in floating point).",
                      ("input_not_restored",))
    if f.calls != 2 * x.size:
        raise Failure(f"numerical_gradient called f {f.calls} times for an x with {x.size} entries; central "
                      f"differences need exactly 2 calls per entry ({2 * x.size}).",
                      ("one_sided_difference",) if f.calls == x.size + 1 else (GENERIC,))


@graded("numerical_gradient")
@given(x=vectors(3, -1.0, 1.0), h=st.sampled_from([1e-1, 1e-2, 1e-3]))
def test_numerical_gradient_uses_its_step_size(student, reference, x, h):
    expected = reference.numerical_gradient(Counted(_cubic), x.copy(), h)
    assert_close(student.numerical_gradient(Counted(_cubic), x.copy(), h), expected, tol="gradcheck",
                 what=f"numerical_gradient(f, x, h={h})", inputs={"x": x, "f": "sum(x**3) + 0.5 * sum(x**2)"},
                 mistakes=[Mistake("step_size_ignored", reference.numerical_gradient(Counted(_cubic), x.copy())),
                           *_difference_mistakes(_cubic, x, h)])


def rel_error_mistakes(a, b):
    diff = np.abs(a - b)
    return [Mistake("rel_error_zero_guard", np.max(diff / np.maximum(1e-8, np.abs(a)))),
            Mistake("rel_error_zero_guard", np.max(diff / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b))))),
            Mistake("wrong_reduction", np.mean(diff / np.maximum(1e-8, np.abs(a) + np.abs(b)))),
            Mistake("wrong_reduction", np.sum(diff / np.maximum(1e-8, np.abs(a) + np.abs(b))))]


@graded("rel_error", weight=2, core=True)
@given(a=matrices(2, 3), b=matrices(2, 3))
def test_rel_error_matches_reference(student, reference, a, b):
    actual = student.rel_error(a, b)
    if isinstance(actual, float) and not np.isfinite(actual):
        raise Failure(f"rel_error(a, b) returned {actual}: guard the denominator with max(1e-8, |a| + |b|).",
                      ("rel_error_zero_guard",))
    assert_close(actual, reference.rel_error(a, b), what="rel_error(a, b)", inputs={"a": a, "b": b},
                 mistakes=rel_error_mistakes(a, b))


@graded("rel_error")
def test_rel_error_where_both_are_zero(student, reference):
    a = np.array([0.0, 1e-9, 0.5])
    b = np.array([0.0, 0.0, 0.5])
    call = student.call("rel_error", a, b)
    assert_no_mutation(call, "rel_error", inputs={"a": a, "b": b})
    actual = as_number(call.value)
    if isinstance(actual, float) and not np.isfinite(actual):
        raise Failure(f"rel_error gave {actual} where a and b are both 0: guard the denominator with "
                      "max(1e-8, |a| + |b|).", ("rel_error_zero_guard",))
    assert_close(actual, reference.rel_error(a, b), what="rel_error(a, b) with zeros", inputs={"a": a, "b": b},
                 mistakes=[Mistake("rel_error_zero_guard", 1.0), *rel_error_mistakes(a, b)])


KEYS = ("W1", "b1", "W2", "b2")


def _errors_agree(actual, expected) -> bool:
    """Relative errors agree: the same size where the reference's is visible, tiny where it is tiny."""
    for key, want in expected.items():
        got = as_number(actual.get(key))
        if not isinstance(got, (float, int, np.floating)) or not np.isfinite(got) or got < 0:
            return False
        if want > 1e-7 and abs(got - want) > 1e-3 * want or want <= 1e-7 and got > 1e-6:
            return False
    return True


def gradient_check_mistakes(reference, args):
    """What gradient_check(*args) gives with the classic mistakes (the reference with one wrong part)."""
    X, Y, params, h = args
    _, cache = reference.forward(X, params)
    analytic = reference.backward(Y, params, cache)
    one_sided = with_parts(reference.gradient_check, reference, {
        "numerical_gradient": lambda f, x, h=1e-5: _one_sided(f, x, h)})
    return [
        Mistake("loss_ignores_param", {k: reference.rel_error(analytic[k], np.zeros_like(analytic[k])) for k in KEYS}),
        Mistake("step_size_ignored", reference.gradient_check(X, Y, params)),
        Mistake("one_sided_difference", one_sided(X, Y, params, h)),
    ]


def _check_gradient_check(run: CallCase, *, what):
    X, Y, params, h = run.args
    reference, call, errors = run.reference, run.call, run.value
    if not isinstance(errors, dict):
        raise Failure(f"gradient_check should return a dict with keys W1, b1, W2, b2, got {type_name(errors)}.",
                      ("not_array",))
    if set(errors) != set(KEYS):
        raise Failure(f"gradient_check should return a dict with keys W1, b1, W2, b2, got {sorted(map(str, errors))}.",
                      ("wrong_keys",))
    if call.mutated:
        raise Failure(f"gradient_check changed {', '.join(call.mutated)}: every parameter must be as it was "
                      "afterwards (nudge copies, or put each entry back).", ("input_not_restored",))
    starts = either_side_of_the_kinks(X, params)
    if any(_errors_agree(errors, reference.gradient_check(X, Y, start, h)) for start in starts):
        return
    expected = run.expected
    shown = ", ".join(f"{k}: {float(v):.3g}" if isinstance(v, (float, int, np.floating)) else f"{k}: {v!r}"
                      for k, v in errors.items())
    message = (f"{what}: gradient_check gave {{{shown}}}, expected about "
               f"{{{', '.join(f'{k}: {v:.3g}' for k, v in expected.items())}}}." if expected_shown() else
               f"{what}: gradient_check gave {{{shown}}}, which is wrong.{HIDDEN_NOTE}")
    message += "\nInput: " + ", ".join(f"{k} = {describe(v)}" for k, v in {"X": X, "Y": Y, **params}.items())
    for mistake in gradient_check_mistakes(reference, run.args):
        if _errors_agree(errors, mistake.value) and not _errors_agree(mistake.value, expected):
            raise Failure(message + " " + " ".join(CODES[tag] for tag in mistake.tags), mistake.tags)
    raise Failure(message, (GENERIC,))


def _near_a_kink(seed, h):
    """A random network with z1[0, 0] = 0.3 h: nudges of size h cross that ReLU's kink, so the errors
    of W1 and b1 are large and depend on the network (no constant answers them), while every
    pre-activation stays clear of the last bits of rounding. h is at least 1e-3: that unit's h is
    then at least 3e-4, so the tiny W2 gradients it makes stay far above rounding noise (with h = 1e-5
    a correct forward written as a row loop got a W2 error of 8e-6 where the reference's was 1e-10)."""
    X, Y, params = random_network(seed=seed, n=4, hidden=3)
    params["b1"] = params["b1"] + np.array([0.3 * h - float(X[0] @ params["W1"][:, 0] + params["b1"][0]), 0.0, 0.0])
    return X, Y, params


@graded("gradient_check", weight=2, core=True)
@settings(max_examples=4)
@given(seed=st.integers(0, 2**31 - 1), h=st.sampled_from([1e-2, 1e-3]))
def test_gradient_check_near_a_kink(case, seed, h):
    X, Y, params = _near_a_kink(seed, h)
    _check_gradient_check(case("gradient_check", X, Y, params, h), what=f"Near a ReLU kink, h = {h}")


@graded("gradient_check", weight=2)
def test_gradient_check_is_small_for_correct_gradients(case):
    X, Y, params = random_network(seed=21, n=4, hidden=3)
    _check_gradient_check(case("gradient_check", X, Y, params, 1e-5), what="For correct gradients")


@graded("gradient_check", weight=2)
def test_gradient_check_sees_the_kink(case, reference):
    """With a pre-activation exactly at 0, finite differences straddle the kink and disagree with backprop."""
    params = reference.walkthrough_params()
    X = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    params["b1"] = params["b1"].copy()
    params["b1"][0] = -float((X[0] @ params["W1"])[0])   # z1[0, 0] at the kink, up to rounding
    Y = np.array([[1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    _check_gradient_check(case("gradient_check", X, Y, params, 1e-5), what="At a ReLU kink")


@graded("gradient_check")
def test_gradient_check_uses_its_step_size(case):
    """A large h makes the differences cross kinks that a small one does not: the errors depend on h."""
    X, Y, params = random_network(seed=21, n=4, hidden=3)
    _check_gradient_check(case("gradient_check", X, Y, params, 0.5), what="With h = 0.5")
