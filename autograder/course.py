"""course.toml -> typed objects: the one registry of assignments, graded functions, points and limits.

The graded functions of an assignment are those course.toml lists, in its order, then those its
hidden suite grades (a test marked `@graded("name")` in tests/hidden/<assignment>/) and its
reference defines, in the reference's order, with the default points and limits: adding a graded
function needs no line here unless it deserves other points or limits (docs/authoring.md).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import scan

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COURSE_FILE = PROJECT_ROOT / "course.toml"


GRADE_CELL_PREFIX = "test_"   # a graded function's grade cell in the notebook: grade_id test_<function>


def grade_cell_id(function: str) -> str:
    """The nbgrader grade_id of `function`'s grade cell (its points in the gradebook)."""
    return GRADE_CELL_PREFIX + function


def function_of_grade_cell(grade_id: str) -> str | None:
    """The graded function whose grade cell has this grade_id, None for any other cell."""
    return grade_id[len(GRADE_CELL_PREFIX):] if grade_id.startswith(GRADE_CELL_PREFIX) else None


class CourseError(ValueError):
    """course.toml is missing, malformed, or names something that does not exist."""


@dataclass(frozen=True)
class Limits:
    time_limit: float       # seconds of wall time per call into student code
    load_time_limit: float  # seconds to load one submission
    memory_limit: int       # MiB of address space for the student's process
    total_time_limit: float = 120.0   # seconds of wall time for one whole submission (load and every call)


@dataclass(frozen=True)
class GradedFunction:
    name: str
    points: float
    time_limit: float
    tolerance: float


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    notebook: str
    solution: str                       # importable module of the reference solution
    functions: tuple[GradedFunction, ...]
    limits: Limits
    forbidden_imports: tuple[str, ...]
    root: Path = field(default=PROJECT_ROOT, compare=False)

    @property
    def max_score(self) -> float:
        return float(sum(f.points for f in self.functions))

    @property
    def folder(self) -> Path:
        """assignments/<name>/: the notebook's template and the files released beside it."""
        return self.root / "assignments" / self.name

    @property
    def template_notebook(self) -> Path:
        """The notebook the instructor writes: text, set-up and demonstration cells, and where each
        graded function's cells go (autograder/cells.py)."""
        return self.folder / self.notebook

    @property
    def source_notebook(self) -> Path:
        """The complete notebook: the template with every graded function's answer and grade cells
        built from the reference and course.toml (autograder/cells.py), rebuilt when they change."""
        from .cells import built_notebook
        return built_notebook(self)

    @property
    def suite_dir(self) -> Path:
        return self.root / "tests" / "hidden" / self.name

    def function(self, name: str) -> GradedFunction:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(f"{name!r} is not a graded function of {self.name!r}")


@dataclass(frozen=True)
class Course:
    id: str
    name: str
    assignments: dict[str, Assignment]
    root: Path = PROJECT_ROOT

    def assignment(self, name: str) -> Assignment:
        try:
            return self.assignments[name]
        except KeyError:
            known = ", ".join(self.assignments) or "none"
            raise CourseError(f"no assignment {name!r} in course.toml (known: {known})") from None


def _get(table: dict, key: str, kind, where: str, default=None):
    """table[key] checked against `kind`; a clear CourseError naming the key otherwise."""
    if key not in table:
        if default is not None:
            return default
        raise CourseError(f"course.toml: missing key '{where}.{key}'")
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise CourseError(
            f"course.toml: '{where}.{key}' should be {getattr(kind, '__name__', kind)}, got {value!r}")
    if kind is float and value < 0:
        raise CourseError(f"course.toml: '{where}.{key}' must not be negative, got {value!r}")
    return value


def _graded_elsewhere(root: Path, assignment: str, solution: str, listed: set[str],
                      default: GradedFunction) -> list[GradedFunction]:
    """The functions the hidden suite grades and the reference defines that course.toml does not
    list, in the reference's order, with the default points and limits."""
    marked = scan.graded_in_suite(root / "tests" / "hidden" / assignment)
    if not marked:
        return []
    return [GradedFunction(name, default.points, default.time_limit, default.tolerance)
            for name in scan.defined_functions(scan.module_file(root, solution))
            if name in marked and name not in listed]


def load_course(path: Path | str = COURSE_FILE) -> Course:
    """Parse course.toml into a Course. Raises CourseError naming the offending key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"course file not found: {path}") from None
    except tomllib.TOMLDecodeError as err:
        raise CourseError(f"{path.name} is not valid TOML: {err}") from None

    course = _get(data, "course", dict, "course")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise CourseError("course.toml: 'defaults' should be a table")
    d_time = _get(defaults, "time_limit", float, "defaults", 5.0)
    d_load = _get(defaults, "load_time_limit", float, "defaults", 20.0)
    d_mem = _get(defaults, "memory_limit", int, "defaults", 1024)
    d_total = _get(defaults, "total_time_limit", float, "defaults", 120.0)
    d_tol = _get(defaults, "tolerance", float, "defaults", 1e-9)
    d_points = _get(defaults, "points", float, "defaults", 1.0)
    d_forbidden = _get(defaults, "forbidden_imports", list, "defaults", [])

    assignments = {}
    for name, table in _get(data, "assignments", dict, "").items():
        where = f"assignments.{name}"
        if not isinstance(table, dict):
            raise CourseError(f"course.toml: '{where}' should be a table")
        functions = []
        for fname, ftable in _get(table, "functions", dict, where, {}).items():
            fwhere = f"{where}.functions.{fname}"
            if not isinstance(ftable, dict):
                raise CourseError(f"course.toml: '{fwhere}' should be a table like {{ points = 1 }}")
            unknown = set(ftable) - {"points", "time_limit", "tolerance"}
            if unknown:
                raise CourseError(f"course.toml: unknown key '{fwhere}.{sorted(unknown)[0]}'")
            functions.append(GradedFunction(
                name=fname,
                points=_get(ftable, "points", float, fwhere),
                time_limit=_get(ftable, "time_limit", float, fwhere, d_time),
                tolerance=_get(ftable, "tolerance", float, fwhere, d_tol),
            ))
        solution = _get(table, "solution", str, where)
        functions += _graded_elsewhere(path.parent, name, solution, {f.name for f in functions},
                                       GradedFunction("", d_points, d_time, d_tol))
        if not functions:
            raise CourseError(f"course.toml: '{where}.functions' lists no graded function")
        assignments[name] = Assignment(
            name=name,
            title=_get(table, "title", str, where, name),
            notebook=_get(table, "notebook", str, where),
            solution=solution,
            functions=tuple(functions),
            limits=Limits(
                time_limit=d_time,
                load_time_limit=_get(table, "load_time_limit", float, where, d_load),
                memory_limit=_get(table, "memory_limit", int, where, d_mem),
                total_time_limit=_get(table, "total_time_limit", float, where, d_total),
            ),
            forbidden_imports=tuple(_get(table, "forbidden_imports", list, where, d_forbidden)),
            root=path.parent,
        )
    return Course(
        id=_get(course, "id", str, "course"),
        name=_get(course, "name", str, "course"),
        assignments=assignments,
        root=path.parent,
    )
