"""The correct-variants catalogue, graded through the real path: a correct answer never loses a point.

For every assignment of course.toml, each variant in tests/variants/<assignment>.toml (the reference
with one function replaced by a correct implementation written differently: loops, einsum, another
order of floating-point operations, a composite that inlines its parts, ...) is graded by the
sandboxed child and the hidden suite, on its function and the graded functions that call it, and
must score full marks on every one of them.
"""
import shutil
import textwrap

import pytest

from autograder.course import PROJECT_ROOT, load_course
from stored_results import STORE, differs_from_stored, stored_ids
from autograder.validate import MIN_VARIANTS, CatalogueError, Report, Variant, VariantResult, check_variants, \
    coverage, grade_variant, load_variants, reference_path, validate, variants_path

COURSE = load_course()
VARIANTS = [(a, v) for a in COURSE.assignments.values() for v in load_variants(a)]
STATS: dict[str, list] = {}

# Correct variants that lose points today (test id -> the check that takes them and why). Each
# is a grading bug, not a wrong variant: remove its entry once the fix lands (the mark is strict,
# so a variant that starts scoring full marks fails until its entry is removed). Empty: the last
# ones (forward with einsum or row by row, train inlined with einsum: the walk-through's ReLU kink
# seen from the other side) score full marks since the walk-through checks accept either side.
KNOWN_UNFAIR: dict[str, str] = {}


def _case(assignment, variant):
    test_id = f"{assignment.name}:{variant.id}"
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_UNFAIR[test_id])] if test_id in KNOWN_UNFAIR else []
    return pytest.param(assignment, variant, id=test_id, marks=marks)


def test_every_assignment_covers_every_graded_function():
    for assignment in COURSE.assignments.values():
        assert variants_path(assignment).exists(), f"{assignment.name} has no correct-variants catalogue"
        counts = coverage(assignment, load_variants(assignment))
        thin = {name: n for name, n in counts.items() if n < MIN_VARIANTS}
        assert not thin, f"{assignment.name}: fewer than {MIN_VARIANTS} correct variants for {thin}"
        check, _ = check_variants(assignment)
        assert check.ok, check.detail


def test_known_unfair_entries_name_catalogued_variants():
    ids = {f"{a.name}:{v.id}" for a, v in VARIANTS}
    assert set(KNOWN_UNFAIR) <= ids, f"entries for no catalogued variant: {sorted(set(KNOWN_UNFAIR) - ids)}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("variants")


@pytest.fixture(scope="module")
def sources():
    return {name: reference_path(a).read_text("utf-8") for name, a in COURSE.assignments.items()}


@pytest.mark.parametrize("assignment, variant", [_case(a, v) for a, v in VARIANTS])
def test_correct_variant_scores_full_marks(assignment, variant, workdir, sources):
    result = grade_variant(assignment, variant, workdir, reference_source=sources[assignment.name])
    STATS.setdefault(assignment.name, []).append(result)
    assert variant.function in result.tests, f"{variant.id} was not graded: {sorted(result.tests)}"
    lost = {name: f"{t['score']:g}/{t['max_score']:g} {t['tags']}\n{t['output']}" for name, t in result.lost.items()}
    assert not lost, f"{variant.id} ({variant.description}) lost points:\n" + "\n".join(
        f"{name}: {why}" for name, why in lost.items())
    difference = differs_from_stored("variants", assignment.name, variant.id, result.tests)
    assert difference is None, difference


def test_variants_summary(capsys):
    """Prints the measured size and share at full marks (after the parametrized tests)."""
    if not STORE:     # a stored grade of a variant no longer catalogued is removed with it
        for name, assignment in COURSE.assignments.items():
            assert stored_ids("variants", name) == {v.id for a, v in VARIANTS if a is assignment}, name
    with capsys.disabled():
        for name, results in STATS.items():
            n = len(results)
            print(f"\n{name}: {n} correct variants, full marks {sum(r.full_marks for r in results)}/{n}")


# -- the catalogue's checks and the report ------------------------------------------

def _course_copy(tmp_path):
    """A course directory of our own: course.toml, the hidden suites, both catalogues."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "course.toml", root / "course.toml")
    for part in ("hidden", "mutants", "variants"):
        shutil.copytree(PROJECT_ROOT / "tests" / part, root / "tests" / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return load_course(root / "course.toml")


ENTRY = 'function = "{function}"\nvariant = "{variant}"\ndescription = "d"\nsource = """\n{source}\n"""\n'


@pytest.mark.parametrize("entries, message", [
    ([dict(function="relux", variant="x", source="def relux(z):\n    return z")], "not a graded function"),
    ([dict(function="relu", variant="x", source="def relu(z):\n    return np.maximum(z, 0.0)")] * 2,
     "a second variant with id relu__x"),
    ([dict(function="relu", variant="x", source="def relu2(z):\n    return z")], "does not define relu()"),
    ([dict(function="relu", variant="x", source="def relu(z) return z")], "syntax error"),
])
def test_malformed_variants_are_named(tmp_path, entries, message):
    course = _course_copy(tmp_path)
    backprop = course.assignment("backprop")
    variants_path(backprop).write_text("".join("[[variant]]\n" + ENTRY.format(**e) for e in entries))
    with pytest.raises(CatalogueError, match=message):
        load_variants(backprop)
    check, variants = check_variants(backprop)
    assert not check.ok and message.split("(")[0] in check.detail and variants == []


def test_a_variant_without_a_description_is_named(tmp_path):
    course = _course_copy(tmp_path)
    backprop = course.assignment("backprop")
    variants_path(backprop).write_text('[[variant]]\nfunction = "relu"\nvariant = "x"\n'
                                       'source = "def relu(z): pass"\n')
    with pytest.raises(CatalogueError, match="lacks description"):
        load_variants(backprop)


def test_a_thin_or_missing_catalogue_says_what_to_add(tmp_path):
    course = _course_copy(tmp_path)
    backprop = course.assignment("backprop")
    path = variants_path(backprop)
    text = path.read_text()
    path.write_text(text[:text.index('[[variant]]\nfunction = "relu_grad"')] + text[text.index("# -- forward"):])
    check, variants = check_variants(backprop)
    assert not check.ok and len(variants) > 0
    assert (f"too few correct variants for relu_grad (0): add [[variant]] tables to tests/variants/{path.name}"
            in check.detail)
    path.unlink()
    check, _ = check_variants(backprop)
    assert not check.ok and "does not exist" in check.detail and f"at least {MIN_VARIANTS}" in check.detail


def test_the_report_counts_variants_and_fails_on_a_lost_point():
    good = Variant("relu", "where", "np.where.", "def relu(z): ...")
    bad = Variant("forward", "einsum", "einsum.", "def forward(X, params): ...")
    full = {"name": "relu", "score": 1.0, "max_score": 1.0, "tags": [], "output": "3 of 3 checks passed."}
    lost = {"name": "train", "score": 2.25, "max_score": 3.0, "tags": ["calls_wrong_part"],
            "output": "2 of 3 checks passed.\n`train` is wrong only because `forward` is wrong.\nmore"}
    report = Report("backprop", variants=[VariantResult(good, {"relu": full})])
    assert report.ok and "Correct variants: 1, full marks 1/1" in report.text()
    report.variants.append(VariantResult(bad, {"forward": {**full, "name": "forward", "max_score": 2.0, "score": 2.0},
                                               "train": lost}))
    text = report.text()
    assert not report.ok and "Correct variants: 2, full marks 1/2" in text and "FAILED" in text
    assert "forward__einsum" in text and "train 2.25/3 [calls_wrong_part]: `train` is wrong only because" in text


def test_validate_grades_the_variants_and_fails_on_one_that_loses_points(tmp_path):
    """End to end on a copy: a "correct" variant that is in fact wrong makes validate fail and is named."""
    course = _course_copy(tmp_path)
    backprop = course.assignment("backprop")
    path = variants_path(backprop)
    path.write_text(path.read_text() + textwrap.dedent('''
        [[variant]]
        function = "steps_to_reach"
        variant = "not_strict"
        description = "Stops at the first loss at or below the threshold."
        source = """
        def steps_to_reach(losses, threshold):
            for k, loss in enumerate(losses):
                if loss <= threshold:
                    return k
            return -1
        """
    '''))
    report = validate(course, backprop, functions=["steps_to_reach"], release=False)
    text = report.text()
    ids = [v.variant.id for v in report.variants]
    assert ids == [v.id for v in load_variants(backprop) if v.function == "steps_to_reach"], text
    assert f"Correct variants: {len(ids)}, full marks {len(ids) - 1}/{len(ids)}" in text
    assert not report.ok and "FAILED" in text
    assert "LOST POINTS" in text and "steps_to_reach__not_strict" in text
