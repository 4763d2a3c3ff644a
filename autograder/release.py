"""Releasing an assignment with nbgrader: an ordered list of steps, declared once in `STEPS`.

    check that every graded function is complete (autograder/checklist.py)
    -> stage the notebook into source/ with points from course.toml
    -> nbgrader generate_assignment into release/ -> check that nothing secret was released

The course directory is a standard nbgrader one (source/, release/, submitted/, autograded/,
feedback/, gradebook.db, nbgrader_config.py), so nbgrader's own commands work in it too.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from traitlets.config.loader import PyFileConfigLoader

from .checklist import missing_pieces, required
from .course import Assignment, Course, function_of_grade_cell, grade_cell_id
from .coursedir import CONFIG_FILE, assignment_dir, load_config
from .student_cells import RELEASED_FILES, SHARED_FILES, with_student_cells
from .submission import is_written_answer

SECRET_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "autograder.hidden", "run_hidden")


class ReleaseError(RuntimeError):
    """The assignment cannot be released as it is; the message says what to fix."""


@dataclass
class Release:
    course: Course
    assignment: Assignment
    course_dir: Path
    notes: list[str] = field(default_factory=list)     # for the instructor, printed by the command

    @property
    def source_dir(self) -> Path:
        return assignment_dir(self.course_dir, "source_directory", self.assignment.name)

    @property
    def release_dir(self) -> Path:
        return assignment_dir(self.course_dir, "release_directory", self.assignment.name)


CONFIG_BLOCK = "# --- set by `autograder generate` (the course in course.toml) ---"


def write_nbgrader_config(course: Course, course_dir: Path) -> Path:
    """nbgrader_config.py for the course directory, so plain `nbgrader ...` commands work there.
    An instructor's existing file is kept: only a marked block setting the course id and root is
    added at its end (or replaced there), and nothing is written when both already hold."""
    course_dir.mkdir(parents=True, exist_ok=True)
    path = course_dir / CONFIG_FILE
    root = str(course_dir.resolve())
    block = (f"{CONFIG_BLOCK}\n"
             f"c.CourseDirectory.course_id = {course.id!r}\n"
             f"c.CourseDirectory.root = {root!r}\n")
    if not path.exists():
        path.write_text("c = get_config()  # noqa: F821 - nbgrader defines it\n" + block, encoding="utf-8")
        return path
    theirs = PyFileConfigLoader(CONFIG_FILE, path=root).load_config().CourseDirectory
    if theirs.get("course_id") == course.id and Path(theirs.get("root", "")).resolve() == Path(root):
        return path
    text = path.read_text(encoding="utf-8")
    text = text.split(CONFIG_BLOCK)[0].rstrip("\n")
    path.write_text(text + "\n\n" + block, encoding="utf-8")
    return path


def nbgrader_api(course: Course, course_dir: Path):
    """nbgrader's own API object for a course directory, configured by its nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(course_dir, course.id)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def released_file(assignment: Assignment, name: str) -> Path:
    """Where a file that ships with the notebook lives: the assignment's folder, or assignments/ if shared."""
    folder = assignment.folder
    return folder.parent / name if name in SHARED_FILES else folder / name


def check_complete(r: Release) -> Release:
    """Every graded function has every piece it needs (autograder/checklist.py: the same lines as
    `autograder validate`), and nothing else is graded automatically (written answers, graded by
    hand in the formgrader, are Markdown cells)."""
    problems = [m.line() for m in required(missing_pieces(r.assignment))]
    if r.assignment.source_notebook.is_file():
        nb = nbformat.read(r.assignment.source_notebook, as_version=4)
        metas = [(c.cell_type, c.metadata.get("nbgrader", {})) for c in nb.cells]
        grades = {m.get("grade_id") for _, m in metas if m.get("grade") and not is_written_answer(m)}
        wanted = {grade_cell_id(f.name) for f in r.assignment.functions}
        problems += [f"grade cell '{g}' grades nothing listed in course.toml: remove it, or list its function"
                     for g in sorted(grades - wanted)]
        problems += [f"written answer '{m.get('grade_id')}' should be a Markdown cell" for kind, m in metas
                     if is_written_answer(m) and kind != "markdown"]
    if problems:
        raise ReleaseError(f"{r.assignment.name} is not ready to release; add what is missing:\n"
                           + "\n".join(f"  {p}" for p in problems))
    return r


def stage_source(r: Release) -> Release:
    """Copy the notebook and its files into source/, with each grade cell's points from course.toml.
    Other files an instructor keeps in source/<assignment>/ are left alone (nbgrader releases them)."""
    for name in (r.assignment.notebook, *RELEASED_FILES):
        if not released_file(r.assignment, name).exists():
            raise ReleaseError(f"{released_file(r.assignment, name)} is missing")
    r.source_dir.mkdir(parents=True, exist_ok=True)
    for name in RELEASED_FILES:
        shutil.copy2(released_file(r.assignment, name), r.source_dir / name)
    nb = nbformat.read(r.assignment.source_notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not is_written_answer(meta):
            meta["points"] = r.assignment.function(function_of_grade_cell(meta["grade_id"])).points
    nb = with_student_cells(nb, r.assignment)     # the files-beside guard and the check-all cell
    nbformat.write(nb, r.source_dir / r.assignment.notebook)
    write_nbgrader_config(r.course, r.course_dir)
    return r


def generate_assignment(r: Release) -> Release:
    result = nbgrader_api(r.course, r.course_dir).generate_assignment(r.assignment.name, force=True, create=True)
    if not result.get("success"):
        raise ReleaseError(f"nbgrader generate_assignment failed:\n{result.get('error') or result.get('log')}")
    return r


def instructor_files(r: Release) -> list[str]:
    """Files in source/<assignment>/ that the course does not ship (an instructor's own)."""
    ours = {r.assignment.notebook, *RELEASED_FILES}
    return sorted(p.relative_to(r.source_dir).as_posix() for p in r.source_dir.rglob("*")
                  if p.is_file() and p.relative_to(r.source_dir).as_posix() not in ours
                  and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts)


def check_release(r: Release) -> Release:
    """The stubbed notebook and the public checks, no solution, no hidden test; an instructor's
    own files in source/ are released too (as nbgrader does), and named."""
    files = sorted(p.relative_to(r.release_dir).as_posix() for p in r.release_dir.rglob("*") if p.is_file())
    extra = instructor_files(r)
    expected = sorted([r.assignment.notebook, *RELEASED_FILES, *extra])
    if files != expected:
        raise ReleaseError(f"release/{r.assignment.name} holds {files}, expected exactly {expected}")
    text = (r.release_dir / r.assignment.notebook).read_text(encoding="utf-8")
    leaked = [m for m in SECRET_MARKERS if m in text]
    if leaked:
        raise ReleaseError(f"the released notebook still contains {leaked}")
    if extra:
        r.notes.append(f"also released from source/{r.assignment.name}/ (your own files): {', '.join(extra)}; "
                       "list them in c.CourseDirectory.ignore in nbgrader_config.py to keep them private")
    return r


STEPS = [check_complete, stage_source, generate_assignment, check_release]


def release(course: Course, assignment: Assignment, *, course_dir: Path) -> Release:
    """Release `assignment` into course_dir/release/<name>/; the Release says where, with notes."""
    r = Release(course, assignment, Path(course_dir))
    for step in STEPS:
        r = step(r)
    return r


def generate(course: Course, assignment: Assignment, *, course_dir: Path) -> Path:
    """Release `assignment` into course_dir/release/<name>/ and return that folder."""
    return release(course, assignment, course_dir=course_dir).release_dir
