"""A student in JupyterLab, for real: JupyterLab on loopback, the released notebook in headless Chromium.

The student types dL_dW2 into its stub, runs all cells, and reads the check messages on the page: every
public check passes and the check-all cell at the end says so with the points. Typed with the two
factors in the wrong order, dL_dW2's check cell shows its diagnosis (`transposed`) in one line, with no
traceback. Screenshots are kept in build/artifacts/ (docs/testing.md).
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from autograder.demo import _reference_answers, _student_notebook
from autograder.release import RELEASED_FILES
from guarantees import need
from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

STUB_OF = "dL_dW2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(course_dir, backprop, tmp_path_factory):
    """JupyterLab serving a student's folder: the release with every answer but dL_dW2 written (twice:
    one notebook per run), and the files that sit beside it. Yields (base URL, token)."""
    folder = tmp_path_factory.mktemp("student")
    released = course_dir / "release" / backprop.name
    answers = {k: v for k, v in _reference_answers(backprop).items() if k != STUB_OF}
    for name in ("right.ipynb", "transposed.ipynb"):
        nbformat.write(_student_notebook(released / backprop.notebook, answers), folder / name)
    for name in RELEASED_FILES:
        shutil.copy(released / name, folder / name)
    port, token = free_port(), secrets.token_hex(16)
    settings = folder / ".settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)       # every cell rendered (JupyterLab draws only the visible ones by default)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    news = folder / ".settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)           # no "get notified about Jupyter news?" pop-up over the page
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / ".jupyter"), "JUPYTER_RUNTIME_DIR": str(folder / ".run"),
           "JUPYTERLAB_SETTINGS_DIR": str(folder / ".settings")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--ServerApp.root_dir={folder}", f"--IdentityProvider.token={token}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start: {server.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.3)
        yield base, token
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


PANEL = ".jp-NotebookPanel:visible"      # the notebook tab in front


def fill_and_run(page, answer, screenshot):
    """In the notebook in front: type `answer` into dL_dW2's stub, run all cells (Run menu); returns
    the text of (dL_dW2's check cell output, the last cell's output), as the page shows them."""
    page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    cells = page.locator(f"{PANEL} .jp-Notebook .jp-Cell")
    stub = cells.filter(has_text=f"def {STUB_OF}(").first
    stub.scroll_into_view_if_needed()
    stub.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(answer)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(
        """panel => { const prompts = [...document.querySelectorAll(panel + ' .jp-InputPrompt')];
                      return prompts.length && prompts.some(p => /\\d/.test(p.textContent))
                             && prompts.every(p => !p.textContent.includes('*')); }""",
        arg=PANEL.removesuffix(":visible"), timeout=90_000, polling=250)
    check_cell = cells.filter(has_text=f'check("{STUB_OF}", {STUB_OF})').first
    check_cell.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot))
    return check_cell.locator(".jp-OutputArea").inner_text(), cells.last.locator(".jp-OutputArea").inner_text()


def test_a_student_in_jupyterlab_reads_the_checks_and_the_diagnosis(lab, backprop):
    need("chromium", "a student's notebook in JupyterLab shows the public checks' verdicts and diagnoses")
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    right = _reference_answers(backprop)[STUB_OF]
    assert "h.T @ dy" in right
    n, total = len(backprop.functions), f"{backprop.max_score:g}"
    base, token = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        try:
            page.goto(f"{base}/lab/tree/right.ipynb?token={token}")
            check, last = fill_and_run(page, right, ARTIFACTS / "jupyterlab_checks_pass.png")
            assert check.strip() == f"{STUB_OF}: public checks passed", check
            assert f"{n}/{n} public checks passed; they cover {total} of {total} points" in last, last
            assert "not the grade" in last

            page.locator(".jp-DirListing-item", has_text="transposed.ipynb").dblclick()   # the file browser
            page.wait_for_selector(f"{PANEL} .jp-Notebook .jp-Cell", timeout=60_000)
            transposed = right.replace("h.T @ dy", "dy.T @ h")
            check, _ = fill_and_run(page, transposed, ARTIFACTS / "jupyterlab_transposed.png")
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "jupyterlab_failed.png"))
            raise
        finally:
            browser.close()
    assert "Likely mistake: `transposed`" in check and check.startswith(STUB_OF), check
    assert "Traceback" not in check and "public_base.py" not in check and len(check.strip().splitlines()) == 1, check
    assert (ARTIFACTS / "jupyterlab_transposed.png").stat().st_size > 10_000
