"""The autograded notebook of a submission, and nbgrader's feedback HTML made from it.

autograded/<student>/<assignment>/<notebook>.ipynb is the released notebook with the student's
answers in the answer cells (from their notebook, or each function's source from their .py) and,
under each grade cell, what the student learns from: the function's score, the diagnosis with
what each code means, the grader's message with the smallest failing case, and for a training
function a plot of their loss curve over the reference's (docs/feedback.md). nbgrader's own
`generate_feedback` then renders it, with the scores it reads from the gradebook, into
feedback/<student>/<assignment>/<notebook>.html.
"""
from __future__ import annotations

import ast
import base64
import contextlib
import copy
import functools
import html
import io
import json
import os
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4.nbjson import BytesEncoder

from .course import Assignment, Course, function_of_grade_cell
from .submission import UnreadableSubmission, is_written_answer, read_text
from .text import NAME_CAP, safe_text

ANSWER_CAP = 200_000     # characters of one answer cell kept in the autograded notebook


def _answers_from_notebook(path: Path) -> dict[str, str]:
    """grade_id -> source of the first code cell carrying that grade_id (the copy the grader
    graded: submission.py), or for a written answer of the first Markdown cell. Parsed once per
    version of the file (a batch asks twice per student)."""
    stat = Path(path).stat()
    return dict(_notebook_answers(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=4)
def _notebook_answers(path: str, mtime_ns: int, size: int) -> dict[str, str]:
    # read, not validated: nothing here trusts the notebook's shape, and nbformat's validation would
    # only log the student's own (invalid) JSON on the instructor's console; a version 4 notebook
    # (Jupyter's) is read as plain JSON, an older one converted by nbformat
    text = read_text(Path(path))
    raw = json.loads(text)
    if isinstance(raw, dict) and raw.get("nbformat") == 4:
        cells = raw.get("cells") if isinstance(raw.get("cells"), list) else []
    else:
        cells = nbformat.convert(nbformat.reader.reads(text), 4).cells
    found = {"code": {}, "markdown": {}}          # written answers are Markdown cells
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in found:
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell.get("metadata"), dict) else {}
        if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(s for s in source if isinstance(s, str))
            found[cell["cell_type"]].setdefault(meta["grade_id"], safe_text(source, ANSWER_CAP)
                                                if isinstance(source, str) else "# (this cell's source is not text)\n")
    return {**found["markdown"], **found["code"]}


def _answers_from_module(path: Path) -> dict[str, str]:
    text = read_text(path)
    try:
        tree = ast.parse(text)
    except SyntaxError as err:
        return {"*": f"# {path.name} has a syntax error (line {err.lineno}): {err.msg}\n"}
    answers = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            answers.setdefault(node.name, f"# from {safe_text(path.name, NAME_CAP)}\n"
                               + (ast.get_source_segment(text, node) or ""))
    return answers


def released_path(course_dir: Path, assignment: Assignment) -> Path:
    """The released notebook of `assignment` in `course_dir` (nbgrader's release/)."""
    from .coursedir import assignment_dir    # nbgrader: 0.7 s of imports a grading worker never needs
    return assignment_dir(course_dir, "release_directory", assignment.name) / assignment.notebook


def _released_notebook(path: Path):
    """The released notebook, shared: to read, never to change (parsed once per version of the file:
    a batch reads it for every student)."""
    stat = Path(path).stat()
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


def _released_cells(path: Path) -> list:
    """The released notebook's cells, shared: to read, never to change."""
    return _released_notebook(path).cells


@functools.lru_cache(maxsize=8)
def _parsed(path: str, mtime_ns: int, size: int):
    nb = nbformat.read(path, as_version=4)
    if len(_RELEASED_CELLS) > 4096:
        _RELEASED_CELLS.clear()
    _RELEASED_CELLS.update((id(cell), (cell, [])) for cell in nb.cells)
    return nb


# id(cell) -> (the cell, [its JSON text once written]), for the released notebooks' cells, which
# `autograded_notebook` shares with every student's notebook: written once per process (_notebook_text)
_RELEASED_CELLS: dict[int, tuple[object, list[str]]] = {}


def written_answers(released_notebook: Path, submission: Path) -> dict[str, bool]:
    """{written answer grade_id: whether the student wrote something there} (False for a .py file)."""
    released = _released_cells(released_notebook)
    stubs = {c.metadata["nbgrader"]["grade_id"]: c.source.strip() for c in released
             if is_written_answer(c.metadata.get("nbgrader", {}))}
    try:
        mine = _answers_from_notebook(Path(submission)) if Path(submission).suffix == ".ipynb" else {}
    except Exception:  # noqa: BLE001 - an unreadable file wrote nothing
        mine = {}
    return {grade_id: isinstance(mine.get(grade_id), str) and mine[grade_id].strip() not in ("", stub)
            for grade_id, stub in stubs.items()}


def autograded_notebook(released: Path, submission: Path, result: dict):
    """The released notebook with the student's answers and the grader's messages as outputs: to read,
    never to change, as the cells it leaves as they are, and its metadata, are the released
    notebook's own (shared by every student's)."""
    source = _released_notebook(released)
    try:
        answers = (_answers_from_notebook(submission) if submission.suffix == ".ipynb"
                   else _answers_from_module(submission))
    except (UnreadableSubmission, Exception):  # noqa: BLE001 - an unreadable file still gets feedback
        answers = {}
    tests = {t["name"]: t for t in result["tests"]}
    cells = []
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if is_written_answer(meta):
            answer = answers.get(grade_id)
            answer = answer if isinstance(answer, str) else "*(no written answer in the submission)*"
            cell = _changed(cell, source=answer)
        elif meta.get("solution"):
            answer = answers.get(grade_id, answers.get("*", "# (no answer found in the submission)\n"))
            cell = _changed(cell, source=answer)
        elif meta.get("grade") and function_of_grade_cell(grade_id) in tests:
            test = tests[function_of_grade_cell(grade_id)]
            outputs = grade_cell_outputs(test)
            cell = _changed(cell, outputs=outputs, execution_count=1)
        cells.append(cell)
    if result.get("output"):
        # Not a Markdown fence, which printed text could close: escaped HTML inside <pre>, so the
        # notes render as the characters they hold (no live tag, no heading).
        notes = html.escape(safe_text(result["output"], 4000), quote=True)
        cells.insert(0, nbformat.v4.new_markdown_cell(f"**Grader notes**\n\n<pre>{notes}</pre>",
                                                      id="autograder-notes"))   # not a random id
    return nbformat.NotebookNode({**source, "cells": cells})


def _changed(cell, **fields):
    """A new cell: `cell` with `fields` replaced (the others shared with it)."""
    return nbformat.NotebookNode({**cell, **fields})


def grade_cell_outputs(test: dict) -> list:
    """The outputs under a function's grade cell: score, diagnosis, message, loss-curve plot."""
    from .diagnosis import CODES
    lines = [f"{test['name']}: {test['score']:g} / {test['max_score']:g} ({test['status']})", test["output"]]
    if test["tags"]:
        lines.append("")
        lines.append(f"[diagnosis: {', '.join(test['tags'])}]")
        lines += [f"  {tag}: {CODES[tag]}" for tag in test["tags"] if tag in CODES]
    outputs = [{"output_type": "stream", "name": "stdout", "text": "\n".join(lines) + "\n"}]
    curve = (test.get("extra_data") or {}).get("loss_curve")
    if curve:
        outputs.append({"output_type": "display_data", "metadata": {}, "data": {
            "image/png": loss_curve_png(test["name"], curve),
            "text/plain": f"<loss curve of {test['name']}: yours against the reference's>"}})
    return nbformat.from_dict(outputs)     # as nbformat.v4.new_output makes them, less its validation


def loss_curve_png(name: str, curve: dict) -> str:
    """Base64 PNG: the student's loss curve drawn over the reference's on the same problem."""
    return _drawn(name, curve["problem"], tuple(curve["reference"]), tuple(curve.get("student") or ()),
                  curve.get("note") or "")


def warm_up_drawing() -> None:
    """Draw one plot as `loss_curve_png` does, and keep nothing: a process's first drawing (fonts, the
    log axis's mathtext) costs about 0.2 s, which a worker pays before its first job (autograder.warm)."""
    _drawn.__wrapped__("warm-up", "a problem", (1.0, 0.5, 0.1), (1.0, 0.6, 0.2), "a note")


@functools.lru_cache(maxsize=64)
def _drawn(name: str, problem: str, reference: tuple, student: tuple, note: str) -> str:
    """The plot of one curve, drawn once per process: every correct train draws the same one."""
    curve = {"problem": problem, "reference": list(reference), "student": list(student), "note": note}
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    figure = Figure(figsize=(6.4, 3.6), dpi=100)
    axes = figure.subplots()
    axes.plot(curve["reference"], color="#999999", linewidth=4, label="reference")
    if curve.get("student"):
        axes.plot(curve["student"], color="#d62728", linewidth=1.5, label="your train")
    positive = all(v > 0 for v in curve["reference"] + (curve.get("student") or []))
    if positive:
        axes.set_yscale("log")
    axes.set_xlabel("updates")
    axes.set_ylabel("loss")
    axes.set_title(f"{name}: {curve['problem']}", fontsize=9)
    if curve.get("note"):
        axes.text(0.02, 0.04, curve["note"][:90], transform=axes.transAxes, fontsize=8, color="#d62728",
                  parse_math=False)       # the note may quote the student's error: "$" is not mathtext
    axes.legend()
    figure.subplots_adjust(left=0.11, right=0.97, bottom=0.14, top=0.9)   # tight_layout, measured once
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def autograded_text(released: Path, submission: Path, result: dict) -> str:
    """The autograded notebook of `submission` as written to autograded/ (`autograded_notebook`,
    its loss-curve plots drawn, written as nbformat.writes writes it)."""
    return _notebook_text(autograded_notebook(released, Path(submission), result))


def write_autograded(course_dir: Path, assignment: Assignment, student: str, text: str) -> Path:
    """autograded/<student>/<assignment>/<notebook>.ipynb, holding `text` (`autograded_text`)."""
    from .coursedir import assignment_dir
    target = assignment_dir(course_dir, "autograded_directory", assignment.name, student) / assignment.notebook
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, text)
    return target


_JSON = {"cls": BytesEncoder, "indent": 1, "sort_keys": True, "separators": (",", ": "), "ensure_ascii": False}
_CELLS_MARK = "\0cells\0"


def _notebook_text(nb) -> str:
    """nbformat.writes(nb) byte for byte (nbformat.v4.writes: its layout, split lines, transient
    values dropped), without its validation, which only logs, and with each cell written on its own:
    a cell of the released notebook that `autograded_notebook` shares is written once per process,
    not once per student (tests/test_feedback_page.py checks both against nbformat)."""
    rest = copy.deepcopy({key: value for key, value in nb.items() if key != "cells"})
    for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
        rest.get("metadata", {}).pop(key, None)
    text = json.dumps({**rest, "cells": [_CELLS_MARK]}, **_JSON)
    mark = json.dumps(_CELLS_MARK, **_JSON)
    if not nb.get("cells") or text.count(mark) != 1:
        return nbformat.v4.writes(nb)
    return text.replace(mark, ",\n  ".join(map(_shared_cell_text, nb["cells"])))


def _shared_cell_text(cell) -> str:
    released = _RELEASED_CELLS.get(id(cell))
    if released is None or released[0] is not cell:
        return _cell_text(cell)
    if not released[1]:
        released[1].append(_cell_text(cell))
    return released[1][0]


def _cell_text(cell) -> str:
    """One cell as nbformat.v4.writes writes it in a notebook's list of cells (two levels deep): its
    text split into lines as nbformat.v4.rwbase.split_lines splits it, its "trusted" dropped."""
    cell = json.loads(json.dumps(cell, cls=BytesEncoder, ensure_ascii=False))    # a plain copy, to change
    _split(cell, "source")
    for bundle in (cell.get("attachments") or {}).values():
        _split_bundle(bundle)
    if cell.get("cell_type") == "code":
        for output in cell.get("outputs") or []:
            if output.get("output_type") in ("execute_result", "display_data"):
                _split_bundle(output.get("data") or {})
            elif output.get("output_type") == "stream":
                _split(output, "text")
    (cell.get("metadata") or {}).pop("trusted", None)
    return json.dumps(cell, **_JSON).replace("\n", "\n  ")


def _split(holder: dict, key: str) -> None:
    if isinstance(holder.get(key), str):
        holder[key] = holder[key].splitlines(True)


def _split_bundle(bundle: dict) -> None:
    for mime in list(bundle):
        if mime.startswith("text/") or mime in ("application/javascript", "image/svg+xml"):
            _split(bundle, mime)


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


def generate_feedback(course: Course, course_dir: Path, assignment: Assignment,
                      students: list[str] | None = None, failures: dict[str, str] | None = None) -> Path:
    """nbgrader generate_feedback for every autograded student (or just `students`) -> the feedback/ folder.

    One nbgrader call makes every page when nothing fails (a call costs about 0.1 s of its own, a
    page about 0.4 s). nbgrader gives up on a student whose notebook it cannot render (a Markdown
    image of a missing attachment) after the others' pages, so each page the call did not make gets
    a call of its own, which gives that student's reason. nbgrader cannot address some folder names
    at all: a line break stops its path pattern before the rest of the class, and *, ? or [ make the
    name a glob (no page, or other students' pages made again); those students get no call, and the
    others a call each (the class call is not tried). A student's own call keeps the spaces around
    the name, which nbgrader would strip. A page that cannot be made leaves the student's grade as
    recorded and is no failure of the command: it is `failures[student]`, the reason (text from the
    submission: print it with text.terminal_text); without `failures`, RuntimeError names those
    students once every other page is made. Ctrl-C during a call raises KeyboardInterrupt."""
    import glob
    import re

    from .feedback_limits import with_shortened_answers
    from .release import nbgrader_api
    from .text import NAME_CAP, terminal_text
    api = nbgrader_api(course, course_dir)
    with_shortened_answers(api)         # a page renders in bounded time, whatever the answers hold
    cd = api.coursedir
    page = f"{Path(assignment.notebook).stem}.html"

    def page_of(student: str) -> Path:
        return Path(cd.format_path(cd.feedback_directory, student, assignment.name)) / page

    def call(student: str | None) -> dict:
        if student is not None and student[:1].isspace():
            student = f"[{student[0]}]{student[1:]}"
        if student is not None and student[-1:].isspace():
            student = f"{student[:-1]}[{student[-1]}]"
        outcome = api.generate_feedback(assignment.name, student_id=student)
        if not outcome.get("success") and (outcome.get("error") or "").rstrip().endswith("KeyboardInterrupt"):
            raise KeyboardInterrupt
        return outcome

    def reason(outcome: dict) -> str:
        for text in (outcome.get("log") or "", outcome.get("error") or ""):
            raised = re.findall(r"^\s*(?:\w+\.)*([A-Z]\w*): (.+)$", text, flags=re.MULTILINE)
            if raised:
                return safe_text(": ".join(raised[-1]), NAME_CAP)
        return "nbgrader failed without saying why"

    if students is None:
        found = glob.glob(cd.format_path(cd.autograded_directory, "*", assignment.name))
        pending = sorted(Path(p).parent.name for p in found if glob.glob(os.path.join(glob.escape(p), "*.ipynb")))
    else:
        pending = list(students)
    failed = {s: "nbgrader cannot make a page for a folder name with a line break (rename the folder)"
              for s in pending if "\n" in s}
    failed.update({s: "nbgrader reads a folder name with *, ? or [ as a pattern and cannot make its page "
                      "(rename the folder)" for s in pending if s not in failed and glob.has_magic(s)})
    pending = [s for s in pending if s not in failed]
    for student in pending:          # a page there after a call is one the call made
        with contextlib.suppress(OSError):
            page_of(student).unlink(missing_ok=True)
    if students is None and not failed:
        call(None)
        pending = [s for s in pending if not page_of(s).is_file()]
    for student in pending:
        outcome = call(student)
        if not outcome.get("success"):
            failed[student] = reason(outcome)
        elif not page_of(student).is_file():
            failed[student] = "nbgrader made no page and gave no reason"
    if failures is not None:
        failures.update(failed)
    elif failed:
        raise RuntimeError("nbgrader generate_feedback made no page for: " + "; ".join(
            f"{terminal_text(s)} ({terminal_text(why)})" for s, why in sorted(failed.items())))
    return Path(course_dir) / "feedback"
