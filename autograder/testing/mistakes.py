"""Known mistakes: what a hidden test expects a classic wrong answer to give, to name it.

    assert_close(actual, expected, what="dL_db2(dy)", mistakes=[
        Mistake("bias_not_summed", dy.mean(axis=0)),
        Mistake("bias_not_summed", dy),                     # a second way to make the same mistake
        Mistake(("wrong_axis", "shape"), np.array([dy.sum()])),
    ])

A value the student returns that matches one mistake's value (within TOLERANCES["diagnosis"])
is named by that mistake's tags; the values are computed on the trusted side, from the reference
or by hand. A mistake whose value is None gives nothing distinct on this input and is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..diagnosis import CODES


@dataclass(frozen=True, eq=False, init=False)
class Mistake:
    tags: tuple[str, ...]   # the diagnosis codes (autograder/diagnosis.py) that name it
    value: object           # what it gives on this input: an array, a number, a dict of them; None: nothing

    def __init__(self, tags: str | tuple[str, ...], value) -> None:
        tags = (tags,) if isinstance(tags, str) else tuple(tags)
        unknown = [t for t in tags if t not in CODES]
        if not tags or unknown:
            raise ValueError(f"Mistake tags must be diagnosis codes (autograder/diagnosis.py), got {tags!r}")
        object.__setattr__(self, "tags", tags)
        object.__setattr__(self, "value", value)

    def at(self, key) -> Mistake:
        """The same mistake on one entry of a dict-valued result (value None if it has no such entry)."""
        value = self.value.get(key) if isinstance(self.value, dict) else None
        return Mistake(self.tags, value)


def distinct(mistakes: list[Mistake], expected) -> list[Mistake]:
    """`mistakes` without those that give the right answer on this input (e.g. a missing abs()
    where every error is positive): a value that matches one of those names no mistake."""
    from .compare import TOLERANCES, _close
    return [Mistake(m.tags, None if m.value is None or _close(m.value, expected, TOLERANCES["diagnosis"])
                    else m.value) for m in mistakes]
