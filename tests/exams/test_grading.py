"""Scoring items and attempts (pure: no app, no database)."""

from __future__ import annotations

import random

import pytest

from exam_app.exams.assembly import PoolItem, Rule, draw_paper
from exam_app.exams.grading import (
    GRADERS,
    GradableItem,
    ItemScore,
    score_attempt,
    score_multiple,
    to_original,
)


def _item(
    kind: str, key: str, points: float = 1.0, position: int = 1, category: int | None = None
) -> GradableItem:
    return GradableItem(position, kind, tuple(key), points, category)


@pytest.mark.parametrize("kind", ["single", "judge"])
@pytest.mark.parametrize("partial_credit", [False, True])
@pytest.mark.parametrize(
    ("response", "earned", "correct", "answered"),
    [
        (("B",), 2.0, True, True),
        (("A",), 0.0, False, True),
        (("A", "B"), 0.0, False, True),  # two labels on a one-answer item is wrong
        (("B", "B"), 2.0, True, True),  # the same label twice is still one choice
        ((), 0.0, False, False),
    ],
)
def test_one_answer_items(
    kind: str,
    partial_credit: bool,
    response: tuple[str, ...],
    earned: float,
    correct: bool,
    answered: bool,
) -> None:
    score = GRADERS[kind](_item(kind, "B", 2.0, 7), response, partial_credit)
    assert score == ItemScore(7, earned, 2.0, correct, answered)


@pytest.mark.parametrize(
    ("response", "partial_credit", "earned", "correct", "answered"),
    [
        # all-or-nothing
        (("A", "B", "D"), False, 3.0, True, True),
        (("D", "A", "B"), False, 3.0, True, True),
        (("A", "B"), False, 0.0, False, True),
        (("A", "B", "C", "D"), False, 0.0, False, True),
        ((), False, 0.0, False, False),
        # partial credit: a share per right choice, nothing once a wrong one is chosen
        (("A", "B", "D"), True, 3.0, True, True),
        (("A", "B"), True, 2.0, False, True),
        (("D",), True, 1.0, False, True),
        (("A", "B", "C"), True, 0.0, False, True),
        (("A", "B", "C", "D"), True, 0.0, False, True),
        (("C",), True, 0.0, False, True),
        ((), True, 0.0, False, False),
    ],
)
def test_multiple_choice(
    response: tuple[str, ...], partial_credit: bool, earned: float, correct: bool, answered: bool
) -> None:
    score = score_multiple(_item("multiple", "ABD", 3.0), response, partial_credit)
    assert score == ItemScore(1, earned, 3.0, correct, answered)


@pytest.mark.parametrize(
    ("points", "response", "earned"),
    [(2.0, ("A", "B"), 1.33), (2.0, ("A",), 0.67), (1.0, ("A", "B"), 0.67)],
)
def test_partial_credit_is_rounded_to_cents(
    points: float, response: tuple[str, ...], earned: float
) -> None:
    assert score_multiple(_item("multiple", "ABC", points), response, True).earned == earned


TEN = [_item("single", "A", 1.0, position) for position in range(1, 11)]


@pytest.mark.parametrize(
    ("right", "pass_percent", "percent", "passed"),
    [
        (6, 60, 60.0, True),  # exactly the pass mark passes
        (5, 60, 50.0, False),
        (6, 60.1, 60.0, False),
        (10, 100, 100.0, True),
        (0, 0, 0.0, True),
        (0, 1, 0.0, False),
    ],
)
def test_pass_mark_boundary(right: int, pass_percent: float, percent: float, passed: bool) -> None:
    responses = {position: ("A",) for position in range(1, right + 1)}
    score = score_attempt(TEN, responses, False, pass_percent)
    assert (score.earned, score.possible, score.percent, score.passed) == (
        right,
        10,
        percent,
        passed,
    )


@pytest.mark.parametrize(
    ("earned_points", "pass_percent", "percent", "passed"),
    [
        (10.03, 50.2, 50.2, True),  # 50.15 rounds half up, in decimal (as floats: 50.1499…)
        (10.03, 50.25, 50.2, False),
        (11.99, 60, 60.0, True),  # 59.95 shows as 60.0: the shown percentage decides
        (11.97, 60, 59.9, False),
    ],
)
def test_percent_is_rounded_half_up_and_decides_passing(
    earned_points: float, pass_percent: float, percent: float, passed: bool
) -> None:
    items = [_item("single", "A", earned_points, 1), _item("single", "A", 20 - earned_points, 2)]
    score = score_attempt(items, {1: ("A",), 2: ("B",)}, False, pass_percent)
    assert (score.earned, score.percent, score.passed) == (earned_points, percent, passed)


def test_attempt_totals_items_and_categories() -> None:
    items = [
        _item("multiple", "ABC", 2.0, 3, category=7),
        _item("single", "B", 0.1, 1, category=7),
        _item("judge", "A", 0.2, 2, category=None),
        _item("single", "C", 1.0, 4, category=9),
    ]
    responses = {1: ("B",), 2: ("A",), 3: ("A", "C"), 4: ()}
    score = score_attempt(items, responses, True, 60)
    assert [s.position for s in score.items] == [1, 2, 3, 4]
    assert [s.earned for s in score.items] == [0.1, 0.2, 1.33, 0.0]
    assert [s.answered for s in score.items] == [True, True, True, False]
    assert (score.earned, score.possible, score.percent, score.passed) == (1.63, 3.3, 49.4, False)
    assert score.by_category == {7: (1.43, 2.1), None: (0.2, 0.2), 9: (0.0, 1.0)}


def test_float_noise_is_rounded_away() -> None:
    items = [_item("single", "A", 0.1, 1), _item("single", "A", 0.2, 2)]
    score = score_attempt(items, {1: ("A",), 2: ("A",)}, False, 50)
    assert (score.earned, score.possible, score.percent) == (0.3, 0.3, 100.0)


def test_an_empty_paper_never_passes() -> None:
    score = score_attempt([], {}, False, 0)
    assert (score.earned, score.possible, score.percent, score.passed) == (0, 0, 0.0, False)


@pytest.mark.parametrize(
    ("items", "responses", "pass_percent", "match"),
    [
        (TEN[:1], {2: ("A",)}, 60, "not on the paper"),
        (TEN[:1] * 2, {}, 60, "repeated positions"),
        ([_item("essay", "A")], {}, 60, "essay"),
        (TEN, {}, 101, "pass_percent"),
    ],
)
def test_malformed_attempts_are_refused(
    items: list[GradableItem],
    responses: dict[int, tuple[str, ...]],
    pass_percent: float,
    match: str,
) -> None:
    with pytest.raises(ValueError, match=match):
        score_attempt(items, responses, False, pass_percent)


@pytest.mark.parametrize(
    ("indexes", "order", "expected"),
    [
        ([0], ("C", "A", "B", "D"), ("C",)),
        ([3, 0], ("C", "A", "B", "D"), ("C", "D")),  # sorted original labels
        ([2, 1, 0], ("B", "C", "A"), ("A", "B", "C")),
        ([], ("A", "B"), ()),
    ],
)
def test_to_original(indexes: list[int], order: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert to_original(indexes, order) == expected


@pytest.mark.parametrize("indexes", [[4], [-1], [0, 0], [True], ["1"], [1.0]])
def test_to_original_refuses_what_our_page_never_sends(indexes: list[int]) -> None:
    with pytest.raises(ValueError, match="option"):
        to_original(indexes, ("A", "B", "C", "D"))


def test_shuffling_never_changes_what_counts_as_correct() -> None:
    """Property: whatever the displayed order, choosing where the key is shown earns full marks,
    and choosing the same displayed positions as in the original order generally does not."""
    rng = random.Random(42)
    naive_misses = 0
    for _ in range(500):
        labels = "ABCDEF"[: rng.randint(2, 6)]
        kind = rng.choice(["single", "multiple"])
        key = sorted(rng.sample(labels, 1 if kind == "single" else rng.randint(2, len(labels))))
        order = tuple(rng.sample(labels, len(labels)))
        shown = [order.index(label) for label in key]
        rng.shuffle(shown)  # the page may send them in any order
        item = _item(kind, "".join(key), 2.0)
        for partial_credit in (False, True):
            score = GRADERS[kind](item, to_original(shown, order), partial_credit)
            assert (score.earned, score.correct) == (2.0, True)
        naive = to_original([labels.index(label) for label in key], order)
        naive_misses += not GRADERS[kind](item, naive, False).correct
    assert naive_misses > 250  # shuffling really moved the key around


def test_a_drawn_paper_answered_through_the_page_scores_full_marks() -> None:
    pool = [
        PoolItem(i, 100 + i, kind, None, 3, labels)
        for i, (kind, labels) in enumerate(
            [("single", ("A", "B", "C", "D")), ("multiple", ("A", "B", "C", "D", "E"))] * 5
            + [("judge", ("A", "B"))] * 4,
            start=1,
        )
    ]
    keys = {"single": ("C",), "multiple": ("A", "B", "E"), "judge": ("B",)}
    kinds = {p.item_id: p.type for p in pool}
    for seed in range(20):
        paper = draw_paper([Rule("all", len(pool))], pool, random.Random(seed))
        items = [
            _item(kinds[d.item_id], "".join(keys[kinds[d.item_id]]), 1.0, d.position) for d in paper
        ]
        responses = {
            d.position: to_original(
                [d.option_order.index(k) for k in keys[kinds[d.item_id]]], d.option_order
            )
            for d in paper
        }
        score = score_attempt(items, responses, False, 100)
        assert (score.percent, score.passed) == (100.0, True)
