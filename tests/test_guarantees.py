"""tests/guarantees.py with the summary hooks of tests/conftest.py, in a pytest run of their own: a
missing requirement fails the test in CI and is skipped, and listed as unchecked, elsewhere."""
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CONFTEST = f'''
import importlib.util, sys
sys.path.insert(0, {str(TESTS)!r})
spec = importlib.util.spec_from_file_location("project_conftest", {str(TESTS / "conftest.py")!r})
project = importlib.util.module_from_spec(spec)
spec.loader.exec_module(project)
pytest_runtest_protocol = project.pytest_runtest_protocol
pytest_runtest_logreport = project.pytest_runtest_logreport
pytest_terminal_summary = project.pytest_terminal_summary
'''
TESTS_PY = '''
import guarantees
guarantees.REQUIREMENTS["root"] = lambda: "pretend: not root"

def test_whole():
    guarantees.need("root", "a whole guarantee")

def test_part():
    if guarantees.check_part("root", "a part of a guarantee"):
        raise AssertionError("must not run")

def test_unaffected():
    pass
'''


def run(tmp_path, ci):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_needs.py").write_text(TESTS_PY)
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": "1"} if ci else {})
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "-p", "no:xdist", "-q", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=300)


def test_locally_a_missing_requirement_skips_and_the_summary_says_what_went_unchecked(tmp_path):
    done = run(tmp_path, ci=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert "2 passed, 1 skipped, 2 unchecked" in lines[-1], lines[-1]
    assert any("unchecked on this machine (2 tests" in line for line in lines)
    assert any("a whole guarantee (needs root: pretend: not root)" in line for line in lines)
    assert any("a part of a guarantee (needs root: pretend: not root)" in line for line in lines)


def test_in_ci_a_missing_requirement_fails_with_the_reason(tmp_path):
    done = run(tmp_path, ci=True)
    assert done.returncode == 1
    assert "2 failed, 1 passed" in done.stdout.strip().splitlines()[-1]
    assert "CI must check a whole guarantee, but pretend: not root" in done.stdout
    assert "CI must check a part of a guarantee, but pretend: not root" in done.stdout
    assert "unchecked" not in done.stdout.strip().splitlines()[-1]
