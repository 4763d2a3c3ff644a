"""`@graded(function, ...)`: which graded function a hidden test checks, and how the test counts.

    @graded("relu_grad", weight=2, core=True)
    def test_relu_grad_matches_reference(student, reference): ...

    @each_graded("dL_dW2", "dL_dW1", weight=2, core=True)     # one test, run for each function
    def test_weight_grad_matches_reference(student, reference, function): ...

The options are keyword-only and checked when the suite is imported: an unknown one (`cor=True`)
or a value of the wrong type is an `AuthoringError` naming the test file's mistake, never a rule
silently dropped. The grader reads a test's options back with `graded_spec`, through the same
check, so a test marked by hand with `pytest.mark.graded(...)` is held to it too. How the options
turn into points: docs/scoring.md; writing a hidden test: docs/authoring.md.
"""
from __future__ import annotations

import difflib
import numbers
from dataclasses import dataclass, fields

import pytest


class AuthoringError(TypeError):
    """A hidden test is marked wrongly (an unknown option, a value of the wrong type)."""


@dataclass(frozen=True)
class Graded:
    function: str              # the graded function (course.toml) the test checks
    weight: float = 1.0        # the test's share of the function's points, relative to its other tests
    core: bool = False         # the function must pass it to earn any points (docs/scoring.md)
    answer_shown: bool = True  # False: failure messages never print the expected value, even on a fixed
                               # case (a function without inputs, whose answer is its whole output)


OPTIONS = tuple(f.name for f in fields(Graded) if f.name != "function")


def graded_spec(args: tuple, options: dict) -> Graded:
    """The checked options of a `graded` mark (its positional args and keyword options)."""
    if len(args) != 1 or not isinstance(args[0], str) or not args[0]:
        raise AuthoringError(f"@graded takes the graded function's name first, as a string "
                             f"(e.g. @graded(\"relu\")), got {args!r}")
    unknown = [key for key in options if key not in OPTIONS]
    if unknown:
        hints = [f"{key!r} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(key, OPTIONS, 1))
                 else repr(key) for key in unknown]
        raise AuthoringError(f"@graded({args[0]!r}, ...) has no option {', '.join(hints)}; "
                             f"its options are {', '.join(OPTIONS)}")
    weight = options.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not weight > 0:
        raise AuthoringError(f"@graded({args[0]!r}, weight=...) must be a positive number, got {weight!r}")
    for flag in ("core", "answer_shown"):
        if flag in options and not isinstance(options[flag], bool):
            raise AuthoringError(f"@graded({args[0]!r}, {flag}=...) must be True or False, got {options[flag]!r}")
    return Graded(args[0], float(weight), options.get("core", False), options.get("answer_shown", True))


def graded(function: str, /, **options) -> pytest.MarkDecorator:
    """Mark a hidden test as checking `function`. Options (keyword-only): weight=1.0, core=False,
    answer_shown=True (see `Graded`). Raises AuthoringError on an unknown option or a wrong type."""
    spec = graded_spec((function,), options)
    return pytest.mark.graded(spec.function, weight=spec.weight, core=spec.core, answer_shown=spec.answer_shown)


def each_graded(*functions: str, **options) -> pytest.MarkDecorator:
    """One test written once for several graded functions checked alike (a layer's gradients, two
    ways of computing the same thing): the test takes `function`, the name, and runs once per name as
    `test_...[name]`, that run marked `graded(name, **options)`. Raises AuthoringError as `graded` does."""
    if not functions:
        raise AuthoringError("@each_graded takes the names of the graded functions it checks, e.g. "
                             "@each_graded(\"dL_dW2\", \"dL_dW1\")")
    return pytest.mark.parametrize(
        "function", [pytest.param(name, marks=graded(name, **options), id=name) for name in functions])


def specs_of_function(test) -> list[Graded]:
    """The checked `graded` options a test function carries, read without collecting it: its own mark,
    or one per function of its `@each_graded`."""
    specs = []
    for mark in getattr(test, "pytestmark", []):
        if mark.name == "graded":
            specs.append(graded_spec(tuple(mark.args), dict(mark.kwargs)))
        elif mark.name == "parametrize":
            for case in mark.args[1] if len(mark.args) > 1 else ():
                specs += [graded_spec(tuple(m.args), dict(m.kwargs)) for m in getattr(case, "marks", ())
                          if m.name == "graded"]
    return specs


def spec_of(item) -> Graded | None:
    """The checked `graded` options of a collected test, None when it has no `graded` mark.
    Raises AuthoringError for a mark made by hand with a wrong option."""
    marker = item.get_closest_marker("graded")
    return None if marker is None else graded_spec(tuple(marker.args), dict(marker.kwargs))
