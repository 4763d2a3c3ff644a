"""Hidden cases a student cannot replay: the seed of a submission's randomized cases (docs/cases.md).

    case_seed(secret, submission bytes) -> int      HMAC-SHA256: the same file, the same cases;
                                                     unpredictable without the course's secret
    per_test_seed(case seed, test name) -> int       one independent seed per hidden test
    slot_seed(secret, slot) -> int                   the seed a slot of the case pool is recorded
                                                     from (autograder/case_pool.py)

The secret is the grader's, never released: `AUTOGRADER_CASE_SECRET` when set (every machine of a
cluster must then see the same value), else the file `.autograder/case-secret` beside course.toml,
created on first use (mode 600). A seed of None means the derandomized cases of a plain `pytest` run.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_ENV = "AUTOGRADER_CASE_SECRET"
SECRET_FILE = Path(".autograder") / "case-secret"   # relative to the course root (course.toml's folder)
SEED_BITS = 64


class SecretError(RuntimeError):
    """The case secret exists but cannot be used (unreadable, empty, readable by others)."""


PRIVATE_DIR = Path(".autograder")     # beside course.toml: the grader's own folder (secret, case sets, builds)


def private_folder(course_root: Path) -> Path:
    """The course's `.autograder` folder, mode 700 whoever makes it first (and made so if it is not):
    it holds the case secret and the recorded case sets."""
    folder = Path(course_root) / PRIVATE_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        os.chmod(folder, 0o700)
    return folder


def course_secret(course_root: Path) -> bytes:
    """The course's case secret: the environment variable, else the file, created on first use.
    Creation is atomic (written aside, then linked into place), so parallel workers agree."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env.encode("utf-8")
    path = Path(course_root) / SECRET_FILE
    if not path.exists():
        private_folder(course_root)
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode("ascii"))
        finally:
            os.close(fd)
        try:
            os.link(aside, path)          # fails if another process created it first: use theirs
        except FileExistsError:
            pass
        finally:
            os.unlink(aside)
    if path.stat().st_mode & 0o077:
        raise SecretError(f"{path} is readable by other users: `chmod 600 {path}` (students must never read it)")
    secret = path.read_bytes().strip()
    if not secret:
        raise SecretError(f"{path} is empty: delete it to have a new one created")
    return secret


def case_seed(secret: bytes, submission: bytes) -> int:
    """The seed of one submission's randomized cases: the same bytes always give the same seed."""
    digest = hmac.new(secret, b"autograder-cases-v1\0" + submission, hashlib.sha256).digest()
    return int.from_bytes(digest[:SEED_BITS // 8], "big")


def per_test_seed(seed: int, test: str) -> int:
    """One hidden test's seed, from the submission's: independent draws for every test."""
    digest = hashlib.sha256(f"{seed}:{test}".encode("utf-8")).digest()
    return int.from_bytes(digest[:SEED_BITS // 8], "big")


def slot_seed(secret: bytes, slot: int) -> int:
    """The seed from which slot `slot` of the course's case pool is drawn."""
    digest = hmac.new(secret, b"autograder-case-slot-v1\0" + str(slot).encode("ascii"), hashlib.sha256).digest()
    return int.from_bytes(digest[:SEED_BITS // 8], "big")
