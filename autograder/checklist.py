"""The instructor's checklist: every piece a graded function needs, and one line for each one missing.

A graded function of an assignment needs (docs/authoring.md):

    its reference          a top-level `def` in the assignment's solution module (course.toml `solution`)
    its hidden tests       at least one test marked `@graded("<function>")` in tests/hidden/<assignment>/
    its mutants            at least MIN_MUTANTS `[[mutant]]` tables in tests/mutants/<assignment>.toml
    its correct variants   at least MIN_VARIANTS `[[variant]]` tables in tests/variants/<assignment>.toml
    its notebook cells     an answer cell (grade_id <function>) and a grade cell (grade_id test_<function>)
    its public check       `@public("<function>")` in assignments/<assignment>/public_checks.py (recommended:
                           without one, the student's cell runs no check; it is listed, and does not fail)

Everything here reads files without running anything, in well under a second, so `autograder
validate` starts with it and `autograder generate` refuses an incomplete assignment with the same
lines. Why three mutants and three variants (the rule of three): docs/authoring.md.
"""
from __future__ import annotations

import ast
import importlib.util
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .course import Assignment, grade_cell_id

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
    module = assignment.solution
    candidate = assignment.root.joinpath(*module.split(".")).with_suffix(".py")
    if candidate.is_file():
        return candidate
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin else None


def defined_functions(path: Path | None) -> list[str]:
    """The top-level functions a Python file defines, in order ([] when it cannot be read or parsed)."""
    if path is None or not path.is_file():
        return []
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return []
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]


def _decorated(path: Path, decorator: str) -> list[str]:
    """First string arguments of `@decorator("name", ...)` (or `@x.decorator(...)`) in a Python file."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return []
    names = []
    for node in ast.walk(tree):
        for d in getattr(node, "decorator_list", ()):
            if not isinstance(d, ast.Call) or not d.args or not isinstance(d.args[0], ast.Constant):
                continue
            called = d.func.attr if isinstance(d.func, ast.Attribute) else getattr(d.func, "id", None)
            if called == decorator and isinstance(d.args[0].value, str):
                names.append(d.args[0].value)
    return names


def graded_by_hidden_tests(assignment: Assignment) -> dict[str, list[str]]:
    """function -> the hidden test files (tests/hidden/<assignment>/test_*.py) that grade it."""
    found: dict[str, list[str]] = {}
    for path in sorted(assignment.suite_dir.glob("test_*.py")):
        for name in _decorated(path, "graded"):
            found.setdefault(name, [])
            if path.name not in found[name]:
                found[name].append(path.name)
    return found


def _catalogue_counts(path: Path, table: str) -> dict[str, int] | None:
    """function -> entries of a catalogue file (None when it is missing or not valid TOML)."""
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError:
        return None
    counts: dict[str, int] = {}
    for entry in data.get(table, []):
        if isinstance(entry, dict) and isinstance(entry.get("function"), str):
            counts[entry["function"]] = counts.get(entry["function"], 0) + 1
    return counts


def _notebook_cells(assignment: Assignment) -> tuple[set[str], set[str]] | None:
    """(answer cell ids, grade cell ids) of the source notebook; None when there is none."""
    if not assignment.source_notebook.is_file():
        return None
    nb = nbformat.read(assignment.source_notebook, as_version=4)
    metas = [c.metadata.get("nbgrader", {}) for c in nb.cells if c.cell_type == "code"]
    return ({m.get("grade_id") for m in metas if m.get("solution")},
            {m.get("grade_id") for m in metas if m.get("grade")})


def missing_pieces(assignment: Assignment) -> list[Missing]:
    """Every piece missing from the assignment's graded functions, in course.toml order."""
    missing: list[Missing] = []
    reference = reference_file(assignment)
    if reference is None:
        return [Missing("", "no reference solution",
                        f"write the module {assignment.solution!r} (solutions/{assignment.name}.py)")]
    ref = _rel(assignment, reference)
    defined = set(defined_functions(reference))
    hidden = graded_by_hidden_tests(assignment)
    suite = _rel(assignment, assignment.suite_dir)
    mutants_file = assignment.root / "tests" / "mutants" / f"{assignment.name}.toml"
    variants_file = assignment.root / "tests" / "variants" / f"{assignment.name}.toml"
    mutants = _catalogue_counts(mutants_file, "mutant")
    variants = _catalogue_counts(variants_file, "variant")
    cells = _notebook_cells(assignment)
    public_file = assignment.source_notebook.parent / "public_checks.py"
    public = set(_decorated(public_file, "public")) if public_file.is_file() else set()
    graded = [f.name for f in assignment.functions]

    for name in graded:
        if name not in defined:
            missing.append(Missing(name, "no reference", f"add `def {name}(...)` to {ref}"))
        if name not in hidden:
            missing.append(Missing(name, "no hidden test",
                                   f"add a test marked @graded(\"{name}\") to a file in {suite}/"))
        n = (mutants or {}).get(name, 0)
        if n < MIN_MUTANTS:
            missing.append(Missing(name, f"{n} mutant{'s' * (n != 1)}",
                                   f"add {MIN_MUTANTS - n} more [[mutant]] table{'s' * (MIN_MUTANTS - n != 1)} "
                                   f"with function = \"{name}\" to {_rel(assignment, mutants_file)} "
                                   f"(at least {MIN_MUTANTS}: docs/authoring.md)"))
        n = (variants or {}).get(name, 0)
        if n < MIN_VARIANTS:
            missing.append(Missing(name, f"{n} correct variant{'s' * (n != 1)}",
                                   f"add {MIN_VARIANTS - n} more [[variant]] table{'s' * (MIN_VARIANTS - n != 1)} "
                                   f"with function = \"{name}\" to {_rel(assignment, variants_file)} "
                                   f"(at least {MIN_VARIANTS}: docs/authoring.md)"))
        if cells is not None and name not in cells[0]:
            missing.append(Missing(name, "no answer cell", f"add a solution cell with grade_id \"{name}\" to "
                                   f"{_rel(assignment, assignment.source_notebook)}"))
        if cells is not None and grade_cell_id(name) not in cells[1]:
            missing.append(Missing(name, "no grade cell", f"add a grade cell with grade_id "
                                   f"\"{grade_cell_id(name)}\" to {_rel(assignment, assignment.source_notebook)}"))
        if name not in public:
            missing.append(Missing(name, "no public check", f"add a check decorated @public(\"{name}\") to "
                                   f"{_rel(assignment, public_file)}", required=False))
    for name in sorted(set(hidden) - set(graded)):
        missing.append(Missing(name, "hidden tests grade it but it is not a graded function",
                               f"list it under [assignments.{assignment.name}.functions] in course.toml "
                               f"(tests in {', '.join(hidden[name])})"))
    if cells is None:
        missing.append(Missing("", "no source notebook", f"write {_rel(assignment, assignment.source_notebook)}"))
    return missing


def required(missing: list[Missing]) -> list[Missing]:
    return [m for m in missing if m.required]
