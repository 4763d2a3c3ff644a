"""Exports a registrar can upload, each checked against its format's documented columns or schema."""
import csv
import json
import subprocess
import sys

import jsonschema
import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import gradebook
from autograder.batch import grade_class
from autograder.demo import _reference_answers, _student_notebook
from autograder.release import generate

from helpers import run_cli

# nbgrader's CsvExportPlugin (docs: "Exporting grades"): one row per student and assignment
NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]
# Canvas gradebook import: the identity columns Canvas reads, then one column per assignment,
# and an optional second row "Points Possible"
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
# Gradescope's autograder results.json specification: the keys it defines, their types
GRADESCOPE_TEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "max_score": {"type": "number"},
        "status": {"enum": ["passed", "failed"]},
        "name": {"type": "string"}, "name_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "number": {"type": "string"}, "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "extra_data": {"type": "object"},
    },
}
GRADESCOPE = {
    "type": "object",
    "additionalProperties": False,
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"}, "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "test_output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "test_name_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": GRADESCOPE_TEST},
        "leaderboard": {"type": "array"},
    },
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, course):
    """gradients graded for ada (right, on time), bo (the untouched release), lou (right, late,
    nbgrader's 'zero' penalty) and o'neil, a student id with a quote."""
    root = tmp_path_factory.mktemp("exports")
    gradients = course.assignment("gradients")
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.LateSubmissionPlugin.penalty_method = 'zero'\n")
    generate(course, gradients, course_dir=root)
    with Gradebook(gradebook.db_url(root), course.id) as gb:
        gb.update_or_create_assignment("gradients", duedate="2026-11-20 18:00:00 UTC")
    released = root / "release" / "gradients" / gradients.notebook
    right = _student_notebook(released, _reference_answers(gradients))
    for student, nb, when in [("ada", right, "2026-11-20 17:00:00.000000 UTC"),
                              ("bo", nbformat.read(released, as_version=4), "2026-11-20 17:30:00.000000 UTC"),
                              ("lou", right, "2026-11-21 09:00:00.000000 UTC"),
                              ("o'neil", right, "2026-11-20 16:00:00.000000 UTC")]:
        folder = root / "submitted" / student / "gradients"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / gradients.notebook)
        (folder / "timestamp.txt").write_text(when)
    summary = grade_class(course, gradients, course_dir=root, workers=2, show_progress=False)
    done = run_cli("export", "gradients", "--course-dir", root)
    assert done.returncode == 0, done.stderr
    return root, summary, done.stdout


def test_nbgrader_csv_is_what_nbgrader_export_writes(graded):
    root, summary, _ = graded
    ours = (root / "exports" / "gradients-nbgrader.csv").read_text()
    assert ours.splitlines()[0].split(",") == NBGRADER_COLUMNS
    done = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", "theirs.csv"], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert ours == (root / "theirs.csv").read_text()
    rows = {r["student_id"]: r for r in csv.DictReader(ours.splitlines())}
    assert float(rows["ada"]["score"]) == summary["ada"]["score"]
    assert float(rows["lou"]["raw_score"]) == summary["lou"]["score"] and float(rows["lou"]["score"]) == 0


def test_canvas_csv_has_canvas_columns_and_points_possible(graded, course):
    root, summary, _ = graded
    gradients = course.assignment("gradients")
    with open(root / "exports" / "gradients-canvas.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*CANVAS_IDENTITY, "gradients"]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == gradients.max_score
    by_login = {r[3]: r for r in rows[2:]}
    assert set(by_login) == set(summary)
    for student, result in summary.items():
        row = by_login[student]
        assert row[2] == student and row[1] == ""          # SIS User ID; Canvas's own ID left for Canvas
        expected = 0.0 if student == "lou" else result["score"]   # late: nbgrader's 'zero' penalty
        assert float(row[5]) == expected


def test_gradescope_results_follow_the_specification(graded, course):
    root, summary, stdout = graded
    gradients = course.assignment("gradients")
    folder = root / "exports" / "gradescope" / "gradients"
    assert str(folder) in stdout
    assert {p.name for p in folder.iterdir()} == set(summary)
    for student, result in summary.items():
        exported = json.loads((folder / student / "results.json").read_text())
        jsonschema.validate(exported, GRADESCOPE)
        assert exported["score"] == result["score"]
        assert sum(t["score"] for t in exported["tests"]) == pytest.approx(exported["score"])
        assert [t["name"] for t in exported["tests"]] == [f.name for f in gradients.functions]
        assert [t["max_score"] for t in exported["tests"]] == [f.points for f in gradients.functions]


def test_a_ta_regrades_one_student(graded, course):
    """`--student`: only that submission is graded again, its feedback written, the rest untouched."""
    root, summary, _ = graded
    marks = (root / "autograded").glob("*/gradients/.autograder.json")
    stamps = {p.parent.parent.name: p.stat().st_mtime_ns for p in marks}
    done = run_cli("grade", "gradients", "--course-dir", root, "--student", "bo")
    assert done.returncode == 0, done.stderr
    assert "gradients: 1 graded now, 0 reused, 0 failed" in done.stdout
    assert (root / "feedback" / "bo" / "gradients" / "gradients.html").exists()
    assert not (root / "feedback" / "ada").exists()
    marks = (root / "autograded").glob("*/gradients/.autograder.json")
    after = {p.parent.parent.name: p.stat().st_mtime_ns for p in marks}
    assert {s for s in stamps if stamps[s] != after[s]} == {"bo"}
    done = run_cli("grade", "gradients", "--course-dir", root, "--student", "nobody")
    assert done.returncode == 2 and "no submission of gradients in submitted/ for: nobody" in done.stderr
