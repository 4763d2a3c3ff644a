"""Grades out of the gradebook, in the formats a registrar uploads (docs/exports.md).

    nbgrader's CSV        nbgrader's own CsvExportPlugin (what `nbgrader export` writes)
    grades CSV            one row per student, one column per graded function
    Canvas gradebook CSV  Student, ID, SIS User ID, SIS Login ID, Section, one column per assignment,
                          a "Points Possible" row; scores after nbgrader's late penalty
    Gradescope            exports/gradescope/<student>/results.json, the autograder results format

Every score is read from the gradebook (or, for Gradescope, the stored results.json), so an
export says what nbgrader says.
"""
from __future__ import annotations

import csv
import glob
import json
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import CsvExportPlugin

from .course import Assignment, Course, grade_cell_id
from .coursedir import course_directory, load_config, step_dir
from .gradebook import db_url

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
GRADESCOPE_TEST_KEYS = ("name", "score", "max_score", "status", "output", "tags")


def nbgrader_csv(course: Course, course_dir: Path, path: Path, assignments: list[str] | None = None) -> Path:
    """nbgrader's own CSV export (assignment, duedate, timestamp, student_id, ..., score, max_score)."""
    plugin = CsvExportPlugin(config=load_config(course_dir, course.id))
    plugin.to = str(path)
    plugin.assignment = list(assignments or [])
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with Gradebook(db_url(course_dir), course.id) as gb:
        plugin.export(gb)
    return Path(path)


def grades_csv(course_dir: Path, course_id: str, assignment: Assignment, path: Path) -> Path:
    """student, assignment, score, max_score, one column per graded function (the gradebook's scores)."""
    notebook = Path(assignment.notebook).stem
    with Gradebook(db_url(course_dir), course_id) as gb:
        rows = []
        for student in sorted(gb.students, key=lambda s: s.id):
            try:
                submission = gb.find_submission(assignment.name, student.id)
            except MissingEntry:
                continue
            row = {"student": student.id, "assignment": assignment.name, "score": submission.score,
                   "max_score": submission.max_score}
            for function in assignment.functions:
                row[function.name] = gb.find_grade(grade_cell_id(function.name), notebook, assignment.name,
                                                   student.id).score
            rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["student", "assignment", "score", "max_score",
                                               *[fn.name for fn in assignment.functions]])
        writer.writeheader()
        writer.writerows(rows)
    return path


def canvas_csv(course: Course, course_dir: Path, assignments: list[Assignment], path: Path) -> Path:
    """A Canvas gradebook import: the five identity columns (the nbgrader student id as SIS User ID
    and SIS Login ID, Canvas's own ID left empty for Canvas to match), one column per assignment
    titled by its name, a "Points Possible" row, and each score after nbgrader's late penalty
    (a student without a submission gets an empty cell: Canvas leaves it ungraded)."""
    header = [*CANVAS_IDENTITY, *[a.name for a in assignments]]
    rows = [["Points Possible", "", "", "", "", *[f"{a.max_score:g}" for a in assignments]]]
    with Gradebook(db_url(course_dir), course.id) as gb:
        for student in sorted(gb.students, key=lambda s: s.id):
            name = ", ".join(p for p in (student.last_name, student.first_name) if p) or student.id
            row = [name, "", student.id, student.id, ""]
            for assignment in assignments:
                try:
                    submission = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    row.append("")
                    continue
                penalty = submission.late_submission_penalty or 0.0
                row.append(f"{max(0.0, submission.score - penalty):g}")
            rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def gradescope_result(result: dict) -> dict:
    """One results.json in Gradescope's autograder format: only the keys its specification defines
    (the total's maximum goes to extra_data, which Gradescope keeps without reading)."""
    return {
        "score": float(result["score"]),
        "execution_time": float(result.get("execution_time", 0.0)),
        "output": result.get("output", ""),
        "output_format": "text",
        "visibility": "after_published",
        "extra_data": {"max_score": float(result["max_score"])},
        "tests": [{**{k: t[k] for k in GRADESCOPE_TEST_KEYS}, "score": float(t["score"]),
                   "max_score": float(t["max_score"]), "output_format": "text"} for t in result["tests"]],
    }


def gradescope_results(course_dir: Path, assignment: Assignment, folder: Path) -> list[Path]:
    """folder/<student>/results.json for every graded student of `assignment`."""
    cd = course_directory(course_dir)
    written = []
    pattern = step_dir(cd, cd.autograded_directory, "*", assignment.name) / "results.json"
    for results in sorted(Path(p) for p in glob.glob(str(pattern))):
        student = results.parent.parent.name
        target = Path(folder) / student / "results.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(gradescope_result(json.loads(results.read_text())), indent=2))
        written.append(target)
    return written


def export_all(course: Course, course_dir: Path, assignment: Assignment, folder: Path | None = None) -> dict[str, Path]:
    """Every export of `assignment` into folder (default: <course_dir>/exports) -> {what: where}."""
    folder = Path(folder) if folder else Path(course_dir) / "exports"
    gradescope = folder / "gradescope" / assignment.name
    gradescope_results(course_dir, assignment, gradescope)
    return {
        "nbgrader CSV": nbgrader_csv(course, course_dir, folder / f"{assignment.name}-nbgrader.csv", [assignment.name]),
        "grades per function": grades_csv(course_dir, course.id, assignment, folder / f"{assignment.name}.csv"),
        "Canvas gradebook": canvas_csv(course, course_dir, [assignment], folder / f"{assignment.name}-canvas.csv"),
        "Gradescope results": gradescope,
    }
