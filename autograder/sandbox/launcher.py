"""Starting the sandbox child: bubblewrap when available, rlimits and seccomp always.

Under bubblewrap the child sees only: the system libraries (/usr), its private Python runtime
(`runtime.py`: interpreter, standard library, NumPy, child.py, wire.py; no torch, no project),
a scratch folder with a copy of the submission, a small private /tmp, and its own /proc and
/dev. It has no network, its own PID namespace, no capabilities, a stripped environment and
the unprivileged uid. Without bubblewrap it runs as a plain child process, as the unprivileged
user when the grader is root and the runtime is readable by that user, and
`isolation_warning()` says exactly what is missing.

Both paths get rlimits (address space, CPU seconds, file size, open files, processes, no core
files) and a seccomp filter (`seccomp.py`: no new processes or threads, no signals to other
processes, no network sockets). The child's stdout and stderr go to a file in a folder the
child cannot see; requests and replies cross on two pipes.
"""
from __future__ import annotations

import functools
import os
import pwd
import resource
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import runtime as runtimes
from . import seccomp

CHILD_DIR = Path(__file__).resolve().parent          # child.py and wire.py, nothing else needed
SANDBOX_HOME = "/sandbox"                            # the submission's scratch folder inside bwrap
RUNTIME_DIR = "/opt/runtime"                         # the child's Python runtime inside bwrap
GRADER_DIR = "/opt/grader"                           # CHILD_DIR inside bwrap (only without a runtime)
UNPRIVILEGED = 65534                                 # "nobody"
OUTPUT_CAP = 64 * 1024                               # bytes of the child's stdout/stderr kept


@dataclass(frozen=True)
class SandboxConfig:
    memory_mb: int = 1024           # address-space limit
    cpu_seconds: int = 600          # CPU-time backstop for the whole child
    max_processes: int = 64         # RLIMIT_NPROC (seccomp already refuses fork and clone)
    max_file_mb: int = 16           # largest file the child may write (its output file included)
    max_open_files: int = 64        # RLIMIT_NOFILE
    tmp_mb: int = 64                # size of the private /tmp under bubblewrap
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
    """True when the child's runtime can run as the unprivileged user, for the no-bwrap path."""
    if os.geteuid() != 0:
        return False
    runtime = runtimes.child_runtime()
    if not runtimes.readable_by_unprivileged(runtime):
        return False
    try:
        probe = subprocess.run(_python_argv(runtime, None, "-c", f"import sys; sys.path.insert(0, {runtime.site()!r}); "
                                            "import numpy"), capture_output=True,
                               timeout=60, preexec_fn=_drop_privileges, cwd="/",
                               env={**_child_env(), **runtime.env()})
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _readable_by_unprivileged(path: Path) -> bool:
    """Whether the unprivileged user could read `path` (other-permission bits along the way)."""
    try:
        path = Path(path).resolve()
        for parent in path.parents:
            if not parent.stat().st_mode & stat.S_IXOTH:
                return False
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IROTH) and (not stat.S_ISDIR(mode) or bool(mode & stat.S_IXOTH))


def isolation_warning(config: SandboxConfig, protected=()) -> str | None:
    """A sentence for the grading output when student code runs without bubblewrap.
    protected: paths students must not read (solutions, hidden suites); named when exposed."""
    if use_bwrap(config):
        return None
    why = ("bubblewrap disabled" if config.isolate == "none" else
           "bubblewrap (bwrap) is not available here; install it with `apt-get install -y bubblewrap`")
    text = (f"Sandbox: {why}. Student code ran in a plain child process with rlimits and a seccomp "
            "filter only (no network namespace, no private filesystem view)")
    if os.geteuid() != 0:
        user = pwd.getpwuid(os.geteuid()).pw_name
        text += f", as the grader's own user {user!r}, who can read everything the grader can."
    elif unprivileged_python_runs():
        text += ", as the unprivileged user 'nobody'."
        exposed = [str(p) for p in protected if _readable_by_unprivileged(p)]
        if exposed:
            text += (" WARNING: 'nobody' can read " + ", ".join(exposed) +
                     "; make them readable by the grader only (chmod o-rwx).")
    else:
        text += (", AS ROOT: the unprivileged user cannot run the child's Python runtime "
                 f"(it could not be built in a folder every user can read: {runtimes.cache_root()}), "
                 "so student code could read any file, including the solutions and hidden tests.")
    return text


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


def _system_binds() -> list[str]:
    """Read-only binds of the system libraries the interpreter links against."""
    args = []
    for top in ("/usr", "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"):
        if os.path.exists(top):
            args += ["--ro-bind", top, top]
    for link in ("/bin", "/lib", "/lib64", "/sbin"):
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    return args


def _grader_runtime_binds() -> list[str]:
    """Without a private runtime: read-only binds of the grader's own Python (base and venv)."""
    args = []
    prefixes = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    prefixes.add(os.path.realpath(os.path.dirname(os.path.realpath(sys.executable))) + "/..")
    for prefix in sorted({os.path.normpath(p) for p in prefixes}):
        if not prefix.startswith("/usr") and os.path.isdir(prefix):
            args += ["--ro-bind", prefix, prefix]
    if sys.prefix != os.path.realpath(sys.prefix):     # a symlinked venv path
        args += ["--ro-bind", sys.prefix, sys.prefix]
    return args + ["--ro-bind", str(CHILD_DIR), GRADER_DIR]


def _python_argv(runtime, root, *args) -> list[str]:
    """The interpreter command line: the private runtime (`-I -S`, NumPy on `--site`), else ours."""
    if runtime is None:
        return [sys.executable, "-I", "-u", *args]
    return [runtime.python(root), "-I", "-S", "-u", *args]


def command(config: SandboxConfig, scratch: Path, in_fd: int, out_fd: int, seccomp_fd: int | None = None) -> list[str]:
    """The argv that starts the child, inside bwrap or not."""
    runtime = runtimes.child_runtime()
    fds = [str(in_fd), str(out_fd)]
    if not use_bwrap(config):
        if runtime is None:
            return _python_argv(None, None, str(CHILD_DIR / "child.py"), *fds)
        return _python_argv(runtime, None, runtime.child(), *fds, "--site", runtime.site())
    uid_args = ["--uid", str(UNPRIVILEGED), "--gid", str(UNPRIVILEGED)] if os.geteuid() == 0 else []
    env = {**_child_env(), **(runtime.env(RUNTIME_DIR) if runtime else {})}
    if runtime is None:
        python = [*_grader_runtime_binds(), "--chdir", SANDBOX_HOME,
                  *_python_argv(None, None, f"{GRADER_DIR}/child.py", *fds)]
    else:
        python = ["--ro-bind", str(runtime.root), RUNTIME_DIR, "--chdir", SANDBOX_HOME,
                  *_python_argv(runtime, RUNTIME_DIR, runtime.child(RUNTIME_DIR), *fds,
                                "--site", runtime.site(RUNTIME_DIR))]
    return [
        "bwrap", "--unshare-all", "--unshare-user", *uid_args, "--die-with-parent", "--new-session",
        "--cap-drop", "ALL", "--clearenv", "--hostname", "sandbox",
        *[arg for key, value in env.items() for arg in ("--setenv", key, value)],
        # /tmp first: the binds below may lie under /tmp (a checkout in /tmp) and must stay visible
        "--size", str(config.tmp_mb * 2**20), "--tmpfs", "/tmp",
        "--proc", "/proc", "--dev", "/dev",
        *_system_binds(),
        "--bind", str(scratch), SANDBOX_HOME,
        *(["--seccomp", str(seccomp_fd)] if seccomp_fd is not None else []),
        *python,
    ]


def _limit_resources(config: SandboxConfig, unprivileged: bool, install_filter) -> None:
    """Runs in the forked child just before exec: own session, rlimits, no privileges, seccomp."""
    os.setsid()
    mb = 2**20
    resource.setrlimit(resource.RLIMIT_AS, (config.memory_mb * mb, config.memory_mb * mb))
    resource.setrlimit(resource.RLIMIT_CPU, (config.cpu_seconds, config.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (config.max_file_mb * mb, config.max_file_mb * mb))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (config.max_processes, config.max_processes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (config.max_open_files, config.max_open_files))
    if unprivileged:
        _drop_privileges()
    if install_filter is not None:
        install_filter()


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


@functools.lru_cache(maxsize=None)
def _installer() -> seccomp.Installer:
    return seccomp.Installer()


def start(config: SandboxConfig, files: dict[str, bytes] | None = None) -> Child:
    """Start a fresh child in a new scratch folder holding `files` (a copy of the submission).
    The channel is two pipes, not stdout; the output file lives where the child cannot see it."""
    bwrap = use_bwrap(config)
    unprivileged = not bwrap and unprivileged_python_runs()
    runtime = runtimes.child_runtime()
    scratch = Path(tempfile.mkdtemp(prefix="autograder-sandbox-"))    # 0700, the grader's
    work = scratch / f"work-{secrets.token_hex(8)}"     # unguessable: scratch is not listable
    work.mkdir(mode=0o700)
    for name, data in (files or {}).items():
        (work / Path(name).name).write_bytes(data)
    if unprivileged:
        os.chmod(scratch, 0o711)          # nobody may pass through to work/, not list or read
        for path in [work, *work.iterdir()]:
            os.chown(path, UNPRIVILEGED, UNPRIVILEGED)
    output_path = scratch / "output.txt"
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    filter_fd = seccomp.memfd() if bwrap else None
    install = None if bwrap else _installer()
    pass_fds = (request_r, reply_w) + ((filter_fd,) if filter_fd is not None else ())
    env = {**_child_env(), **(runtime.env() if runtime and not bwrap else {})}
    try:
        with open(output_path, "wb") as output:
            process = subprocess.Popen(
                command(config, work, request_r, reply_w, filter_fd),
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                pass_fds=pass_fds, env=env, cwd=str(work),
                preexec_fn=functools.partial(_limit_resources, config, unprivileged, install),
            )
    finally:
        for fd in (request_r, reply_w, filter_fd):
            if fd is not None:
                os.close(fd)
    os.set_blocking(request_w, False)      # the grader's ends never block: see wire._read_exact
    os.set_blocking(reply_r, False)
    return Child(process, request_w, reply_r, scratch, output_path)
