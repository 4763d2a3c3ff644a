"""`autograder validate ASSIGNMENT`: the instructor's pre-release check, through the real grading path.

    the mutant catalogue covers every graded function (at least MIN_MUTANTS each)
    -> the reference solution scores full marks
    -> the untouched release (nbgrader's stubbed notebook) scores zero
    -> every mutant in the catalogue loses points on the function it breaks, is named, and costs
       nothing in the functions that call it (error carried forward: docs/scoring.md)

The mutant catalogue of an assignment is `tests/mutants/<assignment>.toml`: one `[[mutant]]`
table per realistic wrong implementation, with the graded `function` it breaks, a `mistake` id,
a one-line `description`, the expected diagnosis `tags`, and the replacement `source` of that one
function. A mutant submission is the reference module with that function's definition replaced,
written to a .py file and graded like any student's (sandboxed child + hidden suite). To keep
that affordable, a mutant is graded on its function and the graded functions that call it
(directly or not), the only ones it can change.

A mutant is *caught* when its function scores below full marks, *named* when its function's
tags include every expected tag and, unless expected, not the generic `wrong_values`, and
*charged once* when every graded function that calls it keeps full marks.
"""
from __future__ import annotations

import ast
import importlib.util
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .course import Assignment, Course
from .diagnosis import CODES

MIN_MUTANTS = 3
GENERIC = "wrong_values"


class CatalogueError(ValueError):
    """The mutant catalogue is malformed; the message names the entry."""


@dataclass(frozen=True)
class Mutant:
    function: str
    mistake: str
    description: str
    tags: tuple[str, ...]
    source: str

    @property
    def id(self) -> str:
        return f"{self.function}__{self.mistake}"


@dataclass
class MutantResult:
    mutant: Mutant
    score: float
    max_score: float
    tags: list[str]
    output: str
    callers: dict[str, dict] = field(default_factory=dict)   # caller -> its results.json test entry

    @property
    def caught(self) -> bool:
        return self.score < self.max_score

    @property
    def named(self) -> bool:
        expected = set(self.mutant.tags)
        return self.caught and expected <= set(self.tags) and (GENERIC in expected or GENERIC not in self.tags)

    @property
    def charged_callers(self) -> list[str]:
        """Callers that lost points for the mutant's mistake: with error carried forward, none may."""
        return [name for name, t in self.callers.items() if t["score"] < t["max_score"]]

    @property
    def charged_once(self) -> bool:
        return not self.charged_callers


# -- the catalogue ------------------------------------------------------------------

def catalogue_path(assignment: Assignment) -> Path:
    return assignment.root / "tests" / "mutants" / f"{assignment.name}.toml"


def load_catalogue(assignment: Assignment) -> list[Mutant]:
    """The assignment's mutants ([] when it has no catalogue). Raises CatalogueError."""
    path = catalogue_path(assignment)
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise CatalogueError(f"{path.name} is not valid TOML: {err}") from None
    graded = {f.name for f in assignment.functions}
    mutants, seen = [], set()
    for i, entry in enumerate(data.get("mutant", [])):
        where = f"{path.name}: mutant #{i + 1} ({entry.get('function')}/{entry.get('mistake')})"
        missing = [k for k in ("function", "mistake", "description", "tags", "source") if k not in entry]
        if missing:
            raise CatalogueError(f"{where} lacks {', '.join(missing)}")
        mutant = Mutant(entry["function"], entry["mistake"], entry["description"].strip(),
                        tuple(entry["tags"]), entry["source"])
        if mutant.function not in graded:
            raise CatalogueError(f"{where}: {mutant.function!r} is not a graded function of {assignment.name}")
        unknown = [t for t in mutant.tags if t not in CODES]
        if unknown or not mutant.tags:
            raise CatalogueError(f"{where}: unknown or no diagnosis tags {unknown}")
        if mutant.id in seen:
            raise CatalogueError(f"{where}: a second mutant with id {mutant.id}")
        seen.add(mutant.id)
        defined = _defined_functions(mutant.source, where)
        if mutant.function not in defined:
            raise CatalogueError(f"{where}: its source does not define {mutant.function}()")
        mutants.append(mutant)
    return mutants


def coverage(assignment: Assignment, mutants: list[Mutant]) -> dict[str, int]:
    """Graded function -> number of mutants, in course.toml order."""
    return {f.name: sum(m.function == f.name for m in mutants) for f in assignment.functions}


def _defined_functions(source: str, where: str) -> dict[str, ast.FunctionDef]:
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise CatalogueError(f"{where}: source has a syntax error: {err}") from None
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


# -- mutant submissions --------------------------------------------------------------

def reference_path(assignment: Assignment) -> Path:
    spec = importlib.util.find_spec(assignment.solution)
    if spec is None or not spec.origin:
        raise CatalogueError(f"cannot find the reference module {assignment.solution}")
    return Path(spec.origin)


def mutant_submission(reference_source: str, mutant: Mutant) -> str:
    """The reference module's source with `mutant.function`'s definition replaced by the mutant's."""
    node = _defined_functions(reference_source, "the reference").get(mutant.function)
    if node is None:
        raise CatalogueError(f"the reference does not define {mutant.function}()")
    lines = reference_source.splitlines(keepends=True)
    start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    replacement = mutant.source.strip("\n") + "\n"
    return "".join(lines[:start]) + replacement + "".join(lines[node.end_lineno:])


def callers(reference_source: str, function: str, graded) -> list[str]:
    """Graded functions of the reference that call `function`, directly or through others."""
    tree = ast.parse(reference_source)
    calls = {n.name: {c.func.id for c in ast.walk(n) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
             for n in tree.body if isinstance(n, ast.FunctionDef)}
    found, frontier = set(), {function}
    while frontier:
        frontier = {name for name, called in calls.items() if called & frontier and name not in found}
        found |= frontier
    return [g for g in graded if g in found and g != function]


def grade_mutant(assignment: Assignment, mutant: Mutant, workdir: Path, *, isolation: str = "auto",
                 reference_source: str | None = None) -> MutantResult:
    """Grade one mutant through the real path (sandbox + hidden suite), on its function and callers."""
    from .grade import grade_submission
    source = reference_source if reference_source is not None else reference_path(assignment).read_text("utf-8")
    graded = [f.name for f in assignment.functions]
    path = Path(workdir) / f"{mutant.id}.py"
    path.write_text(mutant_submission(source, mutant), encoding="utf-8")
    up = callers(source, mutant.function, graded)
    result = grade_submission(assignment, path, isolation=isolation, only={mutant.function, *up})
    tests = {t["name"]: t for t in result["tests"]}
    mine = tests[mutant.function]
    return MutantResult(mutant, mine["score"], mine["max_score"], list(mine["tags"]), mine["output"],
                        {name: tests[name] for name in up if name in tests})


# -- the whole check -----------------------------------------------------------------

@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Report:
    assignment: str
    checks: list[Check] = field(default_factory=list)
    mutants: list[MutantResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and all(m.named and m.charged_once for m in self.mutants)

    def summary(self) -> dict:
        n = len(self.mutants)
        return {"mutants": n, "caught": sum(m.caught for m in self.mutants),
                "named": sum(m.named for m in self.mutants),
                "charged_once": sum(m.charged_once for m in self.mutants)}

    def text(self) -> str:
        lines = [f"Validating {self.assignment}", ""]
        for c in self.checks:
            lines.append(f"  [{'ok' if c.ok else 'FAIL'}] {c.name}" + (f": {c.detail}" if c.detail else ""))
        if self.mutants:
            s = self.summary()
            lines += ["", f"Mutants: {s['mutants']}, caught {s['caught']}/{s['mutants']}, "
                          f"named correctly {s['named']}/{s['mutants']}, "
                          f"charged once {s['charged_once']}/{s['mutants']}", ""]
            width = max(len(m.mutant.id) for m in self.mutants)
            for m in self.mutants:
                status = "ok" if m.named else "NAMED WRONG" if m.caught else "NOT CAUGHT"
                lines.append(f"  [{status:^11}] {m.mutant.id:<{width}}  {m.score:g}/{m.max_score:g}  "
                             f"expected {', '.join(m.mutant.tags)}; got {', '.join(m.tags) or 'no tag'}")
                for caller in m.charged_callers:
                    t = m.callers[caller]
                    lines.append(f"                (its caller {caller} lost points for it too: "
                                 f"{t['score']:g}/{t['max_score']:g} {', '.join(t['tags'])})")
                if not m.named:
                    lines.append(f"                {m.mutant.description}")
                    first = m.output.splitlines()[1] if len(m.output.splitlines()) > 1 else m.output
                    lines.append(f"                grader said: {first[:300]}")
        lines += ["", f"{'PASSED' if self.ok else 'FAILED'} in {self.seconds:.1f} s"]
        return "\n".join(lines)


def _full_marks(result: dict) -> tuple[bool, str]:
    bad = [f"{t['name']} {t['score']:g}/{t['max_score']:g} [{', '.join(t['tags'])}]"
           for t in result["tests"] if t["score"] < t["max_score"]]
    return not bad, "; ".join(bad) or f"{result['score']:g}/{result['max_score']:g}"


def _zero(result: dict) -> tuple[bool, str]:
    bad = [f"{t['name']} {t['score']:g}/{t['max_score']:g}" for t in result["tests"] if t["score"] > 0]
    return not bad, ("scores points: " + "; ".join(bad)) if bad else f"{result['score']:g}/{result['max_score']:g}"


def validate(course: Course, assignment: Assignment, *, isolation: str = "auto", functions=None,
             release: bool = True, progress=None) -> Report:
    """Run every check of the module docstring -> a Report (report.ok, report.text()).

    functions: only the mutants of these functions (the coverage check still covers all).
    release: also release with nbgrader and grade the untouched release (needs the notebook)."""
    from .grade import GraderError, grade_submission
    say = progress or (lambda text: None)
    started = time.monotonic()
    report = Report(assignment.name)
    try:
        mutants = load_catalogue(assignment)
    except CatalogueError as err:
        report.checks.append(Check("mutant catalogue", False, str(err)))
        mutants = []
    else:
        counts = coverage(assignment, mutants)
        thin = [f"{name} ({n})" for name, n in counts.items() if n < MIN_MUTANTS]
        if not catalogue_path(assignment).exists():
            report.checks.append(Check("mutant catalogue", False, f"{catalogue_path(assignment)} does not exist"))
        else:
            report.checks.append(Check(
                f"mutant catalogue: {len(mutants)} mutants, at least {MIN_MUTANTS} per graded function",
                not thin, f"too few mutants for {', '.join(thin)}" if thin else ""))
    source = reference_path(assignment).read_text("utf-8")
    try:
        say("grading the reference solution")
        ok, detail = _full_marks(grade_submission(assignment, reference_path(assignment), isolation=isolation))
        report.checks.append(Check("reference solution scores full marks", ok, detail))
        if release and assignment.source_notebook.exists():
            say("releasing with nbgrader and grading the untouched release")
            from .release import generate
            with tempfile.TemporaryDirectory(prefix="validate-release-") as tmp:
                released = generate(course, assignment, course_dir=Path(tmp)) / assignment.notebook
                ok, detail = _zero(grade_submission(assignment, released, isolation=isolation))
            report.checks.append(Check("untouched release scores zero", ok, detail))
        elif release:
            report.checks.append(Check("untouched release scores zero", False,
                                       f"no source notebook at {assignment.source_notebook}"))
        chosen = [m for m in mutants if functions is None or m.function in functions]
        with tempfile.TemporaryDirectory(prefix="validate-mutants-") as tmp:
            for i, mutant in enumerate(chosen, 1):
                say(f"[{i}/{len(chosen)}] {mutant.id}")
                report.mutants.append(grade_mutant(assignment, mutant, Path(tmp), isolation=isolation,
                                                   reference_source=source))
    except GraderError as err:
        report.checks.append(Check("the hidden suite runs", False, str(err)))
    report.seconds = time.monotonic() - started
    return report


def main(course: Course, *, assignments=(), functions=None, release=True, isolation="auto") -> int:
    """`autograder validate`: print a report per assignment; 0 when every one passes, else 1."""
    import sys
    names = list(assignments) or list(course.assignments)
    ok = True
    for name in names:
        assignment = course.assignment(name)
        report = validate(course, assignment, isolation=isolation, functions=functions, release=release,
                          progress=lambda text: print(f"  {text}", file=sys.stderr, flush=True))
        print(report.text(), flush=True)
        print()
        ok = ok and report.ok
    return 0 if ok else 1
