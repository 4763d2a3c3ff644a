"""The `neuron` assignment under the grading contract: full marks, zero, and one mistake at a time."""
import json
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.course import PROJECT_ROOT
from autograder.release import RELEASED_FILES

from helpers import by_name, grade, run_cli

REFERENCE_PY = PROJECT_ROOT / "solutions" / "neuron.py"


@pytest.fixture(scope="module")
def neuron(course):
    return course.assignment("neuron")


def check_shape_of_results(result, assignment):
    assert set(result) == {"score", "max_score", "execution_time", "output", "tests"}
    assert [t["name"] for t in result["tests"]] == [f.name for f in assignment.functions]
    assert result["max_score"] == assignment.max_score
    assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"]))


def test_cli_grades_the_reference_module_full_marks(neuron):
    done = run_cli("grade", "neuron", REFERENCE_PY, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    check_shape_of_results(result, neuron)
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]
    assert all(t["tags"] == [] for t in result["tests"])


def test_reference_source_notebook_scores_full_marks(neuron):
    result = grade(neuron, neuron.source_notebook)
    check_shape_of_results(result, neuron)
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]


def test_released_notebook_scores_zero_not_implemented_everywhere(neuron, course_dir):
    result = grade(neuron, course_dir / "release" / "neuron" / neuron.notebook)
    check_shape_of_results(result, neuron)
    assert result["score"] == 0
    for test in result["tests"]:
        assert test["tags"] == ["not_implemented"], test


def test_release_is_clean(neuron, course_dir):
    folder = course_dir / "release" / "neuron"
    assert sorted(p.name for p in folder.iterdir()) == sorted([neuron.notebook, *RELEASED_FILES])
    text = (folder / neuron.notebook).read_text()
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "run_hidden", "autograder"):
        assert secret not in text
    nb = nbformat.read(folder / neuron.notebook, as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
    assert [c.metadata["nbgrader"]["grade_id"] for c in answers] == [f.name for f in neuron.functions]
    assert all("raise NotImplementedError()" in c.source for c in answers)


def test_naive_loss_from_probabilities_loses_only_bce_loss_points(neuron, tmp_path):
    """The textbook formula on p = sigmoid(z) is right for moderate logits and infinite for extreme ones."""
    source = REFERENCE_PY.read_text()
    before = "    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))"
    assert before in source
    path = tmp_path / "neuron.py"
    path.write_text(source.replace(before, "    p = sigmoid(z)\n"
                                           "    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))"))
    tests = by_name(grade(neuron, path))
    assert 0 < tests["bce_loss"]["score"] < tests["bce_loss"]["max_score"]
    assert "not_finite" in tests["bce_loss"]["tags"], tests["bce_loss"]
    others = [t for name, t in tests.items() if name != "bce_loss"]
    assert all(t["score"] == t["max_score"] for t in others), [t for t in others if t["status"] != "passed"]


def test_gradient_not_averaged_is_named(neuron, tmp_path):
    source = REFERENCE_PY.read_text()
    before = "    return (sigmoid(z) - y) / z.shape[0]"
    assert before in source
    path = tmp_path / "neuron.py"
    path.write_text(source.replace(before, "    return sigmoid(z) - y"))
    tests = by_name(grade(neuron, path))
    assert tests["bce_grad_z"]["score"] < tests["bce_grad_z"]["max_score"]
    assert "wrong_mean_denominator" in tests["bce_grad_z"]["tags"], tests["bce_grad_z"]
    # bce_grads calls it, keeps its points (error carried forward) and says which part to fix first
    assert tests["bce_grads"]["score"] == tests["bce_grads"]["max_score"]
    assert "calls_wrong_part" in tests["bce_grads"]["tags"] and "`bce_grad_z`" in tests["bce_grads"]["output"]
    for name in set(tests) - {"bce_grad_z"}:
        assert tests[name]["score"] == tests[name]["max_score"], tests[name]


def test_public_checks_pass_for_the_reference_and_fail_for_the_stubs(neuron, course_dir, tmp_path):
    released = course_dir / "release" / "neuron"
    source = tmp_path / "source"
    shutil.copytree(released, source)
    shutil.copy(neuron.source_notebook, source / neuron.notebook)
    count = len(neuron.functions)
    for folder, expect in ((source, f"{count} passed"), (released, f"{count} failed")):
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_public.py"],
                              cwd=folder, capture_output=True, text=True, timeout=120)
        assert expect in done.stdout, done.stdout[-2000:]


def test_numpy_scalar_loss_gets_full_marks(neuron, tmp_path):
    """bce_loss returning np.float64 is right: the suite's `number` undoes the wire's (1,) arrays."""
    source = REFERENCE_PY.read_text()
    before = "    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))"
    assert before in source
    path = tmp_path / "neuron.py"
    path.write_text(source.replace(before, "    return np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))"))
    result = grade(neuron, path)
    assert result["score"] == result["max_score"], [t for t in result["tests"] if t["status"] != "passed"]
