"""The instructor's checklist: every piece a graded function needs, and one line for each one missing.

A graded function of an assignment needs (docs/authoring.md):

    its reference          a top-level `def` in the assignment's solution module (course.toml `solution`)
    its hidden tests       at least one test marked `@graded("<function>")` in tests/hidden/<assignment>/
    its mutants            at least MIN_MUTANTS `[[mutant]]` tables in tests/mutants/<assignment>.toml
    its correct variants   at least MIN_VARIANTS `[[variant]]` tables in tests/variants/<assignment>.toml
    its public check       `@public("<function>")` in assignments/<assignment>/public_checks.py (recommended:
                           without one, the student's cell runs no check; it is listed, and does not fail)

Its cells in the notebook are built from the reference and course.toml (autograder/cells.py).
Everything here reads files without running anything, in well under a second, so `autograder
validate` starts with it and `autograder generate` refuses an incomplete assignment with the same
lines. Why three mutants and three variants (the rule of three): docs/authoring.md.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .course import Assignment
from .scan import decorated, defined_functions, graded_in_suite, module_file

MIN_MUTANTS = 3      # docs/authoring.md, "The rule of three"
MIN_VARIANTS = 3


@dataclass(frozen=True)
class Missing:
    function: str        # the graded function ("" for the assignment as a whole)
    piece: str           # what is missing, in a few words
    fix: str             # what to add, and where
    required: bool = True

    def line(self) -> str:
        who = f"{self.function}: " if self.function else ""
        return f"{who}{self.piece}: {self.fix}" + ("" if self.required else " (recommended)")


def _rel(assignment: Assignment, path: Path) -> str:
    try:
        return path.relative_to(assignment.root).as_posix()
    except ValueError:
        return str(path)


def reference_file(assignment: Assignment) -> Path | None:
    """The reference solution's file (solutions/<assignment>.py), found without importing it."""
    return module_file(assignment.root, assignment.solution)


def _catalogue_counts(paths, table: str) -> dict[str, int]:
    """function -> [[table]] entries in the catalogue files (a missing or malformed file counts none:
    validate names what is wrong with it)."""
    counts: dict[str, int] = {}
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        for entry in data.get(table, []):
            if isinstance(entry, dict) and isinstance(entry.get("function"), str):
                counts[entry["function"]] = counts.get(entry["function"], 0) + 1
    return counts


def missing_pieces(assignment: Assignment) -> list[Missing]:
    """Every piece missing from the assignment's graded functions, in course.toml order."""
    missing: list[Missing] = []
    reference = reference_file(assignment)
    if reference is None:
        return [Missing("", "no reference solution",
                        f"write the module {assignment.solution!r} (solutions/{assignment.name}.py)")]
    ref = _rel(assignment, reference)
    defined = set(defined_functions(reference))
    hidden = graded_in_suite(assignment.suite_dir)
    suite = _rel(assignment, assignment.suite_dir)
    mutants_file = assignment.root / "tests" / "mutants" / f"{assignment.name}.toml"
    variants_file = assignment.root / "tests" / "variants" / f"{assignment.name}.toml"
    mutants = _catalogue_counts((mutants_file, variants_file), "mutant")   # either file may hold either kind
    variants = _catalogue_counts((mutants_file, variants_file), "variant")
    public_file = assignment.folder / "public_checks.py"
    public = set(decorated(public_file, "public"))
    graded = [f.name for f in assignment.functions]

    for name in graded:
        if name not in defined:
            missing.append(Missing(name, "no reference", f"add `def {name}(...)` to {ref}"))
        if name not in hidden:
            missing.append(Missing(name, "no hidden test",
                                   f"add a test marked @graded(\"{name}\") to a file in {suite}/"))
        for kind, table, counts, least, path in (("mutant", "mutant", mutants, MIN_MUTANTS, mutants_file),
                                                 ("correct variant", "variant", variants, MIN_VARIANTS, variants_file)):
            n = counts.get(name, 0)
            if n < least:
                missing.append(Missing(name, f"{n} {kind}{'s' * (n != 1)}",
                                       f"add {least - n} more [[{table}]] table{'s' * (least - n != 1)} with "
                                       f"function = \"{name}\" to {_rel(assignment, path)} "
                                       f"(at least {least}: docs/authoring.md)"))
        if name not in public:
            missing.append(Missing(name, "no public check", f"add a check decorated @public(\"{name}\") to "
                                   f"{_rel(assignment, public_file)}", required=False))
    for name in sorted(set(hidden) - set(graded)):
        missing.append(Missing(name, "no reference", f"add `def {name}(...)` to {ref} (the hidden tests "
                               f"in {', '.join(hidden[name])} grade it)"))
    if not assignment.template_notebook.is_file():
        missing.append(Missing("", "no notebook", f"write {_rel(assignment, assignment.template_notebook)}"))
    return missing


def required(missing: list[Missing]) -> list[Missing]:
    return [m for m in missing if m.required]
