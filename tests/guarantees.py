"""What a test needs from the machine to prove its guarantee: bubblewrap, Chromium, root.

In CI (the environment variable CI set, as `.ci/run` does) a missing requirement fails the test with
the reason: a guarantee CI must prove is never skipped there. On a developer's machine the test is
skipped (or, for a part of a test, that part is noted), and the pytest summary lists what went
unchecked (tests/conftest.py). docs/testing.md says what each requirement leaves unchecked.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
UNCHECKED = "unchecked"          # the user_properties key the summary collects
MUTANT_OUTCOME = "mutant_outcome"    # test_mutants.py's, "assignment caught named", summed in the summary

_current: list = []              # the running test's node (set by an autouse fixture in conftest.py)


def _bubblewrap() -> str | None:
    from autograder.sandbox import launcher
    if launcher.bwrap_available():
        return None
    import shutil
    if not shutil.which("bwrap"):
        return "bubblewrap is not installed (apt-get install bubblewrap)"
    return "bubblewrap cannot create namespaces here (unprivileged user namespaces disabled?)"


def _chromium() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401 - only whether it is installed
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    return None


def _root() -> str | None:
    return None if os.geteuid() == 0 else "the tests do not run as root"


REQUIREMENTS = {"bubblewrap": _bubblewrap, "chromium": _chromium, "root": _root}


def missing(requirement: str) -> str | None:
    """Why `requirement` is not met on this machine, or None when it is."""
    return REQUIREMENTS[requirement]()


def need(requirement: str, guarantee: str) -> None:
    """Skip (locally) or fail (in CI) the running test when `requirement` is not met."""
    why = missing(requirement)
    if why is None:
        return
    if CI:
        pytest.fail(f"CI must check {guarantee}, but {why}", pytrace=False)
    pytest.skip(f"unchecked here: {guarantee} (needs {requirement}: {why})")   # the summary collects it


def check_part(requirement: str, guarantee: str) -> bool:
    """True when the part of a test that proves `guarantee` can run here; else note it (fail in CI)."""
    why = missing(requirement)
    if why is None:
        return True
    if CI:
        pytest.fail(f"CI must check {guarantee}, but {why}", pytrace=False)
    _note(f"{guarantee} (needs {requirement}: {why})")
    return False


def _note(text: str) -> None:
    if _current:
        node = _current[-1]
        if (UNCHECKED, text) not in node.user_properties:
            node.user_properties.append((UNCHECKED, text))
