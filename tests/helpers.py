"""Helpers for the project's own tests: the real grading pipeline and the real CLI."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.course import PROJECT_ROOT
from autograder.grade import grade_submission

AUTOGRADER = [sys.executable, "-m", "autograder"]


def grade(assignment, path, **kwargs):
    """The real grading pipeline, in process: results.json as a dict."""
    return grade_submission(assignment, path, **kwargs)


def by_name(result):
    return {t["name"]: t for t in result["tests"]}


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


def copy(path, tmp_path, name=None):
    target = tmp_path / (name or Path(path).name)
    shutil.copy(path, target)
    return target


def load_json(text):
    return json.loads(text)
