"""The autograder for a backpropagation course: sandboxed student code, trusted hidden suites."""
import sys

# jsonschema (under nbformat) builds an IRI grammar with lark at import when rfc3987_syntax is
# installed: 2.5 s per process for a format nbformat never checks. Skip it, as jsonschema allows.
sys.modules.setdefault("rfc3987_syntax", None)
