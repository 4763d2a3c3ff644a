"""The instructor's checklist (autograder/checklist.py): `validate` and `generate` name every missing
piece of a graded function in one line each, and `generate` refuses without a traceback."""
import pytest

from autograder.checklist import MIN_MUTANTS, MIN_VARIANTS, missing_pieces, required
from autograder.course import load_course
from helpers import copy_course, run_cli

COURSE = load_course()


@pytest.mark.parametrize("assignment", list(COURSE.assignments.values()), ids=lambda a: a.name)
def test_every_graded_function_of_the_course_is_complete(assignment):
    assert [m.line() for m in missing_pieces(assignment)] == []


def _with_an_unwritten_function(tmp_path):
    """A copy of the neuron assignment whose course.toml lists `tanh`, and nothing else written for it."""
    course_file = copy_course(COURSE, "neuron", tmp_path / "course")
    text = course_file.read_text(encoding="utf-8")
    course_file.write_text(text.replace("[assignments.neuron.functions]\n",
                                        "[assignments.neuron.functions]\ntanh = { points = 1 }\n"), encoding="utf-8")
    return course_file


def test_a_function_listed_in_course_toml_alone_gets_one_line_per_missing_piece(tmp_path):
    neuron = load_course(_with_an_unwritten_function(tmp_path)).assignment("neuron")
    lines = [m.line() for m in missing_pieces(neuron)]
    assert lines == [
        "tanh: no reference: add `def tanh(...)` to solutions/neuron.py",
        'tanh: no hidden test: add a test marked @graded("tanh") to a file in tests/hidden/neuron/',
        f'tanh: 0 mutants: add {MIN_MUTANTS} more [[mutant]] tables with function = "tanh" to '
        f"tests/mutants/neuron.toml (at least {MIN_MUTANTS}: docs/authoring.md)",
        f'tanh: 0 correct variants: add {MIN_VARIANTS} more [[variant]] tables with function = "tanh" to '
        f"tests/variants/neuron.toml (at least {MIN_VARIANTS}: docs/authoring.md)",
        'tanh: no public check: add a check decorated @public("tanh") to assignments/neuron/public_checks.py '
        "(recommended)",
    ]
    assert len(required(missing_pieces(neuron))) == 4


def test_generate_refuses_an_incomplete_assignment_with_the_same_lines_and_no_traceback(tmp_path):
    course_file = _with_an_unwritten_function(tmp_path)
    neuron = load_course(course_file).assignment("neuron")
    done = run_cli("--course-file", course_file, "generate", "neuron", "--course-dir", tmp_path / "class")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "neuron is not ready to release" in done.stderr
    for missing in required(missing_pieces(neuron)):
        assert missing.line() in done.stderr
    assert not (tmp_path / "class" / "release" / "neuron").exists()


def test_hidden_tests_of_a_function_the_reference_lacks_are_named(tmp_path):
    course_file = copy_course(COURSE, "neuron", tmp_path / "course")
    suite = tmp_path / "course" / "tests" / "hidden" / "neuron" / "test_neuron_tanh.py"
    suite.write_text('from autograder.testing import graded\n\n\n@graded("tanh")\ndef test_tanh(student):\n'
                     '    pass\n', encoding="utf-8")
    lines = [m.line() for m in missing_pieces(load_course(course_file).assignment("neuron"))]
    assert "tanh: no reference: add `def tanh(...)` to solutions/neuron.py (the hidden tests in " \
        "test_neuron_tanh.py grade it)" in lines


def test_the_command_help_speaks_to_the_user():
    done = run_cli("--help")
    assert done.returncode == 0
    description = done.stdout.split("\n\n")[1]
    assert "thin layer" not in description and "argparse" not in description
    assert description.split()[0] == "Grade"
