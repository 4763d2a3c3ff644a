"""The demo class of every assignment, graded as a batch: what `make demo` shows is what it claims."""
import pytest

from autograder.batch import grade_class
from autograder.course import load_course
from autograder.demo import demo_mistakes, make_demo_class
from autograder.release import generate
from autograder.validate import load_catalogue

COURSE = load_course()
# what the hand-written backprop mistakes of the demo must be named (the others: their catalogue's tags)
BACKPROP_NAMED = {"cyrus": "relu_gate_at_zero", "dana": "wrong_mean_denominator", "emil": "bias_not_summed",
                  "fatima": "syntax_error", "gideon": "transposed", "hana": "losses_off_by_one",
                  "ivan": "wrong_difference", "jun": "mutates_input"}


@pytest.mark.parametrize("assignment", list(COURSE.assignments.values()), ids=lambda a: a.name)
def test_each_demo_student_loses_exactly_the_points_of_the_mistaken_function(assignment, tmp_path):
    generate(COURSE, assignment, course_dir=tmp_path)
    students = make_demo_class(tmp_path, assignment)
    mistakes = demo_mistakes(assignment)
    assert len(mistakes) >= 3 and set(mistakes) <= set(students)
    summary = grade_class(COURSE, assignment, course_dir=tmp_path, workers=2, show_progress=False)
    assert summary["ada"]["score"] == summary["kofi"]["score"] == assignment.max_score
    assert summary["bo"]["score"] == 0
    tags_of = {(m.function, m.source.strip()): set(m.tags) for m in load_catalogue(assignment)}
    for student, (function, source, what) in mistakes.items():
        tests = {t["name"]: t for t in summary[student]["tests"]}
        assert tests[function]["score"] < tests[function]["max_score"], (student, what)
        expected = {BACKPROP_NAMED[student]} if assignment.name == "backprop" else tags_of[(function, source.strip())]
        assert expected <= set(tests[function]["tags"]), (student, what, tests[function]["tags"])
        # one mistake costs once: exactly that function's lost points, nothing anywhere else
        wrong_elsewhere = [t["name"] for t in tests.values() if t["score"] < t["max_score"] and t["name"] != function]
        assert not wrong_elsewhere, (student, what, wrong_elsewhere)
        assert summary[student]["score"] == pytest.approx(
            assignment.max_score - (tests[function]["max_score"] - tests[function]["score"]))
        # the composites that gave another result with the student's own part say which part to fix first
        for name, t in tests.items():
            if "calls_wrong_part" in t["tags"]:
                assert f"`{function}`" in t["output"] and t["score"] == t["max_score"], (student, name)


def test_the_demo_says_where_every_file_is(tmp_path):
    """`autograder demo` (what `make demo` runs), one assignment with a training function: the
    progress bar, the grade table, then the feedback pages, the class report and the exports."""
    from helpers import run_cli
    sigmoid = COURSE.assignment("backprop_sigmoid")
    demo = tmp_path / "demo"
    done = run_cli("demo", "--course-dir", demo, "--assignment", sigmoid.name, "--workers", "2", timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert f"grading {sigmoid.name}" in out and "functions passed" in out
    lines = {line.split(": ", 1)[0].strip(): line.split(": ", 1)[1] for line in out.splitlines() if ": /" in line}
    page = demo.resolve() / "feedback" / "ada" / sigmoid.name / f"{sigmoid.name}.html"
    assert f"with the loss curve of train, e.g. {page}" in out and page.exists()
    assert "data:image/png;base64" in page.read_text()
    for what in ("class report", "nbgrader CSV", "grades per function", "Canvas gradebook", "Gradescope results"):
        assert what in lines, what
        path = lines[what]
        assert path.startswith(str(demo.resolve())) and __import__("os").path.exists(path), (what, path)
