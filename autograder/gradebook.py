"""Scores into nbgrader's gradebook (its own Gradebook API, its own SQLite file) and grades out.

One grade cell per graded function (`test_<function>`), so a results.json maps one to one onto
nbgrader's grades: `auto_score` of each grade cell is that function's score.
"""
from __future__ import annotations

import csv
import warnings
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from .course import Assignment


def db_url(course_dir: Path) -> str:
    return f"sqlite:///{(Path(course_dir) / 'gradebook.db').resolve()}"


def record(course_dir: Path, course_id: str, assignment: Assignment, student: str, result: dict,
           timestamp: datetime | None = None) -> None:
    """Write one student's results.json into the gradebook (creating the student and submission)."""
    notebook = Path(assignment.notebook).stem
    with warnings.catch_warnings(), Gradebook(db_url(course_dir), course_id) as gb:
        # nbgrader's add_submission trips SQLAlchemy's autoflush warning; the rows are written all the same
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment.name, student,
                                                    timestamp=timestamp or datetime.now(timezone.utc))
        for test in result["tests"]:
            grade = gb.find_grade(f"test_{test['name']}", notebook, assignment.name, student)
            grade.auto_score = float(test["score"])
        submission.flagged = False
        gb.db.commit()


def scores(course_dir: Path, course_id: str, assignment: Assignment) -> dict[str, float]:
    """{student: total score} as the gradebook holds it."""
    with Gradebook(db_url(course_dir), course_id) as gb:
        out = {}
        for student in gb.students:
            try:
                out[student.id] = gb.find_submission(assignment.name, student.id).score
            except MissingEntry:
                continue
        return out


def export_csv(course_dir: Path, course_id: str, assignment: Assignment, path: Path) -> Path:
    """grades.csv for the LMS: student, score, max_score, one column per function."""
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
                row[function.name] = gb.find_grade(f"test_{function.name}", notebook, assignment.name,
                                                   student.id).score
            rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["student", "assignment", "score", "max_score",
                                               *[fn.name for fn in assignment.functions]])
        writer.writeheader()
        writer.writerows(rows)
    return path
