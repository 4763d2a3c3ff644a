"""The mutant catalogue, graded through the real path: every mutant is caught and named.

For every assignment of course.toml that has a catalogue (tests/mutants/<assignment>.toml), each
mutant submission (the reference with one function replaced) is graded by the sandboxed child and
the hidden suite, on its function and the functions that call it. The function it breaks must lose
points and carry the expected tags; the functions that call it keep full marks (one mistake costs once).
"""
import time

import pytest

from autograder.course import load_course
from autograder.validate import MIN_MUTANTS, catalogue_path, coverage, grade_mutant, load_catalogue, \
    reference_path

COURSE = load_course()
CATALOGUED = [a for a in COURSE.assignments.values() if catalogue_path(a).exists()]
MUTANTS = [(a, m) for a in CATALOGUED for m in load_catalogue(a)]
STATS: dict[str, list] = {}


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
def test_mutant_is_caught_and_named(assignment, mutant, workdir, sources):
    result = grade_mutant(assignment, mutant, workdir, reference_source=sources[assignment.name])
    STATS.setdefault(assignment.name, []).append(result)
    assert result.caught, f"{mutant.id} ({mutant.description}) scored full marks"
    assert result.named, (f"{mutant.id} ({mutant.description}): expected tags {list(mutant.tags)}, "
                          f"got {result.tags}\n{result.output}")
    assert "wrong_values" not in result.tags or "wrong_values" in mutant.tags
    charged = {c: (result.callers[c]["score"], result.callers[c]["tags"]) for c in result.charged_callers}
    assert not charged, f"callers lost points for {mutant.function}'s mistake (it must cost once): {charged}"


def test_catalogue_summary(capsys):
    """Prints the measured size, share caught and share named (after the parametrized tests)."""
    with capsys.disabled():
        for name, results in STATS.items():
            n = len(results)
            print(f"\n{name}: {n} mutants, caught {sum(r.caught for r in results)}/{n}, "
                  f"named {sum(r.named for r in results)}/{n}")
