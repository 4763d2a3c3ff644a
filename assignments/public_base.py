"""What every assignment's public checks share: the registry, the comparisons, and `check`.

Released beside each notebook with its public_checks.py. NumPy only.

A public check judges its own function only: when a function's check fails and a function it
calls fails its own public check, the cell says which to fix first instead of failing, as the
grader does (it grades a composite with the reference's parts in place of the student's wrong
ones, and charges the mistake once, where it is).
"""
import types

import numpy as np


class Checks(dict):
    """name -> the public check of that graded function (a callable taking the student's function)."""

    def public(self, name):
        def register(function):
            self[name] = function
            return function
        return register

    def check(self, name, function):
        """Run the public checks of one function and say so; AssertionError with a hint if one fails."""
        try:
            self._run(name, function)
        except Exception:  # noqa: BLE001 - a wrong value, or the student's code raised
            blocked = self.failing_parts(name, function)
            if not blocked:
                raise
            names = " and ".join(f"`{p}`" for p in blocked)
            print(f"{name}: not checked yet: it calls {names}, which "
                  f"{'fails its' if len(blocked) == 1 else 'fail their'} own public check. "
                  f"Fix {names} first, then run this cell again.")
            return
        print(f"{name}: public checks passed")

    def _run(self, name, function):
        try:
            self[name](function)
        except NotImplementedError:
            raise AssertionError(f"{name} still raises NotImplementedError: write your code in place of "
                                 "the stub") from None

    def failing_parts(self, name, function) -> list:
        """The other checked functions that `function` calls (by name, directly or through others)
        whose own checks fail for a reason of their own: the ones to fix first."""
        namespace = getattr(function, "__globals__", {})
        reach = {name: self._reachable(name, function, namespace)}
        failing = []
        for part in reach[name]:
            try:
                self._run(part, namespace[part])
            except Exception:  # noqa: BLE001 - any failure of the part's own check counts
                failing.append(part)
        roots = [p for p in failing if not set(self._reachable(p, namespace[p], namespace)) & set(failing)]
        return roots or failing

    def _reachable(self, name, function, namespace) -> list:
        """The checked functions other than `name` that `function` calls, directly or through them."""
        found, frontier = [], [function]
        while frontier:
            for part in _called_names(frontier.pop(0)):
                if part != name and part not in found and part in self and callable(namespace.get(part)):
                    found.append(part)
                    frontier.append(namespace[part])
        return found


def _called_names(function) -> list:
    """The global names `function`'s code (nested functions too) refers to, in order of appearance."""
    names, stack = [], [getattr(function, "__code__", None)]
    while stack:
        code = stack.pop(0)
        if code is None:
            continue
        names += [n for n in code.co_names if n not in names]
        stack += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return names


def same(actual, expected, what):
    expected = np.asarray(expected, dtype=np.float64)
    if not isinstance(actual, np.ndarray):
        raise AssertionError(f"{what} should be a NumPy array, got {type(actual).__name__}")
    if actual.shape != expected.shape:
        raise AssertionError(f"{what} should have shape {expected.shape}, got {actual.shape}")
    if actual.dtype != np.float64:
        raise AssertionError(f"{what} should have dtype float64, got {actual.dtype}")
    if not np.allclose(actual, expected, rtol=1e-9, atol=1e-12):
        raise AssertionError(f"{what} is wrong:\nexpected {expected.tolist()}\ngot      {actual.tolist()}")


def number(actual, expected, what):
    if isinstance(actual, bool) or not isinstance(actual, (int, float, np.floating, np.integer)):
        raise AssertionError(f"{what} should be a float, got {type(actual).__name__}")
    if not np.isclose(float(actual), expected, rtol=1e-9, atol=1e-12):
        raise AssertionError(f"{what} should be {expected!r}, got {float(actual)!r}")


def unchanged(before, after, what):
    if not np.array_equal(before, after):
        raise AssertionError(f"{what} changed its input: return new arrays, do not modify the arguments")
