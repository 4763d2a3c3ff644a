"""What hidden suites import: `graded`, comparisons with named tolerances, known mistakes, the
`check` fixture's helpers, shared strategies and the torch oracle (docs/authoring.md).

Nothing here ever calls student code for its own judgement: expected values come from the
reference solution and torch, and every comparison is NumPy in float64 on the trusted side.
"""
from ..diagnosis import GENERIC, Failure, StudentFailure
from .compare import TOLERANCES, assert_close, assert_no_mutation, describe
from .graded import AuthoringError, Graded, each_graded, graded
from .mistakes import Mistake

__all__ = ["GENERIC", "AuthoringError", "Failure", "Graded", "Mistake", "StudentFailure", "TOLERANCES", "assert_close",
           "assert_no_mutation", "describe", "each_graded", "graded"]
