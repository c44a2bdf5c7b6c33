"""Which attempts count: the person-by-person rule and the whole-exam arrays agree, ties too."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from exam_app.stats.selection import Counting, SheetRef, change, counted, counted_rows

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _refs(rng: random.Random, n: int) -> list[SheetRef]:
    """Few people and few distinct times and scores, so ties are common."""
    return [
        SheetRef(
            a,
            rng.randrange(8),
            T0 + timedelta(hours=rng.randrange(5)),
            rng.choice([40.0, 60.0, 80.0]),
        )
        for a in rng.sample(range(1, 10 * n), n)
    ]


@pytest.mark.parametrize("counting", list(Counting))
def test_arrays_choose_what_the_rule_chooses(counting: Counting) -> None:
    rng = random.Random(counting.value)
    for _ in range(200):
        refs = _refs(rng, rng.randrange(1, 30))
        rows = counted_rows(
            np.array([r.user_id for r in refs]),
            np.array([int((r.started_at - T0).total_seconds()) for r in refs]),
            np.array([r.attempt_id for r in refs]),
            np.array([r.percent for r in refs]),
            counting,
        )
        assert [refs[i].attempt_id for i in rows] == counted(refs, counting)


def test_the_rules_by_hand() -> None:
    a = SheetRef(1, 7, T0, 50.0)
    b = SheetRef(2, 7, T0 + timedelta(days=1), 90.0)
    c = SheetRef(3, 7, T0 + timedelta(days=2), 90.0)
    assert counted([c, b, a], Counting.FIRST) == [1]
    assert counted([c, b, a], Counting.LAST) == [3]
    assert counted([c, b, a], Counting.BEST) == [2]  # a tie on score goes to the earlier
    assert counted([c, b, a], Counting.ALL) == [1, 2, 3]
    assert change([a, b], [a, b, c], Counting.LAST) == ([2], [3])
    assert change([a], [a, b], Counting.BEST) == ([1], [2])
    assert change([a], [a, b], Counting.FIRST) == ([], [])
