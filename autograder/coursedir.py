"""The course directory through nbgrader's own helpers: its config, paths, database and timestamps.

The instructor's nbgrader_config.py is read (so its `db_url`, `directory_structure`, late-penalty
and exchange settings hold for us as for plain `nbgrader` commands); paths come from
`CourseDirectory.format_path`, submission times from timestamp.txt as `CourseDirectory.get_existing_timestamp`
reads it (nbgrader's `parse_utc`: `2026-11-20 17:00:00.000000 UTC`, ISO 8601, numeric offsets), but
read as a student's file (`submission_time`).
"""
from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


def load_config(course_dir: Path, course_id: str | None = None) -> Config:
    """nbgrader_config.py of `course_dir` (if any), with its root set to `course_dir` and, when
    given, its course id."""
    course_dir = Path(course_dir).resolve()
    config = Config()
    if (course_dir / CONFIG_FILE).is_file():
        config.merge(PyFileConfigLoader(CONFIG_FILE, path=str(course_dir)).load_config())
    config.CourseDirectory.root = str(course_dir)
    if course_id is not None:
        config.CourseDirectory.course_id = course_id
    return config


def course_directory(course_dir: Path, course_id: str | None = None) -> CourseDirectory:
    return CourseDirectory(config=load_config(course_dir, course_id))


def db_url(course_dir: Path) -> str:
    """The gradebook's database: nbgrader's `CourseDirectory.db_url` (default: gradebook.db in the root)."""
    return course_directory(course_dir).db_url


def step_dir(coursedir: CourseDirectory, step: str, student: str, assignment: str) -> Path:
    """e.g. step_dir(cd, cd.submitted_directory, "ada", "backprop") -> <root>/submitted/ada/backprop."""
    return Path(coursedir.format_path(step, student, assignment))


def assignment_dir(course_dir: Path, step: str, assignment: str, student: str = ".") -> Path:
    """Where nbgrader keeps a step of an assignment in `course_dir`, by its own config: step is a
    CourseDirectory trait name, e.g. assignment_dir(root, "release_directory", "backprop") ->
    <root>/release/backprop, assignment_dir(root, "autograded_directory", "backprop", "ada")."""
    cd = course_directory(course_dir)
    return Path(os.path.normpath(cd.format_path(getattr(cd, step), student, assignment)))


TIMESTAMP_FILE = "timestamp.txt"
TIMESTAMP_CAP = 1024        # bytes read of it: `nbgrader collect` writes about 30


def submission_time(folder: Path) -> datetime | None:
    """When the student submitted (naive UTC, as nbgrader stores it), from the folder's timestamp.txt,
    parsed by nbgrader's `parse_utc` as its `CourseDirectory.get_existing_timestamp` does; None when
    there is no readable timestamp (never the grading time). The file is the student's: a link is
    not followed, a FIFO or device not waited on, and at most TIMESTAMP_CAP bytes are read (nbgrader
    would follow it, block or read it whole)."""
    from nbgrader.utils import parse_utc
    try:
        fd = os.open(Path(folder) / TIMESTAMP_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            text = f.read(TIMESTAMP_CAP + 1)
        if len(text) > TIMESTAMP_CAP or not text.strip():
            return None
        return parse_utc(text.decode("utf-8").strip())
    except Exception:  # noqa: BLE001 - a garbled timestamp (nbgrader fails on it): we record none
        return None
