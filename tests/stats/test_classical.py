"""Classical item analysis: every figure worked by hand on a 5 x 3 matrix, every figure from a
tally equal to the same figure computed straight from random matrices, and the tally's add,
remove, merge and JSON."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exam_app.stats.classical import FlagCode, FlagRules, ItemInfo, analyse, random_guess_score
from exam_app.stats.tally import Sheet, SheetArrays, Tally
from tests.stats import lsat6

# Persons x items, 1 point each. Totals 3, 2, 2, 1, 0.
HAND = [(1, 1, 1), (1, 1, 0), (1, 0, 1), (0, 1, 0), (0, 0, 0)]
#: What each person ticked on item 0 (options A, B, C; key A): A, A, A, B, nothing.
HAND_CHOICES_ITEM0 = (0b001, 0b001, 0b001, 0b010, 0)


def _hand_tally() -> Tally:
    tally = Tally()
    for person, row in enumerate(HAND):
        chosen = (HAND_CHOICES_ITEM0[person], -1, -1)
        tally.add(Sheet((0, 1, 2), (1.0, 1.0, 1.0), tuple(map(float, row)), chosen))
    return tally


INFOS = [ItemInfo(0, "single", ("A", "B", "C"), ("A",)), ItemInfo(1), ItemInfo(2)]


def test_the_test_figures_match_the_hand_computation() -> None:
    test = analyse(_hand_tally(), INFOS).test
    # mean 1.6; squared deviations 1.96 .16 .16 .36 2.56 = 5.2; var 5.2/4 = 1.3
    assert (test.n, test.mean, test.median) == (5, pytest.approx(1.6), 2.0)
    assert test.sd == pytest.approx(math.sqrt(1.3))
    # k3 = n^2 m3 / ((n-1)(n-2)) = 25 (-0.288) / 12 = -0.6; skewness = k3 / 1.3^1.5
    assert test.skewness == pytest.approx(-0.6 / 1.3**1.5)
    # k4 = 25 (6 * 2.1152 - 12 * 1.04^2) / 24 = -0.3; kurtosis = k4 / 1.3^2
    assert test.kurtosis == pytest.approx(-0.3 / 1.69)
    # alpha = 3/2 (1 - 0.9/1.3) = 6/13; KR-20 = 3/2 (1 - 0.72/1.04) = 6/13 (0/1 items)
    assert test.alpha == pytest.approx(6 / 13) and test.kr20 == pytest.approx(6 / 13)
    assert test.sem == pytest.approx(math.sqrt(0.7))  # sqrt(1.3 (1 - 6/13))
    assert test.error_ratio == pytest.approx(math.sqrt(7 / 13))
    assert test.items_per_paper == 3


def test_the_item_figures_match_the_hand_computation() -> None:
    first, second, third = analyse(_hand_tally(), INFOS).items
    assert (first.n, first.facility, first.sd) == (5, 0.6, pytest.approx(math.sqrt(0.3)))
    # cov(x, rest) = 1.0/4; var x = 0.3; var rest = 0.5
    assert first.pbis_rest == pytest.approx(0.25 / math.sqrt(0.15))
    assert first.discrimination_index == first.pbis_rest
    assert first.pbis_total == pytest.approx(0.55 / math.sqrt(0.3 * 1.3))
    # sorted x (0 0 1 1 1) against sorted rest (0 1 1 1 2): covariance max = (4 - 3)/4
    assert first.discriminative_efficiency == pytest.approx(1.0)
    # cut = 1.35 persons: the two persons at 2 count 0.175 each in the upper group, the one
    # at 1 counts 0.35 in the lower group
    assert (first.upper_facility, first.lower_facility) == (pytest.approx(1.0), 0.0)
    assert second.upper_lower == pytest.approx(1.175 / 1.35 - 0.35 / 1.35)
    assert third.upper_lower == pytest.approx(1.175 / 1.35)
    # without item 0 the totals are 2 1 1 1 0 (var 0.5) and the variances add to 0.6
    assert first.alpha_if_deleted == pytest.approx(2 * (1 - 0.6 / 0.5))
    # cov(x, total): 0.55, 0.3, 0.45
    roots = [math.sqrt(0.55), math.sqrt(0.3), math.sqrt(0.45)]
    assert first.effective_weight == pytest.approx(roots[0] / sum(roots))
    assert first.intended_weight == pytest.approx(1 / 3)
    assert first.random_guess_score == pytest.approx(1 / 3)
    assert second.random_guess_score is None and second.distractors == ()


def test_the_distractor_table_splits_the_groups_by_weight() -> None:
    rows = {row.option: row for row in analyse(_hand_tally(), INFOS).items[0].distractors}
    assert set(rows) == {"A", "B", "C", None} and rows["A"].is_key
    assert (rows["A"].overall, rows["B"].overall, rows["C"].count) == (0.6, 0.2, 0)
    assert (rows["A"].upper, rows["B"].lower) == (pytest.approx(1.0), pytest.approx(0.35 / 1.35))
    assert rows[None].lower == pytest.approx(1 / 1.35)
    # middle weights: 0.825, 0.825 (A), 0.65 (B) of 2.3
    assert rows["A"].middle == pytest.approx(1.65 / 2.3)
    assert rows["B"].middle == pytest.approx(0.65 / 2.3)


def test_flags_wait_for_enough_persons_and_then_name_the_reason() -> None:
    assert analyse(_hand_tally(), INFOS).items[0].flags == ()
    flags = analyse(_hand_tally(), INFOS, FlagRules(min_n=5)).items[0].flags
    assert [(f.code, f.option, f.n) for f in flags] == [(FlagCode.DISTRACTOR_UNUSED, "C", 5)]
    hard = analyse(_hand_tally(), INFOS, FlagRules(min_n=5)).items[2].flags
    assert FlagCode.LOW_DISCRIMINATION not in {f.code for f in hard}


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        (ItemInfo(1, "single", ("A", "B", "C", "D"), ("B",)), 1 / 4),
        (ItemInfo(1, "judge", ("A", "B"), ("A",)), 1 / 2),
        (ItemInfo(1, "multiple", ("A", "B", "C", "D"), ("A", "C")), 1 / 15),
        # partial credit, key {A, C}: subsets {A}, {C} earn 1/2, {A, C} earns 1: 2/15
        (ItemInfo(1, "multiple", ("A", "B", "C", "D"), ("A", "C"), True), 2 / 15),
        (ItemInfo(1), None),
    ],
)
def test_random_guess_score(info: ItemInfo, expected: float | None) -> None:
    assert random_guess_score(info) == (None if expected is None else pytest.approx(expected))


def test_lsat6_figures_match_the_published_descriptives() -> None:
    """Proportions correct 92.4 70.9 55.3 76.3 87.0 % and totals 0-5 held by 3, 20, 85, 237,
    357, 298 persons (philender.com, "Rasch models", Stata tabulate of the LSAT data); item SDs
    0.27 0.45 0.50 0.43 0.34 (psych::describe of ltm's lsat6, psygrammer/dsur sp_irt/irt.md)."""
    right = lsat6.matrix()
    keys = (1, 2, 3, 4, 5)
    tally = Tally.from_arrays(SheetArrays(keys, np.ones(5), right, np.full(right.shape, -1)))
    analysis = analyse(tally)
    assert [i.facility for i in analysis.items] == pytest.approx([0.924, 0.709, 0.553, 0.763, 0.87])
    assert [round(i.sd, 2) for i in analysis.items] == [0.27, 0.45, 0.5, 0.43, 0.34]
    assert [tally.persons[level * 100] for level in range(6)] == [3, 20, 85, 237, 357, 298]
    assert analysis.test.alpha == pytest.approx(analysis.test.kr20)


# -- the tally against the raw matrix ----------------------------------------------------------


def _random_matrix(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Persons x items marks with NaN where an item was not on the paper; some items carry
    2 points with partial credit."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(40, 120)), int(rng.integers(3, 9))
    points = rng.choice([1.0, 2.0], m)
    ability = rng.normal(size=(n, 1))
    right = rng.random((n, m)) < 1 / (1 + np.exp(-(ability - rng.normal(size=m))))
    marks = right * points
    half = (points == 2) & (rng.random((n, m)) < 0.3)
    marks = np.where(half, 1.0, marks)
    if seed % 2:
        marks[rng.random((n, m)) < 0.25] = np.nan
        marks[np.isnan(marks).all(axis=1), 0] = 0.0
    return marks, points


def _weights(totals: np.ndarray, upper: bool) -> np.ndarray:
    """Each person's share of the upper (or lower) 27 % group, ties split proportionally."""
    key = -totals if upper else totals
    cut, w = 0.27 * len(totals), np.zeros(len(totals))
    for value in np.unique(key):
        tied = key == value
        before = (key < value).sum()
        w[tied] = np.clip((cut - before) / tied.sum(), 0, 1)
    return w


def _alpha(marks: np.ndarray) -> float:
    n = len(marks)
    seen = ~np.isnan(marks)
    k = seen.sum() / n
    variances = sum(
        seen[:, j].sum() / n * np.nanvar(marks[:, j], ddof=1) for j in range(marks.shape[1])
    )
    return k / (k - 1) * (1 - variances / np.var(np.nansum(marks, axis=1), ddof=1))


@pytest.mark.parametrize("seed", range(8))
def test_every_figure_from_the_tally_equals_the_direct_computation(seed: int) -> None:
    marks, points = _random_matrix(seed)
    arrays = SheetArrays(tuple(range(len(points))), points, marks, np.full(marks.shape, -1))
    analysis = analyse(Tally.from_arrays(arrays))
    totals = np.nansum(marks, axis=1)
    full = np.where(np.isnan(marks), np.nan, marks >= points)
    t = analysis.test
    assert t.mean == pytest.approx(totals.mean()) and t.median == pytest.approx(np.median(totals))
    assert t.sd == pytest.approx(totals.std(ddof=1))
    assert t.alpha == pytest.approx(_alpha(marks))
    assert t.kr20 == pytest.approx(_kr20(full))
    upper, lower = _weights(totals, True), _weights(totals, False)
    for j, item in enumerate(analysis.items):
        seen = ~np.isnan(marks[:, j])
        x, total = marks[seen, j], totals[seen]
        rest = total - x
        assert item.facility == pytest.approx(x.mean() / points[j])
        assert item.sd == pytest.approx(x.std(ddof=1) / points[j])
        assert item.pbis_total == pytest.approx(np.corrcoef(x, total)[0, 1])
        assert item.pbis_rest == pytest.approx(np.corrcoef(x, rest)[0, 1])
        best = np.cov(np.sort(x), np.sort(rest))[0, 1]
        assert item.discriminative_efficiency == pytest.approx(np.cov(x, rest)[0, 1] / best)
        up = (upper[seen] * x).sum() / upper[seen].sum() / points[j]
        low = (lower[seen] * x).sum() / lower[seen].sum() / points[j]
        assert item.upper_lower == pytest.approx(up - low)
        assert item.alpha_if_deleted == pytest.approx(_alpha(np.delete(marks, j, axis=1)))


def _kr20(full: np.ndarray) -> float:
    n = len(full)
    seen = ~np.isnan(full)
    k = seen.sum() / n
    p = np.nanmean(full, axis=0)
    pq = (seen.sum(axis=0) / n * p * (1 - p)).sum()
    return float(k / (k - 1) * (1 - pq / np.var(np.nansum(full, axis=1))))


# -- the tally itself ---------------------------------------------------------------------------


def _sheets(seed: int) -> list[Sheet]:
    marks, points = _random_matrix(seed)
    rng = np.random.default_rng(seed)
    sheets = []
    for row in marks:
        items = tuple(j for j in range(len(row)) if not np.isnan(row[j]))
        chosen = tuple(int(rng.choice([0, 1, 2, 4, 6])) for _ in items)
        sheets.append(
            Sheet(items, tuple(points[j] for j in items), tuple(row[j] for j in items), chosen)
        )
    return sheets


def test_adding_sheets_one_by_one_equals_the_numpy_recount_and_survives_json() -> None:
    sheets = _sheets(3)
    tally = Tally()
    for sheet in sheets:
        tally.add(sheet)
    assert tally == Tally.from_arrays(SheetArrays.from_sheets(sheets))
    assert Tally.from_json(tally.to_json()) == tally
    assert tally.rasch_groups_complete


def test_remove_is_the_exact_inverse_of_add_and_merge_adds_two_tallies() -> None:
    sheets = _sheets(5)
    head, tail = Tally(), Tally()
    for sheet in sheets[:20]:
        head.add(sheet)
    for sheet in sheets[20:]:
        tail.add(sheet)
    both = head.merge(tail)
    for sheet in sheets[:20]:
        both.remove(sheet)
    assert both == tail


def test_removing_a_sheet_that_is_not_there_refuses_and_changes_nothing() -> None:
    tally = Tally()
    tally.add(Sheet((1, 2), (1.0, 1.0), (1.0, 0.0), (1, 2)))
    before = tally.to_json()
    with pytest.raises(ValueError, match="not in the tally"):
        tally.remove(Sheet((1, 2), (1.0, 1.0), (0.0, 0.0), (1, 2)))
    assert tally.to_json() == before


def test_too_many_papers_drop_the_rasch_groups() -> None:
    tally = Tally(max_groups=2)
    for item in range(3):
        tally.add(Sheet((item,), (1.0,), (1.0,), (1,)))
    assert not tally.rasch_groups_complete and Tally.from_json(tally.to_json()).groups is None


def test_a_tally_less_some_of_its_sheets_is_the_tally_of_the_rest() -> None:
    """``without``: what a full recomputation uses to count the first attempts as all of them
    less the later ones."""
    rng = np.random.default_rng(5)
    earned = (rng.random((60, 6)) < 0.6).astype(float)
    earned[rng.random((60, 6)) < 0.2] = np.nan  # random papers
    chosen = np.where(earned == 1, 1, 2 << rng.integers(0, 3, (60, 6)))
    arrays = SheetArrays(tuple(range(6)), np.ones(6), earned, chosen)

    def rows(picked: np.ndarray) -> SheetArrays:
        return SheetArrays(arrays.keys, arrays.points, earned[picked], chosen[picked])

    everyone = Tally.from_arrays(arrays)
    later = np.arange(60) % 3 == 0
    rest = everyone.without(Tally.from_arrays(rows(later)))
    assert rest == Tally.from_arrays(rows(~later))
    with pytest.raises(ValueError, match="not all in this tally"):
        Tally.from_arrays(rows(~later)).without(everyone)
