"""Trusted functions handed to student code, counting their calls: a finite difference's f, a
gradient check's loss. They run on the grader's side; the student's code calls them through the
sandbox's callback, so a test can tell how many evaluations an implementation made.
"""
from __future__ import annotations

import numpy as np


def float64_array(x):
    """What the student's code passed, as a float64 array (not copied when it already is one)."""
    return np.asarray(x, dtype=np.float64)


def float64_params(params):
    """A params dict the student's code passed, each entry as a float64 array."""
    return {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}


class Counted:
    """`function` handed to student code, counting its calls. argument: what the student's code
    passes -> what `function` takes; a scalar result comes back as a Python float, what the
    contract promises the student's code, an array with axes as it is."""

    def __init__(self, function, argument=float64_array):
        self.function = function
        self.argument = argument
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        value = self.function(self.argument(x))
        return value if isinstance(value, np.ndarray) and value.ndim else float(value)
