"""`autograder grade ASSIGNMENT PATH --json`: the results.json contract, on real submissions."""
import ast
import json
import time

import nbformat
import pytest

from autograder.course import PROJECT_ROOT, load_course
from autograder.validate import callers, reference_path

from helpers import by_name, edit_answer, grade, run_cli

REFERENCE_PY = PROJECT_ROOT / "solutions" / "backprop.py"
ASSIGNMENTS = list(load_course().assignments)


def check_shape_of_results(result, assignment):
    assert set(result) == {"score", "max_score", "execution_time", "output", "tests"}
    assert [t["name"] for t in result["tests"]] == [f.name for f in assignment.functions]
    for test in result["tests"]:
        # extra_data (Gradescope's per-test field): a training function's loss curves for the feedback
        assert set(test) - {"extra_data"} == {"name", "score", "max_score", "status", "output", "tags"}
        assert test["status"] in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"]
    assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"]))
    assert result["max_score"] == assignment.max_score


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_cli_grades_the_reference_module_full_marks(course, name):
    assignment = course.assignment(name)
    started = time.monotonic()
    done = run_cli("grade", name, reference_path(assignment), "--json")
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    check_shape_of_results(result, assignment)
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]
    assert all(t["status"] == "passed" and t["tags"] == [] for t in result["tests"])
    print(f"CLI grading of the {name} reference took {elapsed:.1f} s")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_reference_source_notebook_scores_full_marks(course, name):
    assignment = course.assignment(name)
    result = grade(assignment, assignment.source_notebook)
    check_shape_of_results(result, assignment)
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]
    assert "Read-only cell" not in result["output"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_released_notebook_scores_zero_not_implemented_everywhere(course, course_dir, name):
    assignment = course.assignment(name)
    result = grade(assignment, course_dir / "release" / name / assignment.notebook)
    check_shape_of_results(result, assignment)
    assert result["score"] == 0
    for test in result["tests"]:
        assert test["tags"] == ["not_implemented"], test
        assert "NotImplementedError" in test["output"]


def test_relu_grad_with_ge_loses_only_relu_grads_points(backprop, tmp_path):
    source = REFERENCE_PY.read_text()
    assert "return (z > 0).astype(np.float64)" in source
    path = tmp_path / "backprop.py"
    path.write_text(source.replace("return (z > 0).astype(np.float64)", "return (z >= 0).astype(np.float64)"))
    tests = by_name(grade(backprop, path))
    assert tests["relu_grad"]["score"] < tests["relu_grad"]["max_score"]
    assert "relu_gate_at_zero" in tests["relu_grad"]["tags"]
    others = [t for name, t in tests.items() if name != "relu_grad"]
    assert all(t["score"] == t["max_score"] for t in others), [t for t in others if t["status"] != "passed"]


def _break_one_cell(assignment, tmp_path):
    """The reference notebook with a syntax error in one answer cell: the cell of the graded
    function that the most other graded functions call (course.toml order breaks ties).
    -> (that cell's graded functions, their callers, every other graded function, the result)."""
    graded = [f.name for f in assignment.functions]
    source = reference_path(assignment).read_text("utf-8")
    target = max(graded, key=lambda g: (len(callers(source, g, graded)), -graded.index(g)))
    nb = nbformat.read(assignment.source_notebook, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == target)
    in_cell = [n.name for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef) and n.name in graded]
    assert target in in_cell
    path = edit_answer(assignment.source_notebook, tmp_path / assignment.notebook, target,
                       lambda src: src + "\n)\n")                       # an unmatched ')'
    up = sorted({c for name in in_cell for c in callers(source, name, graded)} - set(in_cell))
    others = [g for g in graded if g not in in_cell and g not in up]
    return in_cell, up, others, by_name(grade(assignment, path))


def _blames_a_broken_part(test, in_cell, up):
    """The message names a part to fix first: a function of the broken cell, or one that calls it."""
    return any(f"`{part}`" in test["output"] for part in in_cell + up if part != test["name"])


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_syntax_error_in_one_cell_costs_only_that_cell(course, name, tmp_path):
    """One mistake costs once: the cell's functions score 0 as `syntax_error`; every other function
    keeps every point, and those that call the broken ones (graded with the reference's parts)
    name the part to fix first."""
    assignment = course.assignment(name)
    in_cell, up, others, tests = _break_one_cell(assignment, tmp_path)
    assert up, f"{name}: the broken function has no caller; this test would not see one"
    for function in in_cell:
        assert tests[function]["score"] == 0 and tests[function]["tags"] == ["syntax_error"], tests[function]
        assert "syntax error" in tests[function]["output"]
    for function in others + up:
        assert tests[function]["score"] == tests[function]["max_score"], tests[function]
    for function in up:
        assert "calls_wrong_part" in tests[function]["tags"], tests[function]
        assert _blames_a_broken_part(tests[function], in_cell, up), tests[function]["output"][:300]


def test_missing_and_crashing_functions_score_zero_alone(backprop, tmp_path):
    source = REFERENCE_PY.read_text()
    source = source.replace("def dL_db1(dz1):", "def dL_db_one(dz1):")
    source = source.replace('    return float(np.mean((Y_hat - Y) ** 2))', '    raise ValueError("oops")')
    path = tmp_path / "student.py"
    path.write_text(source)
    result = grade(backprop, path)
    tests = by_name(result)
    assert tests["dL_db1"]["score"] == 0 and tests["dL_db1"]["tags"] == ["not_defined"]
    assert tests["mse_loss"]["score"] == 0 and tests["mse_loss"]["tags"] == ["crashed"]
    assert "ValueError: oops" in tests["mse_loss"]["output"]
    assert tests["relu"]["score"] == tests["relu"]["max_score"]
    assert tests["dL_dW1"]["score"] == tests["dL_dW1"]["max_score"]


@pytest.mark.parametrize("content, name, reason", [
    (b"", "empty.ipynb", "empty"),
    (b"{not json", "broken.ipynb", "not valid notebook JSON"),
    (b"\xff\xfe\x00garbage", "latin.py", "not UTF-8"),
    (b"print('hi')", "notes.txt", ".ipynb notebook or a .py file"),
])
def test_unreadable_submissions_get_zero_with_a_reason(backprop, tmp_path, content, name, reason):
    path = tmp_path / name
    path.write_bytes(content)
    result = grade(backprop, path)
    check_shape_of_results(result, backprop)
    assert result["score"] == 0 and reason in result["output"]
    assert all(t["tags"] == ["unreadable"] for t in result["tests"])


def test_cli_exits_nonzero_only_when_the_grader_cannot_grade(tmp_path):
    done = run_cli("--course-file", tmp_path / "missing.toml", "grade", "backprop", REFERENCE_PY, "--json")
    assert done.returncode != 0 and "course file not found" in done.stderr
    done = run_cli("grade", "no_such_assignment", REFERENCE_PY, "--json")
    assert done.returncode != 0 and "no assignment 'no_such_assignment'" in done.stderr


def test_grading_is_deterministic(backprop, tmp_path):
    path = tmp_path / "student.py"
    path.write_text(REFERENCE_PY.read_text().replace("return dy.sum(axis=0)", "return dy.mean(axis=0)"))
    first, second = grade(backprop, path), grade(backprop, path)
    strip = lambda r: [(t["name"], t["score"], t["tags"], t["output"]) for t in r["tests"]]
    assert strip(first) == strip(second)
    assert "bias_not_summed" in by_name(first)["dL_db2"]["tags"]


MEMO_FORWARD = '''
_MEMO = {}


def forward(X, params):
    """Results remembered by the ids of the arrays: stale once an array is nudged in place or an id reused."""
    key = (id(X), *(id(params[k]) for k in ("W1", "b1", "W2", "b2")))
    if key not in _MEMO:
        z1 = X @ params["W1"] + params["b1"]
        h = relu(z1)
        _MEMO[key] = (h @ params["W2"] + params["b2"], {"X": X, "z1": z1, "h": h})
    return _MEMO[key]
'''


def _with_forward_replaced(source: str, new: str) -> str:
    start = source.index("def forward(X, params):")
    end = source.index("def mse_loss(")
    return source[:start] + new.strip() + "\n\n\n" + source[end:]


def test_a_part_wrong_only_as_a_composite_uses_it_is_charged_at_the_composite(backprop, tmp_path):
    """forward that remembers results by array ids passes its own checks (fresh arrays each time)
    and gives stale values inside gradient_check, which nudges an entry in place: a failure of
    values is not run again with the reference's parts, so the mistake costs once, at the
    composites that meet it, instead of nowhere."""
    path = tmp_path / "backprop.py"
    path.write_text(_with_forward_replaced(REFERENCE_PY.read_text(), MEMO_FORWARD))
    tests = by_name(grade(backprop, path))
    assert tests["forward"]["score"] == tests["forward"]["max_score"]
    assert tests["gradient_check"]["score"] == 0 and "calls_wrong_part" not in tests["gradient_check"]["tags"]
    assert "Note:" not in tests["gradient_check"]["output"]


STALLING_TRAIN = '''
TRAIN_PARTS = ("relu", "relu_grad", "forward", "mse_loss", "dL_dy", "dL_dW2", "dL_db2", "dL_dh", "dL_dz1",
               "dL_dW1", "dL_db1", "backward", "sgd_step")


def train(X, Y, params, lr, steps):
    """Fails on form with its own parts, right with all the reference's, stalls with some of them."""
    lent = sum(getattr(globals()[p], "__name__", "") == "call_grader" for p in TRAIN_PARTS)
    if lent == 0:
        return None
    while lent < len(TRAIN_PARTS):
        pass
    return _right_train(X, Y, params, lr, steps)
'''


def test_finding_the_part_to_blame_costs_seconds_not_the_submissions_budget(backprop, tmp_path):
    """A train that stalls whenever only some of its parts are the reference's: the runs that look
    for the part to name are limited to a few seconds in all, so grading ends in seconds and
    lr_sweep, graded after train, keeps its points (it lost them to the spent budget before)."""
    source = REFERENCE_PY.read_text().replace("def train(X, Y, params, lr, steps):",
                                              "def _right_train(X, Y, params, lr, steps):")
    path = tmp_path / "backprop.py"
    path.write_text(source + "\n\n" + STALLING_TRAIN)
    tests = by_name(grade(backprop, path))
    assert tests["lr_sweep"]["score"] == tests["lr_sweep"]["max_score"], tests["lr_sweep"]
    assert tests["train"]["tags"] == ["calls_wrong_part"], tests["train"]
    assert "`forward`, `mse_loss`, `backward` and `sgd_step`" in tests["train"]["output"]
