"""What a student's feedback page shows of their answers: all of a normal answer, and a cut one,
with a note saying so, when its text would make nbgrader's rendering slow (docs/feedback.md).

nbgrader's `generate_feedback` renders written answers with mistune and code with pygments, both
slower than linear on some text a student can write: nested brackets or emphasis in one paragraph,
thousands of blank lines in a row (20,000 characters of either took 4 to 36 s; the time quadruples
when the length doubles). So the page shows each answer up to its first paragraph (lines with no blank line between
them) longer than PARAGRAPH_CAP characters or its first run of more than BLANK_LINES_CAP blank
lines, and all answers of a page together at most PAGE_CAP characters, the longest cut first.
`ShortenedAnswers` does this for GenerateFeedback only: the autograded notebook, which nbgrader's
formgrader shows the instructor, keeps each answer as it was graded.
"""
from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool
from traitlets.config import Config

PAGE_CAP = 30_000          # characters of all answers on one page
PARAGRAPH_CAP = 4_000      # characters of one paragraph: mistune's time grows with its square
BLANK_LINES_CAP = 25       # blank lines in a row: pygments' time grows with the square of the run
NOTE = "Shortened on this feedback page: the first {kept:,} of {total:,} characters of this answer are shown."

# One line with its line break: "\r\n", "\r" or "\n", the only ones mistune and pygments break at.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def renderable_length(source: str) -> int:
    """How much of `source` renders in time linear in its length: all of it, or up to its first run
    of more than BLANK_LINES_CAP blank lines, or the first PARAGRAPH_CAP characters of its first
    longer paragraph."""
    blank_lines, paragraph_start = 0, 0
    for line in _LINE.finditer(source):
        text = line.group().rstrip("\r\n")
        blank_lines = 0 if text.strip() else blank_lines + 1       # blank to pygments: any whitespace
        if blank_lines > BLANK_LINES_CAP:
            return line.start()
        if not text.strip(" \t"):                                   # blank to Markdown: spaces and tabs
            paragraph_start = line.end()
        elif line.end() - paragraph_start > PARAGRAPH_CAP:
            return paragraph_start + PARAGRAPH_CAP
    return len(source)


def allotted(lengths: list[int], cap: int) -> list[int]:
    """Each of `lengths` kept whole or cut, the longest first, so that together they are at most `cap`."""
    if sum(lengths) <= cap:
        return list(lengths)
    left, count = cap, len(lengths)
    for length in sorted(lengths):
        share = left // count
        if length > share:
            break
        left, count = left - length, count - 1
    return [min(length, share) for length in lengths]


def shown_answers(answers: list[tuple[str, str]]) -> list[str]:
    """[(cell type, source)] of one page's answers -> the source each shows: whole, or cut with a
    note at its top that says how much is shown (a note before the text, which nothing cut can hide)."""
    lengths = allotted([renderable_length(source) for _, source in answers], PAGE_CAP)
    shown = []
    for (cell_type, source), kept in zip(answers, lengths):
        if not source[kept:].strip():          # only blank lines or spaces left out: nothing to say
            shown.append(source[:kept])
            continue
        note = NOTE.format(kept=kept, total=len(source))
        shown.append(f"**{note}**\n\n{source[:kept]}" if cell_type == "markdown" else f"# {note}\n{source[:kept]}")
    return shown


class ShortenedAnswers(Preprocessor):
    """nbgrader's GenerateFeedback step that shows each answer cell (an nbgrader solution cell) of the
    autograded notebook as `shown_answers` gives it."""

    enabled = Bool(True).tag(config=True)      # nbconvert's preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        cells = [cell for cell in nb.cells if isinstance(cell.get("source"), str)
                 and (cell.get("metadata", {}).get("nbgrader") or {}).get("solution")]
        for cell, source in zip(cells, shown_answers([(cell.cell_type, cell.source) for cell in cells])):
            cell.source = source
        return nb, resources


def with_shortened_answers(api) -> None:
    """Configure nbgrader's `api` (an NbGraderAPI) to run ShortenedAnswers after GenerateFeedback's
    own preprocessors, the course's nbgrader_config.py's if it sets them."""
    from nbgrader.converters import GenerateFeedback
    section = api.config.get("GenerateFeedback", {})
    steps = list(section.get("preprocessors", GenerateFeedback.class_traits()["preprocessors"].default()))
    if ShortenedAnswers not in steps:
        api.update_config(Config({"GenerateFeedback": {"preprocessors": [*steps, ShortenedAnswers]}}))
