"""The replay attacker: resubmit again and again, building an input -> answer table from the feedback.

Each round the attacker submits `steps_to_reach` as a lookup table of every (input, expected) pair
that earlier feedback printed, -1 elsewhere, and reads the new failure message. Against the grader
as it was (the same derandomized cases for everyone, expected values printed) the table fills up
and the function reaches full marks with no arithmetic; against per-submission cases with expected
values left out of randomized failures (docs/cases.md), it earns nothing.
"""
import json
import re

import pytest

import autograder.suite
from autograder.grade import grade_submission

from helpers import run_cli

FUNCTION = "steps_to_reach"
LEARNED = re.compile(r"is (-?\d+), expected (-?\d+):.*?\nInput: losses = (.*), threshold = (\S+)", re.S)


def attacker_source(table: dict) -> str:
    """A submission whose steps_to_reach answers from `table` ({(losses text, threshold text): answer})."""
    return ("import numpy as np\n\n"
            f"TABLE = {table!r}\n\n\n"
            f"def {FUNCTION}(losses, threshold):\n"
            "    key = (str(np.round(np.asarray(losses, dtype=float), 6).tolist()), str(threshold))\n"
            "    return TABLE.get(key, -1)\n")


def learn(table: dict, result: dict) -> None:
    """Add what the feedback gave away: the input and expected answer of the failure it shows."""
    output = next(t["output"] for t in result["tests"] if t["name"] == FUNCTION)
    found = LEARNED.search(output)
    if found:
        table[(found.group(3), found.group(4))] = int(found.group(2))


def replay(backprop, tmp_path, rounds: int, *, until=None) -> tuple[list[float], dict, dict]:
    """Rounds of submit -> read feedback -> extend the table: (scores, table, last result)."""
    table, scores, result = {}, [], None
    for round_ in range(rounds):
        path = tmp_path / f"round_{round_}.py"
        path.write_text(attacker_source(table))
        result = grade_submission(backprop, path, only={FUNCTION})
        scores.append(next(t["score"] for t in result["tests"] if t["name"] == FUNCTION))
        if until is not None and scores[-1] >= until:
            break
        learn(table, result)
    return scores, table, result


def test_the_replay_attacker_fills_its_table_against_the_old_grader(backprop, tmp_path, monkeypatch):
    """The control: with every test treated as a fixed case (hypothesis's derandomized draws, the
    expected value printed), the same attacker reaches full marks within its rounds."""
    monkeypatch.setattr(autograder.suite, "is_hypothesis_test", lambda test: False)
    scores, table, _ = replay(backprop, tmp_path, 24, until=1.0)
    assert scores[0] == 0.0 and scores[-1] == 1.0, (scores, len(table))


def test_the_replay_attacker_gains_nothing(backprop, tmp_path):
    scores, table, result = replay(backprop, tmp_path, 8)
    assert scores == [0.0] * 8, (scores, table)
    output = next(t["output"] for t in result["tests"] if t["name"] == FUNCTION)
    assert "Input: losses = " in output          # a concrete example is still shown

    # One more round through the real command: the same verdict, and grading is deterministic
    # (the same file gets the same score, tags and messages in another process).
    path = tmp_path / "round_cli.py"
    path.write_text(attacker_source(table))
    done = run_cli("grade", "backprop", path, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    from_cli = next(t for t in json.loads(done.stdout)["tests"] if t["name"] == FUNCTION)
    in_process = next(t for t in grade_submission(backprop, path, only={FUNCTION})["tests"] if t["name"] == FUNCTION)
    assert from_cli["score"] == 0.0
    assert from_cli == in_process


@pytest.mark.parametrize("seeded", [True, False])
def test_randomized_failures_do_not_print_the_expected_value(backprop, tmp_path, seeded, monkeypatch):
    """The message of a randomized case shows the input and the student's value, not the answer."""
    if not seeded:
        monkeypatch.setattr(autograder.grade, "case_seed", lambda secret, data: None)
    path = tmp_path / "wrong_relu.py"
    path.write_text("import numpy as np\n\n\ndef relu(z):\n    return np.abs(z)\n")
    output = next(t["output"] for t in grade_submission(backprop, path, only={"relu"})["tests"] if t["name"] == "relu")
    assert "Input: z = " in output and "Got:" in output and "Worst entry" in output, output
    assert "Expected:" not in output and not re.search(r"expected -?\d", output), output
