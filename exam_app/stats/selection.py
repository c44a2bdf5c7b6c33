"""Which attempts count (pure): the first per person (Moodle's default), all, the best or the
last. Ties go to the earlier start, then the smaller id, so the choice never depends on the
order rows came back in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt


class Counting(StrEnum):
    """Which attempts of a person count (Moodle counts the first by default)."""

    FIRST = "first"
    ALL = "all"
    BEST = "best"
    LAST = "last"


@dataclass(frozen=True)
class SheetRef:
    attempt_id: int
    user_id: int
    started_at: datetime
    percent: float


def _chosen(refs: Sequence[SheetRef], counting: Counting) -> list[SheetRef]:
    if counting == Counting.ALL or not refs:
        return list(refs)
    if counting == Counting.FIRST:
        return [min(refs, key=lambda r: (r.started_at, r.attempt_id))]
    if counting == Counting.LAST:
        return [max(refs, key=lambda r: (r.started_at, r.attempt_id))]
    return [min(refs, key=lambda r: (-r.percent, r.started_at, r.attempt_id))]


def by_person(refs: Iterable[SheetRef]) -> dict[int, list[SheetRef]]:
    people: dict[int, list[SheetRef]] = {}
    for ref in refs:
        people.setdefault(ref.user_id, []).append(ref)
    return people


def counted(refs: Iterable[SheetRef], counting: Counting) -> list[int]:
    """The attempts that count, in attempt order."""
    return sorted(
        r.attempt_id for person in by_person(refs).values() for r in _chosen(person, counting)
    )


def change(
    before: Sequence[SheetRef], after: Sequence[SheetRef], counting: Counting
) -> tuple[list[int], list[int]]:
    """One person's attempts before and after a new one was graded: (attempts that stop
    counting, attempts that start counting)."""
    was = {r.attempt_id for r in _chosen(before, counting)}
    now = {r.attempt_id for r in _chosen(after, counting)}
    return sorted(was - now), sorted(now - was)


def counted_rows(
    users: npt.NDArray[np.int64],
    started: npt.NDArray[np.int64],
    attempts: npt.NDArray[np.int64],
    percents: npt.NDArray[np.float64],
    counting: Counting,
) -> npt.NDArray[np.int64]:
    """``counted`` for a whole exam at once (arrays, one per sheet; ``started`` in any integer
    unit): the indexes of the rows that count, in attempt order. The same choice as
    ``counted``, ties included, without a Python step per sheet."""
    if counting == Counting.ALL:
        return np.argsort(attempts, kind="stable")
    if counting == Counting.FIRST:
        order = np.lexsort((attempts, started, users))
    elif counting == Counting.LAST:
        order = np.lexsort((-attempts, -started, users))
    else:
        order = np.lexsort((attempts, started, -percents, users))
    ranked = users[order]
    leads = np.ones(len(order), dtype=bool)
    leads[1:] = ranked[1:] != ranked[:-1]
    chosen = order[leads]
    return chosen[np.argsort(attempts[chosen], kind="stable")]
