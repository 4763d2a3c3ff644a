"""The gradebook after a batch, as nbgrader sees it: submission times, late penalties, written answers."""
from datetime import datetime

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI

from autograder import gradebook
from autograder.batch import grade_class
from autograder.course import grade_cell_id
from autograder.demo import _reference_answers, _student_notebook
from autograder.exports import nbgrader_csv
from autograder.release import generate, nbgrader_api

NBGRADER_TIME = "2026-11-20 17:00:00.000000 UTC"     # what nbgrader's collect writes


def submit(course_dir, assignment, student, nb, timestamp=None):
    folder = course_dir / "submitted" / student / assignment.name
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / assignment.notebook)
    if timestamp is not None:
        (folder / "timestamp.txt").write_text(timestamp)
    return folder


@pytest.fixture
def late_class(tmp_path, course):
    """gradients, due 2026-11-20 18:00 UTC, with nbgrader's 'zero' late penalty: ada on time in
    nbgrader's own timestamp format, lou two hours late (ISO 8601 with an offset), nat without
    timestamp.txt. All three hand in the reference answers."""
    gradients = course.assignment("gradients")
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.LateSubmissionPlugin.penalty_method = 'zero'\n")
    generate(course, gradients, course_dir=tmp_path)
    with Gradebook(gradebook.db_url(tmp_path), course.id) as gb:
        gb.update_or_create_assignment("gradients", duedate="2026-11-20 18:00:00 UTC")
    released = tmp_path / "release" / "gradients" / gradients.notebook
    right = _student_notebook(released, _reference_answers(gradients))
    submit(tmp_path, gradients, "ada", right, NBGRADER_TIME)
    submit(tmp_path, gradients, "lou", right, "2026-11-20T21:00:00+01:00")
    submit(tmp_path, gradients, "nat", right)
    return tmp_path


def test_submission_times_and_late_penalties_follow_nbgrader(late_class, course):
    gradients = course.assignment("gradients")
    summary = grade_class(course, gradients, course_dir=late_class, workers=2, show_progress=False)
    assert {s: r["score"] for s, r in summary.items()} == dict.fromkeys(["ada", "lou", "nat"], gradients.max_score)
    with Gradebook(gradebook.db_url(late_class), course.id) as gb:
        ada, lou, nat = (gb.find_submission("gradients", s) for s in ("ada", "lou", "nat"))
        assert ada.timestamp == datetime(2026, 11, 20, 17, 0, 0)
        assert lou.timestamp == datetime(2026, 11, 20, 20, 0, 0)
        assert nat.timestamp is None                    # unknown, never the grading time
        assert (ada.total_seconds_late, lou.total_seconds_late, nat.total_seconds_late) == (0, 7200, 0)
        assert ada.late_submission_penalty == 0 and nat.late_submission_penalty == 0
        assert lou.late_submission_penalty == gradients.max_score     # penalty_method = 'zero'
    rows = nbgrader_csv(course, late_class, late_class / "grades.csv", ["gradients"]).read_text().splitlines()
    header = rows[0].split(",")
    scores = {r.split(",")[header.index("student_id")]: float(r.split(",")[header.index("score")]) for r in rows[1:]}
    assert scores == {"ada": gradients.max_score, "lou": 0.0, "nat": gradients.max_score}


def test_a_garbled_timestamp_is_no_time_and_no_crash(tmp_path, course):
    gradients = course.assignment("gradients")
    generate(course, gradients, course_dir=tmp_path)
    released = tmp_path / "release" / "gradients" / gradients.notebook
    folder = submit(tmp_path, gradients, "ada", nbformat.read(released, as_version=4), "next tuesday-ish")
    from autograder.coursedir import submission_time
    assert submission_time(folder) is None
    summary = grade_class(course, gradients, course_dir=tmp_path, workers=1, show_progress=False)
    assert summary["ada"]["score"] == 0
    with Gradebook(gradebook.db_url(tmp_path), course.id) as gb:
        assert gb.find_submission("gradients", "ada").timestamp is None


def test_a_timestamp_that_is_a_link_a_fifo_or_too_long_is_no_time(late_class, course):
    """timestamp.txt is the student's file: a link (to a file with a valid time, or to /dev/zero),
    a FIFO and a file longer than a timestamp give no time, without waiting or reading on; the
    batch grades and records everyone, and the on-time student's time is read as before."""
    import os
    gradients = course.assignment("gradients")
    released = late_class / "release" / "gradients" / gradients.notebook
    right = _student_notebook(released, _reference_answers(gradients))
    elsewhere = late_class / "a-valid-time.txt"
    elsewhere.write_text(NBGRADER_TIME)
    for student, make in (("linker", lambda f: f.symlink_to(elsewhere)), ("zero", lambda f: f.symlink_to("/dev/zero")),
                          ("piper", os.mkfifo), ("long", lambda f: f.write_text(NBGRADER_TIME + " " * 5000))):
        make(submit(late_class, gradients, student, right) / "timestamp.txt")
    summary = grade_class(course, gradients, course_dir=late_class, workers=2, show_progress=False)
    assert {s: r.get("score") for s, r in summary.items()} == \
        {s: gradients.max_score for s in ("ada", "lou", "nat", "linker", "zero", "piper", "long")}
    with Gradebook(gradebook.db_url(late_class), course.id) as gb:
        times = {s: gb.find_submission("gradients", s).timestamp for s in summary}
    assert times["ada"] == datetime(2026, 11, 20, 17, 0, 0)
    assert all(times[s] is None for s in ("linker", "zero", "piper", "long")), times


def test_written_answers_reach_the_formgrader_and_the_feedback(tmp_path, course, backprop):
    """bo hands in the untouched release but writes one answer: nbgrader's formgrader lists it as
    needing a manual grade, the autograded notebook and nbgrader's feedback keep the text. cy writes
    none: nothing of cy's needs a manual grade, until the instructor gives one and cy is graded again
    (nbgrader's autograde asks for a second look then)."""
    generate(course, backprop, course_dir=tmp_path)
    released = tmp_path / "release" / "backprop" / backprop.notebook
    nb = nbformat.read(released, as_version=4)
    submit(tmp_path, backprop, "cy", nb, NBGRADER_TIME)
    written = [c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    written[0].source = "Step sizes below 2/λ_max converge; <b>bold</b> claim & more."
    submit(tmp_path, backprop, "bo", nb, NBGRADER_TIME)
    grade_class(course, backprop, course_dir=tmp_path, workers=1, show_progress=False)

    autograded = nbformat.read(tmp_path / "autograded" / "bo" / "backprop" / backprop.notebook, as_version=4)
    assert written[0].source in [c.source for c in autograded.cells]
    first, *others = [c.metadata.nbgrader.grade_id for c in written]
    with Gradebook(gradebook.db_url(tmp_path), course.id) as gb:
        grade = gb.find_grade(first, "backprop", "backprop", "bo")
        assert grade.needs_manual_grade and grade.auto_score is None
        for grade_id in others:
            untouched = gb.find_grade(grade_id, "backprop", "backprop", "bo")
            assert not untouched.needs_manual_grade and untouched.auto_score == 0
        assert gb.find_submission("backprop", "bo").needs_manual_grade

        code = [gb.find_grade(grade_cell_id(f.name), "backprop", "backprop", "bo") for f in backprop.functions]
        assert [g.needs_manual_grade for g in code] == [False] * len(code) and code[0].auto_score == 0

    api: NbGraderAPI = nbgrader_api(course, tmp_path)       # what the formgrader's pages call
    submissions = api.get_submissions("backprop")
    assert sorted((s["student"], s["needs_manual_grade"], s["autograded"]) for s in submissions) == \
        [("bo", True, True), ("cy", False, True)]
    notebook = {n["student"]: n for n in api.get_notebook_submissions("backprop", "backprop")}
    assert notebook["bo"]["needs_manual_grade"] and notebook["bo"]["score"] == 0
    assert not notebook["cy"]["needs_manual_grade"] and notebook["cy"]["score"] == 0

    relu = grade_cell_id(backprop.functions[0].name)
    with Gradebook(gradebook.db_url(tmp_path), course.id) as gb:      # the instructor's manual grade
        gb.find_grade(relu, "backprop", "backprop", "cy").manual_score = 0.5
        gb.db.commit()
    grade_class(course, backprop, course_dir=tmp_path, workers=1, show_progress=False, students=["cy"])
    with Gradebook(gradebook.db_url(tmp_path), course.id) as gb:
        assert gb.find_grade(relu, "backprop", "backprop", "cy").needs_manual_grade
        assert gb.find_submission("backprop", "cy").needs_manual_grade

    outcome = api.generate_feedback("backprop")
    assert outcome["success"], outcome.get("log")
    html = (tmp_path / "feedback" / "bo" / "backprop" / "backprop.html").read_text()
    assert "Step sizes below 2/λ_max converge" in html


def test_a_batch_gradebook_keeps_nothing_of_a_result_it_could_not_store(tmp_path, course):
    """One Gradebook serves every result of a batch (gradebook.recorder): a result that fails halfway
    leaves none of its scores behind, neither then nor in the next student's commit."""
    from nbgrader.api import MissingEntry

    from autograder.results import zero_results
    gradients = course.assignment("gradients")
    generate(course, gradients, course_dir=tmp_path)
    good = zero_results(gradients, "nothing to read", "unreadable")
    first = good["tests"][0]["name"]
    bad = {**good, "tests": [{**good["tests"][0], "score": 1.0}, {**good["tests"][0], "name": "no_such_function"}]}
    with gradebook.recorder(tmp_path, course.id) as record:
        with pytest.raises(MissingEntry):
            record(gradients, "ada", bad)
        record(gradients, "bo", good, datetime(2026, 11, 20, 17, 0, 0))
    with Gradebook(gradebook.db_url(tmp_path), course.id) as gb:
        assert gb.find_grade(grade_cell_id(first), "gradients", "gradients", "ada").auto_score is None
        assert gb.find_grade(grade_cell_id(first), "gradients", "gradients", "bo").auto_score == 0
        assert gb.find_submission("gradients", "bo").timestamp == datetime(2026, 11, 20, 17, 0, 0)
