"""What every assignment's public checks share: the registry, the comparisons, and `check`.

Released beside each notebook with its public_checks.py. NumPy only.

A public check judges its own function only: when a function's check fails and a function it
calls fails its own public check, the cell says which to fix first instead of failing, as the
grader does (it grades a composite with the reference's parts in place of the student's wrong
ones, and charges the mistake once, where it is).
"""
import types
import warnings

import numpy as np


class CheckFailed(AssertionError):
    """A public check that failed: in Jupyter, one clear message instead of a traceback through
    these files (IPython shows `_render_traceback_`'s lines). The cell still fails, as it must."""

    def _render_traceback_(self):
        return [f"\033[31m{line}\033[0m" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


SHAPE_WORDS = ("matmul", "shape", "broadcast", "aligned", "dimension")


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
        except Exception as err:  # noqa: BLE001 - a wrong value, or the student's code raised
            blocked = self.failing_parts(name, function)
            if not blocked:
                raise CheckFailed(_explain(name, err)) from None
            names = " and ".join(f"`{p}`" for p in blocked)
            print(f"{name}: not checked yet: it calls {names}, which "
                  f"{'fails its' if len(blocked) == 1 else 'fail their'} own public check. "
                  f"Fix {names} first, then run this cell again.")
            return
        print(f"{name}: public checks passed")

    def _run(self, name, function):
        """Run one check quietly: NumPy's warnings would go to stderr, which nbgrader counts as a failure."""
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
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


def _explain(name, err) -> str:
    """One message for a failed check: what went wrong, and for NumPy's shape errors a hint first."""
    if isinstance(err, AssertionError):
        return f"{name}: {err}"
    first = str(err).splitlines()[0] if str(err) else ""
    if any(word in first for word in SHAPE_WORDS):
        return (f"{name}: the shapes do not line up. Write the shape of every array in your formula next to it "
                f"(the docstring gives them) and check each product and sum.\nNumPy said: "
                f"{type(err).__name__}: {first}")
    return f"{name} raised {type(err).__name__}: {first}"


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
