"""Starting the sandbox child: bubblewrap when available, rlimits and seccomp always.

Under bubblewrap the child sees only: the system libraries (/usr), its private Python runtime
(`runtime.py`: interpreter, standard library, NumPy, child.py, wire.py; no torch, no project),
its own folder (a size-limited tmpfs) with a copy of the submission, a small private /tmp, and
its own /proc and /dev. It has no network, its own PID namespace, no capabilities, a stripped
environment and the unprivileged uid. Without bubblewrap it runs as a plain child process; when
the grader is root, as a uid of its own in a private mount namespace (`_PrivateView`), and
`isolation_warning()` says exactly what is missing (for the instructor; docs/sandbox.md lists
what the fallback does not protect).

Both paths get rlimits (address space, CPU seconds, file size, open files, processes, no core
files) and a seccomp filter (`seccomp.py`: no new processes or threads, no signals to other
processes, no network sockets). The child's stdout and stderr go to a file in a folder the
child cannot see; requests and replies cross on two pipes.
"""
from __future__ import annotations

import ctypes
import functools
import itertools
import os
import pwd
import re
import resource
import secrets
import select
import shutil
import signal
import socket
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
    tmp_mb: int = 64                # size of the private /tmp (and of the child's own folder)
    isolate: str = "auto"           # "auto": bwrap when it works; "bwrap"; "none"
    hidden: tuple[str, ...] = ()    # without bwrap: folders covered by an empty one in the child's view


_TRUE = next((p for p in ("/usr/bin/true", "/bin/true") if os.path.exists(p)), "true")


def bwrap_path() -> str | None:
    """bubblewrap's absolute path, found on the grader's PATH (the child's PATH is not searched)."""
    path = shutil.which("bwrap")
    return os.path.abspath(path) if path else None


@functools.lru_cache(maxsize=None)
def _bwrap_probe(path: str | None) -> str | None:
    """None when bubblewrap at `path` can create its namespaces here, else what went wrong."""
    if not path:
        return "bwrap is not on the PATH"
    try:
        probe = subprocess.run([path, "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev",
                                "--proc", "/proc", _TRUE], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"{path} could not run: {err}"
    if probe.returncode != 0:
        return f"{path} failed: {probe.stderr.decode(errors='replace').strip()[:300]}"
    return None


def bwrap_available() -> bool:
    """True when bubblewrap is installed and can create its namespaces here."""
    return _bwrap_probe(bwrap_path()) is None


def bwrap_problem() -> str | None:
    """Why bubblewrap cannot be used here (None when it can)."""
    return _bwrap_probe(bwrap_path())


@functools.lru_cache(maxsize=None)
def _bwrap_as_user_probe(path: str | None) -> bool:
    if os.geteuid() != 0 or not path or _bwrap_probe(path) is not None:
        return False
    try:
        probe = subprocess.run([path, "--unshare-all", "--unshare-user", "--uid", str(UNPRIVILEGED), "--gid",
                                str(UNPRIVILEGED), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", _TRUE],
                               capture_output=True, timeout=20, cwd="/",
                               preexec_fn=functools.partial(_drop_privileges, CHILD_UID_BASE))
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def bwrap_runs_as_user() -> bool:
    """Whether a root grader can start bubblewrap as an unprivileged uid of the host (the kernel lets
    users create user namespaces). It does then: the sandbox's user maps to that uid, not to root, so
    no file of the host is the child's own (a child could chmod the host's /dev/null otherwise)."""
    return _bwrap_as_user_probe(bwrap_path())


def _clear_probes() -> None:
    _bwrap_probe.cache_clear()
    _bwrap_as_user_probe.cache_clear()


bwrap_available.cache_clear = _clear_probes    # tests that change PATH


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
                               timeout=60, preexec_fn=functools.partial(_drop_privileges, UNPRIVILEGED), cwd="/",
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
            "filter (no network or PID namespace)")
    if os.geteuid() != 0:
        user = pwd.getpwuid(os.geteuid()).pw_name
        text += f", as the grader's own user {user!r}, who can read everything the grader can."
    elif unprivileged_python_runs():
        text += ", each child as its own unprivileged user"
        if private_namespace_works():
            text += (", in a private mount namespace (the project and course folders hidden, its own "
                     f"{config.tmp_mb} MiB /tmp and folder).")
        else:
            text += (". WARNING: no private mount namespace here, so world-readable files stay readable")
            exposed = [str(p) for p in protected if _readable_by_unprivileged(p)]
            text += (", including " + ", ".join(exposed) + "; make them readable by the grader only "
                     "(chmod o-rwx)." if exposed else ".")
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
        raise RuntimeError(f"isolation 'bwrap' was asked for, but bubblewrap cannot run here ({bwrap_problem()})")
    return available


# How the numeric libraries pick their kernels: the child computes with the same ones as the grader's
# own process, or a correct answer could differ from the reference in its last bits (OpenBLAS's
# core type decides the summation order of a matrix product).
NUMERIC_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES",
               "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS")


def _child_env() -> dict[str, str]:
    numeric = {name: os.environ[name] for name in NUMERIC_ENV if os.environ.get(name)}
    return {
        **numeric,
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


def command(config: SandboxConfig, scratch: Path, in_fd: int, out_fd: int, seccomp_fd: int | None = None,
            files=()) -> list[str]:
    """The argv that starts the child, inside bwrap or not. files: names in `scratch` to show,
    read-only, in the child's own folder (a size-limited tmpfs under bwrap)."""
    runtime = runtimes.child_runtime()
    fds = [str(in_fd), str(out_fd)]
    if not use_bwrap(config):
        if runtime is None:
            return _python_argv(None, None, str(CHILD_DIR / "child.py"), *fds)
        return _python_argv(runtime, None, runtime.child(), *fds, "--site", runtime.site())
    if runtime is None:
        python = [*_grader_runtime_binds(), "--chdir", SANDBOX_HOME,
                  *_python_argv(None, None, f"{GRADER_DIR}/child.py", *fds)]
    else:
        python = ["--ro-bind", str(runtime.root), RUNTIME_DIR, "--chdir", SANDBOX_HOME,
                  *_python_argv(runtime, RUNTIME_DIR, runtime.child(RUNTIME_DIR), *fds,
                                "--site", runtime.site(RUNTIME_DIR))]
    return _bwrap_command(config, runtime, python, seccomp_fd, scratch, files)


def _bwrap_command(config: SandboxConfig, runtime, python: list[str], seccomp_fd: int | None, scratch: Path,
                   files=()) -> list[str]:
    """bubblewrap's argv around `python` (the binds of the interpreter and its command line)."""
    uid_args = ["--uid", str(UNPRIVILEGED), "--gid", str(UNPRIVILEGED)] if os.geteuid() == 0 else []
    env = {**_child_env(), **(runtime.env(RUNTIME_DIR) if runtime else {})}
    return [
        bwrap_path(), "--unshare-all", "--unshare-user", *uid_args, "--die-with-parent", "--new-session",
        "--cap-drop", "ALL", "--clearenv", "--hostname", "sandbox",
        *[arg for key, value in env.items() for arg in ("--setenv", key, value)],
        # /tmp first: the binds below may lie under /tmp (a checkout in /tmp) and must stay visible
        "--size", str(config.tmp_mb * 2**20), "--tmpfs", "/tmp",
        "--proc", "/proc", "--dev", "/dev",
        "--size", str(config.tmp_mb * 2**20), "--perms", "1777", "--tmpfs", "/dev/shm",   # bwrap's is unlimited
        *_system_binds(),
        # the child's own folder: a tmpfs of the same size (a disk quota), gone with the child
        "--size", str(config.tmp_mb * 2**20), "--perms", "0777", "--tmpfs", SANDBOX_HOME,
        *[arg for name in files for arg in ("--ro-bind", str(scratch / name), f"{SANDBOX_HOME}/{name}")],
        *(["--seccomp", str(seccomp_fd)] if seccomp_fd is not None else []),
        *python,
    ]


_LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 0x1000, 0x4000, 0x40000
PR_SET_PDEATHSIG = 1
SCRATCH_PREFIX = "autograder-sandbox-"


def _check(result: int, what: str) -> None:
    if result != 0:
        errno_ = ctypes.get_errno()
        raise OSError(errno_, f"{what}: {os.strerror(errno_)}")


def _mount(source: bytes, target: str, kind: bytes | None, flags: int, options: bytes | None) -> None:
    _check(_LIBC.mount(source, os.fsencode(target), kind, ctypes.c_ulong(flags), options), f"mount {target}")


@dataclass(frozen=True)
class _PrivateView:
    """Without bubblewrap, as root: the child's own mount namespace. Its folder is a size-limited
    tmpfs holding a copy of the submission (reached through the working directory only), /tmp,
    /var/tmp and /dev/shm are fresh size-limited tmpfs, and `hidden` folders (the project, the
    course directory: solutions, hidden suites, source notebooks, submitted/, autograded/,
    gradebook.db) are covered by empty read-only ones. Everything is gone when the child ends."""
    work: str
    files: tuple            # (name, bytes)
    uid: int
    size_mb: int
    hidden: tuple

    def enter(self) -> None:
        _check(_LIBC.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        _mount(b"none", "/", None, MS_REC | MS_PRIVATE, None)
        size = f"size={self.size_mb}m".encode()
        _mount(b"tmpfs", self.work, b"tmpfs", MS_NOSUID | MS_NODEV,
               size + f",mode=0700,uid={self.uid},gid={self.uid}".encode())
        for name, data in self.files:
            path = os.path.join(self.work, name)
            with open(path, "wb") as f:
                f.write(data)
            os.chown(path, self.uid, self.uid)
        os.chdir(self.work)           # the cwd keeps the folder reachable once /tmp is covered
        _mount(b"tmpfs", "/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, size + b",mode=1777")
        for folder in ("/var/tmp", "/dev/shm"):       # the same tmpfs: one quota for all three
            if os.path.isdir(folder) and not os.path.islink(folder):
                _mount(b"/tmp", folder, None, MS_BIND, None)
        for folder in self.hidden:
            if not os.path.isdir(folder):        # under /tmp: already out of sight
                continue
            _mount(b"tmpfs", folder, b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, b"size=4k,mode=0555")
        try:    # processes of other users invisible in /proc (each child has its own uid)
            _mount(b"proc", "/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, b"hidepid=2")
        except OSError:
            pass


def probe_machine() -> None:
    """Find out now what this process's first child would, each fact kept for the process: the
    child's runtime (built on first use), whether bubblewrap runs here and as an unprivileged user,
    else whether the no-bwrap path's unprivileged user and private mount namespace work. A batch
    worker's preload calls it (autograder.warm), so that its first grading waits for none of them."""
    runtimes.child_runtime()
    if bwrap_available():
        bwrap_runs_as_user()
    elif unprivileged_python_runs():
        private_namespace_works()


def _hideable(folders, keep) -> tuple[str, ...]:
    """The folders among `folders` that can be covered without hiding what the child needs
    (`keep`: its runtime, its own folder, the system): never one of those or an ancestor of one."""
    out = []
    for folder in folders:
        try:
            folder = os.path.realpath(folder)
        except OSError:
            continue
        if not os.path.isdir(folder) or folder == "/":
            continue
        if any(k == folder or k.startswith(folder.rstrip("/") + "/") or folder.startswith(k.rstrip("/") + "/")
               for k in keep):
            continue
        out.append(folder)
    return tuple(dict.fromkeys(out))


@functools.lru_cache(maxsize=None)
def private_namespace_works() -> bool:
    """Whether the grader can give a child its own mount namespace (root, CAP_SYS_ADMIN)."""
    if os.geteuid() != 0:
        return False
    folder = tempfile.mkdtemp(prefix=SCRATCH_PREFIX + f"{os.getpid()}-probe-")
    try:
        view = _PrivateView(folder, (("probe", b"ok"),), UNPRIVILEGED, 1, ())
        probe = subprocess.run(["/bin/sh", "-c", "cat probe"], capture_output=True, timeout=20, cwd="/",
                               preexec_fn=view.enter)
        return probe.returncode == 0 and probe.stdout == b"ok"
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _limit_resources(config: SandboxConfig, uid: int | None, view: _PrivateView | None, install_filter,
                     parent: int) -> None:
    """Runs in the forked child just before exec: own session, rlimits, its private view, no
    privileges (its own uid), killed with its parent, seccomp. The address-space limit comes last
    but for seccomp (whose filter was prepared in the grader): the fork inherits the grader's large
    address space (torch), so any allocation after that limit could fail and abort the start."""
    os.setsid()
    mb = 2**20
    address_space = (config.memory_mb * mb, config.memory_mb * mb)
    resource.setrlimit(resource.RLIMIT_CPU, (config.cpu_seconds, config.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (config.max_file_mb * mb, config.max_file_mb * mb))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (config.max_processes, config.max_processes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (config.max_open_files, config.max_open_files))
    if view is not None:
        view.enter()
    if uid is not None:
        _drop_privileges(uid)
    # after the uid change (which clears it): the child dies with the process that started it
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:     # the grader died before the signal was set: nothing will send it
        os._exit(1)
    resource.setrlimit(resource.RLIMIT_AS, address_space)
    if install_filter is not None:
        install_filter()


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


_children = itertools.count()


def _child_uid(template: bool = False) -> int:
    """A host uid of its own for each child (no account needed; for bubblewrap itself when it can
    run as a user): children of different students cannot read each other's /proc entries, signal
    or trace each other, or share RLIMIT_NPROC. Unique among the grader's live processes (pid):
    240 children in turn per process, and 16 more for its templates, which live longer."""
    if template:
        return CHILD_UID_BASE + os.getpid() * UIDS_PER_PROCESS + 240 + next(_templates) % 16
    return CHILD_UID_BASE + os.getpid() * UIDS_PER_PROCESS + next(_children) % 240


CHILD_UID_BASE = 1 << 24
UIDS_PER_PROCESS = 256               # pids up to 2^22 stay below 2^31
_templates = itertools.count()


def clean_stale_scratch(folder: str | None = None) -> list[str]:
    """Remove scratch folders left by graders that no longer run (a killed worker): their name
    carries the pid of the grader that made them. Returns the folders removed."""
    removed = []
    root = Path(folder or tempfile.gettempdir())
    for path in root.glob(SCRATCH_PREFIX + "*"):
        match = re.fullmatch(re.escape(SCRATCH_PREFIX) + r"(\d+)-.+", path.name)
        if match is None or _alive(int(match.group(1))):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(str(path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL a started process's whole group (bubblewrap and what runs in it) and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


class Kept:
    """A child forked from a template, seen through its keeper's two pipes (template.py): what the
    grader asks of a `subprocess.Popen` (poll, wait, returncode, kill). Its returncode is reported
    as bubblewrap reports one (128 + N for signal N)."""

    def __init__(self, kill_w: int, status_r: int, template: "Template"):
        self._kill_w, self._status_r = kill_w, status_r
        self.template = template
        self.returncode: int | None = None
        self.lost = False           # its keeper ended without reporting: the template was killed
        self._killed = False        # the grader asked for its end

    def orphaned(self) -> bool:
        """Whether it ended because its template did (killed from outside), not by its own doing: its
        keeper could not report, or it died of SIGKILL nobody here sent as its template ended."""
        if self.lost:
            return True
        if self._killed or self.returncode != 128 + signal.SIGKILL:
            return False
        try:
            self.template.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            return False
        return True

    def poll(self) -> int | None:
        self._collect(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._collect(timeout):
            raise subprocess.TimeoutExpired("sandbox child", timeout)
        return self.returncode

    def kill(self) -> None:
        """The keeper kills the child on any byte (or when this end is closed)."""
        self._killed = True
        try:
            os.write(self._kill_w, b"K")
        except OSError:
            pass

    def _collect(self, timeout: float | None) -> bool:
        if self.returncode is not None:
            return True
        if self._status_r < 0 or not select.select([self._status_r], [], [], timeout)[0]:
            return False
        data = os.read(self._status_r, 16)
        # a keeper that ended without a word was killed with the template: so was its child
        self.lost = not data.isdigit()
        self.returncode = 128 + signal.SIGKILL if self.lost else int(data)
        self.close()
        return True

    def close(self) -> None:
        for fd in (self._kill_w, self._status_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._kill_w = self._status_r = -1


@dataclass
class Child:
    """A running child: its process, the two channel descriptors and its captured output file."""
    process: subprocess.Popen | Kept
    to_child: int
    from_child: int
    scratch: Path
    output_path: Path
    ready: bool = True      # False: forked, its word that it is sandboxed not read yet (confirm_forked)

    def kill(self) -> None:
        """Kill the child (its whole process group, or through its keeper) and reap it; safe to call twice."""
        if isinstance(self.process, Kept):
            if self.process.poll() is None:
                self.process.kill()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.process.close()
        else:
            _kill_group(self.process)
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
    as_user = bwrap and bwrap_runs_as_user()
    unprivileged = not bwrap and unprivileged_python_runs()
    uid = _child_uid() if unprivileged or as_user else None
    runtime = runtimes.child_runtime()
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))    # 0700, the grader's
    work = scratch / f"work-{secrets.token_hex(8)}"     # unguessable: scratch is not listable
    work.mkdir(mode=0o700)
    names = [Path(name).name for name in (files or {})]
    for name, data in (files or {}).items():
        (work / Path(name).name).write_bytes(data)
    view = None
    if unprivileged and private_namespace_works():
        keep = [str(runtime.root) if runtime else sys.prefix, str(scratch), "/usr", "/proc", "/dev"]
        view = _PrivateView(str(work), tuple((Path(n).name, d) for n, d in (files or {}).items()), uid,
                            config.tmp_mb, _hideable(config.hidden, keep))
    if uid is not None:
        os.chmod(scratch, 0o711)          # the child may pass through to work/, not list or read
        for path in [work, *work.iterdir()]:
            os.chown(path, uid, uid)
    output_path = scratch / "output.txt"
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    filter_fd = seccomp.memfd() if bwrap else None
    install = None if bwrap else _installer()
    pass_fds = (request_r, reply_w) + ((filter_fd,) if filter_fd is not None else ())
    env = {**_child_env(), **(runtime.env() if runtime and not bwrap else {})}
    try:
        with open(os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as output:
            process = subprocess.Popen(
                command(config, work, request_r, reply_w, filter_fd, names),
                stdin=subprocess.PIPE, stdout=output, stderr=subprocess.STDOUT,
                pass_fds=pass_fds, env=env, cwd=str(work),
                preexec_fn=functools.partial(_limit_resources, config, uid, view, install, os.getpid()),
            )
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    finally:
        for fd in (request_r, reply_w, filter_fd):
            if fd is not None:
                os.close(fd)
    process.stdin.close()      # an empty pipe: not the host's /dev/null, which a child mapped to its owner could chmod
    os.set_blocking(request_w, False)      # the grader's ends never block: see wire._read_exact
    os.set_blocking(reply_r, False)
    return Child(process, request_w, reply_r, scratch, output_path)


READY_SECONDS = 10      # for a forked child to report itself sandboxed


@dataclass
class Template:
    """A running template (template.py) of one sandbox config: its bubblewrap process, the socket
    its fork requests go through, and its scratch folder (its own output file)."""
    process: subprocess.Popen
    control: socket.socket
    scratch: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the template; the children forked from it die with it (their PID namespace's parent
        ends), and each one's grader-side pipes report it."""
        self.control.close()
        _kill_group(self.process)
        shutil.rmtree(self.scratch, ignore_errors=True)


def start_template(config: SandboxConfig) -> Template | None:
    """A template for children of `config` (template.py), or None where a child cannot be forked
    from one: without bubblewrap or without the private runtime. A template that starts but cannot
    sandbox the children it forks is found out by `fork`."""
    runtime = runtimes.child_runtime()
    if runtime is None or not use_bwrap(config):
        return None
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
    program = seccomp.program()
    python = ["--ro-bind", str(runtime.root), RUNTIME_DIR, "--chdir", SANDBOX_HOME,
              *_python_argv(runtime, RUNTIME_DIR, runtime.template(RUNTIME_DIR), str(theirs.fileno()),
                            str(config.tmp_mb), program.hex() if program else "", "--site",
                            runtime.site(RUNTIME_DIR))]
    uid = _child_uid(template=True) if bwrap_runs_as_user() else None
    try:
        with open(os.open(scratch / "output.txt", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as output:
            process = subprocess.Popen(
                _bwrap_command(config, runtime, python, None, scratch), stdin=subprocess.PIPE,
                stdout=output, stderr=subprocess.STDOUT, pass_fds=(theirs.fileno(),), env=_child_env(),
                cwd="/", preexec_fn=functools.partial(_limit_resources, config, uid, None, None, os.getpid()))
    except BaseException:
        ours.close()
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    finally:
        theirs.close()
    process.stdin.close()
    return Template(process, ours, scratch)


def fork(template: Template, *, wait: bool = True) -> Child:
    """A fresh child forked from `template`, sandboxed (template.py says how) before this returns;
    OSError when the template cannot give one (then it is retired, and children started:
    proxy._fork). wait=False: return once asked, and let `confirm_forked` wait for the child's
    word when it is first needed (a spare, forked while a grading runs)."""
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))    # 0700, the grader's
    output_path = scratch / "output.txt"
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    kill_r, kill_w = os.pipe()
    status_r, status_w = os.pipe()
    theirs = [request_r, reply_w, kill_r, status_w]
    child = Child(Kept(kill_w, status_r, template), request_w, reply_r, scratch, output_path, ready=False)
    try:
        output = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        theirs.append(output)
        socket.send_fds(template.control, [b"fork"], [request_r, reply_w, output, kill_r, status_w])
    except BaseException:
        child.cleanup()
        raise
    finally:
        for fd in theirs:
            os.close(fd)
    if wait:
        confirm_forked(child)
    return child


def confirm_forked(child: Child) -> None:
    """Wait (at most READY_SECONDS) for a forked child to report itself sandboxed; OSError, the child
    removed, when it does not."""
    if child.ready:
        return
    ready = select.select([child.from_child], [], [], READY_SECONDS)[0]
    if not ready or os.read(child.from_child, 1) != b"R":
        child.process.kill()
        child.process.close()         # no wait: its keeper may never have started
        why = (child.output().strip().splitlines() or ["no reply"])[-1][:300]
        child.cleanup()
        raise OSError(f"a child forked from the sandbox template did not start ({why})")
    os.set_blocking(child.to_child, False)      # the grader's ends never block: see wire._read_exact
    os.set_blocking(child.from_child, False)
    child.ready = True
