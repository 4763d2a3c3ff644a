"""`autograder validate ASSIGNMENT`: the instructor's pre-release check, through the real grading path.

    every graded function has every piece it needs (autograder/checklist.py), or one line says
    what to add and where
    -> the mutant catalogue covers every graded function (at least MIN_MUTANTS each)
    -> the reference solution scores full marks
    -> the untouched release (nbgrader's stubbed notebook) scores zero
    -> every mutant in the catalogue loses points on the function it breaks, is named, and costs
       nothing in the functions that call it (error carried forward: docs/scoring.md)
    the correct-variants catalogue covers every graded function (at least MIN_VARIANTS each)
    -> every correct variant scores full marks on its function and on the functions that call it

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

The correct-variants catalogue `tests/variants/<assignment>.toml` is the mutant catalogue's twin:
one `[[variant]]` table per correct implementation written differently from the reference (loops,
einsum, another order of floating-point operations, a composite that inlines its parts, ...), with
the graded `function`, a `variant` id, a one-line `description` and the replacement `source`. A
variant submission is built and graded exactly like a mutant's, and must lose no point at all.
"""
from __future__ import annotations

import ast
import importlib.util
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .checklist import MIN_MUTANTS, MIN_VARIANTS, Missing, missing_pieces, required
from .course import Assignment, Course
from .diagnosis import CODES, GENERIC


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


def catalogue_files(assignment: Assignment) -> list[Path]:
    """Where an assignment's [[mutant]] and [[variant]] tables are read from: both files, each of which
    may hold either kind (its own kind by convention; a new function's mistakes and correct variants
    may stand together in one of them, docs/authoring.md)."""
    return [catalogue_path(assignment), variants_path(assignment)]


def _checked_entries(assignment: Assignment, table: str, id_key: str, required: tuple) -> list:
    """(where, entry) for each [[table]] of the catalogue files ([] when there is none), each checked:
    the required keys, a graded function, a source that defines it, a unique id. Raises CatalogueError."""
    graded = {f.name for f in assignment.functions}
    entries, seen = [], set()
    for path in catalogue_files(assignment):
        entries += _checked_file(path, table, id_key, required, graded, assignment.name, seen)
    return entries


def _checked_file(path: Path, table: str, id_key: str, required: tuple, graded: set, name: str, seen: set) -> list:
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise CatalogueError(f"{path.name} is not valid TOML: {err}") from None
    entries = []
    for i, entry in enumerate(data.get(table, [])):
        where = f"{path.name}: {table} #{i + 1} ({entry.get('function')}/{entry.get(id_key)})"
        missing = [k for k in ("function", id_key, "description", *required, "source") if k not in entry]
        if missing:
            raise CatalogueError(f"{where} lacks {', '.join(missing)}")
        if entry["function"] not in graded:
            raise CatalogueError(f"{where}: {entry['function']!r} is not a graded function of {name}")
        key = f"{entry['function']}__{entry[id_key]}"
        if key in seen:
            raise CatalogueError(f"{where}: a second {table} with id {key}")
        seen.add(key)
        if entry["function"] not in _defined_functions(entry["source"], where):
            raise CatalogueError(f"{where}: its source does not define {entry['function']}()")
        entries.append((where, entry))
    return entries


def load_catalogue(assignment: Assignment) -> list[Mutant]:
    """The assignment's mutants ([] when it has no catalogue). Raises CatalogueError."""
    mutants = []
    for where, entry in _checked_entries(assignment, "mutant", "mistake", ("tags",)):
        mutant = Mutant(entry["function"], entry["mistake"], entry["description"].strip(),
                        tuple(entry["tags"]), entry["source"])
        unknown = [t for t in mutant.tags if t not in CODES]
        if unknown or not mutant.tags:
            raise CatalogueError(f"{where}: unknown or no diagnosis tags {unknown}")
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


def replace_function(reference_source: str, function: str, source: str) -> str:
    """The reference module's source with `function`'s definition replaced by `source` (which
    defines it again, and may define helpers beside it)."""
    node = _defined_functions(reference_source, "the reference").get(function)
    if node is None:
        raise CatalogueError(f"the reference does not define {function}()")
    lines = reference_source.splitlines(keepends=True)
    start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    replacement = source.strip("\n") + "\n"
    return "".join(lines[:start]) + replacement + "".join(lines[node.end_lineno:])


def mutant_submission(reference_source: str, mutant: Mutant) -> str:
    """The reference module's source with `mutant.function`'s definition replaced by the mutant's."""
    return replace_function(reference_source, mutant.function, mutant.source)


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


def grade_replacement(assignment: Assignment, function: str, source: str, name: str, workdir: Path, *,
                      isolation: str = "auto", reference_source: str | None = None) -> tuple[dict, list[str]]:
    """Grade the reference with `function` replaced by `source` through the real path (sandbox +
    hidden suite), on that function and the graded functions that call it -> ({graded function:
    its results.json test entry}, the callers). name: the submission file's stem."""
    from .grade import grade_submission
    reference = reference_source if reference_source is not None else reference_path(assignment).read_text("utf-8")
    graded = [f.name for f in assignment.functions]
    path = Path(workdir) / f"{name}.py"
    path.write_text(replace_function(reference, function, source), encoding="utf-8")
    up = callers(reference, function, graded)
    result = grade_submission(assignment, path, isolation=isolation, only={function, *up})
    return {t["name"]: t for t in result["tests"]}, up


def grade_mutant(assignment: Assignment, mutant: Mutant, workdir: Path, *, isolation: str = "auto",
                 reference_source: str | None = None) -> MutantResult:
    """Grade one mutant through the real path (sandbox + hidden suite), on its function and callers."""
    tests, up = grade_replacement(assignment, mutant.function, mutant.source, mutant.id, workdir,
                                  isolation=isolation, reference_source=reference_source)
    mine = tests[mutant.function]
    return MutantResult(mutant, mine["score"], mine["max_score"], list(mine["tags"]), mine["output"],
                        {name: tests[name] for name in up if name in tests})


# -- the correct-variants catalogue ----------------------------------------------------

@dataclass(frozen=True)
class Variant:
    function: str
    variant: str
    description: str
    source: str

    @property
    def id(self) -> str:
        return f"{self.function}__{self.variant}"


@dataclass
class VariantResult:
    variant: Variant
    tests: dict[str, dict]     # its function and every graded caller -> its results.json test entry

    @property
    def lost(self) -> dict[str, dict]:
        """The graded functions that lost points (the variant's own first), empty at full marks."""
        return {name: t for name, t in self.tests.items() if t["score"] < t["max_score"]}

    @property
    def full_marks(self) -> bool:
        return self.variant.function in self.tests and not self.lost


def variants_path(assignment: Assignment) -> Path:
    return assignment.root / "tests" / "variants" / f"{assignment.name}.toml"


def load_variants(assignment: Assignment) -> list[Variant]:
    """The assignment's correct variants ([] when it has no catalogue). Raises CatalogueError."""
    return [Variant(entry["function"], entry["variant"], entry["description"].strip(), entry["source"])
            for _, entry in _checked_entries(assignment, "variant", "variant", ())]


def grade_variant(assignment: Assignment, variant: Variant, workdir: Path, *, isolation: str = "auto",
                  reference_source: str | None = None) -> VariantResult:
    """Grade one correct variant through the real path, on its function and callers."""
    tests, up = grade_replacement(assignment, variant.function, variant.source, variant.id, workdir,
                                  isolation=isolation, reference_source=reference_source)
    return VariantResult(variant, {name: tests[name] for name in [variant.function, *up] if name in tests})


# -- the whole check -----------------------------------------------------------------

CHECKLIST = "every graded function has its reference, hidden test, mutants, variants and notebook cells"

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
    variants: list[VariantResult] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)     # the checklist's lines (autograder/checklist.py)

    @property
    def ok(self) -> bool:
        return (all(c.ok for c in self.checks) and all(m.named and m.charged_once for m in self.mutants)
                and all(v.full_marks for v in self.variants))

    def summary(self) -> dict:
        n = len(self.mutants)
        return {"mutants": n, "caught": sum(m.caught for m in self.mutants),
                "named": sum(m.named for m in self.mutants),
                "charged_once": sum(m.charged_once for m in self.mutants)}

    def text(self) -> str:
        lines = [f"Validating {self.assignment}", ""]
        for c in self.checks:
            lines.append(f"  [{'ok' if c.ok else 'FAIL'}] {c.name}" + (f": {c.detail}" if c.detail else ""))
            if c.name == CHECKLIST:
                lines += [f"         {'' if m.required else 'note: '}{m.line()}" for m in self.missing]
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
        lines += self._variant_lines()
        lines += ["", f"{'PASSED' if self.ok else 'FAILED'} in {self.seconds:.1f} s"]
        return "\n".join(lines)


    def _variant_lines(self) -> list[str]:
        if not self.variants:
            return []
        n = len(self.variants)
        lines = ["", f"Correct variants: {n}, full marks {sum(v.full_marks for v in self.variants)}/{n}", ""]
        width = max(len(v.variant.id) for v in self.variants)
        for v in self.variants:
            mine = v.tests.get(v.variant.function)
            score = f"{mine['score']:g}/{mine['max_score']:g}" if mine else "not graded"
            lines.append(f"  [{'ok' if v.full_marks else 'LOST POINTS':^11}] {v.variant.id:<{width}}  {score}")
            if not v.full_marks:
                lines.append(f"                {v.variant.description}")
            for name, t in v.lost.items():
                said = _first_line(t["output"])
                lines.append(f"                {name} {t['score']:g}/{t['max_score']:g} "
                             f"[{', '.join(t['tags'])}]: {said[:300]}")
        return lines


def _first_line(output: str) -> str:
    """The first line of a test's message that says what is wrong (not the "k of n checks passed" count)."""
    lines = [line for line in output.splitlines() if line.strip() and not line.endswith("checks passed.")]
    return lines[0] if lines else output.strip()


def _full_marks(result: dict) -> tuple[bool, str]:
    bad = [f"{t['name']} {t['score']:g}/{t['max_score']:g} [{', '.join(t['tags'])}]: {_first_line(t['output'])[:300]}"
           for t in result["tests"] if t["score"] < t["max_score"]]
    return not bad, "; ".join(bad) or f"{result['score']:g}/{result['max_score']:g}"


def _zero(result: dict) -> tuple[bool, str]:
    bad = [f"{t['name']} {t['score']:g}/{t['max_score']:g}" for t in result["tests"] if t["score"] > 0]
    return not bad, ("scores points: " + "; ".join(bad)) if bad else f"{result['score']:g}/{result['max_score']:g}"


def check_variants(assignment: Assignment) -> tuple[Check, list[Variant]]:
    """The correct-variants catalogue's structure and coverage -> (its Check, its variants)."""
    path = variants_path(assignment)
    where = path.relative_to(assignment.root)
    if not path.exists():
        return Check("correct-variants catalogue", False,
                     f"{where} does not exist: add at least {MIN_VARIANTS} [[variant]] tables per graded "
                     f"function"), []
    try:
        variants = load_variants(assignment)
    except CatalogueError as err:
        return Check("correct-variants catalogue", False, str(err)), []
    thin = [f"{name} ({n})" for name, n in coverage(assignment, variants).items() if n < MIN_VARIANTS]
    return Check(f"correct-variants catalogue: {len(variants)} variants, at least {MIN_VARIANTS} per graded function",
                 not thin, f"too few correct variants for {', '.join(thin)}: add [[variant]] tables to {where}"
                 if thin else ""), variants


def _first_per_function(entries: list, n: int | None) -> list:
    """The first n entries (mutants or variants) of each function, in catalogue order (all for None)."""
    if n is None:
        return entries
    taken: dict[str, int] = {}
    kept = []
    for entry in entries:
        taken[entry.function] = taken.get(entry.function, 0) + 1
        if taken[entry.function] <= n:
            kept.append(entry)
    return kept


def validate(course: Course, assignment: Assignment, *, isolation: str = "auto", functions=None,
             per_function: int | None = None, release: bool = True, progress=None) -> Report:
    """Run every check of the module docstring -> a Report (report.ok, report.text()).

    functions: only the mutants and correct variants of these functions (the coverage checks
    still cover all). per_function: only the first N mutants and N correct variants of each
    function, in catalogue order (a quick check). release: also release with nbgrader and grade
    the untouched release (needs the notebook)."""
    from .grade import GraderError, grade_submission
    say = progress or (lambda text: None)
    started = time.monotonic()
    report = Report(assignment.name)
    report.missing = missing_pieces(assignment)
    incomplete = required(report.missing)
    report.checks.append(Check(CHECKLIST, not incomplete, f"{len(incomplete)} to add" if incomplete else ""))
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
    variants_check, variants = check_variants(assignment)
    report.checks.append(variants_check)
    source = reference_path(assignment).read_text("utf-8")
    try:
        say("grading the reference solution")
        ok, detail = _full_marks(grade_submission(assignment, reference_path(assignment), isolation=isolation))
        report.checks.append(Check("reference solution scores full marks", ok, detail))
        if release and incomplete:
            report.checks.append(Check("untouched release scores zero", False,
                                       "not released: add the pieces the checklist names first"))
        elif release and assignment.source_notebook.exists():
            say("releasing with nbgrader and grading the untouched release")
            from .release import generate
            with tempfile.TemporaryDirectory(prefix="validate-release-") as tmp:
                released = generate(course, assignment, course_dir=Path(tmp)) / assignment.notebook
                ok, detail = _zero(grade_submission(assignment, released, isolation=isolation))
            report.checks.append(Check("untouched release scores zero", ok, detail))
        elif release:
            report.checks.append(Check("untouched release scores zero", False,
                                       f"no source notebook at {assignment.source_notebook}"))
        chosen = _first_per_function([m for m in mutants if functions is None or m.function in functions],
                                     per_function)
        with tempfile.TemporaryDirectory(prefix="validate-mutants-") as tmp:
            for i, mutant in enumerate(chosen, 1):
                say(f"[{i}/{len(chosen)}] {mutant.id}")
                report.mutants.append(grade_mutant(assignment, mutant, Path(tmp), isolation=isolation,
                                                   reference_source=source))
        chosen_variants = _first_per_function(
            [v for v in variants if functions is None or v.function in functions], per_function)
        with tempfile.TemporaryDirectory(prefix="validate-variants-") as tmp:
            for i, variant in enumerate(chosen_variants, 1):
                say(f"[{i}/{len(chosen_variants)}] correct variant {variant.id}")
                report.variants.append(grade_variant(assignment, variant, Path(tmp), isolation=isolation,
                                                     reference_source=source))
    except GraderError as err:
        report.checks.append(Check("the hidden suite runs", False, str(err)))
    report.seconds = time.monotonic() - started
    return report


def main(course: Course, *, assignments=(), functions=None, per_function=None, release=True,
         isolation="auto") -> int:
    """`autograder validate`: print a report per assignment; 0 when every one passes, else 1."""
    import sys
    names = list(assignments) or list(course.assignments)
    ok = True
    for name in names:
        assignment = course.assignment(name)
        report = validate(course, assignment, isolation=isolation, functions=functions,
                          per_function=per_function, release=release,
                          progress=lambda text: print(f"  {text}", file=sys.stderr, flush=True))
        print(report.text(), flush=True)
        print()
        ok = ok and report.ok
    return 0 if ok else 1
