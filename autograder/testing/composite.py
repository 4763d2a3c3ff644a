"""Composites on the trusted side: the reference with a deliberately wrong part, and comparing results.

`with_parts` is how a hidden test computes what a known mistake would give (a `Mistake`'s
value): the reference composite with a trusted, deliberately wrong part. `close_tree` compares
two results of any shape (arrays, numbers, and dicts / tuples / lists of them).

Scoring a composite on its own logic (error carried forward) is the grader's job, not a hidden
test's: see `autograder.parts` and docs/scoring.md.
"""
from __future__ import annotations

import types

import numpy as np

from .compare import TOLERANCES, float_pair


def with_parts(function, module, parts: dict):
    """`function` (defined in `module`) re-bound so that the names in `parts` resolve to the given
    implementations instead of the module's own. Nothing global is changed. (The `reference` fixture's
    functions and module, which remember answers, are unwrapped first: testing/reference.py.)"""
    function, module = getattr(function, "__wrapped__", function), getattr(module, "__wrapped__", module)
    namespace = {**vars(module), **parts}
    return types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                              function.__closure__)


def close_tree(a, b, tol=TOLERANCES["diagnosis"]) -> bool:
    """a ~= b for arrays, numbers, and dicts / tuples / lists of them (max-norm relative error)."""
    if isinstance(b, dict):
        return isinstance(a, dict) and set(a) == set(b) and all(close_tree(a[k], b[k], tol) for k in b)
    if isinstance(b, (tuple, list)):
        return isinstance(a, (tuple, list)) and len(a) == len(b) and all(
            close_tree(x, y, tol) for x, y in zip(a, b))
    pair = float_pair(a, b)
    if pair is None or not np.array_equal(np.isfinite(pair[0]), np.isfinite(pair[1])):
        return False
    x, y = pair
    if not np.all(np.isfinite(x)):     # the same NaN / inf pattern: compare the finite entries
        finite = np.isfinite(x)
        return np.array_equal(x[~finite], y[~finite], equal_nan=True) and close_tree(x[finite], y[finite], tol)
    scale = max(float(np.max(np.abs(y), initial=0.0)), 1e-12)
    return float(np.max(np.abs(x - y), initial=0.0)) / scale <= tol
