"""Answers written to make nbgrader's feedback rendering slow (mistune takes time quadratic in
nested brackets, pygments in a run of lines of spaces), through the real command: the class's
feedback is made in bounded time, the student's page says what it shortened and by how much, a
classmate's page shows every answer whole, the autograded notebook the instructor grades from keeps
every answer as the grader read it, and the scores are those of the same answers unpadded."""
import json
import re

import nbformat

from autograder.course import load_course
from autograder.feedback import ANSWER_CAP
from autograder.feedback_limits import NOTE, PARAGRAPH_CAP, shown_answers
from autograder.sandbox import launcher
from autograder.submission import is_written_answer
from autograder.text import safe_text

from helpers import new_class, run_cli

ISOLATION = "bwrap" if launcher.bwrap_available() else "none"
SOURCE_NOTEBOOK = load_course().assignment("backprop").source_notebook    # with the reference's answers

# `autograder grade` of this class takes about 5 s; before pages were shortened its feedback alone
# took about 20 minutes (each written answer about 2, each padded code answer about 7: docs/feedback.md)
BOUND = 60
WRITTEN = "[" * (ANSWER_CAP // 2) + "]" * (ANSWER_CAP // 2)
PADDED = ("dL_dW2", "train")         # code answers followed by lines of one space, up to the cap


def notebook(written: dict[str, str], padded=()) -> bytes:
    """The instructor's notebook (right answers) with `written` answers and the `padded` code answers
    followed by lines of one space and one statement, to ANSWER_CAP characters."""
    nb = json.loads(SOURCE_NOTEBOOK.read_text())
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if grade_id in written:
            cell["source"] = written[grade_id]
        elif grade_id in padded:
            cell["source"] = source + " \n" * ((ANSWER_CAP - len(source)) // 2 - 3) + "x = 1\n"
    return json.dumps(nb).encode()


def answer_cells(nb) -> list:
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]


def test_a_page_of_answers_built_to_be_slow_is_made_in_bounded_time_and_says_what_it_cut(
        released, backprop, tmp_path):
    released_nb = nbformat.read(released / "release" / "backprop" / backprop.notebook, as_version=4)
    written_ids = [c.metadata.nbgrader["grade_id"] for c in released_nb.cells
                   if is_written_answer(c.metadata.get("nbgrader", {}))]
    fair = {g: f"My answer to {g}: *the loss* falls while $\\eta < 1/2$, see [the notebook](#top)."
            for g in written_ids}
    course_dir = new_class(released, tmp_path, {
        "ada": ("backprop.ipynb", notebook(fair)),
        "mallory": ("backprop.ipynb", notebook(dict.fromkeys(written_ids, WRITTEN), PADDED))})
    done = run_cli("grade", "backprop", "--course-dir", course_dir, "--isolation", ISOLATION, "--workers", "2",
                   "--no-report", timeout=BOUND)      # the grading and the feedback, bounded here
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no page" not in done.stderr and "Traceback" not in done.stderr

    scores = {}
    for student in ("ada", "mallory"):
        result = json.loads((course_dir / "autograded" / student / "backprop" / "results.json").read_text())
        scores[student] = {t["name"]: (t["score"], t["max_score"], t["tags"]) for t in result["tests"]}
    assert scores["mallory"] == scores["ada"] and all(s == m for s, m, _ in scores["ada"].values())

    autograded = nbformat.read(course_dir / "autograded" / "mallory" / "backprop" / backprop.notebook, as_version=4)
    cells = {c.metadata.nbgrader["grade_id"]: c for c in answer_cells(autograded)}
    submitted = nbformat.reads(notebook(dict.fromkeys(written_ids, WRITTEN), PADDED).decode(), as_version=4)
    for cell in answer_cells(submitted):             # the instructor's copy: every answer as the grader read it
        assert cells[cell.metadata.nbgrader["grade_id"]].source == safe_text(cell.source, ANSWER_CAP)

    page = (course_dir / "feedback" / "mallory" / "backprop" / "backprop.html").read_text()
    shown = shown_answers([(c.cell_type, c.source) for c in answer_cells(autograded)])
    notes = [re.match(r"(?:# |\*\*)(Shortened[^*\n]*)", text) for text in shown]
    assert sum(bool(note) for note in notes) == len(written_ids) + len(PADDED)
    for note in filter(None, notes):
        assert note.group(1) in page
    for grade_id in written_ids:
        assert NOTE.format(kept=PARAGRAPH_CAP, total=len(cells[grade_id].source)) in page

    page = (course_dir / "feedback" / "ada" / "backprop" / "backprop.html").read_text()
    assert "Shortened" not in page
    for grade_id in written_ids:
        assert f"My answer to {grade_id}: <em>the loss</em> falls while $\\eta &lt; 1/2$" in page
