"""The mutant catalogue, graded through the real path: every mutant is caught and named.

For every assignment of course.toml that has a catalogue (tests/mutants/<assignment>.toml), each
mutant submission (the reference with one function replaced) is graded by the sandboxed child and
the hidden suite, on its function and the functions that call it. The function it breaks must lose
points and carry the expected tags; the functions that call it keep full marks (one mistake costs once).
"""
import pytest

from guarantees import MUTANT_OUTCOME
from stored_results import STORE, differs_from_stored, stored_ids

from autograder.course import load_course
from autograder.diagnosis import GENERIC
from autograder.validate import MIN_MUTANTS, catalogue_path, coverage, grade_mutant, load_catalogue, \
    reference_path

COURSE = load_course()
CATALOGUED = [a for a in COURSE.assignments.values() if catalogue_path(a).exists()]
MUTANTS = [(a, m) for a in CATALOGUED for m in load_catalogue(a)]


def test_every_catalogued_assignment_covers_every_graded_function():
    assert CATALOGUED, "no assignment has a mutant catalogue"
    for assignment in CATALOGUED:
        counts = coverage(assignment, load_catalogue(assignment))
        thin = {name: n for name, n in counts.items() if n < MIN_MUTANTS}
        assert not thin, f"{assignment.name}: fewer than {MIN_MUTANTS} mutants for {thin}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("mutants")


@pytest.fixture(scope="module")
def sources():
    return {a.name: reference_path(a).read_text("utf-8") for a in CATALOGUED}


@pytest.mark.parametrize("assignment, mutant", MUTANTS, ids=[f"{a.name}:{m.id}" for a, m in MUTANTS])
def test_mutant_is_caught_and_named(assignment, mutant, workdir, sources, record_property):
    result = grade_mutant(assignment, mutant, workdir, reference_source=sources[assignment.name])
    # summed over every xdist worker by tests/conftest.py into the run's summary
    record_property(MUTANT_OUTCOME, f"{assignment.name} {int(result.caught)} {int(result.named)}")
    assert result.caught, f"{mutant.id} ({mutant.description}) scored full marks"
    assert result.named, (f"{mutant.id} ({mutant.description}): expected tags {list(mutant.tags)}, "
                          f"got {result.tags}\n{result.output}")
    assert GENERIC not in result.tags or GENERIC in mutant.tags
    charged = {c: (result.callers[c]["score"], result.callers[c]["tags"]) for c in result.charged_callers}
    assert not charged, f"callers lost points for {mutant.function}'s mistake (it must cost once): {charged}"
    graded = {mutant.function: {"score": result.score, "max_score": result.max_score, "tags": result.tags,
                                "output": result.output}, **result.callers}
    difference = differs_from_stored("mutants", assignment.name, mutant.id, graded)
    assert difference is None, difference


def test_catalogue_summary():
    """Every assignment of course.toml has a catalogue, and this module grades each of its mutants
    exactly once (one parametrized test each, whichever worker runs it). How many of them were
    caught and named is summed over the workers into the run's summary (tests/conftest.py)."""
    assert CATALOGUED == list(COURSE.assignments.values()), \
        f"no mutant catalogue for {[a for a in COURSE.assignments if a not in {c.name for c in CATALOGUED}]}"
    for assignment in CATALOGUED:
        catalogue = [m.id for m in load_catalogue(assignment)]
        graded_here = [m.id for a, m in MUTANTS if a is assignment]
        assert graded_here == catalogue and len(set(catalogue)) == len(catalogue), assignment.name
        assert len(catalogue) >= MIN_MUTANTS * len(assignment.functions), assignment.name
        if not STORE:     # a stored grade of a mutant no longer catalogued is removed with it
            assert stored_ids("mutants", assignment.name) == set(catalogue), assignment.name
