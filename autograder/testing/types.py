"""The type rule: what a result may be where the contract asks for a number, an array or a pair.

One rule for every assignment (docs/scoring.md, "Types"):

- a number (a float, an int): a Python int or float, a NumPy scalar, a 0-d array, or an array
  of exactly one element with at most one axis; never a bool. Compared in float64.
- an array: a NumPy array of the documented shape holding float64 (an int, bool or float32
  array is a `dtype` mistake, even with the right values); never a list.
- a pair or a tuple of results (forward's (Y_hat, cache), train's (params, losses), ...): a
  tuple or a list of that length.
- a list of numbers (train's losses): a list, a tuple, or a 1-D float array.
- a dict (params, grads): a dict with exactly the documented keys.

The same rule holds for what a trusted function (a callable the grader passes in, such as the
`f` of a finite difference) accepts from the student's code.
"""
from __future__ import annotations

import numpy as np

from ..diagnosis import Failure
from ..sandbox.wire import Opaque


def as_number(value):
    """A value that counts as a number under the rule -> a Python float; anything else unchanged."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.ndim <= 1 and value.dtype.kind in "fiu":
        return float(value.reshape(())[()])
    if isinstance(value, np.generic) and value.dtype.kind in "fiu":
        return float(value)
    return value


def type_name(value) -> str:
    """The name of a result's type, for a message: for a value that left the sandbox as opaque (a
    set, an object of the student's class), the student's own type's name, not the wire's."""
    return value.type_name if isinstance(value, Opaque) else type(value).__name__


def as_count(value):
    """A value that counts as an int under the rule (an int, a NumPy integer, or an integer array of
    one element with at most one axis; never a bool) -> a Python int; anything else unchanged."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.ndim <= 1 and value.dtype.kind in "iu":
        return int(value.reshape(())[()])
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    return value


def scalar_input(x) -> float:
    """A trusted callable's scalar argument, as the rule accepts it -> float (TypeError otherwise)."""
    array = np.asarray(x, dtype=np.float64)
    if array.size != 1 or array.ndim > 1:
        raise TypeError(f"expected a single number, got an array of shape {array.shape}")
    return float(array.reshape(())[()])


def as_pair(result, what: str, names: str) -> tuple:
    """A pair under the rule (a tuple or a list of two) -> the tuple; Failure otherwise.
    what: e.g. "forward(X, params)"; names: e.g. "(Y_hat, cache)"."""
    if isinstance(result, (tuple, list)) and len(result) == 2:
        return tuple(result)
    got = f"a {type_name(result)}" + (f" of {len(result)}" if isinstance(result, (tuple, list)) else "")
    raise Failure(f"{what} should return a pair {names}, got {got}.", ("not_array",))
