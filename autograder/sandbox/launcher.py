"""Starting the sandbox child: bubblewrap when available, rlimits always.

The child sees a read-only Python runtime, its own scratch folder and nothing of the project
(no solutions/, no hidden suites, no gradebook). Where bubblewrap is missing it runs as a plain
child process with rlimits only, and `isolation_warning()` says so.
"""
from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHILD_DIR = Path(__file__).resolve().parent          # child.py and wire.py, nothing else needed
SANDBOX_HOME = "/sandbox"                            # the submission's scratch folder inside bwrap
GRADER_DIR = "/opt/grader"                            # CHILD_DIR inside bwrap
UNPRIVILEGED = 65534                                  # "nobody"
OUTPUT_CAP = 64 * 1024                                # bytes of the child's stdout/stderr kept


@dataclass(frozen=True)
class SandboxConfig:
    memory_mb: int = 1024           # address-space limit
    cpu_seconds: int = 600          # CPU-time backstop for the whole child
    max_processes: int = 64         # RLIMIT_NPROC (effective for unprivileged users)
    max_file_mb: int = 16           # largest file the child may write
    isolate: str = "auto"           # "auto": bwrap when it works; "bwrap"; "none"


@functools.lru_cache(maxsize=None)
def bwrap_available() -> bool:
    """True when bubblewrap is installed and can create its namespaces here."""
    path = shutil.which("bwrap")
    if not path:
        return False
    try:
        probe = subprocess.run([path, "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev",
                                "--proc", "/proc", "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@functools.lru_cache(maxsize=None)
def unprivileged_python_runs() -> bool:
    """True when this Python (and NumPy) can run as the unprivileged user, for the no-bwrap path."""
    if os.geteuid() != 0:
        return False
    try:
        probe = subprocess.run([sys.executable, "-I", "-c", "import numpy"], capture_output=True,
                               timeout=60, preexec_fn=_drop_privileges)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def isolation_warning(config: SandboxConfig) -> str | None:
    """A sentence for the grading output when student code runs without bubblewrap."""
    if use_bwrap(config):
        return None
    why = ("bubblewrap disabled" if config.isolate == "none" else
           "bubblewrap (bwrap) is not available here; install it with `apt-get install -y bubblewrap`")
    user = ""
    if os.geteuid() == 0:
        user = (", as the unprivileged user 'nobody'" if unprivileged_python_runs() else
                ", as root (the unprivileged user cannot read this Python installation)")
    return f"Sandbox: {why}. Student code ran in a plain child process with rlimits only{user}."


def use_bwrap(config: SandboxConfig) -> bool:
    if config.isolate == "none":
        return False
    available = bwrap_available()
    if config.isolate == "bwrap" and not available:
        raise RuntimeError("isolation 'bwrap' was asked for, but bubblewrap cannot run here")
    return available


def _child_env() -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": SANDBOX_HOME,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }


def _runtime_binds() -> list[str]:
    """Read-only binds of the system and the Python runtime (base install and virtualenv)."""
    args = []
    for top in ("/usr", "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"):
        if os.path.exists(top):
            args += ["--ro-bind", top, top]
    for link in ("/bin", "/lib", "/lib64", "/sbin"):
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    prefixes = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    prefixes.add(os.path.realpath(os.path.dirname(os.path.realpath(sys.executable))) + "/..")
    for prefix in sorted({os.path.normpath(p) for p in prefixes}):
        if not prefix.startswith("/usr") and os.path.isdir(prefix):
            args += ["--ro-bind", prefix, prefix]
    if sys.prefix != os.path.realpath(sys.prefix):     # a symlinked venv path
        args += ["--ro-bind", sys.prefix, sys.prefix]
    return args


def command(config: SandboxConfig, scratch: Path, in_fd: int, out_fd: int) -> list[str]:
    """The argv that starts the child, inside bwrap or not."""
    python = sys.executable
    if not use_bwrap(config):
        return [python, "-I", str(CHILD_DIR / "child.py"), str(in_fd), str(out_fd)]
    uid_args = ["--uid", str(UNPRIVILEGED), "--gid", str(UNPRIVILEGED)] if os.geteuid() == 0 else []
    return [
        "bwrap", "--unshare-all", "--unshare-user", *uid_args, "--die-with-parent", "--new-session",
        "--cap-drop", "ALL", "--clearenv",
        *[arg for key, value in _child_env().items() for arg in ("--setenv", key, value)],
        # /tmp first: the binds below may lie under /tmp (a checkout in /tmp) and must stay visible
        "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev",
        *_runtime_binds(),
        "--ro-bind", str(CHILD_DIR), GRADER_DIR,
        "--bind", str(scratch), SANDBOX_HOME,
        "--chdir", SANDBOX_HOME,
        python, "-I", f"{GRADER_DIR}/child.py", str(in_fd), str(out_fd),
    ]


def _limit_resources(config: SandboxConfig, unprivileged: bool) -> None:
    """Runs in the forked child just before exec: rlimits, own session, no privileges."""
    os.setsid()
    mb = 2**20
    resource.setrlimit(resource.RLIMIT_AS, (config.memory_mb * mb, config.memory_mb * mb))
    resource.setrlimit(resource.RLIMIT_CPU, (config.cpu_seconds, config.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (config.max_file_mb * mb, config.max_file_mb * mb))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (config.max_processes, config.max_processes))
    if unprivileged:
        _drop_privileges()


def _drop_privileges() -> None:
    os.setgroups([])
    os.setgid(UNPRIVILEGED)
    os.setuid(UNPRIVILEGED)


@dataclass
class Child:
    """A running child: its process, the two channel descriptors and its captured output file."""
    process: subprocess.Popen
    to_child: int
    from_child: int
    scratch: Path
    output_path: Path

    def kill(self) -> None:
        """Kill the child's whole process group and reap it; safe to call twice."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self.to_child = self.from_child = -1

    def output(self) -> str:
        """What the student's code printed (first OUTPUT_CAP bytes)."""
        try:
            with open(self.output_path, "rb") as f:
                data = f.read(OUTPUT_CAP + 1)
        except OSError:
            return ""
        text = data[:OUTPUT_CAP].decode("utf-8", "replace")
        return text + ("\n[output truncated]" if len(data) > OUTPUT_CAP else "")

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self.scratch, ignore_errors=True)


def start(config: SandboxConfig) -> Child:
    """Start a fresh child in a new scratch folder; the channel is two pipes, not stdout."""
    scratch = Path(tempfile.mkdtemp(prefix="autograder-sandbox-"))
    unprivileged = not use_bwrap(config) and unprivileged_python_runs()
    if unprivileged:
        os.chown(scratch, UNPRIVILEGED, UNPRIVILEGED)
    work = scratch / "work"
    work.mkdir()
    if unprivileged:
        os.chown(work, UNPRIVILEGED, UNPRIVILEGED)
    output_path = scratch / "output.txt"
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    try:
        with open(output_path, "wb") as output:
            process = subprocess.Popen(
                command(config, work, request_r, reply_w),
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                pass_fds=(request_r, reply_w), env=_child_env(),
                cwd=str(work), preexec_fn=functools.partial(_limit_resources, config, unprivileged),
            )
    finally:
        os.close(request_r)
        os.close(reply_w)
    return Child(process, request_w, reply_r, scratch, output_path)
