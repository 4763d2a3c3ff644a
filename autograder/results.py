"""Test outcomes -> the Gradescope-style results.json of the grading contract.

`function_score` is the partial-credit rule of docs/scoring.md (section 1), the one statement of it;
`note_wrong_parts` adds the error-carried-forward note (section 2), as does a check passed only with
the reference's parts (suite.py). Diagnosis tags: the union of the failed tests' tags, except that
`wrong_values` is dropped when another failed test found a more specific cause; the message shown
is that of the failure with the most specific diagnosis.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .course import Assignment
from .diagnosis import GENERIC
from .suite import TestOutcome
from .text import safe_result


@dataclass
class FunctionResult:
    name: str
    score: float
    max_score: float
    passed: int
    total: int
    output: str
    tags: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "passed" if self.total and self.passed == self.total else "failed"

    def as_test(self) -> dict:
        return {"name": self.name, "score": self.score, "max_score": self.max_score,
                "status": self.status, "output": self.output, "tags": list(self.tags)}


def function_score(points: float, outcomes: list[TestOutcome]) -> float:
    """The partial-credit rule (module docstring) for one function's test outcomes."""
    total_weight = sum(o.weight for o in outcomes)
    if not total_weight or any(o.core and not o.passed for o in outcomes):
        return 0.0
    passed_weight = sum(o.weight for o in outcomes if o.passed)
    return round(points * passed_weight / total_weight, 4)


def _most_specific_first(failures: list[TestOutcome]) -> list[TestOutcome]:
    return sorted(failures, key=lambda o: (not o.tags or set(o.tags) <= {GENERIC}))


def score_functions(assignment: Assignment, outcomes: list[TestOutcome],
                    extra_tags: dict[str, list[str]] | None = None, only=None) -> list[FunctionResult]:
    """One FunctionResult per graded function of the assignment, in course.toml order
    (only: just these functions)."""
    results = []
    for function in assignment.functions:
        if only is not None and function.name not in only:
            continue
        mine = [o for o in outcomes if o.function == function.name]
        score = function_score(function.points, mine)
        failures = _most_specific_first([o for o in mine if not o.passed])
        tags = list(dict.fromkeys(t for o in failures for t in o.tags))
        if len(tags) > 1 and GENERIC in tags:
            tags.remove(GENERIC)
        tags += [t for t in (extra_tags or {}).get(function.name, []) if t not in tags]
        passed = sum(1 for o in mine if o.passed)
        if not mine:
            output = "No hidden test checks this function (the grader is misconfigured)."
        elif not failures:
            output = f"All {len(mine)} checks passed."
        else:
            output = f"{passed} of {len(mine)} checks passed.\n{failures[0].message}"
        carried = [o for o in mine if o.passed and o.message]     # passed with the reference's parts
        if carried:
            more = len(carried) - 1
            output += f"\n{carried[0].message}" + (f" ({more} more of its checks likewise.)" if more else "")
            tags += [t for t in carried[0].tags if t not in tags]
        results.append(FunctionResult(function.name, score, function.points, passed, len(mine), output, tags))
    return results


def note_wrong_parts(result: FunctionResult, parts: list[str]) -> None:
    """Say that `result`'s composite gives another result with the student's own `parts`, which
    lost points of their own: fix them first. Information only (error carried forward)."""
    names = " and ".join(f"`{p}`" for p in parts)
    one = len(parts) == 1
    result.output += (f"\nNote: with your own {names}, your `{result.name}` gives a different result. "
                      f"{'It has' if one else 'They have'} mistakes of {'its' if one else 'their'} own "
                      f"(see {'its' if one else 'their'} checks): fix {'it' if one else 'them'} first. "
                      f"`{result.name}` itself was graded with the reference's {names} and loses nothing "
                      "for them.")
    if "calls_wrong_part" not in result.tags:
        result.tags.append("calls_wrong_part")


def results_json(functions: list[FunctionResult], *, execution_time: float, output: str = "") -> dict:
    """The results.json dict: score, max_score, execution_time, output, tests."""
    return safe_result({          # every string capped and valid UTF-8 (text.py)
        "score": round(sum(f.score for f in functions), 4),
        "max_score": float(sum(f.max_score for f in functions)),
        "execution_time": round(execution_time, 3),
        "output": output,
        "tests": [f.as_test() for f in functions],
    })


def zero_results(assignment: Assignment, reason: str, tag: str, *, execution_time: float = 0.0) -> dict:
    """Every function 0 with the same reason: for a submission that cannot be read at all."""
    functions = [FunctionResult(f.name, 0.0, f.points, 0, 0, reason, [tag]) for f in assignment.functions]
    return results_json(functions, execution_time=execution_time, output=reason)
