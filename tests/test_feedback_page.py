"""What people read after a batch, in a real browser (headless Chromium, screenshots kept in
build/artifacts): a student's feedback (per function the score, the diagnosis and what it means,
the smallest failing case, train's loss curve over the reference's) and the instructor's class
report (score distribution, pass rates, common diagnoses, near-identical submissions)."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from autograder.demo import _reference_answers, _student_notebook
from autograder.diagnosis import CODES
from autograder.release import generate

from guarantees import CHROMIUM
from helpers import ARTIFACTS, AUTOGRADER, CHROMIUM_ARGS, browse

LR_IGNORED = ("params = sgd_step(params, backward(Y, params, cache), lr)",
              "params = sgd_step(params, backward(Y, params, cache), 0.5)")


@pytest.fixture(scope="module")
def sigmoid_class(tmp_path_factory, course):
    """backprop_sigmoid graded by `autograder grade` (feedback and class report included): ada right,
    tess with two mistakes, bo the untouched release, ugo ada's answers with other variable names."""
    root = tmp_path_factory.mktemp("pages")
    sigmoid = course.assignment("backprop_sigmoid")
    generate(course, sigmoid, course_dir=root)
    released = root / "release" / sigmoid.name / sigmoid.notebook
    answers = _reference_answers(sigmoid)
    assert LR_IGNORED[0] in answers["train"]
    mistaken = {**answers, "train": answers["train"].replace(*LR_IGNORED),
                "sigmoid_grad": answers["sigmoid_grad"].replace("s * (1", "s * (2")}
    renamed = {name: re.sub(r"\bparams\b", "theta", source) for name, source in answers.items()}
    for student, nb in {"ada": _student_notebook(released, answers), "tess": _student_notebook(released, mistaken),
                        "bo": nbformat.read(released, as_version=4),
                        "ugo": _student_notebook(released, renamed)}.items():
        folder = root / "submitted" / student / sigmoid.name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / sigmoid.notebook)
    done = subprocess.run([*AUTOGRADER, "--course-file", str(course.root / "course.toml"), "grade", sigmoid.name,
                           "--course-dir", str(root), "--workers", "2"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = {p.parent.parent.name: json.loads(p.read_text())
               for p in (root / "autograded").glob(f"*/{sigmoid.name}/results.json")}
    return root, sigmoid, results, done.stdout


def keep(screenshot, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / name)


def test_feedback_page_shows_diagnosis_failing_case_and_loss_curve(sigmoid_class, tmp_path):
    root, sigmoid, results, stdout = sigmoid_class
    page = root / "feedback" / "tess" / sigmoid.name / sigmoid.notebook.replace(".ipynb", ".html")
    assert "feedback:" in stdout and page.exists()                    # written by the batch itself
    tess = {t["name"]: t for t in results["tess"]["tests"]}
    assert tess["train"]["status"] == "failed" and tess["sigmoid_grad"]["status"] == "failed"

    screenshot = tmp_path / "feedback-tess.png"
    text, images = browse(page, screenshot)
    keep(screenshot, "feedback-page.png")
    for name in ("train", "sigmoid_grad"):
        test = tess[name]
        assert f"{name}: {test['score']:g} / {test['max_score']:g} (failed)" in text
        for tag in test["tags"]:
            assert tag in text and CODES[tag] in text
    assert "Input:" in tess["sigmoid_grad"]["output"]                  # the smallest failing case ...
    assert tess["sigmoid_grad"]["output"].splitlines()[2] in text      # ... is on the page
    curve = tess["train"]["extra_data"]["loss_curve"]
    assert curve["student"] and curve["student"] != curve["reference"]
    assert len([width for _, width in images if width > 0]) == 1, images   # train's plot, drawn
    with Image.open(screenshot) as shot:
        assert shot.width >= 1000 and shot.height > 2000

    ada = results["ada"]["tests"]
    assert all(t["status"] == "passed" for t in ada)
    assert next(t for t in ada if t["name"] == "train")["extra_data"]["loss_curve"]["student"] == curve["reference"]


def test_class_report_page(sigmoid_class, tmp_path):
    root, sigmoid, results, stdout = sigmoid_class
    page = root / "reports" / sigmoid.name / "index.html"
    assert f"class report: {page}" in stdout
    screenshot = tmp_path / "class-report.png"
    text, images = browse(page, screenshot)
    keep(screenshot, "class-report.png")
    assert [alt for alt, width in images if width > 0] == ["score distribution", "pass rate per function"]

    mean = sum(r["score"] for r in results.values()) / len(results)
    assert f"{len(results)} submissions graded" in text and f"mean score {mean:.2f} / {sigmoid.max_score:g}" in text
    for function in sigmoid.functions:
        passed = sum(t["status"] == "passed" for r in results.values() for t in r["tests"]
                     if t["name"] == function.name)
        assert re.search(rf"{function.name}\s+{function.points:g}\s+\S+\s+{passed} / {len(results)}", text), function
    not_implemented = sum("not_implemented" in t["tags"] for r in results.values() for t in r["tests"])
    assert re.search(rf"not_implemented\s+{not_implemented}\s", text)
    for tag in {tag for r in results.values() for t in r["tests"] if t["status"] == "failed" for tag in t["tags"]}:
        assert tag in text and CODES[tag] in text

    similar = re.findall(r"^(\w+)\s+(\w+)\s+(\d+)%$", text, flags=re.MULTILINE)
    pairs = {tuple(sorted(p[:2])) for p in similar}
    assert ("ada", "ugo") in pairs                      # renamed variables are still the same code
    assert not any("bo" in pair for pair in pairs)      # the release's own code is not similarity

    similarity = root / "reports" / sigmoid.name / "similarity.html"
    screenshot = tmp_path / "similarity.png"
    requested, closed, opened, boxes = offline_view(similarity, screenshot)
    keep(screenshot, "class-report-similarity.png")
    assert requested == []                              # nothing but the page itself, not even a font
    code = {s: (similarity.parent / "code" / f"{s}.py").read_text() for s in ("ada", "ugo")}
    lines = {line.strip() for text in code.values() for line in text.splitlines()} - {""}
    assert "theta" in code["ugo"] and not any(line in closed for line in lines if "theta" in line)
    assert all(line in opened for line in lines)       # each side's code, once its <details> is opened
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"]   # side by side


def offline_view(html_path, screenshot):
    """A page in headless Chromium that may load only itself and data: URLs (anything else is
    recorded and refused): (what else it requested, its visible text, its visible text once every
    <summary> is clicked, the boxes of its first two <pre> in a <details>); a screenshot of those."""
    from playwright.sync_api import sync_playwright
    uri = Path(html_path).resolve().as_uri()

    def own(url):
        return url == uri or url.startswith("data:")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            requested = []
            page.on("request", lambda request: own(request.url) or requested.append(request.url))
            page.route("**/*", lambda route: route.continue_() if own(route.request.url) else route.abort())
            page.goto(uri)
            page.wait_for_load_state("networkidle")
            closed = page.inner_text("body")
            for summary in page.locator("summary").all():
                summary.click()
            opened = page.inner_text("body")
            codes = page.locator("details pre")
            boxes = [codes.nth(i).bounding_box() for i in range(2)]
            page.locator(".pair").first.evaluate("pair => pair.scrollIntoView()")
            page.screenshot(path=str(screenshot))
            return requested, closed, opened, boxes
        finally:
            browser.close()


def test_autograded_notebooks_are_valid_and_the_same_for_the_same_result(sigmoid_class):
    """Written without nbformat's validation (it only logs), so checked here: each autograded notebook
    the batch wrote (made on its worker) is valid, is byte for byte what nbformat.writes gives and
    what this process makes of the same file and result, and is written again the same from the same
    result, grader notes included (no random cell id)."""
    from autograder import feedback
    root, sigmoid, results, _ = sigmoid_class
    released = root / "release" / sigmoid.name / sigmoid.notebook
    for student, result in results.items():
        written = (root / "autograded" / student / sigmoid.name / sigmoid.notebook).read_text()
        nb = nbformat.reads(written, as_version=4)
        nbformat.validate(nb)
        assert nbformat.writes(nb) == written, student
        submitted = root / "submitted" / student / sigmoid.name / sigmoid.notebook
        assert written == feedback.autograded_text(released, submitted, result), student
        noted = {**result, "output": "the grader's notes\n<b>not a tag</b>"}
        again = [feedback._notebook_text(feedback.autograded_notebook(released, submitted, noted)) for _ in "ab"]
        assert again[0] == again[1] == nbformat.writes(nbformat.reads(again[0], as_version=4)), student
        assert again[0] == nbformat.writes(feedback.autograded_notebook(released, submitted, noted)), student
        assert "&lt;b&gt;not a tag&lt;/b&gt;" in again[0]


_TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(["", "\n", "a\r\nb\rc\n", "\u2028x\x85"])
_LEAF = st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | _TEXT
_JSONISH = st.recursive(_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                        max_leaves=8)
_BUNDLE = st.dictionaries(st.sampled_from(["text/plain", "text/html", "image/png", "image/svg+xml", "application/json",
                                           "application/javascript", "application/vnd.x+json"]),
                          _TEXT | st.lists(_TEXT, max_size=2), max_size=3)
_OUTPUT = st.one_of(
    st.fixed_dictionaries({"output_type": st.just("stream"), "name": st.sampled_from(["stdout", "stderr"]),
                           "text": _TEXT | st.lists(_TEXT, max_size=2)}),
    st.fixed_dictionaries({"output_type": st.sampled_from(["display_data", "execute_result"]), "data": _BUNDLE,
                           "metadata": st.dictionaries(_TEXT, _JSONISH, max_size=2)}))
_CELL = st.one_of(
    st.fixed_dictionaries({"cell_type": st.just("code"), "source": _TEXT | st.lists(_TEXT, max_size=3),
                           "metadata": st.dictionaries(st.sampled_from(["trusted", "tags", "nbgrader", "é\n"]),
                                                       _JSONISH, max_size=3),
                           "outputs": st.lists(_OUTPUT, max_size=3), "execution_count": st.none() | st.integers(1, 9)}),
    st.fixed_dictionaries({"cell_type": st.sampled_from(["markdown", "raw"]), "source": _TEXT,
                           "metadata": st.dictionaries(_TEXT, _JSONISH, max_size=2)},
                          optional={"attachments": st.dictionaries(_TEXT, _BUNDLE, max_size=2)}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(_CELL, max_size=5), metadata=st.dictionaries(_TEXT, _JSONISH, max_size=3), shared=st.data())
def test_a_notebook_is_written_as_nbformat_writes_it(tmp_path_factory, cells, metadata, shared):
    """feedback._notebook_text against nbformat.writes, byte for byte, on any notebook of plain JSON
    values: every kind of cell and output, lines split or not, unicode line breaks, transient keys,
    and cells of a released notebook shared with it (written once, kept)."""
    from autograder import feedback
    released = tmp_path_factory.mktemp("released") / "released.ipynb"
    released.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells[:3]}))
    kept = feedback._released_notebook(released)
    nb = nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "cells": cells,
                             "metadata": {**metadata, "orig_nbformat": 3, "signature": "x"}})
    nb.cells[:0] = shared.draw(st.lists(st.sampled_from(kept.cells), max_size=4)) if kept.cells else []
    before = [json.dumps(nb, sort_keys=True), json.dumps(kept, sort_keys=True)]
    for _ in "ab":        # the second time, the released cells are written from what was kept
        assert feedback._notebook_text(nb) == nbformat.v4.writes(nb)    # nbformat.writes less its validation
    assert [json.dumps(nb, sort_keys=True), json.dumps(kept, sort_keys=True)] == before     # neither changed
