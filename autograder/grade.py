"""Grading one submission: an ordered list of small steps, declared once in `STEPS`.

    read the submission -> start the sandbox -> run the hidden suite -> score
    -> note the parts to fix first -> report

Each step takes and returns the `Grading` state. A submission that cannot be read ends the
pipeline early with a zero and a reason; only a broken grader (e.g. a hidden suite that does
not collect) raises `GraderError`.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import case_pool, parts
from .cases import SecretError, case_seed, course_secret
from .course import Assignment
from .diagnosis import StudentFailure
from .results import FunctionResult, note_wrong_parts, results_json, score_functions, zero_results
from .sandbox import launcher
from .sandbox.proxy import THREAD_RULE, SandboxedStudent, start_spare
from .submission import DISPLAY_MODULES, Extracted, UnreadableSubmission, extract, read_bytes
from .suite import SuiteError, TestOutcome, run_suite
from .testing.composite import close_tree

OUTPUT_SHOWN = 4000   # characters of the student's own printed output kept in results.json


class GraderError(RuntimeError):
    """The grader itself could not grade (not the student's fault)."""


@dataclass
class Grading:
    assignment: Assignment
    path: Path
    isolation: str = "auto"
    only: frozenset[str] | None = None  # grade just these functions (e.g. a mutant's and its callers)
    started: float = field(default_factory=time.monotonic)
    extracted: Extracted | None = None
    case_seed: int | None = None        # the seed of this file's randomized cases (autograder/cases.py)
    secret: bytes = b""                 # the course's case secret
    student: SandboxedStudent | None = None
    outcomes: list[TestOutcome] = field(default_factory=list)
    functions: list[FunctionResult] = field(default_factory=list)
    curves: dict = field(default_factory=dict)    # training function -> loss curves (curves.py)
    result: dict | None = None          # set by the last step, or early for an unreadable file
    hidden: tuple = ()                  # paths the child must not see (launcher.SandboxConfig.hidden)
    files: dict = field(default_factory=dict)   # name -> bytes copied into the sandbox
    start_next: bool = False            # start the next grading's sandbox child now (grade_submission)


def read_submission(g: Grading) -> Grading:
    if not os.path.lexists(g.path):      # the grader was given a wrong path: not the student's zero
        raise GraderError(f"{g.path} does not exist")
    try:
        g.files = {g.path.name: read_bytes(g.path)}
        g.extracted = extract(g.path, g.assignment)
    except UnreadableSubmission as err:
        g.result = zero_results(g.assignment, str(err), "unreadable",
                                execution_time=time.monotonic() - g.started)
    except (RecursionError, MemoryError, ValueError, TypeError, AttributeError) as err:
        # every byte of the file is hostile: a parse we did not foresee failing is still the file's
        g.result = zero_results(g.assignment, f"The submission could not be read ({type(err).__name__}).",
                                "unreadable", execution_time=time.monotonic() - g.started)
    if g.result is not None:
        return g
    try:
        secret = course_secret(g.assignment.root)
    except (SecretError, OSError) as err:
        raise GraderError(f"the case secret cannot be used: {err}") from None
    g.secret, g.case_seed = secret, case_seed(secret, g.files[g.path.name])
    return g


def start_sandbox(g: Grading) -> Grading:
    limits = g.assignment.limits
    g.student = SandboxedStudent(
        g.extracted.units,
        time_limits={f.name: f.time_limit for f in g.assignment.functions},
        default_time_limit=limits.time_limit,
        load_time_limit=limits.load_time_limit,
        config=launcher.SandboxConfig(memory_mb=limits.memory_limit, isolate=g.isolation,
                                      hidden=tuple(str(p) for p in g.hidden)),
        forbidden=g.assignment.forbidden_imports,
        blocked=g.extracted.blocked,
        files=g.files,
        total_time_limit=limits.total_time_limit,
        parts=parts.plan(g.assignment)[1],
        inert=DISPLAY_MODULES,
    )
    g.student.prestart()        # its interpreter starts while the hidden suite is set up
    if g.start_next:            # and the next grading's, while this one runs
        start_spare(g.student.config)
    return g


def run_hidden_suite(g: Grading) -> Grading:
    try:
        replay = None if g.case_seed is None else \
            case_pool.case_set(g.assignment, g.secret, case_pool.slot_of(g.case_seed)).examples
        g.outcomes = run_suite(g.assignment, g.student, only=g.only, seed=g.case_seed, replay=replay)
    except (SuiteError, case_pool.PoolError) as err:
        g.student.close()
        raise GraderError(str(err)) from None
    if g.student.grader_error:
        g.student.close()
        raise GraderError(g.student.grader_error)
    return g


def record_curves(g: Grading) -> Grading:
    """After grading (it cannot change a score): the training functions' loss curves for the feedback."""
    from .curves import record
    try:
        g.curves = record(g.assignment, g.student, only=g.only)
    except BaseException:
        g.student.close()
        raise
    return g


def score(g: Grading) -> Grading:
    checked = {o.function for o in g.outcomes}
    unchecked = [f.name for f in g.assignment.functions
                 if f.name not in checked and (g.only is None or f.name in g.only)]
    if unchecked:        # a broken suite or grader, never the student's zero
        raise GraderError(f"no hidden test ran for {', '.join(unchecked)}: the hidden suite of "
                          f"{g.assignment.name} is incomplete or did not run")
    g.functions = score_functions(g.assignment, g.outcomes, g.extracted.function_tags, only=g.only)
    return g


def note_parts_to_fix(g: Grading) -> Grading:
    """A composite whose parts lost points: when the student's own parts change its result, say
    which to fix first (`calls_wrong_part`, information only: the score stands)."""
    try:
        graph, _ = parts.plan(g.assignment)
        scored = {f.name: f for f in g.functions}
        for result in g.functions:
            failed = [p for p in graph.get(result.name, ()) if p in scored and scored[p].score < scored[p].max_score]
            if failed and own_parts_change_result(g.student, result.name):
                note_wrong_parts(result, failed)
    finally:
        g.student.close()
    return g


def own_parts_change_result(student, name: str) -> bool:
    """True when the student's composite, run on its first scored inputs with the student's own
    parts, gives another result than with the reference parts (or gives none)."""
    for args, kwargs, value in student.composite_calls.get(name, []):
        try:
            own = student.call_with_own_parts(name, args, kwargs)
        except StudentFailure:
            return True
        if not close_tree(own.value, value):
            return True
    return False


def report(g: Grading) -> Grading:
    lines = list(g.extracted.notes)      # for the student: nothing about the server (isolation_notice)
    for unit in g.student.load_report.units:
        if unit.get("status") == "syntax_error":
            at = f" at line {unit['lineno']}" if unit.get("lineno") is not None else ""
            lines.append(f"{unit['name']} has a syntax error{at}: {unit.get('message')}; "
                         "the functions it defines score 0.")
        elif unit.get("status") == "error":
            lines.append(f"{unit['name']} stopped with {unit.get('type')}: {unit.get('message')}.")
            if "can't start new thread" in str(unit.get("message")):
                lines.append(f"It tried to start a thread: {THREAD_RULE}")
        elif unit.get("status") == "timeout":
            lines.append(f"{unit['name']} {unit.get('message')}; the functions it defines score 0.")
    printed = g.student.output()
    if printed.strip():
        cut = printed[:OUTPUT_SHOWN] + ("\n[... more output not shown]" if len(printed) > OUTPUT_SHOWN else "")
        lines.append("Your code printed:\n" + cut)
    g.result = results_json(g.functions, execution_time=time.monotonic() - g.started, output="\n".join(lines))
    for test in g.result["tests"]:
        if test["name"] in g.curves:
            test["extra_data"] = {"loss_curve": g.curves[test["name"]]}
    return g


def check_isolation(isolation: str) -> None:
    """`--isolation bwrap` where bubblewrap cannot run is the grader's error, not students' zeros."""
    if isolation == "bwrap" and not launcher.bwrap_available():
        raise GraderError("isolation 'bwrap' was asked for, but bubblewrap cannot run here "
                          f"({launcher.bwrap_problem()}); install it with `apt-get install -y bubblewrap`")


STEPS = [read_submission, start_sandbox, run_hidden_suite, record_curves, score, note_parts_to_fix, report]


# One submission at a time per process: pytest, hypothesis and the suite's plugin keep global
# state, so a Dask worker with several threads grades its submissions in turn, safely.
_ONE_AT_A_TIME = threading.Lock()


def grade_submission(assignment: Assignment, path: Path | str, *, isolation: str = "auto",
                     only=None, hidden=(), start_next: bool = False) -> dict:
    """Grade one .ipynb or .py submission -> the results.json dict. Raises GraderError only
    when the grader itself is broken. only: grade just these functions (results.json then lists
    only them); the instructor's `validate` uses it to grade a mutant's function and its callers.
    hidden: folders and files the child must not see without bubblewrap (the course directory);
    the project's own folder is always hidden.
    start_next: start the sandbox child of the next grading with the same limits now, while this one
    runs: fresh, and untouched by this submission (a batch worker: the next one's child is ready)."""
    check_isolation(isolation)
    g = Grading(assignment, Path(path), isolation, None if only is None else frozenset(only),
                hidden=(assignment.root, *map(Path, hidden)), start_next=start_next)
    with _ONE_AT_A_TIME:
        try:
            for step in STEPS:
                g = step(g)
                if g.result is not None:
                    break
        finally:
            if g.student is not None:      # a step that raised (GraderError) leaves no child behind
                g.student.close()
    return g.result
