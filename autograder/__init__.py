"""The autograder for a backpropagation course: sandboxed student code, trusted hidden suites."""
import os as _os
import sys

# jsonschema (under nbformat) builds an IRI grammar with lark at import when rfc3987_syntax is
# installed: 2.5 s per process for a format nbformat never checks. Skip it, as jsonschema allows.
sys.modules.setdefault("rfc3987_syntax", None)

# nbgrader's Gradebook runs the `alembic` command found on PATH: make it the one installed
# beside this Python, so `.venv/bin/autograder` works without an activated virtualenv.
_bin = _os.path.dirname(sys.executable)
if _bin not in _os.environ.get("PATH", "").split(_os.pathsep):
    _os.environ["PATH"] = _bin + _os.pathsep + _os.environ.get("PATH", "")
