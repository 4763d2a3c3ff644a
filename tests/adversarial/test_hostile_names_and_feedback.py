"""A student's folder name and written answer through the real command: feedback nbgrader cannot
make costs only that student's page (named, with the reason, the report still written, exit 0),
no name becomes markup in the class report's HTML, and no control character of a name reaches the
terminal."""
import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from rich.console import Console

from autograder import gradebook
from autograder.batch import ClassResults
from autograder.feedback import generate_feedback
from autograder.report import print_batch_summary, print_grade_table
from autograder.sandbox import launcher

from helpers import new_class, reference_bytes, run_cli

ISOLATION = "bwrap" if launcher.bwrap_available() else "none"
MISSING_ATTACHMENT = "My answer, with a figure: ![plot](attachment:nope.png)"
MARKUP_NAME = "<img src=x onerror=alert(document.title)>"


def notebook_with_written_answer(backprop, answer: str) -> bytes:
    """The instructor's notebook (right answers) with `answer` as the first written answer."""
    nb = json.loads(backprop.source_notebook.read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "written_learning_rates")
    cell["source"] = answer
    return json.dumps(nb).encode()


def feedback_page(course_dir: Path, student: str) -> Path:
    return course_dir / "feedback" / student / "backprop" / "backprop.html"


def grade_class(course_dir: Path, *options):
    return run_cli("grade", "backprop", "--course-dir", course_dir, "--isolation", ISOLATION, "--workers", "2",
                   *options)


def test_a_notebook_nbgrader_cannot_render_costs_only_its_own_feedback_page(
        released, course, backprop, tmp_path, monkeypatch):
    """A written answer showing a missing attachment: nbgrader renders no page for that student.
    The others get theirs, the student is named with the reason, the report is written, exit 0;
    one nbgrader call serves the class, and only the failed page gets a call of its own."""
    course_dir = new_class(released, tmp_path, {
        "ada": ("backprop.py", reference_bytes()),
        "evil": ("backprop.ipynb", notebook_with_written_answer(backprop, MISSING_ATTACHMENT))})
    done = grade_class(course_dir)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "evil: InvalidNotebook: missing attachment: nope.png" in done.stderr
    assert "Score: 31.0 / 31.0" in feedback_page(course_dir, "ada").read_text()
    assert not feedback_page(course_dir, "evil").exists()
    assert (course_dir / "reports" / "backprop" / "index.html").is_file()
    assert "backprop: 2 graded now" in done.stdout
    assert gradebook.scores(course_dir, course.id, backprop)["evil"] == backprop.max_score

    asked = []
    real_call = NbGraderAPI.generate_feedback

    def counted(api, assignment_id, student_id=None, force=True):
        asked.append(student_id)
        return real_call(api, assignment_id, student_id=student_id, force=force)

    monkeypatch.setattr(NbGraderAPI, "generate_feedback", counted)
    unmade = {}
    generate_feedback(course, course_dir, backprop, failures=unmade)
    assert asked == [None, "evil"]
    assert unmade == {"evil": "InvalidNotebook: missing attachment: nope.png"}

    shutil.rmtree(course_dir / "autograded" / "evil")
    asked.clear()
    generate_feedback(course, course_dir, backprop, failures=unmade)
    assert asked == [None]
    assert feedback_page(course_dir, "ada").is_file()


def test_folder_names_nbgrader_misreads_get_their_page_or_a_reason(released, backprop, tmp_path):
    """A line break in a folder name stopped nbgrader for the whole class, and a name like "[ab]" is
    a glob to it (it made a's page again, none for "[ab]", and said nothing): those students are
    named with the reason, and everyone else gets a page, surrounding spaces of a name kept."""
    honest = ("backprop.py", reference_bytes())
    course_dir = new_class(released, tmp_path, {"\n": honest, "  spaced  ": honest, "[ab]": honest, "a": honest})
    done = grade_class(course_dir)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "  \\n: nbgrader cannot make a page for a folder name with a line break" in done.stderr
    assert "  [ab]: nbgrader reads a folder name with *, ? or [ as a pattern" in done.stderr
    for student in ("  spaced  ", "a"):
        assert "Score: 31.0 / 31.0" in feedback_page(course_dir, student).read_text(), student
    assert not feedback_page(course_dir, "\n").exists() and not feedback_page(course_dir, "[ab]").exists()
    assert (course_dir / "reports" / "backprop" / "index.html").is_file()
    assert "backprop: 4 graded now" in done.stdout


class Markup(HTMLParser):
    """The elements of a page with their attributes, and the text of each table cell."""

    def __init__(self):
        super().__init__()
        self.tags, self.cells, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parsed(path: Path) -> Markup:
    page = Markup()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_a_student_name_never_becomes_markup_in_the_class_report(released, tmp_path):
    """Two identical submissions, one from a folder named as an <img onerror> tag: no page of the
    report holds an element with an event handler or that image, the pair is named by the student's
    name as text, and copydetect's report shows a recognisable file name."""
    honest = ("backprop.py", reference_bytes())
    course_dir = new_class(released, tmp_path, {MARKUP_NAME: honest, "ada": honest})
    done = grade_class(course_dir, "--no-feedback")
    assert done.returncode == 0, done.stderr[-2000:]
    folder = course_dir / "reports" / "backprop"
    pages = sorted(folder.rglob("*.html"))
    assert {p.name for p in pages} == {"index.html", "similarity.html"}
    for page in pages:
        for tag, attributes in parsed(page).tags:
            assert not any(name.startswith("on") for name in attributes), (page.name, tag, attributes)
            assert attributes.get("src") != "x", (page.name, tag, attributes)
    assert {MARKUP_NAME, "ada"} <= set(parsed(folder / "index.html").cells)
    assert "img_src_x_onerror_alert_document_title" in (folder / "similarity.html").read_text()
    assert all("<" not in p.name for p in (folder / "code").iterdir())


def test_control_characters_in_a_folder_name_never_reach_the_terminal(released, tmp_path):
    """A folder named with an ESC colour sequence, a bell and a right-to-left override: the grade
    table shows the name with those characters as escapes, and the console gets none of them."""
    honest = ("backprop.py", reference_bytes())
    course_dir = new_class(released, tmp_path, {"\x1b[31mred\x07\u202eevil": honest, "ada": honest})
    done = grade_class(course_dir, "--no-feedback", "--no-report")
    assert done.returncode == 0, done.stderr[-2000:]
    for forbidden in ("\x1b", "\x07", "\u202e"):
        assert forbidden not in done.stdout + done.stderr, repr(forbidden)
    assert "\\x1b[31mred\\x07\\u202eevil" in done.stdout


def test_control_characters_in_names_of_students_not_graded_never_reach_the_terminal(backprop):
    """The grade table and the run's summary of a class where the grader failed on a student whose
    name sets the terminal's title: the name is shown, escaped; the console gets no ESC."""
    name = "\x1b]0;pwned\x07\x9b2J"
    summary = ClassResults()
    summary[name] = {"error": "the worker was lost\x1b[2J"}
    summary.failed.append(name)
    shown = io.StringIO()
    console = Console(file=shown, width=200, color_system=None)
    print_grade_table(summary, backprop, console)
    print_batch_summary(summary, backprop, console)
    printed = shown.getvalue()
    assert not {"\x1b", "\x07", "\x9b"} & set(printed)
    assert "\\x1b]0;pwned\\x07\\x9b2J" in printed
    assert "not graded (rerun to retry): \\x1b]0;pwned" in printed
