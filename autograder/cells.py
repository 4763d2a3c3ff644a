"""The notebook's answer and grade cells, built from the reference and course.toml: each fact written once.

An instructor writes the notebook's text, set-up and demonstration cells in
`assignments/<assignment>/<notebook>` (the template), the reference of each graded function in the
solution module, and the graded functions' points in course.toml. The notebook everything else
reads (nbgrader's source, the grader's view of the cells, the instructor's own run) is built from
them, for whatever graded functions exist:

- the answer cell of `f` (nbgrader solution cell, grade_id `f`) holds the reference's `def f`: its
  signature and docstring for the student, its body between `### BEGIN SOLUTION` and
  `### END SOLUTION` (nbgrader's stub replaces that region in the release);
- its grade cell (grade_id `test_f`) follows, with the public check when there is one and the
  hidden tests' region.

In the template an answer cell only marks where `f` goes (its source is ignored; the conversion
`template` empties it) and grade cells are left out. A graded function without an answer cell there
gets both cells after those of the graded function before it. The built notebook is kept under
`.autograder/built/` of the course and rebuilt when the template, the reference or course.toml change.
"""
from __future__ import annotations

import ast
import hashlib
import os
import tempfile
from pathlib import Path

import nbformat

from .cases import private_folder
from .course import Assignment, function_of_grade_cell, grade_cell_id
from .scan import decorated, function_nodes, module_file

BUILT_DIR = Path(".autograder") / "built"
BUILDER_VERSION = "1"     # part of the cache key: a change to the cells below rebuilds every notebook
PLACEHOLDER = "# built at release from {module}.{name} (docs/authoring.md)"


def answer_source(reference_source: str, node: ast.FunctionDef) -> str:
    """The answer cell of one reference function: signature and docstring, then its body as nbgrader's
    solution region."""
    lines = reference_source.splitlines()
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    body = node.body
    has_docstring = isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
        and isinstance(body[0].value.value, str)
    head_end = body[0].end_lineno if has_docstring else body[0].lineno - 1
    indent = " " * body[0].col_offset
    head = "\n".join(lines[first - 1:head_end])
    solution = "\n".join(lines[head_end:node.end_lineno]) or f"{indent}pass"
    return f"{head}\n{indent}### BEGIN SOLUTION\n{solution}\n{indent}### END SOLUTION"


def grade_source(assignment: Assignment, function: str, *, public_check: bool) -> str:
    """The grade cell of one graded function: its public check, if it has one, then the hidden tests."""
    hidden = (f"### BEGIN HIDDEN TESTS\nfrom autograder.hidden import run_hidden\n"
              f"run_hidden(\"{assignment.name}\", \"{function}\", globals())\n### END HIDDEN TESTS")
    if not public_check:
        return f"# The hidden tests of `{function}` run here when your notebook is graded.\n{hidden}"
    return (f"# Public checks for `{function}`: run this cell after your answer.\n"
            f"from public_checks import check\ncheck(\"{function}\", {function})\n{hidden}")


def _answer_cell(name: str, source: str):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": False, "grade_id": name, "locked": False, "schema_version": 3, "solution": True}})


def _grade_cell(name: str, source: str, points: float):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "grade_id": grade_cell_id(name), "locked": True, "points": float(points),
        "schema_version": 3, "solution": False}})


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_answer(cell, name: str) -> bool:
    return cell.cell_type == "code" and _meta(cell).get("solution") and _meta(cell).get("grade_id") == name


def _graded_function(cell) -> str | None:
    """The graded function a code grade cell belongs to (None for any other cell)."""
    meta = _meta(cell)
    if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
        return None
    return function_of_grade_cell(meta.get("grade_id", ""))


def build(assignment: Assignment, template) -> nbformat.NotebookNode:
    """The complete notebook: `template` (a notebook) with every graded function's answer cell and
    grade cell built from the reference and course.toml. Raises ValueError without a reference file."""
    reference = module_file(assignment.root, assignment.solution)
    if reference is None:
        raise ValueError(f"no reference solution {assignment.solution!r} for {assignment.name}")
    source = reference.read_text(encoding="utf-8")
    nodes = function_nodes(reference)
    public = set(decorated(assignment.folder / "public_checks.py", "public"))
    graded = {f.name: f for f in assignment.functions}
    nb = nbformat.from_dict(template)
    cells = [c for c in nb.cells if _graded_function(c) not in graded]      # grade cells are rebuilt
    after = 0                                      # where the next function without an answer cell goes
    for name, function in graded.items():
        if name not in nodes:
            continue                               # the checklist names it; nothing to build
        grade = _grade_cell(name, grade_source(assignment, name, public_check=name in public), function.points)
        answer = next((i for i, c in enumerate(cells) if _is_answer(c, name)), None)
        if answer is None:
            cells[after:after] = [_answer_cell(name, answer_source(source, nodes[name])), grade]
            after += 2
            continue
        cells[answer].source = answer_source(source, nodes[name])
        cells.insert(answer + 1, grade)
        after = answer + 2
    nb.cells = cells
    return nb


def template(assignment: Assignment, notebook) -> nbformat.NotebookNode:
    """The reverse of `build`: each graded function's answer cell emptied to a placeholder and its grade
    cell left out. Converts a notebook written with full cells (as before this module) into a template."""
    graded = {f.name for f in assignment.functions}
    nb = nbformat.from_dict(notebook)
    nb.cells = [c for c in nb.cells if _graded_function(c) not in graded]
    for cell in nb.cells:
        name = _meta(cell).get("grade_id")
        if name in graded and _is_answer(cell, name):
            cell.source = PLACEHOLDER.format(module=assignment.solution, name=name)
            cell.outputs, cell.execution_count = [], None
    return nb


def _inputs_digest(assignment: Assignment) -> str:
    digest = hashlib.sha256(BUILDER_VERSION.encode())
    reference = module_file(assignment.root, assignment.solution)
    public = assignment.folder / "public_checks.py"
    for path in (assignment.template_notebook, reference, public):
        digest.update(path.read_bytes() if path is not None and path.is_file() else b"-")
    digest.update(repr([(f.name, f.points) for f in assignment.functions]).encode())
    return digest.hexdigest()[:16]


def built_notebook(assignment: Assignment) -> Path:
    """The built notebook of `assignment` (built now if it is missing or out of date). Where the
    template or the reference is missing (a course bundle on a worker), the file as it is."""
    target = assignment.root / BUILT_DIR / assignment.name / assignment.notebook
    if not assignment.template_notebook.is_file() or module_file(assignment.root, assignment.solution) is None:
        return target
    stamp = target.with_name(target.name + ".inputs")
    digest = _inputs_digest(assignment)
    if target.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == digest:
        return target
    nb = build(assignment, nbformat.read(assignment.template_notebook, as_version=4))
    private_folder(assignment.root)
    target.parent.mkdir(parents=True, exist_ok=True)
    for path, text in ((target, nbformat.writes(nb)), (stamp, digest)):
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".building-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)              # atomic: a parallel reader sees the old file or the new one
    return target


def convert_to_templates(course, names=()) -> list[Path]:
    """Rewrite the notebooks of `names` (default: every assignment) as templates, in place: a notebook
    written with full answer and grade cells keeps its text and cells, and loses the copies."""
    written = []
    for name in names or list(course.assignments):
        assignment = course.assignment(name)
        path = assignment.template_notebook
        nb = nbformat.read(path, as_version=4)
        converted = template(assignment, nb)
        if converted != nb:
            nbformat.write(converted, path)
            written.append(path)
    return written


if __name__ == "__main__":      # python -m autograder.cells [ASSIGNMENT ...]
    import sys

    from .course import load_course
    for done in convert_to_templates(load_course(), sys.argv[1:]):
        print(f"now a template: {done}")
