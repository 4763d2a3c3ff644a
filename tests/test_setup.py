"""scripts/system_packages.sh, the set-up `make demo` and `make test` run first: it installs
bubblewrap, chromium and postgresql with apt-get when root and missing, and otherwise says what to
run. Run here with a PATH of our own (a fake `id`, with or without a fake `apt-get`)."""
import os
import subprocess
import sys

import pytest

from autograder.course import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "system_packages.sh"
PACKAGES = ["bubblewrap", "chromium", "postgresql"]


def fake(folder, name, body):
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def run_setup(tmp_path, *, uid, apt_get=None, present=()):
    """The script on a machine where `present` (of PACKAGES) is installed; apt_get: None (no
    apt-get), or the exit code of a fake apt-get that logs its arguments to tmp_path/apt.log."""
    bin_dir, pg_lib = tmp_path / "bin", tmp_path / "postgresql"
    bin_dir.mkdir()
    pg_lib.mkdir()
    fake(bin_dir, "id", f"echo {uid}")
    if apt_get is not None:
        fake(bin_dir, "apt-get", f'echo "$@" >> {tmp_path / "apt.log"}\nexit {apt_get}')
    if "bubblewrap" in present:
        fake(bin_dir, "bwrap", "exit 0")
    chromium = tmp_path / "chromium"
    if "chromium" in present:
        fake(tmp_path, "chromium", "exit 0")
    if "postgresql" in present:
        (pg_lib / "15" / "bin").mkdir(parents=True)
        fake(pg_lib / "15" / "bin", "pg_ctl", "exit 0")
    env = {"PATH": str(bin_dir), "CHROMIUM": str(chromium), "POSTGRESQL_LIB": str(pg_lib)}
    done = subprocess.run(["/bin/sh", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)
    log = tmp_path / "apt.log"
    return done, log.read_text().splitlines() if log.exists() else []


def test_silent_and_installs_nothing_when_everything_is_there(tmp_path):
    done, apt = run_setup(tmp_path, uid=0, apt_get=0, present=PACKAGES)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    assert apt == []


def test_root_with_apt_get_installs_only_what_is_missing(tmp_path):
    done, apt = run_setup(tmp_path, uid=0, apt_get=0, present=["postgresql"])
    assert done.returncode == 0, done.stderr
    assert apt[0] == "update -qq"
    assert apt[1].startswith("install -y") and apt[1].split()[-2:] == ["bubblewrap", "chromium"]
    assert done.stdout.strip() == "set-up: installing bubblewrap chromium with apt-get (once)"


def test_a_failed_install_says_so_and_what_is_left_unchecked(tmp_path):
    done, apt = run_setup(tmp_path, uid=0, apt_get=100, present=["chromium", "postgresql"])
    assert done.returncode == 0 and apt == ["update -qq"]
    assert "apt-get could not install bubblewrap" in done.stdout
    assert "docs/testing.md" in done.stdout


@pytest.mark.parametrize("uid", [0, 1000])
def test_without_apt_get_it_says_what_to_install(tmp_path, uid):
    done, apt = run_setup(tmp_path, uid=uid, apt_get=None)
    assert done.returncode == 0
    assert "missing bubblewrap chromium postgresql, and apt-get is not available here" in done.stdout
    assert "package manager" in done.stdout and "docs/testing.md" in done.stdout


def test_not_root_it_prints_the_command_instead_of_installing(tmp_path):
    done, apt = run_setup(tmp_path, uid=1000, apt_get=0, present=["bubblewrap"])
    assert done.returncode == 0 and apt == []
    assert "sudo apt-get install -y chromium postgresql" in done.stdout


def test_the_makefile_runs_it_before_both_commands():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    for target in ("demo", "test"):
        line = next(line for line in makefile.splitlines() if line.startswith(f"{target}:"))
        assert "system-packages" in line.split(":", 1)[1].split(), line
    assert "sh scripts/system_packages.sh" in makefile


def test_ci_requires_every_guarantee():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert "export CI=1" in ci and "scripts/system_packages.sh" in ci
    assert ci.index("bwrap --unshare-all") < ci.index("make test")
    assert os.access(PROJECT_ROOT / ".ci" / "run", os.X_OK)


def test_reading_a_notebook_builds_no_parsers_at_import():
    """A process that reads notebooks and opens the gradebook (every worker, a cold `autograder grade`)
    does not import rfc3987_syntax, whose import builds Earley parsers for seconds (pyproject.toml)."""
    code = "import sys, nbformat, nbgrader.api; print('rfc3987_syntax' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
