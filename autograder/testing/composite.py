"""Diagnosing composites: is `backward` (or `train`, `forward`, ...) wrong only because a part it calls is?

The verdict on a composite never depends on the student's parts: it is the student's composite
against the reference. Only once it has failed, `blame_part` re-runs the *reference* composite
with one of the student's parts substituted for the reference's (e.g. the student's `dL_dW2`
inside the reference `backward`); when that reproduces the student's wrong answer, the part is
to blame, and the failure says so with the `calls_wrong_part` tag.

`with_parts` is also how a hidden test computes what a known mistake would give (an
`alternatives` value): the reference composite with a trusted, deliberately wrong part.
"""
from __future__ import annotations

import copy
import types

import numpy as np

from ..diagnosis import Failure, StudentFailure
from ..sandbox.proxy import input_leaves
from .compare import TOLERANCES


def with_parts(function, module, parts: dict):
    """`function` (defined in `module`) re-bound so that the names in `parts` resolve to the given
    implementations instead of the module's own. Nothing global is changed."""
    namespace = {**vars(module), **parts}
    return types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                              function.__closure__)


def callees(function, names) -> list[str]:
    """The names among `names` that `function`'s own code refers to, in `names` order."""
    referred = set(function.__code__.co_names)
    for const in function.__code__.co_consts:          # nested functions (closures) too
        if isinstance(const, types.CodeType):
            referred |= set(const.co_names)
    return [n for n in names if n in referred]


def close_tree(a, b, tol=TOLERANCES["diagnosis"]) -> bool:
    """a ~= b for arrays, numbers, and dicts / tuples / lists of them (max-norm relative error)."""
    if isinstance(b, dict):
        return isinstance(a, dict) and set(a) == set(b) and all(close_tree(a[k], b[k], tol) for k in b)
    if isinstance(b, (tuple, list)):
        return isinstance(a, (tuple, list)) and len(a) == len(b) and all(
            close_tree(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape != b.shape:
        return False           # shapes first: a returned (M, 1, 1) array is never broadcast
    try:
        x = np.asarray(a, dtype=np.float64)
        y = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if x.shape != y.shape or not np.array_equal(np.isfinite(x), np.isfinite(y)):
        return False
    if not np.all(np.isfinite(x)):     # the same NaN / inf pattern: compare the finite entries
        finite = np.isfinite(x)
        return np.array_equal(x[~finite], y[~finite], equal_nan=True) and close_tree(x[finite], y[finite], tol)
    scale = max(float(np.max(np.abs(y), initial=0.0)), 1e-12)
    return float(np.max(np.abs(x - y), initial=0.0)) / scale <= tol


def same_layout(value, like) -> bool:
    """`value` has the structure and array shapes of `like` (dicts, tuples, lists, arrays): checked
    before a student's value enters trusted arithmetic, where a (M, 1, 1) array would broadcast."""
    if isinstance(like, dict):
        return isinstance(value, dict) and set(value) == set(like) and all(same_layout(value[k], like[k]) for k in like)
    if isinstance(like, (tuple, list)):
        return isinstance(value, (tuple, list)) and len(value) == len(like) and all(
            same_layout(v, w) for v, w in zip(value, like))
    if isinstance(like, np.ndarray):
        return isinstance(value, np.ndarray) and value.shape == like.shape
    return not isinstance(value, np.ndarray) or value.size == 1


def _student_part(student, name, reference=None):
    def part(*args, **kwargs):
        if reference is not None:
            like = getattr(reference, name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        call = student.call(name, *args, **kwargs)
        if reference is not None and not same_layout(call.value, like):
            raise ValueError(f"your `{name}` returned a value of another shape than the reference's")
        # An in-place part changed its inputs in the student's process, not here: copy the changed
        # arrays (any depth: params['W1'] too) into ours, so the composite sees what the student's saw.
        here = dict(input_leaves(args, kwargs)) if call.after else {}
        for path, now in call.after.items():
            target = here.get(path)
            if target is not None and target.shape == now.shape and target.dtype == now.dtype:
                np.copyto(target, now)
        return call.value
    part.__name__ = name
    return part


def blame_part(student, reference, name: str, args: tuple, actual, graded, *, pick=None) -> list[str]:
    """The graded functions called by `name` whose student versions explain the student's wrong
    `actual`: one part if one suffices, else all of them, else []. pick: extracts the compared
    part of a result (e.g. the losses of train); `actual` is that part of the student's result."""
    pick = pick or (lambda value: value)
    function = getattr(reference, name)
    expected = pick(function(*args))
    parts = [p for p in callees(function, graded) if p != name]
    trials = [[p] for p in parts] + ([parts] if len(parts) > 1 else [])
    for chosen in trials:
        try:
            value = pick(with_parts(function, reference, {p: _student_part(student, p, reference) for p in chosen})(
                *copy.deepcopy(args)))
        except (StudentFailure, Exception):  # noqa: BLE001 - a crashing part explains nothing here
            continue
        if close_tree(actual, value) and not close_tree(value, expected):
            return chosen
    return []


def check_composite(check, student, reference, name: str, args: tuple, actual, graded, *, pick=None):
    """Run `check()` (which raises Failure); on a wrong-values failure, name the part to blame."""
    try:
        check()
    except StudentFailure:
        raise
    except Failure as failure:
        if "mutates_input" in failure.tags:
            raise
        parts = blame_part(student, reference, name, args, actual, graded, pick=pick)
        if not parts:
            raise
        part = " and ".join(f"`{p}`" for p in parts)
        raise Failure(f"`{name}` is wrong only because {part}, which it calls, {'is' if len(parts) == 1 else 'are'} "
                      f"wrong: with your {part} the reference `{name}` gives exactly your result. Fix "
                      f"{part} first.\n{failure.message}", ("calls_wrong_part",)) from None


def call_composite(student, reference, name: str, args: tuple, graded):
    """student.call(name, *args) (a Call); when it crashes and the reference composite crashes too with one of the
    student's parts in it, the failure says which part to blame (and keeps the `crashed` tag)."""
    try:
        return student.call(name, *args)
    except StudentFailure as failure:
        if "crashed" not in failure.tags:
            raise
        function = getattr(reference, name)
        for part in [p for p in callees(function, graded) if p != name]:
            try:
                with_parts(function, reference, {part: _student_part(student, part, reference)})(*copy.deepcopy(args))
            except StudentFailure as err:   # the part itself gives no value (missing, crashing, ...)
                why = err.message
            except Exception as err:  # noqa: BLE001 - the part makes the reference crash as well
                why = f"with your `{part}` the reference `{name}` crashes too ({type(err).__name__}: {err})"
            else:
                continue
            raise StudentFailure(f"`{name}` crashed because of `{part}`, which it calls: {why}. Fix `{part}` "
                                 f"first.\n{failure.message}", ("crashed", "calls_wrong_part")) from None
        raise
