"""The child's own Python: a minimal runtime (interpreter, standard library, NumPy, child.py, wire.py,
template.py).

The grader's environment holds torch, the solutions and the course; the child needs none of
them. So the child runs a private, read-only runtime assembled once per machine from the
grader's own interpreter (hard links where possible, copies otherwise) in a cache folder that
every user can read:

    <cache>/child-<key>/bin/python3.X        the interpreter
                       /lib/libpython3.X.so  (when Python is built shared)
                       /lib/python3.X/       the standard library, without site-packages and tests
                       /site/numpy, numpy.libs
                       /grader/child.py, wire.py, template.py

Under bubblewrap this folder is the only Python the child sees, so torch cannot be imported
even by code that removes the import blocker. Without bubblewrap it lets the child run as the
unprivileged user when the grader's Python lives where that user cannot read (e.g. /root/.pyenv).
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHILD_DIR = Path(__file__).resolve().parent
CHILD_FILES = ("child.py", "wire.py", "template.py")
LAYOUT = "2: execute-only interpreter"   # changes whenever _build changes what it makes
SKIP_STDLIB = {"site-packages", "dist-packages", "test", "tests", "idlelib", "tkinter", "turtledemo",
               "ensurepip", "lib2to3", "pydoc_data", "venv"}


@dataclass(frozen=True)
class Runtime:
    root: Path

    @property
    def version(self) -> str:
        return f"python{sys.version_info.major}.{sys.version_info.minor}"

    def python(self, root: str | Path | None = None) -> str:
        return f"{root or self.root}/bin/{self.version}"

    def site(self, root: str | Path | None = None) -> str:
        return f"{root or self.root}/site"

    def child(self, root: str | Path | None = None) -> str:
        return f"{root or self.root}/grader/child.py"

    def template(self, root: str | Path | None = None) -> str:
        return f"{root or self.root}/grader/template.py"

    def env(self, root: str | Path | None = None) -> dict[str, str]:
        """What the interpreter needs to start from this folder (its shared library)."""
        return {"LD_LIBRARY_PATH": f"{root or self.root}/lib"}


def cache_root() -> Path:
    """Where runtimes are kept: $AUTOGRADER_RUNTIME_DIR, else a folder every user can traverse."""
    configured = os.environ.get("AUTOGRADER_RUNTIME_DIR")
    if configured:
        return Path(configured)
    if os.geteuid() == 0:
        return Path("/var/cache/autograder")
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "autograder"


def _sources() -> dict[str, Path]:
    numpy_dir = Path(np.__file__).resolve().parent
    sources = {
        "python": Path(os.path.realpath(sys.executable)),
        "stdlib": Path(sysconfig.get_paths()["stdlib"]).resolve(),
        "numpy": numpy_dir,
    }
    libs = numpy_dir.parent / "numpy.libs"
    if libs.is_dir():
        sources["numpy.libs"] = libs
    soname = sysconfig.get_config_var("INSTSONAME")
    libdir = sysconfig.get_config_var("LIBDIR")
    if sysconfig.get_config_var("Py_ENABLE_SHARED") and soname and libdir and (Path(libdir) / soname).exists():
        sources["libpython"] = Path(libdir) / soname
    return sources


def _key(sources: dict[str, Path]) -> str:
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    digest.update(np.__version__.encode())
    digest.update(LAYOUT.encode())
    for name, path in sorted(sources.items()):
        digest.update(f"{name}={path}:{path.stat().st_mtime_ns}".encode())
    for name in CHILD_FILES:
        digest.update((CHILD_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _ignore(directory, names):
    if Path(directory).name.startswith("python3") and Path(directory).parent.name == "lib":
        return [n for n in names if n in SKIP_STDLIB or n.startswith("config-")]
    return [n for n in names if n in ("tests", "test")] if "numpy" in Path(directory).parts else []


def _build(target: Path, sources: dict[str, Path]) -> None:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (target / "bin").mkdir(parents=True)
    (target / "lib").mkdir()
    (target / "site").mkdir()
    (target / "grader").mkdir()
    # A copy, execute-only for other users: a process started from a binary it cannot read is
    # not dumpable from its first instruction (the kernel decides at exec), so a sibling running
    # as another user never reads its /proc entries during start-up.
    shutil.copy2(sources["python"], target / "bin" / version)
    os.chmod(target / "bin" / version, 0o711)
    if "libpython" in sources:
        _link_or_copy(sources["libpython"], target / "lib" / sources["libpython"].name)
    shutil.copytree(sources["stdlib"], target / "lib" / version, symlinks=True, ignore=_ignore,
                    copy_function=_link_or_copy)
    for name in ("numpy", "numpy.libs"):
        if name in sources:
            shutil.copytree(sources[name], target / "site" / name, symlinks=True, ignore=_ignore,
                            copy_function=_link_or_copy)
    for name in CHILD_FILES:
        shutil.copy2(CHILD_DIR / name, target / "grader" / name)   # copies: never linked to the project
    for folder, dirs, _ in os.walk(target):
        for d in dirs:
            os.chmod(os.path.join(folder, d), 0o755)
    os.chmod(target, 0o755)


def _readable_by_all(path: Path) -> bool:
    """Every ancestor of `path` can be traversed by other users."""
    for parent in [path, *path.parents]:
        try:
            if not parent.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


@functools.lru_cache(maxsize=None)
def child_runtime() -> Runtime | None:
    """The child's runtime, built on first use; None when it cannot be built here (then the
    child runs the grader's own interpreter, and `launcher.isolation_warning` says so)."""
    if os.environ.get("AUTOGRADER_PRIVATE_RUNTIME", "1") == "0":
        return None
    try:
        sources = _sources()
        cache = cache_root()
        cache.mkdir(parents=True, exist_ok=True)
        os.chmod(cache, 0o755)
        target = cache / f"child-{_key(sources)}"
        if not (target / "ready").exists():
            staging = Path(tempfile.mkdtemp(prefix=".building-", dir=cache))
            try:
                _build(staging / "runtime", sources)
                (staging / "runtime" / "ready").write_text("ok\n")
                try:
                    os.rename(staging / "runtime", target)
                except OSError:
                    if not (target / "ready").exists():    # not a parallel build that won the race
                        raise
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        runtime = Runtime(target)
        if not _works(runtime):
            return None
        return runtime
    except OSError:
        return None


def _works(runtime: Runtime) -> bool:
    probe = subprocess.run(
        [runtime.python(), "-I", "-S", "-c",
         f"import sys; sys.path.insert(0, {runtime.site()!r}); import numpy"],
        env={"PATH": "/usr/bin:/bin", **runtime.env()}, capture_output=True, timeout=120)
    return probe.returncode == 0


def readable_by_unprivileged(runtime: Runtime | None) -> bool:
    return runtime is not None and _readable_by_all(runtime.root)
