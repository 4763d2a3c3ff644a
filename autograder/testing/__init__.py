"""What hidden suites import: comparisons with named tolerances, shared strategies, the torch oracle.

Nothing here ever calls student code for its own judgement: expected values come from the
reference solution and torch, and every comparison is NumPy in float64 on the trusted side.
"""
import pytest

from ..diagnosis import Failure, StudentFailure
from .compare import TOLERANCES, assert_close, assert_no_mutation, describe

graded = pytest.mark.graded
"""`@graded("relu_grad")` marks a hidden test as checking that function; `weight=` (default 1)
sets its share of the function's points; `core=True` makes it a test the function must pass to
earn any points (the partial-credit rule in autograder/results.py); `answer_shown=False` keeps the
expected value out of its failure messages even on a fixed case (a function without inputs, whose
answer is its whole output). Randomized (hypothesis) tests never show it (docs/cases.md)."""

__all__ = ["Failure", "StudentFailure", "TOLERANCES", "assert_close", "assert_no_mutation",
           "describe", "graded"]
