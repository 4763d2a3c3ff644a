"""Test outcomes -> the Gradescope-style results.json of the grading contract (DESIGN.md).

Partial credit: a function's score is its points times the weighted share of its hidden tests
that passed (each test's weight is set by `@graded(..., weight=)`, default 1). A function that
produced no value at all (not defined, stub, syntax error, crash on every call, timeout) passes
none of its tests and so scores 0. The same rule applies to notebooks and .py files.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .course import Assignment
from .suite import TestOutcome


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


def score_functions(assignment: Assignment, outcomes: list[TestOutcome],
                    extra_tags: dict[str, list[str]] | None = None) -> list[FunctionResult]:
    """One FunctionResult per graded function of the assignment, in course.toml order."""
    results = []
    for function in assignment.functions:
        mine = [o for o in outcomes if o.function == function.name]
        total_weight = sum(o.weight for o in mine)
        passed_weight = sum(o.weight for o in mine if o.passed)
        score = round(function.points * passed_weight / total_weight, 4) if total_weight else 0.0
        failures = [o for o in mine if not o.passed]
        tags = list(dict.fromkeys(t for o in failures for t in o.tags))
        tags += [t for t in (extra_tags or {}).get(function.name, []) if t not in tags]
        passed = sum(1 for o in mine if o.passed)
        if not mine:
            output = "No hidden test checks this function (the grader is misconfigured)."
        elif not failures:
            output = f"All {len(mine)} checks passed."
        else:
            output = f"{passed} of {len(mine)} checks passed.\n{failures[0].message}"
        results.append(FunctionResult(function.name, score, function.points, passed, len(mine), output, tags))
    return results


def results_json(assignment: Assignment, functions: list[FunctionResult], *, execution_time: float,
                 output: str = "") -> dict:
    """The results.json dict: score, max_score, execution_time, output, tests."""
    return {
        "score": round(sum(f.score for f in functions), 4),
        "max_score": assignment.max_score,
        "execution_time": round(execution_time, 3),
        "output": output,
        "tests": [f.as_test() for f in functions],
    }


def zero_results(assignment: Assignment, reason: str, tag: str, *, execution_time: float = 0.0) -> dict:
    """Every function 0 with the same reason: for a submission that cannot be read at all."""
    functions = [FunctionResult(f.name, 0.0, f.points, 0, 0, reason, [tag]) for f in assignment.functions]
    return results_json(assignment, functions, execution_time=execution_time, output=reason)
