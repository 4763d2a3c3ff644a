"""`make demo`: the main job end to end on a demo class.

    release every assignment with nbgrader -> make a class of demo submissions in submitted/
    -> grade them all in parallel into the gradebook -> show the grade table
    -> write feedback (nbgrader generate_feedback; loss-curve plots for training functions),
       the class report, and the exports for the LMS (nbgrader CSV, Canvas CSV, Gradescope)

The demo class for each assignment: the reference answers (ada, and kofi as a .py module), the
untouched release (bo), and students who each make one realistic mistake in a notebook made from
the release: for `backprop` the hand-written ones below, for the others a few entries of the
assignment's mutant catalogue (tests/mutants/<assignment>.toml).
"""
from __future__ import annotations

import importlib
import inspect
import shutil
import time
from pathlib import Path

import nbformat
from rich.console import Console

from .batch import find_submissions, grade_class
from .class_report import write_class_report
from .course import Assignment, Course
from .coursedir import assignment_dir
from .curves import training_functions
from .exports import export_all
from .feedback import generate_feedback
from .release import generate
from .report import print_grade_table

# student -> (answer cell, text to replace, replacement, what a student did)
BACKPROP_MISTAKES = {
    "cyrus": ("relu_grad", "(z > 0)", "(z >= 0)", "lets the gradient through at z = 0"),
    "dana": ("dL_dy", "2.0 * (Y_hat - Y) / Y.size", "0.5 * (Y_hat - Y)", "the one-example formula"),
    "emil": ("dL_db2", "dy.sum(axis=0)", "dy.mean(axis=0)", "averages the bias gradient"),
    "fatima": ("dL_dW2", "h.T @ dy", "h.T @@ dy", "a syntax error in one cell"),
    "gideon": ("dL_dW1", "X.T @ dz1", "dz1.T @ X", "the transpose"),
    "hana": ("train", "    losses.append(mse_loss(forward(X, params)[0], Y))\n    return",
             "    return", "forgets the last loss"),
    "ivan": ("numerical_gradient", "x[index] = original - h\n        f_minus = f(x)",
             "x[index] = original\n        f_minus = f(x)", "forgets the x - h nudge"),
    "jun": ("sgd_step", "{key: params[key] - lr * grads[key] for key in params}",
            "{key: params[key].__isub__(lr * grads[key]) for key in params}", "updates in place"),
}


CATALOGUE_STUDENTS = ("lena", "mo", "nia")   # one catalogued mistake each, in the other assignments


def _catalogue_mistakes(assignment: Assignment) -> dict[str, tuple[str, str, str]]:
    """student -> (function, its wrong source, what the student did), from the mutant catalogue:
    the first mutant of functions spread evenly over the assignment."""
    from .validate import catalogue_path, load_catalogue
    if not catalogue_path(assignment).exists():
        return {}
    first = {}
    for mutant in load_catalogue(assignment):
        first.setdefault(mutant.function, mutant)
    names = [f.name for f in assignment.functions if f.name in first]
    step = max(1, len(names) // len(CATALOGUE_STUDENTS))
    picked = [first[n] for n in names[::step]][:len(CATALOGUE_STUDENTS)]
    return {student: (m.function, m.source.strip() + "\n", m.description[0].lower() + m.description[1:].rstrip("."))
            for student, m in zip(CATALOGUE_STUDENTS, picked)}


def demo_mistakes(assignment: Assignment) -> dict[str, tuple[str, str, str]]:
    """student -> (function, the wrong answer cell's source, what the student did)."""
    if assignment.name != "backprop":
        return _catalogue_mistakes(assignment)
    answers = _reference_answers(assignment)
    out = {}
    for student, (function, old, new, what) in BACKPROP_MISTAKES.items():
        if old not in answers[function]:
            raise RuntimeError(f"demo mistake for {student}: {old!r} not in the reference {function}")
        out[student] = (function, answers[function].replace(old, new), what)
    return out


def _reference_answers(assignment: Assignment) -> dict[str, str]:
    """Each graded function's reference source: what a student who got everything right wrote."""
    module = importlib.import_module(assignment.solution)
    return {f.name: inspect.getsource(getattr(module, f.name)) for f in assignment.functions}


def _student_notebook(released: Path, answers: dict[str, str]):
    nb = nbformat.read(released, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def make_demo_class(course_dir: Path, assignment: Assignment) -> list[str]:
    """Write submitted/<student>/<assignment>/ for the demo class; returns the students."""
    released = assignment_dir(course_dir, "release_directory", assignment.name) / assignment.notebook
    answers = _reference_answers(assignment)
    students: dict[str, object] = {
        "ada": _student_notebook(released, answers),
        "bo": nbformat.read(released, as_version=4),
    }
    for student, (function, source, _) in demo_mistakes(assignment).items():
        students[student] = _student_notebook(released, {**answers, function: source})
    for student, nb in students.items():
        folder = course_dir / "submitted" / student / assignment.name
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / assignment.notebook)
        (folder / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC")
    # one student hands in a plain module instead of the notebook
    folder = course_dir / "submitted" / "kofi" / assignment.name
    folder.mkdir(parents=True, exist_ok=True)
    module = importlib.import_module(assignment.solution)
    (folder / f"{Path(assignment.notebook).stem}.py").write_text(inspect.getsource(module))
    return sorted([*students, "kofi"])


def run_demo(course: Course, *, course_dir: Path, isolation: str = "auto", workers: int | None = None,
             assignments: list[str] | None = None) -> int:
    console = Console()
    course_dir = Path(course_dir)
    if course_dir.exists():
        shutil.rmtree(course_dir)
    started = time.monotonic()
    for assignment in [course.assignment(a) for a in assignments] if assignments else course.assignments.values():
        console.rule(f"[bold]{assignment.name}: {assignment.title}")
        release = generate(course, assignment, course_dir=course_dir)
        console.print(f"released with nbgrader to {release}")
        students = make_demo_class(course_dir, assignment)
        console.print(f"demo class: {', '.join(students)}")
        summary = grade_class(course, assignment, course_dir=course_dir, isolation=isolation, workers=workers)
        print_grade_table(summary, assignment, console)
        for student, (function, _, what) in demo_mistakes(assignment).items():
            test = next(t for t in summary[student]["tests"] if t["name"] == function)
            console.print(f"  {student} ({what}): {function} {test['score']:.2f}/{test['max_score']:g}"
                          f"  tags: {', '.join(test['tags'])}", highlight=False, markup=False)
        feedback = generate_feedback(course, course_dir, assignment)
        report = write_class_report(course_dir, assignment, summary, {
            s.student: s.path for s in find_submissions(course_dir, assignment) if s.path is not None})
        exports = export_all(course, course_dir, assignment)
        _say_where(console, course_dir, assignment, feedback, report, exports)
    console.print(f"\nDone in {time.monotonic() - started:.0f} s. The course directory is {course_dir.resolve()} "
                  "(nbgrader's layout: source/, release/, submitted/, autograded/, feedback/, gradebook.db).")
    return 0


def _say_where(console: Console, course_dir: Path, assignment: Assignment, feedback: Path, report: Path,
               exports: dict[str, Path]) -> None:
    """Where each file of this assignment is, with one feedback page that shows a loss curve."""
    notebook = Path(assignment.notebook).stem
    pages = sorted((feedback).glob(f"*/{assignment.name}/{notebook}.html"))
    console.print(f"feedback pages: {feedback.resolve()}/<student>/{assignment.name}/{notebook}.html "
                  f"({len(pages)} students)", highlight=False, markup=False, soft_wrap=True)
    curves = training_functions(assignment)
    if curves:
        mistaken = [s for s, (function, _, _) in demo_mistakes(assignment).items() if function in curves]
        example = feedback / (mistaken[0] if mistaken else "ada") / assignment.name / f"{notebook}.html"
        console.print(f"  with the loss curve of {', '.join(curves)}, e.g. {example.resolve()}",
                      highlight=False, markup=False, soft_wrap=True)
    console.print(f"class report: {report.resolve()}", highlight=False, markup=False, soft_wrap=True)
    for what, where in exports.items():
        console.print(f"{what}: {Path(where).resolve()}", highlight=False, markup=False, soft_wrap=True)
