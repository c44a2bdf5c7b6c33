"""Scoring: one small pure function per item type (``GRADERS``), and a whole attempt from them.

Responses are always ORIGINAL option labels. The page shows options in a shuffled order and sends
back displayed indexes; ``to_original`` maps them to labels before anything is stored or graded,
so shuffling can never change what counts as correct.

Numbers are rounded half up (四舍五入, as candidates expect): earned points to 2 decimals so
0.1 + 0.2 does not show as 0.30000000000000004, the percentage to 1 decimal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class GradableItem:
    position: int
    type: str  #: "single" | "multiple" | "judge"
    key: tuple[str, ...]  #: correct ORIGINAL labels
    points: float
    category_id: int | None


@dataclass(frozen=True)
class ItemScore:
    position: int
    earned: float
    possible: float
    correct: bool  #: full marks
    answered: bool


@dataclass(frozen=True)
class AttemptScore:
    earned: float
    possible: float
    percent: float  #: 0-100, 1 decimal
    passed: bool
    items: tuple[ItemScore, ...]  #: by position
    by_category: dict[int | None, tuple[float, float]]  #: category -> (earned, possible)


Grader = Callable[[GradableItem, tuple[str, ...], bool], ItemScore]


def _round(value: float, places: int) -> float:
    # Decimal(repr(x)) rounds the number as written (2.675 -> 2.68), not its binary neighbour.
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def _percent(earned: float, possible: float) -> float:
    if possible <= 0:
        return 0.0
    # In decimal: as floats, 10.03 * 100 / 20 is 50.14999999999999 and would round to 50.1.
    ratio = Decimal(repr(earned)) * 100 / Decimal(repr(possible))
    return float(ratio.quantize(Decimal("0.1"), ROUND_HALF_UP))


def _all_or_nothing(item: GradableItem, response: tuple[str, ...]) -> ItemScore:
    answered = bool(response)
    # Sets: the same label sent twice is still one choice; two different labels never match a
    # one-label key, so "A and B" on a single-choice item is simply wrong.
    correct = answered and set(response) == set(item.key)
    earned = _round(item.points, 2) if correct else 0.0
    return ItemScore(item.position, earned, item.points, correct, answered)


def score_single(item: GradableItem, response: tuple[str, ...], partial_credit: bool) -> ItemScore:
    """Right or wrong; ``partial_credit`` does not apply to one-answer items."""
    return _all_or_nothing(item, response)


def score_judge(item: GradableItem, response: tuple[str, ...], partial_credit: bool) -> ItemScore:
    """Right or wrong, like a single-choice item with two options."""
    return _all_or_nothing(item, response)


def score_multiple(
    item: GradableItem, response: tuple[str, ...], partial_credit: bool
) -> ItemScore:
    """All-or-nothing; with partial credit, a share of the points for each right choice as long
    as no wrong choice was made (otherwise ticking every box would always earn something)."""
    if not partial_credit:
        return _all_or_nothing(item, response)
    chosen, key = set(response), set(item.key)
    correct = bool(chosen) and chosen == key
    if not chosen or chosen - key or not key:
        earned = 0.0
    else:
        earned = _round(item.points * len(chosen & key) / len(key), 2)
    return ItemScore(item.position, earned, item.points, correct, bool(chosen))


GRADERS: dict[str, Grader] = {
    "single": score_single,
    "multiple": score_multiple,
    "judge": score_judge,
}


def score_item(item: GradableItem, response: Sequence[str], partial_credit: bool) -> ItemScore:
    """Grade one question; ``response`` holds ORIGINAL labels (empty = unanswered).

    :raises ValueError: on an item type no grader knows
    """
    grader = GRADERS.get(item.type)
    if grader is None:
        raise ValueError(f"no grader for item type {item.type!r}")
    return grader(item, tuple(response), partial_credit)


def score_attempt(
    items: Sequence[GradableItem],
    responses: Mapping[int, tuple[str, ...]],
    partial_credit: bool,
    pass_percent: float,
) -> AttemptScore:
    """Grade a whole paper; ``responses`` maps position -> ORIGINAL labels (missing = unanswered).

    Passing is decided on the percentage as shown (1 decimal), so nobody reads "60.0%" next to
    "不合格" when the pass mark is 60.

    :raises ValueError: on an unknown item type, a repeated position, or a response for a
        position that is not on the paper (a bug upstream; grading it silently would hide it)
    """
    if not 0 <= pass_percent <= 100:
        raise ValueError(f"pass_percent must be within 0-100, got {pass_percent}")
    positions = [item.position for item in items]
    if len(set(positions)) != len(positions):
        raise ValueError(f"repeated positions on the paper: {sorted(positions)}")
    unknown = set(responses) - set(positions)
    if unknown:
        raise ValueError(f"responses for positions not on the paper: {sorted(unknown)}")
    scores: list[ItemScore] = []
    categories: dict[int | None, tuple[float, float]] = {}
    for item in sorted(items, key=lambda i: i.position):
        score = score_item(item, responses.get(item.position, ()), partial_credit)
        scores.append(score)
        earned, possible = categories.get(item.category_id, (0.0, 0.0))
        categories[item.category_id] = (earned + score.earned, possible + score.possible)
    earned = _round(sum(s.earned for s in scores), 2)
    possible = _round(sum(s.possible for s in scores), 2)
    percent = _percent(earned, possible)
    # An empty (or zero-point) paper proves nothing, so it never passes.
    passed = possible > 0 and percent >= pass_percent
    by_category = {k: (_round(e, 2), _round(p, 2)) for k, (e, p) in categories.items()}
    return AttemptScore(earned, possible, percent, passed, tuple(scores), by_category)


def to_original(displayed_indexes: Sequence[int], option_order: tuple[str, ...]) -> tuple[str, ...]:
    """The original labels behind the 0-based displayed indexes the candidate chose, sorted.

    :raises ValueError: on an index that is not an int, out of range, negative (Python would
        happily read -1 as the last option) or repeated: the request was not sent by our page
    """
    labels = []
    for index in displayed_indexes:
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(f"option index must be an int, got {index!r}")
        if not 0 <= index < len(option_order):
            raise ValueError(f"option index {index} out of range 0-{len(option_order) - 1}")
        labels.append(option_order[index])
    if len(set(labels)) != len(labels):
        raise ValueError(f"option chosen twice: {list(displayed_indexes)}")
    return tuple(sorted(labels))
