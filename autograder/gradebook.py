"""Scores into nbgrader's gradebook through its own API, at the database nbgrader's config names.

One grade cell per graded function (`test_<function>`), so a results.json maps one to one onto
nbgrader's grades: `auto_score` of each grade cell is that function's score. Written answers
(Markdown cells graded by hand) are flagged for the formgrader as `nbgrader autograde` flags
them: an untouched answer scores 0, a written one needs a manual grade. The submission time is
the student's (timestamp.txt), and nbgrader's own late-penalty preprocessor then applies the
course's `LateSubmissionPlugin` settings.
"""
from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import AssignLatePenalties
from sqlalchemy.exc import SAWarning

from .course import Assignment, grade_cell_id
from .coursedir import db_url as _course_db_url
from .coursedir import load_config


def db_url(course_dir: Path) -> str:
    """The gradebook's URL: nbgrader_config.py's `CourseDirectory.db_url`, else gradebook.db."""
    return _course_db_url(course_dir)


def record(course_dir: Path, course_id: str, assignment: Assignment, student: str, result: dict,
           timestamp: datetime | None = None, *, written: dict[str, bool] | None = None) -> None:
    """Write one student's results.json into the gradebook (creating the student and submission).
    timestamp: when the student submitted (None: unknown, never the grading time);
    written: {written answer grade_id: whether the student wrote anything}."""
    notebook = Path(assignment.notebook).stem
    url = db_url(course_dir)
    with warnings.catch_warnings(), Gradebook(url, course_id) as gb:
        # nbgrader's add_submission trips SQLAlchemy's autoflush warning; the rows are written all the same
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_student(student)
        when = {"timestamp": timestamp} if timestamp is not None else {}
        submission = gb.update_or_create_submission(assignment.name, student, **when)
        # the notebook's grades in one query (find_grade would make one per graded function)
        grades = {g.name: g for g in gb.find_submission_notebook(notebook, assignment.name, student).grades}
        for test in result["tests"]:
            grade = grades.get(grade_cell_id(test["name"]))
            if grade is None:
                raise MissingEntry(f"No such grade: {assignment.name}/{notebook}/{grade_cell_id(test['name'])}")
            grade.auto_score = float(test["score"])
        for grade_id, answered in (written or {}).items():
            grade = grades.get(grade_id)
            if grade is None:
                continue
            grade.auto_score = None if answered else 0.0
            grade.needs_manual_grade = bool(answered) and grade.manual_score is None
        submission.flagged = False
        gb.db.commit()
        assign_late_penalty(gb, course_dir, assignment, student)


def assign_late_penalty(gb: Gradebook, course_dir: Path, assignment: Assignment, student: str) -> None:
    """What nbgrader's AssignLatePenalties does, with its own plugin and checks, configured by the
    course's nbgrader_config.py (e.g. `c.LateSubmissionPlugin.penalty_method = "zero"`), in the
    open gradebook session (opening a second one per submission doubles the batch's database time)."""
    assigner = AssignLatePenalties(config=load_config(course_dir))
    assigner.init_plugin()
    submission = gb.find_submission(assignment.name, student)
    notebook = gb.find_submission_notebook(Path(assignment.notebook).stem, assignment.name, student)
    gb.db.refresh(notebook)
    notebook.late_submission_penalty = None
    if submission.total_seconds_late > 0:
        penalty = assigner.plugin_inst.late_submission_penalty(student, notebook.score, submission.total_seconds_late)
        if penalty is not None:
            notebook.late_submission_penalty = assigner._check_late_penalty(notebook, penalty)
    gb.db.commit()


def scores(course_dir: Path, course_id: str, assignment: Assignment) -> dict[str, float]:
    """{student: total score} as the gradebook holds it (before any late penalty)."""
    with Gradebook(db_url(course_dir), course_id) as gb:
        out = {}
        for student in gb.students:
            try:
                out[student.id] = gb.find_submission(assignment.name, student.id).score
            except MissingEntry:
                continue
        return out
