"""`autograder validate`: passes on the course as it is; fails with a clear report when a hidden
test is weakened, when the catalogue is thin or malformed."""
import re
import shutil
import textwrap

import pytest

from autograder.course import PROJECT_ROOT, load_course
from autograder.validate import CatalogueError, Mutant, callers, catalogue_path, load_catalogue, \
    load_variants, mutant_submission, reference_path, validate

from helpers import run_cli


def copy_course(tmp_path, assignment="backprop"):
    """A course directory of our own: course.toml, the hidden suites, the catalogue, the notebook."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "course.toml", root / "course.toml")
    shutil.copytree(PROJECT_ROOT / "tests" / "hidden", root / "tests" / "hidden",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT_ROOT / "tests" / "mutants", root / "tests" / "mutants")
    shutil.copytree(PROJECT_ROOT / "assignments" / assignment, root / "assignments" / assignment)
    return root


@pytest.mark.parametrize("name", [a.name for a in load_course().assignments.values()])
def test_validate_passes_for_the_course_on_one_mutant_per_function(name):
    """`autograder validate` end to end, for every assignment (one test each, spread over the xdist
    workers): the catalogue covers every function, the reference scores full marks, the release
    zero, the first mutant of every graded function is caught and named, and its first correct
    variant scores full marks. The full catalogues, every mutant with stricter checks and every
    variant, are graded by tests/test_mutants.py and tests/test_variants.py in the same run."""
    assignment = load_course().assignment(name)
    assert catalogue_path(assignment).exists(), f"{name} has no mutant catalogue"
    done = run_cli("validate", name, "--per-function", "1", timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "PASSED" in out and "[ok] untouched release scores zero" in out
    assert "[ok] reference solution scores full marks" in out
    assert "[ok] mutant catalogue" in out
    graded = [f.name for f in assignment.functions]
    checked = set(re.findall(r"^\s*\[\s{2,}ok\s{2,}\] (\S+)", out, flags=re.MULTILINE))
    for kind, catalogue in (("mutant", load_catalogue(assignment)), ("correct variant", load_variants(assignment))):
        functions = sorted(entry.function for entry in catalogue if entry.id in checked)
        assert functions == sorted(graded), f"{kind}s checked: {functions}"
    assert f"named correctly {len(graded)}/{len(graded)}" in out


def test_validate_fails_clearly_when_a_hidden_test_is_weakened(tmp_path):
    root = copy_course(tmp_path)
    suite = root / "tests" / "hidden" / "backprop" / "test_backprop_gradients.py"
    text = suite.read_text()
    assert text.count("reference.dL_dh(dy, W2)") == 2
    assert text.count("hidden_grads(X, Y, params)[0]") == 1
    # dL_dh's checks compare the student's answer with itself instead of the reference and torch
    suite.write_text(text.replace("reference.dL_dh(dy, W2)", "student.dL_dh(dy, W2)")
                     .replace("hidden_grads(X, Y, params)[0]", "actual"))
    done = run_cli("--course-file", root / "course.toml", "validate", "backprop", "--function", "dL_dh",
                   "--no-release", timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "FAILED" in out and "NOT CAUGHT" in out
    assert "dL_dh__negated" in out and "dL_dh__summed_over_batch" in out
    assert "Negates the back-propagated error." in out          # the mistake, in words
    assert "[ok] reference solution scores full marks" in out


def test_validate_reports_a_thin_or_missing_catalogue(tmp_path):
    root = copy_course(tmp_path)
    path = root / "tests" / "mutants" / "backprop.toml"
    text = path.read_text()
    cut = text.index('[[mutant]]\nfunction = "relu_grad"')
    end = text.index("# -- forward")
    path.write_text(text[:cut] + text[end:])                 # relu_grad loses its mutants
    course = load_course(root / "course.toml")
    report = validate(course, course.assignment("backprop"), functions=["relu"], release=False)
    assert not report.ok
    assert "too few mutants for relu_grad (0)" in report.text()
    path.unlink()
    report = validate(course, course.assignment("backprop"), functions=[], release=False)
    assert not report.ok and "backprop.toml does not exist" in report.text()


def test_malformed_catalogue_entries_are_named(tmp_path, backprop):
    root = copy_course(tmp_path)
    course = load_course(root / "course.toml")
    path = root / "tests" / "mutants" / "backprop.toml"
    for entry, message in [
        ('function = "relu"\nmistake = "x"\ndescription = "d"\ntags = ["no_such_code"]\nsource = "def relu(z): pass"',
         "unknown or no diagnosis tags"),
        ('function = "relux"\nmistake = "x"\ndescription = "d"\ntags = ["shape"]\nsource = "def relux(z): pass"',
         "not a graded function"),
        ('function = "relu"\nmistake = "x"\ndescription = "d"\ntags = ["shape"]\nsource = "def relu2(z): pass"',
         "does not define relu()"),
        ('function = "relu"\nmistake = "x"\ntags = ["shape"]\nsource = "def relu(z): pass"', "lacks description"),
    ]:
        path.write_text("[[mutant]]\n" + entry + "\n")
        with pytest.raises(CatalogueError, match=message):
            load_catalogue(course.assignment("backprop"))


def test_a_mutant_submission_replaces_exactly_one_function(backprop):
    source = reference_path(backprop).read_text()
    mutant = Mutant("dL_db2", "mean", "d", ("bias_not_summed",),
                    textwrap.dedent('''
                        def dL_db2(dy):
                            return dy.mean(axis=0)
                    '''))
    mutated = mutant_submission(source, mutant)
    assert "return dy.mean(axis=0)" in mutated and "return dy.sum(axis=0)" not in mutated
    assert mutated.count("def ") == source.count("def ")
    namespace = {}
    exec(compile(mutated, "mutant.py", "exec"), namespace)  # trusted test data
    assert callable(namespace["backward"]) and callable(namespace["dL_db1"])
    graded = [f.name for f in backprop.functions]
    assert callers(source, "dL_db2", graded) == ["backward", "gradient_check", "train", "lr_sweep"]
    assert callers(source, "relu", graded) == ["forward", "gradient_check", "train", "lr_sweep"]
    assert callers(source, "accuracy", graded) == []
