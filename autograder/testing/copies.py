"""`fresh(value)`: a deep copy of plain data (arrays, lists, tuples, dicts, numbers, strings) that is
what `copy.deepcopy` makes, in a fraction of its time; anything else goes to `copy.deepcopy`.

A hidden case is copied each time a test is given it (a recorded case set, a remembered torch
answer), some 2000 times a grading: deepcopy's generic machinery cost about 10 ms of it.
"""
from __future__ import annotations

import copy

import numpy as np

_ATOMS = (type(None), bool, int, float, complex, str, bytes)


def fresh(value, memo: dict | None = None):
    """A deep copy of `value`: an object met twice is copied once (as deepcopy does), an array keeps
    its dtype and memory order."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if memo is None:
        memo = {}
    key = id(value)
    if key in memo:
        return memo[key]
    if kind is np.ndarray and not value.dtype.hasobject:
        made = value.copy(order="K")
    elif kind is list:
        made = memo[key] = []
        made.extend(fresh(v, memo) for v in value)
        return made
    elif kind is tuple:
        made = tuple(fresh(v, memo) for v in value)
        if key in memo:            # a tuple holding itself through a list: as deepcopy does
            return memo[key]
    elif kind is dict:
        made = memo[key] = {}
        for k, v in value.items():
            made[fresh(k, memo)] = fresh(v, memo)
        return made
    else:
        made = copy.deepcopy(value, memo)
    memo[key] = made
    return made
