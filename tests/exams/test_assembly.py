"""Drawing papers from a blueprint (pure: no app, no database; randomness from seeded Randoms)."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import astuple

import pytest

from exam_app.exams.assembly import (
    DrawnItem,
    FairnessReport,
    PoolItem,
    Rule,
    candidates,
    check_rules,
    draw_paper,
    expected_difficulty,
    fairness,
)

LABELS = {"single": tuple("ABCD"), "multiple": tuple("ABCDE"), "judge": tuple("AB")}


def _item(item_id: int, kind: str, category: int | None, difficulty: int | None) -> PoolItem:
    return PoolItem(item_id, 1000 + item_id, kind, category, difficulty, LABELS[kind])


# Six items, listed out of order on purpose: candidates() must sort them.
SMALL = (
    _item(4, "judge", 20, 2), _item(1, "single", 10, 1), _item(6, "multiple", None, 3),
    _item(2, "single", 10, None), _item(5, "single", 20, 4), _item(3, "multiple", 10, 5),
)  # fmt: skip

# 60 items: ids 1, 4, 7… single, 2, 5, 8… multiple, 3, 6, 9… judge (20 each);
# categories 10 (ids 1-20), 20 (21-40), 30 (41-60); difficulty cycles None, 1, 2, 3, 4, 5.
KINDS = ("single", "multiple", "judge")
DIFFICULTIES = (None, 1, 2, 3, 4, 5)
POOL = tuple(
    _item(i, KINDS[(i - 1) % 3], 10 + 10 * ((i - 1) // 20), DIFFICULTIES[i % 6])
    for i in range(1, 61)
)
RULES = (
    Rule("r1", 5, type="single", category_ids=frozenset({10, 20})),
    Rule("r2", 4, type="multiple"),
    Rule("f", 2, item_ids=(6, 3)),
    Rule("r3", 3, type="judge", difficulty_min=1, difficulty_max=3),
)
BY_ID = {item.item_id: item for item in POOL}
C20 = frozenset({20})
SOME_CATEGORIES = [None, frozenset({10}), frozenset({20, 30}), frozenset({30})]
COUNTS = {"r1": 5, "r2": 4, "f": 2, "r3": 3}


def _seeds(n: int) -> list[int]:
    rng = random.Random(42)
    return [rng.getrandbits(48) for _ in range(n)]


def _draw(
    seed: int, rules: tuple[Rule, ...] = RULES, pool: tuple[PoolItem, ...] = POOL, *flags: bool
) -> list[DrawnItem]:
    return draw_paper(rules, pool, random.Random(seed), *flags)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (Rule("r", 1), [1, 2, 3, 4, 5, 6]),
        (Rule("r", 1, type="single"), [1, 2, 5]),
        (Rule("r", 1, category_ids=frozenset({10})), [1, 2, 3]),  # None category never matches
        (Rule("r", 1, category_ids=frozenset({10, 20}), type="single"), [1, 2, 5]),
        (Rule("r", 1, category_ids=frozenset()), []),
        (Rule("r", 1, difficulty_min=3, difficulty_max=3), [2, 6]),  # unrated counts as 3
        (Rule("r", 1, difficulty_min=4, difficulty_max=5), [3, 5]),
        (Rule("r", 1, difficulty_min=4, difficulty_max=2), []),
        (Rule("r", 3, item_ids=(5, 1, 99)), [1, 5]),  # 99 is not published
    ],
)
def test_candidates(rule: Rule, expected: list[int]) -> None:
    assert [item.item_id for item in candidates(rule, SMALL)] == expected


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ((Rule("s", 2, type="single"), Rule("m", 2, type="multiple"), Rule("j", 1, type="judge")),
         []),
        ((Rule("s", 4, type="single"),), [("s", "shortfall", 4, 3, None, 0)]),
        ((Rule("f", 3, item_ids=(1, 2, 99)),), [("f", "shortfall", 3, 2, None, 0)]),
        ((Rule("f", 2, item_ids=(1, 1)),), [("f", "shortfall", 2, 1, None, 0)]),
        ((Rule("e", 0, type="judge"),), [("e", "empty", 0, 1, None, 0)]),
        (
            (Rule("s", 1, type="single"), Rule("c", 1, category_ids=frozenset({10}))),
            [("s", "overlap", 1, 3, "c", 2)],
        ),
        (
            (Rule("any", 1), Rule("s", 1, type="single"), Rule("c20", 1, category_ids=C20)),
            [("any", "overlap", 1, 6, "s", 3), ("any", "overlap", 1, 6, "c20", 2),
             ("s", "overlap", 1, 3, "c20", 1)],
        ),
        # Fixed items are drawn first, so they are no overlap, only less supply for the other rule.
        (
            (Rule("s", 2, type="single"), Rule("f", 2, item_ids=(1, 2))),
            [("s", "shortfall", 2, 1, None, 0)],
        ),
        (
            (Rule("f1", 2, item_ids=(1, 2)), Rule("f2", 2, item_ids=(2, 3))),
            [("f1", "overlap", 2, 2, "f2", 1)],
        ),
        (
            (Rule("s", 5, type="single"), Rule("lo", 1, difficulty_max=2)),
            [("s", "shortfall", 5, 3, None, 0), ("s", "overlap", 5, 3, "lo", 1)],
        ),
    ],
)  # fmt: skip
def test_check_rules(rules: tuple[Rule, ...], expected: list[tuple[object, ...]]) -> None:
    problems = check_rules(rules, SMALL)
    found = [(p.rule_key, p.code, p.needed, p.available, p.other_key, p.shared) for p in problems]
    assert found == expected
    for problem in problems:
        assert problem.rule_key in problem.message
        numbers = (problem.shared,) if problem.code == "overlap" else (problem.available,)
        assert all(str(n) in problem.message for n in numbers)


def test_shortfall_message_names_unpublished_items() -> None:
    (problem,) = check_rules([Rule("f", 3, item_ids=(1, 77, 99))], SMALL)
    assert "77" in problem.message and "99" in problem.message


@pytest.mark.parametrize("seed", [0, 1, 42, 2**47 + 5])
@pytest.mark.parametrize("shuffle", [(True, True), (False, True), (True, False)])
def test_the_same_seed_rebuilds_the_same_paper(seed: int, shuffle: tuple[bool, bool]) -> None:
    original = _draw(seed, RULES, POOL, *shuffle)
    assert _draw(seed, RULES, POOL, *shuffle) == original
    # The database hands the pool back in any order; the paper must not depend on it.
    assert _draw(seed, RULES, POOL[::-1], *shuffle) == original


@pytest.mark.parametrize(("seed", "other"), [(1, 2), (42, 43), (0, 2**40)])
def test_different_seeds_give_different_papers(seed: int, other: int) -> None:
    first, second = _draw(seed), _draw(other)
    assert [d.item_id for d in first] != [d.item_id for d in second]
    assert [d.option_order for d in first] != [d.option_order for d in second]


def test_every_paper_has_exact_counts_no_duplicates_and_matching_items() -> None:
    assert check_rules(RULES, POOL) == []
    allowed = {rule.key: {c.item_id for c in candidates(rule, POOL)} for rule in RULES}
    moved = 0
    for seed in _seeds(300):
        paper = _draw(seed)
        assert Counter(d.rule_key for d in paper) == COUNTS
        assert len({d.item_id for d in paper}) == len(paper) == sum(COUNTS.values())
        assert [d.position for d in paper] == list(range(1, len(paper) + 1))
        assert {d.item_id for d in paper if d.rule_key == "f"} == {3, 6}
        for d in paper:
            assert d.item_id in allowed[d.rule_key]
            item = BY_ID[d.item_id]
            assert d.version_id == item.version_id
            assert sorted(d.option_order) == sorted(item.option_labels)
            # Judge options keep their order (正确/错误); the others are shuffled.
            assert item.type != "judge" or d.option_order == ("A", "B")
            moved += d.option_order != item.option_labels
    assert moved > 1000


def test_fixed_items_are_drawn_first_even_when_listed_last() -> None:
    # 20 judge items: the random rule needs all 18 that the fixed rule leaves over.
    rules = (Rule("j", 18, type="judge"), Rule("f", 2, item_ids=(3, 6)))
    assert check_rules(rules, POOL) == []
    for seed in _seeds(50):
        paper = _draw(seed, rules)
        assert Counter(d.rule_key for d in paper) == {"j": 18, "f": 2}
        assert {d.item_id for d in paper if d.rule_key == "j"}.isdisjoint({3, 6})


@pytest.mark.parametrize(
    ("rules", "key"),
    [
        ((Rule("big", 21, type="single"),), "big"),
        ((Rule("f", 1, item_ids=(999,)),), "f"),
        ((Rule("f", 2, item_ids=(3, 3)),), "f"),
        ((Rule("a", 20, type="judge"), Rule("b", 1, type="judge")), "b"),
        ((Rule("zero", 0),), "zero"),
    ],
)
def test_a_rule_that_cannot_be_filled_raises_with_its_key(
    rules: tuple[Rule, ...], key: str
) -> None:
    with pytest.raises(ValueError, match=f"规则 {key} "):
        _draw(42, rules)


def test_without_shuffling_the_paper_follows_the_blueprint() -> None:
    paper = _draw(7, RULES, POOL, False, False)
    assert [d.rule_key for d in paper] == ["r1"] * 5 + ["r2"] * 4 + ["f"] * 2 + ["r3"] * 3
    assert [d.item_id for d in paper if d.rule_key == "f"] == [6, 3]  # the author's order
    assert all(d.option_order == BY_ID[d.item_id].option_labels for d in paper)


def test_publishable_blueprints_always_draw() -> None:
    """Property: whatever check_rules accepts, draw_paper fills exactly, for any seed."""
    rng = random.Random(42)
    publishable = 0
    for _ in range(300):
        rules = tuple(
            Rule(f"r{n}", rng.randint(1, 6), category_ids=rng.choice(SOME_CATEGORIES),
                 type=rng.choice([None, "single", "multiple", "judge"]),
                 difficulty_min=(low := rng.randint(1, 5)), difficulty_max=rng.randint(low, 5))
            for n in range(rng.randint(1, 3))
        )  # fmt: skip
        if check_rules(rules, POOL):
            continue
        publishable += 1
        for seed in (rng.getrandbits(32) for _ in range(5)):
            paper = _draw(seed, rules)
            assert Counter(d.rule_key for d in paper) == {r.key: r.count for r in rules}
            assert len({d.item_id for d in paper}) == len(paper)
    assert publishable >= 50


TWICE = (Rule("a", 1), Rule("a", 1))
DOUBLED = SMALL + (_item(1, "judge", 10, 1),)  # one item twice in the pool


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: draw_paper(TWICE, SMALL, random.Random(42)), "duplicate rule keys"),
        (lambda: check_rules(TWICE, SMALL), "duplicate rule keys"),
        (lambda: draw_paper(RULES, DOUBLED, random.Random(42)), "item 1 appears twice"),
        (lambda: check_rules(RULES, DOUBLED), "item 1 appears twice"),
        (lambda: Rule("f", 3, item_ids=(1, 2)), "count 3 != 2"),
    ],
)
def test_malformed_input_is_refused(call: Callable[[], object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def _paper(*version_ids: int) -> list[DrawnItem]:
    return [DrawnItem(n, v - 1000, v, "r", ()) for n, v in enumerate(version_ids, start=1)]


@pytest.mark.parametrize(
    ("paper", "expected"),
    [
        (_paper(1001, 1005), 2.5),  # difficulties 1 and 4
        (_paper(1002, 1003), 4.0),  # unrated (counts as 3) and 5
        (_paper(1003), 5.0),
        ([], 0.0),
    ],
)
def test_expected_difficulty(paper: list[DrawnItem], expected: float) -> None:
    assert expected_difficulty(paper, {item.version_id: item for item in SMALL}) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], FairnessReport(0, 0.0, 0.0, 0.0, 0.0, 0.0)),
        ([3.5], FairnessReport(1, 3.5, 0.0, 0.0, 0.0, 0.0)),
        ([2.0, 4.0], FairnessReport(2, 3.0, 2.0, 4.0, 1.0, 2.0)),
        ([1.0, 2.0, 3.0, 4.0], FairnessReport(4, 2.5, 1.0, 4.0, math.sqrt(1.25), 3.0)),
    ],
)
def test_fairness(values: list[float], expected: FairnessReport) -> None:
    assert astuple(fairness(values)) == pytest.approx(astuple(expected))


def test_fairness_of_drawn_papers() -> None:
    by_version = {item.version_id: item for item in POOL}
    papers = [_draw(seed) for seed in _seeds(100)]
    report = fairness([expected_difficulty(paper, by_version) for paper in papers])
    assert report.count == 100
    assert 1 <= report.minimum <= report.mean <= report.maximum <= 5
    assert report.spread == pytest.approx(report.maximum - report.minimum) and report.stdev > 0
