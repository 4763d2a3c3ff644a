"""course.toml: loaded into typed objects; a malformed file is a clear error naming the key."""
import pytest

from autograder.course import CourseError, load_course

GOOD = """
[course]
id = "c"
name = "C"
[defaults]
time_limit = 2
[assignments.a]
notebook = "a.ipynb"
solution = "solutions.a"
[assignments.a.functions]
f = { points = 2 }
g = { points = 1, time_limit = 9.5, tolerance = 1e-6 }
"""


def write(tmp_path, text):
    path = tmp_path / "course.toml"
    path.write_text(text)
    return path


def test_the_project_course_lists_every_backprop_function(course):
    names = [f.name for f in course.assignment("backprop").functions]
    assert {"relu", "relu_grad", "forward", "backward", "train", "gradient_check", "accuracy"} <= set(names)
    assert course.assignment("backprop").max_score == sum(f.points for f in course.assignment("backprop").functions)


def test_defaults_and_overrides(tmp_path):
    course = load_course(write(tmp_path, GOOD))
    a = course.assignment("a")
    assert [f.name for f in a.functions] == ["f", "g"]
    assert a.function("f").time_limit == 2.0 and a.function("g").time_limit == 9.5
    assert a.function("f").tolerance == 1e-9 and a.function("g").tolerance == 1e-6
    assert a.max_score == 3.0


@pytest.mark.parametrize("broken, key", [
    (GOOD.replace('id = "c"\n', ""), "course.id"),
    (GOOD.replace("f = { points = 2 }", 'f = { points = "two" }'), "assignments.a.functions.f.points"),
    (GOOD.replace("f = { points = 2 }", "f = { points = 2, limit = 3 }"), "assignments.a.functions.f.limit"),
    (GOOD.replace('notebook = "a.ipynb"\n', ""), "assignments.a.notebook"),
    (GOOD.replace("time_limit = 2", "time_limit = -1"), "defaults.time_limit"),
])
def test_malformed_course_names_the_key(tmp_path, broken, key):
    with pytest.raises(CourseError, match=key.replace(".", r"\.")):
        load_course(write(tmp_path, broken))


def test_invalid_toml_and_unknown_assignment(tmp_path):
    with pytest.raises(CourseError, match="not valid TOML"):
        load_course(write(tmp_path, "[course\n"))
    with pytest.raises(CourseError, match="no assignment 'zzz'.*known: a"):
        load_course(write(tmp_path, GOOD)).assignment("zzz")
