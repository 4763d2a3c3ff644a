"""One `assert_close` for every hidden check, with named tolerances and a diagnosis on failure.

A failure message shows the call, the input, the worst entry and its absolute and relative
error. On a randomized case (drawn per submission) it shows the student's value, where it is
worst and the order of its error, but not the expected value: a table of answers built from
feedback must not replay (docs/cases.md). When the value is wrong, the generic classifiers
(transpose, sign, constant factors) and any known `mistakes` the test supplies (autograder/testing/
mistakes.py: the value a known mistake would give, computed by the trusted side) pick the diagnosis tag.
"""
from __future__ import annotations

import contextvars
import math
import numbers

import numpy as np

from ..diagnosis import CODES, GENERIC, Failure
from ..sandbox.wire import Opaque
from .mistakes import Mistake
from .types import as_number

TOLERANCES = {
    "exact": 1e-9,        # student vs reference, same formula in float64 (docs/numerics.md)
    "training": 1e-7,     # trajectories: rounding differences grow over many steps
    "gradcheck": 1e-6,    # finite differences, compared with the reference's own
    "diagnosis": 1e-6,    # how close a value must be to a known mistake to be named after it
}

SHOW = dict(precision=4, suppress_small=True, threshold=40, edgeitems=3, max_line_width=100)


DESCRIBE_CAP = 2000   # characters of one rendered value (a returned 16 MiB string is not copied around)


def describe(value) -> str:
    """A short, readable rendering of a value for a student-facing message (capped)."""
    text = _describe(value)
    return text if len(text) <= DESCRIBE_CAP else text[:DESCRIBE_CAP] + " ..."


def _describe(value) -> str:
    if isinstance(value, str):
        return repr(value[:200]) + (f" ... ({len(value)} characters)" if len(value) > 200 else "")
    if isinstance(value, np.ndarray):
        text = np.array2string(value, **SHOW)
        return f"{text} (shape {value.shape})" if value.ndim > 1 or value.size > 8 else text
    if isinstance(value, dict):
        items = list(value.items())
        more = f", ... ({len(items)} keys)" if len(items) > 8 else ""
        return "{" + ", ".join(f"{describe(k)}: {describe(v)}" for k, v in items[:8]) + more + "}"
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return f"[{', '.join(describe(v) for v in value[:4])}, ... ({len(value)} items)]"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = repr(value)
    return text if len(text) <= DESCRIBE_CAP else text[:DESCRIBE_CAP] + " ..."


# The "exact" tolerance of the function under test: course.toml's `tolerance` for it, set by the
# grading plugin around each hidden test (None: the default above).
EXACT_OVERRIDE: contextvars.ContextVar = contextvars.ContextVar("exact_override", default=None)


# Whether failure messages may print the expected value: on fixed, public-style cases yes; on
# randomized ones (and functions whose answer is their whole output) no. Set by the grading
# plugin around each hidden test.
SHOW_EXPECTED: contextvars.ContextVar = contextvars.ContextVar("show_expected", default=True)
HIDDEN_NOTE = ("\n(This case was drawn for your submission; its expected value is not shown: work it out for "
               "this input from the definition.)")


def expected_shown() -> bool:
    """May a failure message print the expected value? (see SHOW_EXPECTED)"""
    return bool(SHOW_EXPECTED.get())


def _about(rel: float) -> str:
    """The order of magnitude of an error, e.g. 'about 1e-02': enough to tell a slip from a rounding."""
    return f"about {10.0 ** round(math.log10(rel)):.0e}" if rel > 0 and math.isfinite(rel) else f"{rel:.0e}"


def _tol(tol) -> float:
    if tol == "exact" and EXACT_OVERRIDE.get() is not None:
        return float(EXACT_OVERRIDE.get())
    return TOLERANCES[tol] if isinstance(tol, str) else float(tol)


class _InputsText:
    """"\nInput: x = ..., ..." for a failure message, written only when a message uses it: most
    checks pass, and describing every input of every passing check cost a tenth of a grading."""

    def __init__(self, inputs):
        self._inputs, self._text = inputs, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = "" if not self._inputs else \
                "\nInput: " + ", ".join(f"{name} = {describe(v)}" for name, v in self._inputs.items())
        return self._text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _inputs_text(inputs) -> _InputsText:
    return _InputsText(inputs)


def _max_rel(actual: np.ndarray, expected: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    return float(np.max(np.abs(actual - expected), initial=0.0)) / scale


def float_pair(actual, expected) -> tuple[np.ndarray, np.ndarray] | None:
    """Both as float64 arrays of one shape, or None when they cannot be compared entry by entry: not
    numbers, or shapes that differ (a returned (M, 1, 1) array is never broadcast)."""
    if isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray) and actual.shape != expected.shape:
        return None
    try:
        a = np.asarray(actual, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return (a, e) if a.shape == e.shape else None


def _close(actual, expected, tol) -> bool:
    pair = float_pair(actual, expected)
    return pair is not None and bool(np.all(np.isfinite(pair[0]))) and _max_rel(*pair) <= tol


def _ratio(actual: np.ndarray, expected: np.ndarray) -> float | None:
    """The constant c with actual ~= c * expected, or None when no constant fits."""
    denom = float(np.sum(expected * expected))
    if denom == 0.0:
        return None
    c = float(np.sum(actual * expected)) / denom
    return c if _close(actual, c * expected, TOLERANCES["diagnosis"]) else None


def _factor_candidates(factors) -> list[tuple[float, list[str]]]:
    """(ratio, tags) for every constant factor that names a mistake, simplest explanation first:
    1 (a sign alone), a test's own factors (e.g. N -> wrong_mean_denominator), 2 or 1/2
    (missing_factor_2), then a test's factors combined with 2 or 1/2 (e.g. y_hat - y for
    2 (y_hat - y) / (4 N): ratio 2N, both tags)."""
    base = [(1.0, [])]
    for tag, ratios in (factors or {}).items():
        for r in ratios:
            base += [(float(r), [tag]), (1.0 / float(r), [tag])]
    two = [(2.0, ["missing_factor_2"]), (0.5, ["missing_factor_2"])]
    return base + two + [(r * s, stags + tags) for s, stags in two for r, tags in base[1:]]


def diagnose_values(actual, expected, *, mistakes=(), factors=None) -> list[str]:
    """Tags that explain why `actual` differs from `expected` (same shape, both finite).

    Every explanation that fits is named: on an input where two mistakes give the same value (relu
    returning z and np.minimum(0, z) on an all-negative z; X.T @ dz1 / N and an outer product of
    the first rows when every row of X is the same), the student is told of both."""
    found = [tuple(m.tags) for m in mistakes or ()
             if m.value is not None and _close(actual, m.value, TOLERANCES["diagnosis"])]
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.ndim == 2 and a.shape[0] == a.shape[1] and a.shape[0] > 1 and _close(a, e.T, TOLERANCES["diagnosis"]):
        found.append(("transposed",))
    c = _ratio(a, e)
    if c is not None and c != 0.0:
        sign = ("sign_flipped",) if c < 0 else ()
        m = abs(c)
        for r, tags in _factor_candidates(factors):
            if math.isclose(m, r, rel_tol=1e-6):
                found.append((*sign, *tags))
                break
    named = list(dict.fromkeys(tag for tags in found for tag in tags))
    return named or [GENERIC]


def _cause(tags) -> str:
    """'Likely cause: ...' in words, from the codes' own explanations (none for wrong_values)."""
    causes = [CODES[t] for t in dict.fromkeys(tags) if t in CODES and t not in (GENERIC, "shape")]
    return ("\nLikely cause: " + " ".join(causes)) if causes else ""


def _worst(actual: np.ndarray, expected: np.ndarray) -> str:
    diff = np.abs(actual - expected)
    index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    a, e = actual[index], expected[index]
    rel = abs(a - e) / max(abs(e), 1e-12)
    where = f" at index {tuple(int(i) for i in index)}" if index else ""
    if not expected_shown():
        return f"Worst entry{where}: got {a:.8g} (rel. error {_about(rel)})."
    return f"Worst entry{where}: expected {e:.8g}, got {a:.8g} (abs. error {abs(a - e):.2e}, rel. error {rel:.2e})."


def assert_close(actual, expected, *, tol="exact", what="the result", inputs=None,
                 mistakes: list[Mistake] | tuple = (), factors=None) -> None:
    """Raise `Failure` unless `actual` matches `expected` (an array, a float, or a dict of arrays).

    tol: a TOLERANCES name or a number (max relative error, max-norm).
    inputs: {name: value} shown in the message. mistakes: the known mistakes (`Mistake(tags, value)`)
    whose value names what is wrong.
    factors: {tag: [ratios]} constant factors that name a mistake (e.g. the batch size N).
    """
    tol = _tol(tol)
    context = _inputs_text(inputs)
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            raise Failure(f"{what} should be a dict with keys {sorted(expected)}, got "
                          f"{_kind(actual)}.{context}", ("not_array",))
        if set(actual) != set(expected):
            got = describe(sorted(str(k)[:200] for k in list(actual)[:20]))
            raise Failure(f"{what} should have the keys {sorted(expected)}, got {got}."
                          f"{context}", ("wrong_keys",))
        for key in expected:
            assert_close(actual[key], expected[key], tol=tol, what=f"{what}[{key!r}]", inputs=inputs,
                         mistakes=[m.at(key) for m in mistakes or ()], factors=factors)
        return
    if isinstance(expected, np.ndarray):
        _check_array(actual, expected, tol, what, context, mistakes, factors)
        return
    _check_number(actual, float(expected), tol, what, context, mistakes, factors)


def _kind(value) -> str:
    if isinstance(value, Opaque):
        return f"a {value.type_name} ({value.text})"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


def _matching(actual, mistakes) -> list[str]:
    """Tags of the known mistakes whose value `actual` equals (any shape, scalars included)."""
    if isinstance(actual, Opaque) or actual is None:
        return []
    return [t for m in mistakes or () if m.value is not None and _close(actual, m.value, TOLERANCES["diagnosis"])
            for t in m.tags]


def _check_array(actual, expected, tol, what, context, mistakes, factors):
    if not isinstance(actual, np.ndarray):
        tags = _matching(actual, mistakes) + ["not_array"]
        raise Failure(f"{what} should be a NumPy array of shape {expected.shape}, got {_kind(actual)}: "
                      f"{describe(actual)}.{context}{_cause(tags[:-1])}", tuple(tags))
    if actual.shape != expected.shape:
        if actual.ndim == 2 and actual.shape == expected.T.shape and _close(actual, expected.T, tol):
            raise Failure(f"{what} has shape {actual.shape} but should have shape {expected.shape}: it is the "
                          f"transpose of the right answer.{context}", ("transposed", "shape"))
        tags = _matching(actual, mistakes) + ["shape"]
        raise Failure(f"{what} should have shape {expected.shape}, got {actual.shape}.{context}{_cause(tags)}",
                      tuple(tags))
    if actual.dtype.kind == "b" or actual.dtype.kind in "iu":
        raise Failure(f"{what} should hold float64 numbers, got dtype {actual.dtype} "
                      f"(convert with .astype(np.float64)).{context}", ("dtype",))
    if actual.dtype.kind == "c":
        raise Failure(f"{what} should be real float64, got complex dtype {actual.dtype}.{context}", ("dtype",))
    if not np.all(np.isfinite(actual)):
        bad = np.argwhere(~np.isfinite(actual))[0]
        raise Failure(f"{what} contains NaN or inf (first at index {tuple(int(i) for i in bad)}).{context}",
                      ("not_finite",))
    as_float = actual.astype(np.float64)
    if _max_rel(as_float, expected) > tol:
        tags = diagnose_values(as_float, expected, mistakes=mistakes, factors=factors)
        shown = f"\nExpected: {describe(expected)}" if expected_shown() else HIDDEN_NOTE
        raise Failure(f"{what} is wrong.{context}{shown}\nGot:      "
                      f"{describe(actual)}\n{_worst(as_float, expected)}{_cause(tags)}", tuple(tags))
    if actual.dtype != np.float64:
        raise Failure(f"{what} has the right values but dtype {actual.dtype}; use float64.{context}", ("dtype",))


def _check_number(actual, expected, tol, what, context, mistakes, factors):
    actual = as_number(actual)      # the type rule (testing/types.py): one element counts as a number
    if isinstance(actual, bool) or not isinstance(actual, numbers.Real):
        raise Failure(f"{what} should be a number, got {_kind(actual)}: {describe(actual)}.{context}",
                      ("not_array",))
    actual = float(actual)
    if not math.isfinite(actual):
        raise Failure(f"{what} is {actual}, not a finite number.{context}", ("not_finite",))
    scale = max(abs(expected), 1e-12)
    if abs(actual - expected) / scale > tol:
        tags = diagnose_values(np.array([actual]), np.array([expected]), factors=factors, mistakes=[
            Mistake(m.tags, None if m.value is None else np.array([float(m.value)])) for m in mistakes or ()])
        rel = abs(actual - expected) / scale
        if expected_shown():
            shown = f"\nExpected: {expected:.10g}\nGot:      {actual:.10g} (rel. error {rel:.2e})"
        else:
            shown = f"{HIDDEN_NOTE}\nGot:      {actual:.10g} (rel. error {_about(rel)})"
        raise Failure(f"{what} is wrong.{context}{shown}{_cause(tags)}", tuple(tags))


def assert_no_mutation(call, name: str, *, inputs=None, may_return_inputs=False) -> None:
    """Fail with `mutates_input` when a `Call` changed an input array or, unless
    `may_return_inputs` (e.g. forward's cache holds X), returned one of them."""
    context = _inputs_text(inputs)
    if call.mutated:
        raise Failure(f"`{name}` changed its input {', '.join(call.mutated)} in place. Work on new arrays "
                      f"(e.g. `x - lr * g`, not `x -= lr * g`).{context}", ("mutates_input",))
    if call.aliased and not may_return_inputs:
        raise Failure(f"`{name}` returned one of its inputs instead of a new array ({', '.join(call.aliased)}); "
                      f"a later in-place change to one would change the other. Return a copy.{context}",
                      ("mutates_input",))
