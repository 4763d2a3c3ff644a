"""The autograded notebook of a submission, and nbgrader's feedback HTML made from it.

autograded/<student>/<assignment>/<notebook>.ipynb is the released notebook with the student's
answers in the answer cells (from their notebook, or each function's source from their .py) and,
under each grade cell, the grader's message for that function as the cell's output. nbgrader's
own `generate_feedback` then renders it, with the scores it reads from the gradebook, into
feedback/<student>/<assignment>/<notebook>.html.
"""
from __future__ import annotations

import ast
import contextlib
import html
import os
import tempfile
from pathlib import Path

import nbformat

from .course import Assignment, Course
from .submission import UnreadableSubmission, read_text
from .text import safe_text


def _answers_from_notebook(path: Path) -> dict[str, str]:
    """grade_id -> source of the first code cell carrying that grade_id: the copy the grader
    graded (submission.py), whatever its other metadata says."""
    nb = nbformat.reads(read_text(path), as_version=4)
    answers = {}
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell.get("metadata"), dict) else {}
        if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(s for s in source if isinstance(s, str))
            answers.setdefault(meta["grade_id"], safe_text(source, 200_000) if isinstance(source, str)
                               else "# (this cell's source is not text)\n")
    return answers


def _answers_from_module(path: Path) -> dict[str, str]:
    text = read_text(path)
    try:
        tree = ast.parse(text)
    except SyntaxError as err:
        return {"*": f"# {path.name} has a syntax error (line {err.lineno}): {err.msg}\n"}
    answers = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            answers.setdefault(node.name, f"# from {path.name}\n" + (ast.get_source_segment(text, node) or ""))
    return answers


def autograded_notebook(released: Path, submission: Path, result: dict):
    """The released notebook with the student's answers and the grader's messages as outputs."""
    nb = nbformat.read(released, as_version=4)
    try:
        answers = (_answers_from_notebook(submission) if submission.suffix == ".ipynb"
                   else _answers_from_module(submission))
    except (UnreadableSubmission, Exception):  # noqa: BLE001 - an unreadable file still gets feedback
        answers = {}
    tests = {t["name"]: t for t in result["tests"]}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if meta.get("solution"):
            cell.source = answers.get(grade_id, answers.get("*", "# (no answer found in the submission)\n"))
        elif meta.get("grade") and grade_id.startswith("test_") and grade_id[5:] in tests:
            test = tests[grade_id[5:]]
            tags = f"\n[diagnosis: {', '.join(test['tags'])}]" if test["tags"] else ""
            text = (f"{test['name']}: {test['score']:g} / {test['max_score']:g} ({test['status']})\n"
                    f"{test['output']}{tags}\n")
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
            cell.execution_count = 1
    if result.get("output"):
        # Not a Markdown fence, which printed text could close: escaped HTML inside <pre>, so the
        # notes render as the characters they hold (no live tag, no heading).
        notes = html.escape(safe_text(result["output"], 4000), quote=True)
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"**Grader notes**\n\n<pre>{notes}</pre>"))
    return nb


def write_autograded(course_dir: Path, assignment: Assignment, student: str, submission: Path,
                     result: dict) -> Path:
    released = Path(course_dir) / "release" / assignment.name / assignment.notebook
    target = Path(course_dir) / "autograded" / student / assignment.name / assignment.notebook
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, nbformat.writes(autograded_notebook(released, Path(submission), result)))
    return target


def write_atomically(path: Path, text: str) -> None:
    """Write a file whole or not at all (never a 0-byte or half-written file): a temporary file
    beside it, then a rename."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def generate_feedback(course: Course, course_dir: Path, assignment: Assignment) -> Path:
    """nbgrader generate_feedback for every autograded student -> the feedback/ folder."""
    from .release import nbgrader_api
    outcome = nbgrader_api(course, course_dir).generate_feedback(assignment.name)
    if not outcome.get("success"):
        raise RuntimeError(f"nbgrader generate_feedback failed:\n{outcome.get('error') or outcome.get('log')}")
    return Path(course_dir) / "feedback"
