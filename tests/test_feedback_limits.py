"""What a feedback page shows of each answer (autograder/feedback_limits.py): a normal answer whole,
text that would make nbgrader's rendering slow cut with a note above it saying how much is shown,
the longest answers cut first; and nbgrader's GenerateFeedback, and nothing else, doing it."""
import re

import nbformat
from hypothesis import given
from hypothesis import strategies as st
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.converters import GenerateFeedback
from nbgrader.preprocessors import ClearOutput, GetGrades

from autograder import feedback
from autograder.course import PROJECT_ROOT
from autograder.demo import _reference_answers, _student_notebook
from autograder.feedback_limits import (BLANK_LINES_CAP, NOTE, PAGE_CAP, PARAGRAPH_CAP, ShortenedAnswers, allotted,
                                        renderable_length, shown_answers, with_shortened_answers)
from autograder.release import nbgrader_api
from autograder.submission import is_written_answer


def answer_key() -> dict[tuple[str, str], str]:
    """(assignment, grade_id) -> the answer key's text for that written answer: a full, formatted answer."""
    text = (PROJECT_ROOT / "assignments" / "ANSWER_KEY.md").read_text(encoding="utf-8")
    sections = re.split(r"^## (\w+): (\w+)\n", text, flags=re.MULTILINE)[1:]
    return {(a, g): body.strip() for a, g, body in zip(sections[::3], sections[1::3], sections[2::3])}


def verbose(source: str) -> str:
    """A student who explains every line: each line followed by a comment repeating it, and three
    blank lines after the function."""
    return "".join(f"{line}\n    # {line.strip()}: as the notebook says\n" for line in source.splitlines()) + "\n" * 3


def test_normal_answers_are_shown_whole(course):
    """Every assignment's reference answers with the answer key's written answers, and the same
    commented line by line: shown as written, no note."""
    key = answer_key()
    for assignment in course.assignments.values():
        code = [("code", source) for source in _reference_answers(assignment).values()]
        written = [("markdown", text) for (name, _), text in key.items() if name == assignment.name]
        assert written, assignment.name
        for answers in (code + written, [(kind, verbose(s) if kind == "code" else s) for kind, s in code + written]):
            assert shown_answers(answers) == [source for _, source in answers], assignment.name


def test_the_autograded_notebook_of_right_answers_reaches_the_page_unchanged(released_notebook, backprop, tmp_path):
    key = answer_key()
    nb = _student_notebook(released_notebook, _reference_answers(backprop))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if is_written_answer(cell.metadata.get("nbgrader", {})):
            cell.source = key[("backprop", grade_id)]
    nbformat.write(nb, tmp_path / backprop.notebook)
    autograded = nbformat.from_dict(feedback.autograded_notebook(released_notebook, tmp_path / backprop.notebook,
                                                                 {"tests": []}))
    before = nbformat.writes(autograded)
    page, _ = ShortenedAnswers().preprocess(autograded, {})
    assert nbformat.writes(page) == before


def test_a_cut_starts_at_the_first_long_paragraph_or_run_of_blank_lines():
    paragraph = "[*" * PARAGRAPH_CAP
    assert renderable_length("x" * PARAGRAPH_CAP) == PARAGRAPH_CAP
    assert renderable_length("intro\n\n" + paragraph) == len("intro\n\n") + PARAGRAPH_CAP
    assert renderable_length(("y" * (PARAGRAPH_CAP - 10) + "\n \t\n") * 5) == 5 * (PARAGRAPH_CAP - 6)
    assert renderable_length("a\n" + "\n" * BLANK_LINES_CAP + "b\n") == len("a\n" + "\n" * BLANK_LINES_CAP + "b\n")
    assert renderable_length("a\n" + " \t\n" * (BLANK_LINES_CAP + 1) + "b\n") == len("a\n") + 3 * BLANK_LINES_CAP
    assert renderable_length("a\r" + "\r\n" * 2 * BLANK_LINES_CAP) == len("a\r") + 2 * BLANK_LINES_CAP
    # only \r and \n end a line for mistune and pygments, and only spaces and tabs make a line blank to Markdown
    for separator in ("\u2028", "\x0c", "\x85", "\n\x0c\n", "\n\u00a0\n"):
        assert renderable_length(("[*" * 100 + separator) * 100) == PARAGRAPH_CAP, repr(separator)


@given(st.lists(st.integers(0, 50_000), max_size=30), st.integers(0, 100_000))
def test_the_longest_answers_are_cut_first(lengths, cap):
    kept = allotted(lengths, cap)
    assert all(0 <= k <= n for k, n in zip(kept, lengths))
    assert sum(kept) <= cap or kept == lengths
    if sum(lengths) <= cap:
        assert kept == lengths
    for k, n in zip(kept, lengths):
        if k < n:        # a cut answer keeps as much as any other answer, within one character
            assert all(k >= other for other in kept) and sum(kept) > cap - len(lengths)


def test_a_cut_answer_says_above_it_how_much_is_shown():
    code = "def f(x):\n    return x\n" + "\n" * 10 * BLANK_LINES_CAP + "x = 1\n"
    written = "$$" + "[*" * 100_000
    hidden = "```python\n" + "a = 1\n" * 100_000          # a fence the cut leaves open
    trailing = "A short answer.\n" + "\n" * 2 * BLANK_LINES_CAP
    shown = shown_answers([("code", code), ("markdown", written), ("markdown", hidden), ("markdown", trailing)])
    kept = len("def f(x):\n    return x\n") + BLANK_LINES_CAP
    assert shown[0] == f"# {NOTE.format(kept=kept, total=len(code))}\n{code[:kept]}"
    assert shown[1] == f"**{NOTE.format(kept=PARAGRAPH_CAP, total=len(written))}**\n\n{written[:PARAGRAPH_CAP]}"
    assert shown[2].startswith(f"**{NOTE.format(kept=PARAGRAPH_CAP, total=len(hidden))}**\n\n```python\n")
    assert shown[3] == trailing[:len("A short answer.\n") + BLANK_LINES_CAP]       # blank lines left out: no note
    assert "the first 4,000 of 200,002 characters of this answer are shown" in shown[1]


def test_a_page_of_long_answers_shows_at_most_the_page_cap():
    answers = [("code", "x = 1\n" * 600)] * 20 + [("markdown", "Words, " * 500 + "\n\n")] * 3 + [("code", "y = 2\n")]
    shown = shown_answers(answers)
    assert shown[-1] == "y = 2\n"                                   # the short answer whole
    notes = [re.match(r"(?:# |\*\*)Shortened.* first ([\d,]+) of", text) for text in shown[:-1]]
    kept = [int(note.group(1).replace(",", "")) for note in notes]
    assert sum(kept) + len("y = 2\n") <= PAGE_CAP and len(set(kept)) == 1


def test_the_page_nbgrader_exports_shows_the_shortened_answer(released_notebook):
    """ShortenedAnswers registered as nbgrader's converters register a step (not enabled by them)."""
    nb = nbformat.read(released_notebook, as_version=4)
    cell = next(c for c in nb.cells if is_written_answer(c.metadata.get("nbgrader", {})))
    cell.source = "[" * 100_000 + "]" * 100_000
    exporter = HTMLExporter()
    exporter.register_preprocessor(ShortenedAnswers)
    page, _ = exporter.from_notebook_node(nb)
    assert NOTE.format(kept=PARAGRAPH_CAP, total=200_000) in page
    assert "[" * PARAGRAPH_CAP in page and "[" * (PARAGRAPH_CAP + 1) not in page


def test_generate_feedback_shortens_after_the_course_s_own_steps(course, tmp_path):
    """GenerateFeedback as `generate_feedback` configures it: nbgrader's steps, or those the course's
    nbgrader_config.py sets, then ShortenedAnswers, once."""
    def steps(course_dir):
        api = nbgrader_api(course, course_dir)
        with_shortened_answers(api)
        with_shortened_answers(api)
        return GenerateFeedback(coursedir=api.coursedir, parent=api).preprocessors

    assert steps(tmp_path) == [GetGrades, CSSHTMLHeaderPreprocessor, ShortenedAnswers]
    (tmp_path / "nbgrader_config.py").write_text(
        "from nbgrader.preprocessors import ClearOutput, GetGrades\n"
        "c = get_config()  # noqa: F821\n"
        "c.GenerateFeedback.preprocessors = [GetGrades, ClearOutput]\n")
    assert steps(tmp_path) == [GetGrades, ClearOutput, ShortenedAnswers]
