"""The vectorised ``classical.analyse`` against the implementation it replaced (kept here, item
by item with small numpy calls, as the reference): on random tallies, with partial credit,
random papers, omitted and unknown choices, int and str keys, whether the tally holds its tables
as arrays (from JSON or from_arrays) or as Counters (after add), every figure is the same to
1e-9 relative, and every flag and count is identical."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from exam_app.stats import classical
from exam_app.stats.classical import (
    Analysis,
    DistractorRow,
    Flag,
    FlagCode,
    FlagRules,
    ItemInfo,
    ItemStats,
    random_guess_score,
)
from exam_app.stats.classical import TestStats as RefTestStats  # not collected by pytest
from exam_app.stats.tally import SCALE, ItemKey, Sheet, SheetArrays, Tally

FloatArray = npt.NDArray[np.float64]
GROUP_SHARE = 0.27


def reference_analyse(
    tally: Tally, infos: Iterable[ItemInfo] = (), rules: FlagRules | None = None
) -> Analysis:
    """Every figure of the tally's items (in ``infos`` order, then any others by key)."""
    rules = rules or FlagRules()
    info_of = {info.key: info for info in infos}
    keys = [k for k in info_of if k in tally.seen]
    keys += sorted(
        (k for k in tally.seen if k not in info_of), key=lambda k: (isinstance(k, str), k)
    )
    people = _Persons(tally.persons)
    moments = {key: _ItemMoments.of(tally, key) for key in keys}
    variance_sum = sum(m.n / people.n * (m.var_x or 0.0) for m in moments.values())
    k = sum(m.n for m in moments.values()) / people.n if people.n else 0.0
    test = _test_stats(tally, people, moments, k, variance_sum)
    sqrt_cov = {
        key: math.sqrt(m.cov_xt)
        for key, m in moments.items()
        if m.cov_xt is not None and m.cov_xt >= 0
    }
    total_sqrt_cov = sum(sqrt_cov.values())
    mean_maximum = sum(m.n * m.max_points for m in moments.values()) / people.n if people.n else 0
    items = []
    for key in keys:
        m = moments[key]
        info = info_of.get(key, ItemInfo(key))
        effective = sqrt_cov[key] / total_sqrt_cov if key in sqrt_cov and total_sqrt_cov else None
        intended = m.max_points / mean_maximum if mean_maximum else None
        upper, lower = people.group_facility(m, "upper"), people.group_facility(m, "lower")
        distractors = _distractors(tally, key, info, people, m)
        stats = ItemStats(
            key=key,
            n=m.n,
            max_points=m.max_points,
            mean=m.mean_x,
            facility=m.facility,
            sd=None if m.var_x is None or not m.max_points else math.sqrt(m.var_x) / m.max_points,
            random_guess_score=random_guess_score(info),
            intended_weight=intended,
            effective_weight=effective,
            discrimination_index=m.pbis_rest,
            discriminative_efficiency=m.discriminative_efficiency,
            pbis_total=m.pbis_total,
            pbis_rest=m.pbis_rest,
            upper_facility=upper,
            lower_facility=lower,
            upper_lower=None if upper is None or lower is None else upper - lower,
            alpha_if_deleted=_alpha_if_deleted(people, m, k, variance_sum),
            distractors=distractors,
            flags=(),
        )
        items.append(_with_flags(stats, rules))
    return Analysis(test, tuple(items))


# -- persons and their groups ----------------------------------------------------------------


class _Persons:
    """The distribution of totals, and each level's weight in the upper and lower groups."""

    def __init__(self, persons: Counter[int]) -> None:
        levels = np.array(sorted(persons), dtype=np.int64)
        counts = np.array([persons[level] for level in levels.tolist()], dtype=np.float64)
        self.levels, self.counts = levels, counts
        self.n = int(counts.sum())
        self.x = levels / SCALE
        cut = GROUP_SHARE * self.n
        below = np.concatenate([[0.0], np.cumsum(counts)[:-1]])
        above = self.n - below - counts
        with np.errstate(divide="ignore", invalid="ignore"):
            self.lower_weight = np.clip((cut - below) / counts, 0.0, 1.0)
            self.upper_weight = np.clip((cut - above) / counts, 0.0, 1.0)

    def weights(self, levels: npt.NDArray[np.int64], group: str) -> FloatArray:
        index = np.searchsorted(self.levels, levels)
        if group == "overall":
            return np.ones(len(levels))
        upper, lower = self.upper_weight[index], self.lower_weight[index]
        if group == "upper":
            return upper
        if group == "lower":
            return lower
        return 1.0 - upper - lower

    def group_facility(self, m: _ItemMoments, group: str) -> float | None:
        if not m.max_points or not m.n:
            return None
        w = self.weights(m.levels, group) * m.counts
        total = w.sum()
        return float((w * m.x).sum() / total / m.max_points) if total > 0 else None


@dataclass(frozen=True)
class _ItemMoments:
    """Sums over the persons who saw one item: x its marks, t their totals, r = t - x."""

    n: int
    max_points: float
    levels: npt.NDArray[np.int64]
    counts: FloatArray
    x: FloatArray
    t: FloatArray
    mean_x: float | None
    facility: float | None
    var_x: float | None
    var_r: float | None
    cov_xr: float | None
    cov_xt: float | None
    pbis_total: float | None
    pbis_rest: float | None
    discriminative_efficiency: float | None
    sum_x: float
    sum_xx: float
    sum_xt: float

    @classmethod
    def of(cls, tally: Tally, key: ItemKey) -> _ItemMoments:
        table = tally.earned.get(key, Counter())
        pairs = np.array(list(table.keys()), dtype=np.int64).reshape(-1, 2)
        counts = np.array(list(table.values()), dtype=np.float64)
        levels, earned = pairs[:, 0], pairs[:, 1]
        x, t = earned / SCALE, levels / SCALE
        r = t - x
        n = int(counts.sum())
        max_points = tally.item_points[key] / SCALE
        mean_x = float((counts * x).sum() / n) if n else None
        var_x = _cov(counts, x, x)
        var_r, var_t = _cov(counts, r, r), _cov(counts, t, t)
        cov_xr, cov_xt = _cov(counts, x, r), _cov(counts, x, t)
        return cls(
            n=n,
            max_points=max_points,
            levels=levels,
            counts=counts,
            x=x,
            t=t,
            mean_x=mean_x,
            facility=mean_x / max_points if mean_x is not None and max_points else None,
            var_x=var_x,
            var_r=var_r,
            cov_xr=cov_xr,
            cov_xt=cov_xt,
            pbis_total=_correlation(cov_xt, var_x, var_t),
            pbis_rest=_correlation(cov_xr, var_x, var_r),
            discriminative_efficiency=_efficiency(counts, x, r, cov_xr),
            sum_x=float((counts * x).sum()),
            sum_xx=float((counts * x * x).sum()),
            sum_xt=float((counts * x * t).sum()),
        )


def _cov(counts: FloatArray, a: FloatArray, b: FloatArray) -> float | None:
    n = counts.sum()
    if n < 2:
        return None
    mean_a, mean_b = (counts * a).sum() / n, (counts * b).sum() / n
    return float((counts * (a - mean_a) * (b - mean_b)).sum() / (n - 1))


def _correlation(cov: float | None, var_a: float | None, var_b: float | None) -> float | None:
    if cov is None or not var_a or not var_b or var_a <= 0 or var_b <= 0:
        return None
    return cov / math.sqrt(var_a * var_b)


def _efficiency(
    counts: FloatArray, x: FloatArray, r: FloatArray, cov_xr: float | None
) -> float | None:
    """Moodle's discriminative efficiency: the item-rest covariance over the largest it could
    be with the same two distributions, i.e. both sorted and paired rank by rank."""
    if cov_xr is None:
        return None
    n = counts.sum()
    largest = (_sorted_pairing_sum(counts, x, r) - (counts * x).sum() * (counts * r).sum() / n) / (
        n - 1
    )
    return cov_xr / largest if largest > 1e-12 else None


def _sorted_pairing_sum(counts: FloatArray, x: FloatArray, r: FloatArray) -> float:
    """sum_i x_(i) r_(i) with both sorted, from the two weighted distributions."""
    x_values, x_counts = _distribution(x, counts)
    r_values, r_counts = _distribution(r, counts)
    x_ends, r_ends = np.cumsum(x_counts), np.cumsum(r_counts)
    ends = np.unique(np.concatenate([x_ends, r_ends]))
    lengths = np.diff(np.concatenate([[0.0], ends]))
    x_at = x_values[np.searchsorted(x_ends, ends - 0.5)]
    r_at = r_values[np.searchsorted(r_ends, ends - 0.5)]
    return float((lengths * x_at * r_at).sum())


def _distribution(values: FloatArray, counts: FloatArray) -> tuple[FloatArray, FloatArray]:
    distinct, index = np.unique(np.round(values * SCALE), return_inverse=True)
    return distinct / SCALE, np.bincount(index.ravel(), weights=counts).astype(np.float64)


# -- the test ------------------------------------------------------------------------------


def _test_stats(
    tally: Tally,
    people: _Persons,
    moments: Mapping[ItemKey, _ItemMoments],
    k: float,
    variance_sum: float,
) -> RefTestStats:
    n, x, c = people.n, people.x, people.counts
    if not n:
        return RefTestStats(0, None, None, None, None, None, None, None, None, None, None)
    mean = float((c * x).sum() / n)
    median = _median(x, c, n)
    sd = skewness = kurtosis = alpha = kr20 = sem = error_ratio = None
    if n > 1:
        power2, power3, power4 = ((c * (x - mean) ** p).sum() for p in (2, 3, 4))
        k2 = float(power2 / (n - 1))
        sd = math.sqrt(k2)
        m2, m3, m4 = power2 / n, power3 / n, power4 / n
        if n > 2 and k2 > 0:
            k3 = n * n * m3 / ((n - 1) * (n - 2))
            skewness = float(k3 / k2**1.5)
            if n > 3:
                k4 = n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2) / ((n - 1) * (n - 2) * (n - 3))
                kurtosis = float(k4 / k2**2)
        if k > 1 and k2 > 0:
            alpha = k / (k - 1) * (1 - variance_sum / k2)
            error_ratio = math.sqrt(1 - alpha) if alpha <= 1 else None
            sem = sd * error_ratio if error_ratio is not None else None
        kr20 = _kr20(tally, moments, k, n)
    return RefTestStats(n, mean, median, sd, skewness, kurtosis, k, alpha, kr20, sem, error_ratio)


def _median(x: FloatArray, counts: FloatArray, n: int) -> float:
    ends = np.cumsum(counts)
    lower = x[np.searchsorted(ends, (n - 1) // 2 + 0.5)]
    upper = x[np.searchsorted(ends, n // 2 + 0.5)]
    return float((lower + upper) / 2)


def _kr20(tally: Tally, moments: Mapping[ItemKey, _ItemMoments], k: float, n: int) -> float | None:
    """KR-20 of the dichotomised items (full marks = 1): k/(k-1) (1 - sum p q / var R), R the
    number of fully correct items, population variances (n denominators)."""
    rights = np.array(sorted(tally.rights), dtype=np.float64)
    counts = np.array([tally.rights[int(r)] for r in rights], dtype=np.float64)
    mean = (counts * rights).sum() / n
    var_r = float((counts * (rights - mean) ** 2).sum() / n)
    pq = 0.0
    for key, m in moments.items():
        p = sum(tally.correct.get(key, Counter()).values()) / m.n
        pq += m.n / n * p * (1 - p)
    if k <= 1 or var_r <= 0:
        return None
    return k / (k - 1) * (1 - pq / var_r)


def _alpha_if_deleted(
    people: _Persons, m: _ItemMoments, k: float, variance_sum: float
) -> float | None:
    """Alpha of the test without this item: k, the item variance sum and the variance of the
    totals over all persons, each without the item's part."""
    n = people.n
    share = m.n / n if n else 0.0
    k_left = k - share
    if n < 2 or k_left <= 1:
        return None
    c, x = people.counts, people.x
    sum_left = (c * x).sum() - m.sum_x
    square_left = (c * x * x).sum() - 2 * m.sum_xt + m.sum_xx
    var_left = (square_left - sum_left**2 / n) / (n - 1)
    if var_left <= 0:
        return None
    variances_left = variance_sum - share * (m.var_x or 0.0)
    return float(k_left / (k_left - 1) * (1 - variances_left / var_left))


# -- distractors and flags --------------------------------------------------------------------


def _distractors(
    tally: Tally, key: ItemKey, info: ItemInfo, people: _Persons, m: _ItemMoments
) -> tuple[DistractorRow, ...]:
    chosen = tally.chosen.get(key, Counter())
    omitted = tally.omitted.get(key, Counter())
    unknown = tally.unknown.get(key, Counter())
    if sum(unknown.values()) >= m.n or (info.type is None and not chosen and not omitted):
        return ()
    groups = ("overall", "upper", "middle", "lower")
    # persons whose choice is known, per level: the item's persons less the unknown ones
    unknown_levels, unknown_counts = _level_arrays(unknown)
    levels = np.concatenate([m.levels, unknown_levels])
    counts = np.concatenate([m.counts, -unknown_counts])
    totals = {g: float((people.weights(levels, g) * counts).sum()) for g in groups}
    pairs = np.array(list(chosen), dtype=np.int64).reshape(-1, 2)
    pair_counts = np.array(list(chosen.values()), dtype=np.float64)
    pair_weights = {g: people.weights(pairs[:, 0], g) * pair_counts for g in groups}
    omitted_levels, omitted_counts = _level_arrays(omitted)
    omitted_weights = {g: people.weights(omitted_levels, g) * omitted_counts for g in groups}
    bits = sorted(set(pairs[:, 1].tolist()) | set(range(len(info.options))))
    rows = []
    for bit in [*bits, None]:
        if bit is None:
            label, is_key = None, False
            weighted = omitted_weights
        else:
            label = info.options[bit] if bit < len(info.options) else chr(ord("A") + bit)
            is_key = label in info.answer_key
            on_bit = pairs[:, 1] == bit
            weighted = {g: w[on_bit] for g, w in pair_weights.items()}
        shares = {g: _share(weighted[g].sum(), totals[g]) for g in groups}
        rows.append(
            DistractorRow(
                label,
                is_key,
                int(round(weighted["overall"].sum())),
                shares["overall"],
                shares["upper"],
                shares["middle"],
                shares["lower"],
            )
        )
    return tuple(rows)


def _level_arrays(counter: Mapping[int, int]) -> tuple[npt.NDArray[np.int64], FloatArray]:
    return (
        np.array(list(counter), dtype=np.int64),
        np.array(list(counter.values()), dtype=np.float64),
    )


def _share(part: float, whole: float) -> float | None:
    return float(part / whole) if whole > 0 else None


def _with_flags(stats: ItemStats, rules: FlagRules) -> ItemStats:
    if stats.n < rules.min_n:
        return stats
    flags: list[Flag] = []
    d = stats.discrimination_index
    if d is not None and d < 0:
        flags.append(Flag(FlagCode.NEGATIVE_DISCRIMINATION, stats.n, d))
    elif d is not None and d < rules.low_discrimination:
        flags.append(Flag(FlagCode.LOW_DISCRIMINATION, stats.n, d))
    for row in stats.distractors:
        if row.option is None or row.is_key:
            continue
        if row.count == 0:
            flags.append(Flag(FlagCode.DISTRACTOR_UNUSED, stats.n, 0.0, row.option))
        elif row.upper is not None and row.lower is not None and row.upper > row.lower:
            flags.append(
                Flag(FlagCode.DISTRACTOR_FAVOURS_UPPER, stats.n, row.upper - row.lower, row.option)
            )
    if stats.facility is not None and stats.facility > rules.easiest:
        flags.append(Flag(FlagCode.TOO_EASY, stats.n, stats.facility))
    if stats.facility is not None and stats.facility < rules.hardest:
        flags.append(Flag(FlagCode.TOO_HARD, stats.n, stats.facility))
    return ItemStats(**{**stats.__dict__, "flags": tuple(flags)})


def flag_codes(flags: Sequence[Flag]) -> list[str]:
    return [flag.code.value for flag in flags]


# -- the comparison ---------------------------------------------------------------------


def _same(fast: Any, slow: Any, where: str = "") -> None:
    if dataclasses.is_dataclass(fast) and not isinstance(fast, type):
        assert dataclasses.is_dataclass(slow), where
        for f in dataclasses.fields(fast):
            _same(getattr(fast, f.name), getattr(slow, f.name), f"{where}.{f.name}")
    elif isinstance(fast, tuple | list):
        assert isinstance(slow, tuple | list) and len(fast) == len(slow), where
        for i, (a, b) in enumerate(zip(fast, slow, strict=True)):
            _same(a, b, f"{where}[{i}]")
    elif isinstance(fast, float) and not isinstance(slow, bool):
        assert slow is not None, where
        assert fast == pytest.approx(slow, rel=1e-9, abs=1e-12), where
    else:
        assert fast == slow, where


def _random_sheets(seed: int) -> list[Sheet]:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(30, 160)), int(rng.integers(2, 9))
    keys: list[int | str] = [f"Q{j}" for j in range(m)] if seed % 3 == 0 else list(range(m))
    points = rng.choice([1.0, 2.0, 0.5], m)
    ability = rng.normal(size=n)
    sheets = []
    for p in range(n):
        items = [j for j in range(m) if seed % 2 == 0 or rng.random() > 0.3] or [0]
        earned, chosen = [], []
        for j in items:
            right = rng.random() < 1 / (1 + np.exp(-(ability[p] - j / m)))
            mark = points[j] if right else (round(points[j] / 2, 2) if rng.random() < 0.3 else 0.0)
            earned.append(float(mark))
            chosen.append(int(rng.choice([0, -1, 1, 2, 4, 6, 8] if seed % 4 else [1, 2, 4])))
        sheets.append(
            Sheet(
                tuple(keys[j] for j in items),
                tuple(points[j] for j in items),
                tuple(earned),
                tuple(chosen),
            )
        )
    return sheets


def _infos(sheets: list[Sheet], seed: int) -> list[classical.ItemInfo]:
    keys = sorted({k for s in sheets for k in s.items}, key=lambda k: (isinstance(k, str), k))
    kinds = ["single", "multiple", "judge", None]
    return [
        classical.ItemInfo(
            key,
            kinds[(i + seed) % 4],
            ("A", "B", "C", "D")[: 2 + i % 3],
            ("A",),
            partial_credit=bool(i % 2),
        )
        for i, key in enumerate(keys[::-1])
    ][: max(1, len(keys) - 1)]


@pytest.mark.parametrize("seed", range(24))
def test_the_fast_analysis_equals_the_reference(seed: int) -> None:
    sheets = _random_sheets(seed)
    one_by_one = Tally()
    for sheet in sheets:
        one_by_one.add(sheet)
    from_json = Tally.from_json(one_by_one.to_json())
    infos = _infos(sheets, seed)
    rules = FlagRules(min_n=10)
    slow = reference_analyse(Tally.from_json(one_by_one.to_json()), infos, rules)
    for tally in (from_json, one_by_one, Tally.from_arrays(SheetArrays.from_sheets(sheets))):
        _same(classical.analyse(tally, infos, rules), slow)


def test_the_fast_analysis_of_an_empty_tally_equals_the_reference() -> None:
    _same(classical.analyse(Tally()), reference_analyse(Tally()))


def test_analyse_leaves_the_tables_as_arrays_and_json_round_trips() -> None:
    """analyse reads the columns, so a tally read from JSON is never turned into Counters."""
    sheets = _random_sheets(4)
    tally = Tally.from_arrays(SheetArrays.from_sheets(sheets))
    classical.analyse(tally)
    assert all(not isinstance(t, dict) for t in tally._tables.values())
    assert Tally.from_json(tally.to_json()) == tally
