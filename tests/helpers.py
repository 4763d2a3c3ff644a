"""Helpers for the project's own tests: the real grading pipeline and the real CLI."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.course import PROJECT_ROOT
from guarantees import CHROMIUM
from autograder.grade import grade_submission

AUTOGRADER = [sys.executable, "-m", "autograder"]
# The command as a terminal starts it, Ctrl-C at its default action whatever this test process got:
# a process started in the background by a non-interactive shell (`cmd &`) has SIGINT ignored, its
# children inherit that, and Python then never raises KeyboardInterrupt, so a Ctrl-C test would see
# the batch run to its end.
AUTOGRADER_AT_A_TERMINAL = [sys.executable, "-c", "import os, signal, sys; signal.signal(signal.SIGINT, "
                            "signal.SIG_DFL); os.execv(sys.executable, [sys.executable, *sys.argv[1:]])",
                            "-m", "autograder"]


def grade(assignment, path, **kwargs):
    """The real grading pipeline, in process: results.json as a dict."""
    return grade_submission(assignment, path, **kwargs)


def by_name(result):
    return {t["name"]: t for t in result["tests"]}


def graded_with(assignment, tmp_path, *replacements) -> dict:
    """The reference of `assignment` with each (old, new) of `replacements` made (old must be in it),
    as a student's .py file graded by the real pipeline: its results.json."""
    from autograder.validate import reference_path
    source = reference_path(assignment).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    path = tmp_path / f"{assignment.name}.py"
    path.write_text(source, encoding="utf-8")
    return grade(assignment, path)


def run_cli(*args, cwd=PROJECT_ROOT, timeout=300):
    return subprocess.run([*AUTOGRADER, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout)


def edit_answer(notebook_path, out_path, grade_id, transform):
    """Copy a notebook, rewriting one answer cell's source with `transform(source)`."""
    nb = nbformat.read(notebook_path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = transform(cell.source)
            break
    else:
        raise KeyError(grade_id)
    nbformat.write(nb, out_path)
    return out_path


def copy_course(course, name, target: Path) -> Path:
    """What one assignment of `course` is made of, copied to `target`: course.toml, the notebook's
    folder and the files released beside every notebook, the reference solution, the hidden suite
    and both catalogues. Returns the copy's course.toml."""
    root = course.root
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(root / "course.toml", target / "course.toml")
    shutil.copytree(root / "assignments" / name, target / "assignments" / name)
    for shared in (root / "assignments").glob("*.py"):      # files released beside every notebook
        shutil.copy(shared, target / "assignments" / shared.name)
    (target / "solutions").mkdir(exist_ok=True)
    for module in ("__init__.py", f"{name}.py"):
        shutil.copy(root / "solutions" / module, target / "solutions" / module)
    shutil.copytree(root / "tests" / "hidden" / name, target / "tests" / "hidden" / name,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "tests" / "hidden" / "conftest.py", target / "tests" / "hidden" / "conftest.py")
    for catalogue in ("mutants", "variants"):
        (target / "tests" / catalogue).mkdir(exist_ok=True)
        shutil.copy(root / "tests" / catalogue / f"{name}.toml", target / "tests" / catalogue / f"{name}.toml")
    return target / "course.toml"


def copy(path, tmp_path, name=None):
    target = tmp_path / (name or Path(path).name)
    shutil.copy(path, target)
    return target


def load_json(text):
    return json.loads(text)


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def rendered_text(html_path, screenshot=None):
    """What a person sees: the page's visible text in a real headless Chromium (Playwright)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(Path(html_path).resolve().as_uri())
            text = page.inner_text("body")
            if screenshot:
                page.screenshot(path=str(screenshot), full_page=True)
            return text
        finally:
            browser.close()


ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "artifacts"   # ignored by git


def browse(html_path, screenshot):
    """A page in a real headless Chromium: (visible text, [(alt or src start, natural width)] of its
    images); a full-page screenshot is written to `screenshot` (kept as a test artifact)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(Path(html_path).resolve().as_uri())
            page.wait_for_load_state("load")
            text = page.inner_text("body")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.alt || e.src.slice(0, 40), e.naturalWidth])")
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            return text, images
        finally:
            browser.close()


def reference_bytes() -> bytes:
    """The backprop reference solution's source."""
    return (PROJECT_ROOT / "solutions" / "backprop.py").read_bytes()


def new_class(released, tmp_path, students: dict) -> Path:
    """A copy of the released course `released` with submitted/<student>/backprop/<file> for each
    {student: (file name, bytes)}."""
    course_dir = tmp_path / "course"
    shutil.copytree(released, course_dir)
    for student, (name, data) in students.items():
        folder = course_dir / "submitted" / student / "backprop"
        folder.mkdir(parents=True)
        (folder / name).write_bytes(data)
    return course_dir
