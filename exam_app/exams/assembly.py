"""Drawing papers from a blueprint (组卷): which items a rule may draw, whether a blueprint can be
published, and one candidate's paper from a seeded ``random.Random``.

Pure: values in, values out. Everything random goes through the ``rng`` passed in, and every
collection is walked in a fixed order (pool sorted by item id, rules in the given order), so the
seed stored with an attempt rebuilds the very same paper for an audit.

Invariant the tests hold us to: when ``check_rules`` finds no problem, ``draw_paper`` cannot fail
and every candidate gets exactly ``count`` items per rule.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from flask_babel import gettext as _

#: Difficulty assumed for an item nobody has rated yet: the middle of the 1-5 scale.
UNKNOWN_DIFFICULTY = 3


@dataclass(frozen=True, slots=True)
class PoolItem:
    """One published item's current version, as the draw sees it."""

    item_id: int
    version_id: int
    type: str  #: "single" | "multiple" | "judge"
    category_id: int | None
    difficulty: int | None  #: 1-5, None = not rated (counts as 3)
    option_labels: tuple[str, ...]  #: ("A", "B", "C", "D"); judge: ("A", "B")
    #: where the item may be shown: "practice", "certification" or "both" (bank.Exposure)
    exposure: str = "both"


@dataclass(frozen=True)
class Rule:
    """One line of a blueprint: fixed items, or ``count`` random items matching the filters."""

    key: str  #: stable id within the blueprint, e.g. "r1"
    count: int  #: items to draw; a fixed rule's count is len(item_ids)
    item_ids: tuple[int, ...] = ()  #: non-empty => a fixed rule: exactly these items
    category_ids: frozenset[int] | None = None  #: None = any; the caller expands descendants
    type: str | None = None  #: None = any type
    difficulty_min: int = 1
    difficulty_max: int = 5

    def __post_init__(self) -> None:
        # A fixed rule whose count disagrees with its list has no single meaning; refuse it early.
        if self.item_ids and self.count != len(self.item_ids):
            raise ValueError(f"rule {self.key}: count {self.count} != {len(self.item_ids)} ids")

    @property
    def is_fixed(self) -> bool:
        return bool(self.item_ids)


@dataclass(frozen=True)
class RuleProblem:
    """Why a blueprint cannot be published. ``needed``/``available`` describe ``rule_key``;
    an overlap also names the other rule and how many items the two share."""

    rule_key: str
    code: str  #: "empty" | "shortfall" | "overlap"
    message: str  #: shown to the exam author as is
    needed: int
    available: int
    other_key: str | None = None  #: overlap only
    shared: int = 0  #: overlap only


@dataclass(frozen=True)
class DrawnItem:
    position: int  #: 1-based position on the paper after shuffling
    item_id: int
    version_id: int
    rule_key: str
    option_order: tuple[str, ...]  #: original labels in the order shown to the candidate


@dataclass(frozen=True)
class FairnessReport:
    """How much the expected difficulty of papers varies between candidates."""

    count: int
    mean: float
    minimum: float
    maximum: float
    stdev: float  #: population standard deviation
    spread: float  #: maximum - minimum


def _difficulty(item: PoolItem) -> int:
    return UNKNOWN_DIFFICULTY if item.difficulty is None else item.difficulty


def _matches(rule: Rule, item: PoolItem) -> bool:
    if rule.is_fixed:
        return item.item_id in rule.item_ids
    return (
        (rule.category_ids is None or item.category_id in rule.category_ids)
        and (rule.type is None or item.type == rule.type)
        and rule.difficulty_min <= _difficulty(item) <= rule.difficulty_max
    )


def candidates(rule: Rule, pool: Sequence[PoolItem]) -> list[PoolItem]:
    """Pool items the rule may draw, sorted by item id (the draw must not depend on pool order)."""
    return sorted((item for item in pool if _matches(rule, item)), key=lambda i: i.item_id)


def _by_id(pool: Sequence[PoolItem]) -> dict[int, PoolItem]:
    index: dict[int, PoolItem] = {}
    for item in pool:
        # Two versions of one item in the pool would let a paper hold the same question twice.
        if item.item_id in index:
            raise ValueError(f"item {item.item_id} appears twice in the pool")
        index[item.item_id] = item
    return index


def _check_keys(rules: Sequence[Rule]) -> None:
    keys = [rule.key for rule in rules]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate rule keys: {keys}")


def _effective(rules: Sequence[Rule], pool: Sequence[PoolItem]) -> dict[str, set[int]]:
    """Item ids each rule can really get. Fixed rules draw first, so their items are out of
    reach of every random rule: not an overlap, but less supply for the random rule."""
    present = set(_by_id(pool))
    fixed = {i for rule in rules if rule.is_fixed for i in rule.item_ids}
    return {
        rule.key: (
            set(rule.item_ids) & present
            if rule.is_fixed
            else {item.item_id for item in candidates(rule, pool)} - fixed
        )
        for rule in rules
    }


def _supply_problem(rule: Rule, supply: set[int]) -> RuleProblem | None:
    numbers = {"rule": rule.key, "needed": rule.count, "available": len(supply)}
    if rule.count < 1:
        message = _("规则 %(rule)s 的抽题数量必须至少为 1。", rule=rule.key)
        return RuleProblem(rule.key, "empty", message, rule.count, len(supply))
    if len(supply) >= rule.count:
        return None
    missing = "、".join(str(i) for i in sorted(set(rule.item_ids) - supply))
    if missing:
        message = _(
            "规则 %(rule)s 指定了 %(needed)d 道题，其中只有 %(available)d 道已发布"
            "（未发布或不存在：%(ids)s）。",
            ids=missing,
            **numbers,
        )
    elif rule.is_fixed:
        message = _(
            "规则 %(rule)s 指定了 %(needed)d 道题，但有重复，实际只有 %(available)d 道。", **numbers
        )
    else:
        message = _(
            "规则 %(rule)s 需要 %(needed)d 道题，符合条件的已发布题目只有 %(available)d 道。",
            **numbers,
        )
    return RuleProblem(rule.key, "shortfall", message, rule.count, len(supply))


def check_rules(rules: Sequence[Rule], pool: Sequence[PoolItem]) -> list[RuleProblem]:
    """Every reason the blueprint cannot give each candidate a full paper; [] = publishable."""
    _check_keys(rules)
    supply = _effective(rules, pool)
    problems = [p for rule in rules if (p := _supply_problem(rule, supply[rule.key])) is not None]
    for first, second in combinations(rules, 2):
        shared = len(supply[first.key] & supply[second.key])
        if shared:
            # One rule taking a shared item leaves the other short for some seeds, so candidates
            # would not all get the same number of items per rule.
            message = _(
                "规则 %(rule)s 与规则 %(other)s 有 %(shared)d 道题目重叠，"
                "同一道题可能被两条规则抽中；请调整分类、题型或难度范围，使两条规则互不重叠。",
                rule=first.key,
                other=second.key,
                shared=shared,
            )
            available = len(supply[first.key])
            problems.append(
                RuleProblem(
                    first.key, "overlap", message, first.count, available, second.key, shared
                )
            )
    return problems


@dataclass(frozen=True)
class ExposureWarning:
    """A certification rule that can draw items practice also shows (with their keys): not a
    reason to refuse publishing, but the trainer should know."""

    rule_key: str
    exposed: int  #: items the rule can draw that practice shows too
    available: int  #: items the rule can draw
    message: str


def practice_exposed(rules: Sequence[Rule], pool: Sequence[PoolItem]) -> list[ExposureWarning]:
    """For a certification blueprint: each rule whose supply holds items exposed to practice
    as well ("both"), which candidates may have seen with their keys in practice."""
    _check_keys(rules)
    supply = _effective(rules, pool)
    shared = {item.item_id for item in pool if item.exposure == "both"}
    warnings = []
    for rule in rules:
        exposed = len(supply[rule.key] & shared)
        if exposed:
            numbers = {"rule": rule.key, "n": exposed, "available": len(supply[rule.key])}
            message = _(
                "规则 %(rule)s 可抽的 %(available)d 道题中有 %(n)d 道同时用于练习"
                "（适用范围为“练习和认证考试”），考生可能已在练习中看到它们的答案；"
                "需要保密的试题请在题库中改为“仅认证考试”。",
                **numbers,
            )
            warnings.append(ExposureWarning(rule.key, exposed, len(supply[rule.key]), message))
    return warnings


def _shortfall(rule: Rule, available: int) -> ValueError:
    numbers = {"rule": rule.key, "needed": rule.count, "available": available}
    return ValueError(
        _("规则 %(rule)s 需要 %(needed)d 道题，当前只能抽到 %(available)d 道。", **numbers)
    )


@dataclass(frozen=True)
class PreparedPool:
    """What a blueprint's draws need from a pool, worked out once: each random rule's
    candidates (sorted by item id) and the items fixed rules name. Starting an attempt then
    costs the draw, not a pass over the whole bank; the caller may cache it while the pool
    stays as it was."""

    candidates: Mapping[str, Sequence[PoolItem]]  #: random rules only
    ids: Mapping[str, frozenset[int]]  #: the same, as sets of item ids
    by_id: Mapping[int, PoolItem]  #: every item a rule may draw


def prepare(rules: Sequence[Rule], pool: Sequence[PoolItem]) -> PreparedPool:
    _check_keys(rules)
    everything = _by_id(pool)
    fixed = {i: everything[i] for r in rules if r.is_fixed for i in r.item_ids if i in everything}
    lists = {r.key: candidates(r, pool) for r in rules if not r.is_fixed}
    by_id = dict(fixed)
    for listed in lists.values():
        by_id.update((item.item_id, item) for item in listed)
    ids = {key: frozenset(item.item_id for item in listed) for key, listed in lists.items()}
    return PreparedPool(lists, ids, by_id)


def draw_paper(
    rules: Sequence[Rule],
    pool: Sequence[PoolItem],
    rng: random.Random,
    shuffle_questions: bool = True,
    shuffle_options: bool = True,
) -> list[DrawnItem]:
    """One candidate's paper. Same seed + same pool + same rules => the same paper.

    :raises ValueError: naming the rule that cannot get its ``count`` items
    """
    return draw_prepared(rules, prepare(rules, pool), rng, shuffle_questions, shuffle_options)


def draw_prepared(
    rules: Sequence[Rule],
    prepared: PreparedPool,
    rng: random.Random,
    shuffle_questions: bool = True,
    shuffle_options: bool = True,
) -> list[DrawnItem]:
    """``draw_paper`` from a pool prepared for these rules (the same paper for the same seed)."""
    _check_keys(rules)
    used: set[int] = set()
    drawn: dict[str, list[PoolItem]] = {}
    # Fixed rules first: a random rule must never take an item the author pinned elsewhere.
    for rule in [r for r in rules if r.is_fixed] + [r for r in rules if not r.is_fixed]:
        if rule.count < 1:
            raise ValueError(_("规则 %(rule)s 的抽题数量必须至少为 1。", rule=rule.key))
        if rule.is_fixed:
            picked: list[PoolItem] = []
            for item_id in rule.item_ids:
                if item_id in prepared.by_id and item_id not in used:
                    picked.append(prepared.by_id[item_id])
                    used.add(item_id)  # at once: a repeated id must not count twice
            if len(picked) < rule.count:
                raise _shortfall(rule, len(picked))
        else:
            listed = prepared.candidates[rule.key]
            # Filtering tens of thousands of candidates is the cost of a start; skip it when no
            # item drawn so far is among them (the usual case: published rules never overlap).
            # The same list either way, so the same seed still draws the same paper.
            taken = used.intersection(prepared.ids[rule.key])
            pickable = [c for c in listed if c.item_id not in taken] if taken else listed
            if len(pickable) < rule.count:
                raise _shortfall(rule, len(pickable))
            picked = rng.sample(pickable, rule.count)
        used.update(p.item_id for p in picked)
        drawn[rule.key] = picked
    # Unshuffled papers follow the blueprint's order (the author's sections), not the draw order.
    order = [(rule.key, item) for rule in rules for item in drawn[rule.key]]
    if shuffle_questions:
        rng.shuffle(order)
    paper = []
    for position, (key, item) in enumerate(order, start=1):
        options = list(item.option_labels)
        # 正确/错误 in a random order only confuses; for judge items it would test nothing.
        if shuffle_options and item.type != "judge":
            rng.shuffle(options)
        paper.append(DrawnItem(position, item.item_id, item.version_id, key, tuple(options)))
    return paper


def expected_difficulty(
    paper: Sequence[DrawnItem], pool_by_version: Mapping[int, PoolItem]
) -> float:
    """Mean difficulty of the paper's items (unrated = 3); 0.0 for an empty paper."""
    if not paper:
        return 0.0
    return statistics.fmean(_difficulty(pool_by_version[d.version_id]) for d in paper)


def fairness(difficulties: Sequence[float]) -> FairnessReport:
    """Summary of many papers' expected difficulties; spread and stdev need two papers."""
    count = len(difficulties)
    if count == 0:
        return FairnessReport(0, 0.0, 0.0, 0.0, 0.0, 0.0)
    mean = statistics.fmean(difficulties)
    if count < 2:
        return FairnessReport(count, mean, 0.0, 0.0, 0.0, 0.0)
    low, high = min(difficulties), max(difficulties)
    return FairnessReport(
        count, mean, float(low), float(high), statistics.pstdev(difficulties), float(high - low)
    )
