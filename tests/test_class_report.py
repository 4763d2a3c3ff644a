"""The class report's pages load nothing from the network (no CDN, no font, no remote image) and
similarity.html shows each near-identical pair's code side by side, student code as text only.
In a real browser: test_feedback_page.py's test_class_report_page."""
import re
from html.parser import HTMLParser

import pytest

from autograder.class_report import CODE_CAP, _student_code, marked, write_class_report
from autograder.release import generate

from helpers import new_class, reference_bytes

REMOTE = re.compile(r"^\s*([a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)     # http://, https://, //host, ...
CSS_REFERENCE = re.compile(r"""@import\s*(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")\s]+)""", re.IGNORECASE)
HOSTILE = ('\n# </code></pre><script src="https://cdn.example/x.js"></script><link rel="stylesheet" '
           'href="//cdn.example/x.css"><img src="http://cdn.example/p.png"><style>@import url(https://cdn.example/'
           'y.css);</style><span class="highlight-red">\n')


class Page(HTMLParser):
    """A page's elements with their attributes, the CSS in it, and the text of each <pre>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.css, self.pres, self._pre, self._style = [], [], [], None, False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.css += [value for name, value in attrs if name == "style" and value]
        self._pre = [] if tag == "pre" else self._pre
        self._style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "pre":
            self.pres.append("".join(self._pre))
            self._pre = None
        self._style = False

    def handle_data(self, data):
        if self._pre is not None:
            self._pre.append(data)
        if self._style:
            self.css.append(data)

    def external_references(self) -> list[str]:
        """Every reference the page could load from elsewhere than itself."""
        found = [f"<script src={a['src']}>" for tag, a in self.tags if tag == "script" and a.get("src")]
        found += [f"<link href={a.get('href')}>" for tag, a in self.tags if tag == "link"]
        found += [f"<{tag} {name}={value}>" for tag, a in self.tags for name, value in a.items()
                  if value and REMOTE.match(value)]
        found += [f"<img src={a.get('src')}>" for tag, a in self.tags
                  if tag == "img" and not (a.get("src") or "").startswith("data:")]
        found += [f"css {ref}" for css in self.css for m in CSS_REFERENCE.finditer(css) for ref in m.groups()
                  if ref and not ref.startswith("data:")]
        return found


@pytest.fixture(scope="module")
def released(tmp_path_factory, course, backprop):
    root = tmp_path_factory.mktemp("released")
    generate(course, backprop, course_dir=root)
    return root


def test_the_pages_load_nothing_and_similarity_shows_each_pair_code(released, backprop, tmp_path):
    """ada and ugo hand in the reference (ugo's with a comment of tags pointing at a CDN), bo the
    untouched release: both pages reference nothing outside themselves and run no script, and
    similarity.html shows ada's and ugo's code, whole, as text, with the copied parts marked."""
    release = (released / "release" / "backprop" / backprop.notebook).read_bytes()
    course_dir = new_class(released, tmp_path, {"ada": ("backprop.py", reference_bytes()),
                                                "ugo": ("backprop.py", reference_bytes() + HOSTILE.encode()),
                                                "bo": (backprop.notebook, release)})
    submissions = {s: next((course_dir / "submitted" / s / "backprop").iterdir()) for s in ("ada", "ugo", "bo")}
    index = write_class_report(course_dir, backprop, {s: {"score": 0.0, "tests": []} for s in submissions},
                               submissions)
    folder = index.parent
    pages = {p.name: Page(p.read_text(encoding="utf-8")) for p in (index, folder / "similarity.html")}
    for name, page in pages.items():
        assert page.external_references() == [], name
        assert not any(tag == "script" for tag, _ in page.tags), name

    similarity = pages["similarity.html"]
    code = {s: (folder / "code" / f"{s}.py").read_text(encoding="utf-8") for s in submissions}
    assert HOSTILE in code["ugo"]
    assert sorted(similarity.pres) == sorted([code["ada"], code["ugo"]])     # one pair, both sides whole
    assert [tag for tag, _ in similarity.tags].count("details") == 2       # the file list and the pair
    marks = {a.get("class") for tag, a in similarity.tags if tag == "span"}
    assert {"highlight-red", "highlight-green"} <= marks
    assert {"ada", "ugo"} <= set(re.findall(r"<b>(\w+)</b>", (folder / "similarity.html").read_text()))


def test_the_code_view_marks_copydetect_slices_and_keeps_every_character():
    """A pair's code is cut at copydetect's copied slices ([starts, ends]) only: every character of
    it kept as text, tags included, for the page to escape."""
    import numpy as np
    code = "<a <a b='<!-- x &lt; y\n" * 3
    slices = np.array([[2, 30], [9, 40]])
    segments = marked(code, slices, "highlight-red")
    assert "".join(text for text, _ in segments) == code
    assert [text for text, mark in segments if mark] == [code[2:9], code[30:40]]
    assert marked(code, np.zeros((2, 0), dtype=int), "highlight-red") == [(code, "")]


def test_the_code_compared_leaves_out_blank_lines_and_stops_at_its_cap(tmp_path):
    """What copydetect tokenizes: a run of blank lines (pygments takes time growing with its square)
    is left out, and a file of any size gives at most CODE_CAP characters; the code itself is kept."""
    padded = tmp_path / "padded.py"
    padded.write_bytes(reference_bytes() + b" \n" * 200_000 + b"\t\n\f\n\n" + b"x = 1\n" * 200_000)
    code = _student_code(padded, set())
    assert code.startswith("\n".join(line for line in reference_bytes().decode().splitlines() if line.strip()))
    assert all(line.strip() for line in code.splitlines()) and len(code) == CODE_CAP
