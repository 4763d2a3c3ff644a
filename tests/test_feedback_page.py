"""The feedback a student reads, in a real browser: per function the score, the diagnosis and what
it means, the smallest failing case, and for train a plot of their loss curve over the reference's."""
import shutil

import nbformat
from PIL import Image

from autograder.batch import grade_class
from autograder.demo import _reference_answers, _student_notebook
from autograder.diagnosis import CODES
from autograder.feedback import generate_feedback
from autograder.release import generate

from helpers import ARTIFACTS, browse

LR_IGNORED = ("params = sgd_step(params, backward(Y, params, cache), lr)",
              "params = sgd_step(params, backward(Y, params, cache), 0.5)")


def test_feedback_page_shows_diagnosis_failing_case_and_loss_curve(tmp_path, course):
    sigmoid = course.assignment("backprop_sigmoid")
    generate(course, sigmoid, course_dir=tmp_path)
    released = tmp_path / "release" / sigmoid.name / sigmoid.notebook
    answers = _reference_answers(sigmoid)
    assert LR_IGNORED[0] in answers["train"]
    mistaken = {**answers, "train": answers["train"].replace(*LR_IGNORED),
                "sigmoid_grad": answers["sigmoid_grad"].replace("s * (1", "s * (2")}
    for student, nb in {"ada": _student_notebook(released, answers),
                        "tess": _student_notebook(released, mistaken)}.items():
        folder = tmp_path / "submitted" / student / sigmoid.name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / sigmoid.notebook)
    summary = grade_class(course, sigmoid, course_dir=tmp_path, workers=2, show_progress=False)
    generate_feedback(course, tmp_path, sigmoid)
    tess = {t["name"]: t for t in summary["tess"]["tests"]}
    assert tess["train"]["status"] == "failed" and tess["sigmoid_grad"]["status"] == "failed"

    screenshot = tmp_path / "feedback-tess.png"
    page = tmp_path / "feedback" / "tess" / sigmoid.name / sigmoid.notebook.replace(".ipynb", ".html")
    text, images = browse(page, screenshot)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / "feedback-page.png")
    for name in ("train", "sigmoid_grad"):
        test = tess[name]
        assert f"{name}: {test['score']:g} / {test['max_score']:g} (failed)" in text
        for tag in test["tags"]:
            assert tag in text and CODES[tag] in text
    assert "Input:" in tess["sigmoid_grad"]["output"]                  # the smallest failing case ...
    assert tess["sigmoid_grad"]["output"].splitlines()[2] in text      # ... is on the page
    curve = tess["train"]["extra_data"]["loss_curve"]
    assert curve["student"] and curve["student"] != curve["reference"]
    plots = [width for _, width in images if width > 0]
    assert len(plots) == 1, images                                       # train's plot, drawn by the browser
    with Image.open(screenshot) as shot:
        assert shot.width >= 1000 and shot.height > 2000

    ada = summary["ada"]["tests"]
    assert all(t["status"] == "passed" for t in ada)
    assert next(t for t in ada if t["name"] == "train")["extra_data"]["loss_curve"]["student"] == curve["reference"]
