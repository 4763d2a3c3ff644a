"""Work-around for how scalars cross the sandbox boundary (used by the gradients and neuron suites).

`autograder.sandbox.wire` encodes NumPy scalars and 0-d arrays with `np.ascontiguousarray`, which
returns at least a 1-d array: a student's `np.float64(7.0)` arrives on the trusted side as
`array([7.])`, and a trusted callable's `np.float64` arrives in the student's process the same way.
Until the wire keeps 0-d shapes, suites pass scalar results through `number` and trusted
callables return Python floats (see `Counted`).
"""
from __future__ import annotations

import numpy as np


def number(value):
    """A (1,) float array, as the wire delivers a NumPy scalar, -> its float; anything else unchanged."""
    if type(value) is np.ndarray and value.shape == (1,) and value.dtype.kind == "f":
        return float(value[0])
    return value


def scalar_input(x) -> float:
    """A trusted callable's scalar argument (float, NumPy scalar, or a (1,) array off the wire) -> float."""
    array = np.asarray(x, dtype=np.float64)
    if array.size != 1:
        raise TypeError(f"expected a single number, got an array of shape {array.shape}")
    return float(array.reshape(-1)[0])
