"""Integrity of a submission file: tampered locked cells, broken metadata, files that are not
notebooks or not Python. Each gets a zero (for what it breaks) with a clear reason, never a
traceback from the grader."""
import nbformat
import pytest

from autograder.submission import MAX_BYTES

from helpers import by_name, edit_answer, grade


def _rewrite(source_nb, out_path, change):
    nb = nbformat.read(source_nb, as_version=4)
    change(nb)
    nbformat.write(nb, out_path)
    return out_path


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_a_tampered_locked_cell_is_restored_and_reported(backprop, tmp_path):
    """The test cell of relu is replaced by one that monkeypatches numpy; relu itself is wrong."""
    def change(nb):
        _cell(nb, "test_relu").source = "import numpy as np\nnp.allclose = lambda *a, **k: True\nprint('ok')\n"
        _cell(nb, "relu").source = "def relu(z):\n    return z\n"
    path = _rewrite(backprop.source_notebook, tmp_path / "tampered.ipynb", change)
    result = grade(backprop, path)
    tests = by_name(result)
    assert "Read-only cell 'test_relu' was changed; the original was used." in result["output"]
    # returns its input: no credit
    assert tests["relu"]["score"] == 0 and "locked_cell_modified" in tests["relu"]["tags"]
    assert "missing_activation" in tests["relu"]["tags"]
    assert tests["relu_grad"]["score"] == tests["relu_grad"]["max_score"]


def test_missing_and_duplicated_cell_metadata(backprop, tmp_path):
    def change(nb):
        del _cell(nb, "relu_grad").metadata["nbgrader"]          # the answer cell lost its metadata
        nb.cells.append(nbformat.v4.new_code_cell("def mse_loss(Y_hat, Y):\n    return 0.0\n",
                                                  metadata={"nbgrader": _cell(nb, "mse_loss").metadata["nbgrader"]}))
    path = _rewrite(backprop.source_notebook, tmp_path / "metadata.ipynb", change)
    result = grade(backprop, path)
    tests = by_name(result)
    # a cell without metadata is still the student's code: graded, as nbgrader would run it
    assert "Answer cell 'relu_grad' has lost its nbgrader metadata" in result["output"]
    assert tests["relu_grad"]["score"] == tests["relu_grad"]["max_score"]
    assert "Cell 'mse_loss' appears 2 times; the first copy was graded." in result["output"]
    assert tests["mse_loss"]["score"] == tests["mse_loss"]["max_score"]


@pytest.mark.parametrize("name, content, reason", [
    ("huge.ipynb", b"{" + b" " * (MAX_BYTES + 1) + b"}", "over the"),
    ("cells.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": 7}', "not valid notebook JSON"),
    ("utf16.ipynb", "{}".encode("utf-16"), "not UTF-8"),
    ("blank.py", b"  \n\n ", "empty"),
])
def test_unreadable_files_score_zero_with_a_reason(backprop, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    result = grade(backprop, path)
    assert result["score"] == 0 and reason in result["output"], result["output"]
    assert all(t["tags"] == ["unreadable"] for t in result["tests"])


def test_a_py_file_that_is_not_python(backprop, tmp_path):
    path = tmp_path / "backprop.py"
    path.write_text("def relu(z):\n    return max(0, z\n\nThis is my essay about backpropagation.\n")
    result = grade(backprop, path)
    assert result["score"] == 0
    assert "has a syntax error at line" in result["output"]
    assert by_name(result)["relu"]["tags"] == ["syntax_error"]


def test_the_kept_release_view_reads_a_notebook_as_nbgrader_does(course, released_notebook, tmp_path):
    """nbgrader's release view of the source notebook is kept on disk beside course.toml, so a new
    grading process need not import nbgrader; a kept file reads the notebook as a fresh
    computation does, and a damaged one is computed again."""
    import shutil
    from autograder.course import load_course
    from autograder.submission import RELEASE_VIEWS, _release_view, extract
    root = tmp_path / "course"
    shutil.copytree(course.root / "assignments" / "backprop", root / "assignments" / "backprop")
    shutil.copy(course.root / "course.toml", root / "course.toml")
    assignment = load_course(root / "course.toml").assignment("backprop")
    kept = assignment.root / RELEASE_VIEWS
    submission = edit_answer(released_notebook, tmp_path / "mine.ipynb", "relu",
                             lambda s: "def relu(z):\n    return z\n")

    def read():
        _release_view.cache_clear()
        return extract(submission, assignment)

    fresh = read()
    [view] = kept.glob("*.ipynb")
    assert read() == fresh                       # from the kept file
    view.write_text("{ not json")
    assert read() == fresh                       # damaged: computed again, and kept again
    assert nbformat.read(view, as_version=4).cells
    assert any(u.name == "cell 'relu'" and u.source.endswith("return z\n") for u in fresh.units)
