"""Scores into nbgrader's gradebook through its own API, at the database nbgrader's config names.

One grade cell per graded function (`test_<function>`), so a results.json maps one to one onto
nbgrader's grades: `auto_score` of each grade cell is that function's score, which needs no manual
grade (unless the instructor had given one before, as `nbgrader autograde` has it). Written answers
(Markdown cells graded by hand) are flagged for the formgrader as `nbgrader autograde` flags
them: an untouched answer scores 0, a written one needs a manual grade. The submission time is
the student's (timestamp.txt), and nbgrader's own late-penalty preprocessor then applies the
course's `LateSubmissionPlugin` settings.
"""
from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from nbgrader.api import BaseCell, Gradebook, Grade, MissingEntry, SubmittedAssignment, SubmittedNotebook
from nbgrader.preprocessors import AssignLatePenalties
from sqlalchemy.exc import SAWarning

from .course import Assignment, grade_cell_id
from .coursedir import CONFIG_FILE, load_config
from .coursedir import db_url as _course_db_url


def db_url(course_dir: Path) -> str:
    """The gradebook's URL: nbgrader_config.py's `CourseDirectory.db_url`, else gradebook.db."""
    return _course_db_url(course_dir)


def record(course_dir: Path, course_id: str, assignment: Assignment, student: str, result: dict,
           timestamp: datetime | None = None, *, written: dict[str, bool] | None = None,
           gb: Gradebook | None = None) -> None:
    """Write one student's results.json into the gradebook (creating the student and submission).
    timestamp: when the student submitted (None: unknown, never the grading time);
    written: {written answer grade_id: whether the student wrote anything};
    gb: an open Gradebook of this course to write with (`recorder` keeps one for a batch), else one
    is opened for this call. The scores and the late penalty are committed together; on an error
    nothing of them is (nbgrader's own calls commit the student and the submission first)."""
    if gb is None:
        with Gradebook(db_url(course_dir), course_id) as gb:
            record(course_dir, course_id, assignment, student, result, timestamp, written=written, gb=gb)
        return
    late = _late_penalties(course_dir)
    with warnings.catch_warnings():
        # nbgrader's add_submission trips SQLAlchemy's autoflush warning; the rows are written all the same
        warnings.simplefilter("ignore", SAWarning)
        try:
            gb.update_or_create_student(student)
            when = {"timestamp": timestamp} if timestamp is not None else {}
            submission = gb.update_or_create_submission(assignment.name, student, **when)
            name = Path(assignment.notebook).stem
            notebook = gb.find_submission_notebook(name, assignment.name, student)
            # the notebook's grades with their cells' names in one query (Grade.name would load each cell)
            grades = dict(gb.db.query(BaseCell.name, Grade).join(Grade, Grade.cell_id == BaseCell.id)
                          .filter(Grade.notebook_id == notebook.id))
            for test in result["tests"]:
                grade = grades.get(grade_cell_id(test["name"]))
                if grade is None:
                    raise MissingEntry(f"No such grade: {assignment.name}/{name}/{grade_cell_id(test['name'])}")
                grade.auto_score = float(test["score"])
                # as nbgrader's autograde: for the formgrader, an auto score needs a look only when
                # the instructor had given a manual one before
                grade.needs_manual_grade = grade.manual_score is not None
            for grade_id, answered in (written or {}).items():
                grade = grades.get(grade_id)
                if grade is None:
                    continue
                grade.auto_score = None if answered else 0.0
                grade.needs_manual_grade = bool(answered) and grade.manual_score is None
            gb.db.flush()
            assign_late_penalty(gb, late, submission, notebook, student)
            gb.db.commit()
        except BaseException:
            gb.db.rollback()      # a Gradebook kept open for the next student holds nothing of this one
            raise


@contextlib.contextmanager
def recorder(course_dir: Path, course_id: str) -> Iterator[Callable[..., None]]:
    """`record` for many students of one course (a batch): one Gradebook for all of them, opened at
    the first call (nbgrader's Gradebook() makes a new engine and checks every table each time it is
    opened) and closed at the end of the block. Each call is `record(assignment, student, result,
    timestamp, written=...)`, committed on its own as `record`'s is."""
    opened: list[Gradebook] = []

    def record_one(assignment: Assignment, student: str, result: dict, timestamp: datetime | None = None, *,
                   written: dict[str, bool] | None = None) -> None:
        if not opened:
            opened.append(Gradebook(db_url(course_dir), course_id))
        record(course_dir, course_id, assignment, student, result, timestamp, written=written, gb=opened[0])

    try:
        yield record_one
    finally:
        for gb in opened:
            gb.close()


def _late_penalties(course_dir: Path) -> AssignLatePenalties:
    """nbgrader's AssignLatePenalties with its plugin, configured by the course's nbgrader_config.py
    (e.g. `c.LateSubmissionPlugin.penalty_method = "zero"`), made again when that file changes."""
    config = Path(course_dir).resolve() / CONFIG_FILE
    try:
        stat = config.stat()
        version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    except OSError:
        version = None
    return _made_late_penalties(str(Path(course_dir).resolve()), version)


@functools.lru_cache(maxsize=4)
def _made_late_penalties(course_dir: str, version) -> AssignLatePenalties:
    assigner = AssignLatePenalties(config=load_config(Path(course_dir)))
    assigner.init_plugin()
    return assigner


def assign_late_penalty(gb: Gradebook, assigner: AssignLatePenalties, submission: SubmittedAssignment,
                        notebook: SubmittedNotebook, student: str) -> None:
    """What nbgrader's AssignLatePenalties does, with its own plugin and checks (`_late_penalties`),
    on the notebook's score as the session holds it (its grades flushed, not yet committed), and
    without committing: the caller commits it with the scores."""
    gb.db.refresh(notebook)
    notebook.late_submission_penalty = None
    if submission.total_seconds_late > 0:
        penalty = assigner.plugin_inst.late_submission_penalty(student, notebook.score, submission.total_seconds_late)
        if penalty is not None:
            notebook.late_submission_penalty = assigner._check_late_penalty(notebook, penalty)


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
