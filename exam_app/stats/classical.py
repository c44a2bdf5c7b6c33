"""Classical item analysis of a tally: Moodle's quiz statistics, and the figures a
psychometrician adds (point-biserials, the upper-lower 27 % index, alpha if deleted, the
distractor table), each one computed from counts only (``tally.Tally``), so it equals the same
figure computed from the raw persons x items matrix. docs/statistics.md gives every formula.

Conventions, in one place:

* an item's figures are over the persons who saw it (its ``n``); scores are marks, and the
  facility and SD are fractions of the item's maximum;
* every SD and covariance has the n - 1 denominator (as Moodle); KR-20 uses p(1 - p) and the
  population variance of the number of fully correct items (its textbook form);
* correlations are Pearson's (point-biserial = Pearson with a 0/1 item); the discrimination
  index is Moodle's: item against the REST of the test (= ``pbis_rest``), as a fraction
  (Moodle shows it x 100); the discriminative efficiency and the weights are fractions too;
* upper/lower groups: the top and bottom 27 % of ALL persons by total; persons tied at a cut
  level count in the group with the fractional weight that makes each group exactly 0.27 n;
* random papers: alpha's k is the mean number of items per paper and each item's variance is
  over those who saw it, weighted by the share of persons who saw it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from exam_app.stats.tally import SCALE, Columns, ItemKey, Tally

FloatArray = npt.NDArray[np.float64]
GROUP_SHARE = 0.27


@dataclass(frozen=True)
class ItemInfo:
    """What the bank says about an item. ``answer_key`` holds the ORIGINAL labels of the correct
    options; option bit k of a tally is ``options[k]``. ``type`` None: nothing is known (an
    outside CSV), so there is no random guess score and no distractor table."""

    key: ItemKey
    type: str | None = None  #: "single" | "multiple" | "judge" | None
    options: tuple[str, ...] = ()
    answer_key: tuple[str, ...] = ()
    partial_credit: bool = False


class FlagCode(StrEnum):
    NEGATIVE_DISCRIMINATION = "negative_discrimination"
    LOW_DISCRIMINATION = "low_discrimination"
    DISTRACTOR_FAVOURS_UPPER = "distractor_favours_upper"
    DISTRACTOR_UNUSED = "distractor_unused"
    TOO_EASY = "too_easy"
    TOO_HARD = "too_hard"


@dataclass(frozen=True)
class Flag:
    """A reason to look at an item again; ``n`` is how many persons the figure rests on."""

    code: FlagCode
    n: int
    value: float | None = None
    option: str | None = None

    @property
    def reason(self) -> str:
        value = "" if self.value is None else f" ({self.value:.2f})"
        option = "" if self.option is None else f" option {self.option}"
        return f"{self.code.value}{option}{value}, n = {self.n}"


@dataclass(frozen=True)
class FlagRules:
    """Thresholds; no flag at all below ``min_n`` persons, so tiny samples do not cry wolf."""

    min_n: int = 30
    low_discrimination: float = 0.2
    easiest: float = 0.9
    hardest: float = 0.2


@dataclass(frozen=True)
class DistractorRow:
    """Share of each group who ticked ``option`` (None: the row of persons who answered
    nothing). Shares are over persons whose choice is known."""

    option: str | None
    is_key: bool
    count: int
    overall: float | None
    upper: float | None
    middle: float | None
    lower: float | None


@dataclass(frozen=True)
class ItemStats:
    key: ItemKey
    n: int
    max_points: float
    mean: float | None  #: marks
    facility: float | None
    sd: float | None  #: of the score as a fraction of the maximum, n - 1
    random_guess_score: float | None
    intended_weight: float | None
    effective_weight: float | None
    discrimination_index: float | None  #: Moodle's: Pearson item-rest, a fraction
    discriminative_efficiency: float | None
    pbis_total: float | None
    pbis_rest: float | None
    upper_facility: float | None
    lower_facility: float | None
    upper_lower: float | None
    alpha_if_deleted: float | None
    distractors: tuple[DistractorRow, ...]
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class TestStats:
    n: int
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    items_per_paper: float | None  #: k of alpha (the mean, when papers differ)
    alpha: float | None
    kr20: float | None
    sem: float | None
    error_ratio: float | None


@dataclass(frozen=True)
class Analysis:
    test: TestStats
    items: tuple[ItemStats, ...] = field(default_factory=tuple)


def random_guess_score(info: ItemInfo) -> float | None:
    """Expected score fraction of a candidate choosing blindly: single 1/options, judge 1/2,
    multiple all-or-nothing 1/(2^n - 1) (uniform over the non-empty subsets); multiple with
    partial credit, under the same guess and ``exams.grading.score_multiple`` (|S|/|key| when
    S is inside the key, else 0): sum_s C(k,s) s/k / (2^n - 1) = 2^(k-1) / (2^n - 1)."""
    n = len(info.options)
    if info.type == "judge":
        return 0.5
    if not n or info.type not in ("single", "multiple"):
        return None
    if info.type == "single":
        return 1 / n
    if info.partial_credit and info.answer_key:
        return float(2 ** (len(info.answer_key) - 1) / (2**n - 1))
    return 1 / (2**n - 1)


def analyse(
    tally: Tally, infos: Iterable[ItemInfo] = (), rules: FlagRules | None = None
) -> Analysis:
    """Every figure of the tally's items (in ``infos`` order, then any others by key).

    Vectorised: every per-item sum is one np.bincount over the rows of the tally's columns
    (``Tally.columns``: item, level, sub, count), so the cost is a few dozen numpy calls for
    the whole exam rather than a dozen per item; only the result objects are built per item.
    """
    rules = rules or FlagRules()
    info_of = {info.key: info for info in infos}
    keys = [k for k in info_of if k in tally.seen]
    keys += sorted(
        (k for k in tally.seen if k not in info_of), key=lambda k: (isinstance(k, str), k)
    )
    people = _Persons(tally.persons)
    m = _Moments(tally, keys, people)
    n_all = people.n
    variance_sum = float((m.n / n_all * np.nan_to_num(m.var_x)).sum()) if n_all else 0.0
    k = float(m.n.sum() / n_all) if n_all else 0.0
    test = _test_stats(tally, people, m, k, variance_sum)
    root = np.sqrt(np.where(m.cov_xt >= 0, m.cov_xt, np.nan))
    has_root = ~np.isnan(root)
    total_root = float(root[has_root].sum())
    mean_maximum = float((m.n * m.max_points).sum() / n_all) if n_all else 0.0
    upper, lower = people.group_facility(m, "upper"), people.group_facility(m, "lower")
    alpha_left = _alpha_if_deleted(people, m, k, variance_sum)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(m.var_x) / m.max_points
        effective = root / total_root
    columns: dict[str, list[float | None]] = {
        "mean": _floats(m.mean_x),
        "facility": _floats(m.facility),
        "sd": _floats(np.where(m.max_points != 0, sd, np.nan)),
        "pbis_total": _floats(m.pbis_total),
        "pbis_rest": _floats(m.pbis_rest),
        "efficiency": _floats(m.efficiency),
        "upper": _floats(upper),
        "lower": _floats(lower),
        "alpha_left": _floats(alpha_left),
    }
    effective_of = _floats(np.where(has_root, effective, np.nan)) if total_root else None
    distractors = _distractors(tally, keys, info_of, people, m)
    n_of, max_of = m.n.astype(np.int64).tolist(), m.max_points.tolist()
    items = []
    for j, key in enumerate(keys):
        info = info_of.get(key, ItemInfo(key))
        up, low = columns["upper"][j], columns["lower"][j]
        effective_j = effective_of[j] if effective_of is not None else None
        stats = ItemStats(
            key=key,
            n=n_of[j],
            max_points=max_of[j],
            mean=columns["mean"][j],
            facility=columns["facility"][j],
            sd=columns["sd"][j],
            random_guess_score=random_guess_score(info),
            intended_weight=max_of[j] / mean_maximum if mean_maximum else None,
            effective_weight=effective_j,
            discrimination_index=columns["pbis_rest"][j],
            discriminative_efficiency=columns["efficiency"][j],
            pbis_total=columns["pbis_total"][j],
            pbis_rest=columns["pbis_rest"][j],
            upper_facility=up,
            lower_facility=low,
            upper_lower=None if up is None or low is None else up - low,
            alpha_if_deleted=columns["alpha_left"][j],
            distractors=distractors[j],
            flags=(),
        )
        items.append(_with_flags(stats, rules))
    return Analysis(test, tuple(items))


def _floats(values: FloatArray) -> list[float | None]:
    """Python floats, None where the figure does not exist (NaN: too few persons, no
    variance, no group)."""
    return [None if math.isnan(v) else v for v in values.tolist()]


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
        self._lookup: npt.NDArray[np.int64] | None = None
        self._low = 0
        with np.errstate(divide="ignore", invalid="ignore"):
            self.lower_weight = np.clip((cut - below) / counts, 0.0, 1.0)
            self.upper_weight = np.clip((cut - above) / counts, 0.0, 1.0)

    def weights(self, levels: npt.NDArray[np.int64], group: str) -> FloatArray:
        if group == "overall":
            return np.ones(len(levels))
        index = self._index(levels)
        upper, lower = self.upper_weight[index], self.lower_weight[index]
        if group == "upper":
            return upper
        if group == "lower":
            return lower
        return 1.0 - upper - lower

    def _index(self, levels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Each level's position among the persons' levels: a table lookup over the (small)
        range of levels rather than a binary search per call."""
        if self._lookup is None:
            low = int(self.levels[0]) if self.levels.size else 0
            span = int(self.levels[-1]) - low + 1 if self.levels.size else 1
            if span > 10_000_000:
                return np.searchsorted(self.levels, levels)
            self._lookup = np.zeros(span, np.int64)
            self._lookup[self.levels - low] = np.arange(self.levels.size)
            self._low = low
        return self._lookup[levels - self._low]

    def group_facility(self, m: _Moments, group: str) -> FloatArray:
        """Per item; NaN where the item is worth nothing, nobody saw it or the group is empty."""
        w = self.weights(m.level, group) * m.count
        total = m.sums(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            facility = m.sums(w * m.x) / total / m.max_points
        return np.where((m.max_points != 0) & (m.n > 0) & (total > 0), facility, np.nan)


class _Moments:
    """Per-item sums over the persons who saw each item (x its marks, t their totals, r = t - x),
    as arrays in ``keys`` order; the rows are the tally's ``earned`` columns, ``item`` each
    row's position in ``keys``. Covariances are two-pass (deviations from the item's means),
    as before vectorisation; NaN marks a figure that does not exist."""

    def __init__(self, tally: Tally, keys: Sequence[ItemKey], people: _Persons) -> None:
        self.size = len(keys)
        self.position = {key: j for j, key in enumerate(keys)}
        cols = tally.columns("earned")
        item = self.rows_of(cols)
        keep = item >= 0
        self.item, self.level = item[keep], cols.level[keep]
        earned = cols.sub[keep] if cols.sub is not None else np.zeros(0, np.int64)
        self.count = cols.count[keep].astype(np.float64)
        self.x, self.t = earned / SCALE, cols.level / SCALE
        r = self.t - self.x
        self.max_points = np.array([tally.item_points[key] / SCALE for key in keys], np.float64)
        self.n = self.sums(self.count)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.sum_x = self.sums(self.count * self.x)
            self.sum_xx = self.sums(self.count * self.x * self.x)
            self.sum_xt = self.sums(self.count * self.x * self.t)
            self.mean_x = np.where(self.n > 0, self.sum_x / self.n, np.nan)
            self.facility = np.where(self.max_points != 0, self.mean_x / self.max_points, np.nan)
            mean_t = self.sums(self.count * self.t) / self.n
            mean_r = self.sums(self.count * r) / self.n
            dx = self.x - self.mean_x[self.item]
            dt, dr = self.t - mean_t[self.item], r - mean_r[self.item]
            many = self.n >= 2
            below = np.where(many, self.n - 1, np.nan)
            self.var_x = self.sums(self.count * dx * dx) / below
            var_r = self.sums(self.count * dr * dr) / below
            var_t = self.sums(self.count * dt * dt) / below
            self.cov_xr = self.sums(self.count * dx * dr) / below
            self.cov_xt = self.sums(self.count * dx * dt) / below
        self.pbis_total = _correlation(self.cov_xt, self.var_x, var_t)
        self.pbis_rest = _correlation(self.cov_xr, self.var_x, var_r)
        self.efficiency = self._efficiency(earned, self.level - earned)

    def rows_of(self, cols: Columns) -> npt.NDArray[np.int64]:
        """Each row's item as its position in ``keys`` (-1: an item analyse does not report)."""
        remap = np.fromiter(
            (self.position.get(key, -1) for key in cols.keys), np.int64, len(cols.keys)
        )
        return remap[cols.item] if remap.size else np.zeros(0, np.int64)

    def sums(self, values: FloatArray, item: npt.NDArray[np.int64] | None = None) -> FloatArray:
        item = self.item if item is None else item
        summed = np.bincount(item, weights=values, minlength=self.size)[: self.size]
        return summed.astype(np.float64, copy=False)

    def _efficiency(self, x_h: npt.NDArray[np.int64], r_h: npt.NDArray[np.int64]) -> FloatArray:
        """Moodle's discriminative efficiency: the item-rest covariance over the largest it could
        be with the same two distributions, i.e. both sorted and paired rank by rank. All items
        at once, in integer hundredths: each distribution sorted within its item, its cumulative
        counts the rank where each value ends; between consecutive ends (of either) both values
        are constant, so sum_i x_(i) r_(i) is a sum over those stretches."""
        counts = self.count.astype(np.int64)
        span = int(counts.sum()) + 1
        item = self.item

        def ends(values: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], FloatArray]:
            order = np.lexsort((values, item))
            cum = np.cumsum(counts[order])
            item_sorted = item[order]
            first = np.searchsorted(item_sorted, item_sorted)  # first row of each row's item
            start = np.where(first > 0, cum[first - 1], 0)
            return item_sorted * span + (cum - start), values[order] / SCALE

        x_ends, x_at = ends(x_h)
        r_ends, r_at = ends(r_h)
        # two sorted runs: a stable sort merges them in linear time (np.unique would hash)
        joined = np.sort(np.concatenate([x_ends, r_ends]), kind="stable")
        first_of_run = np.ones(min(1, joined.size), bool)
        both = joined[np.concatenate([first_of_run, joined[1:] != joined[:-1]])]
        item_of = both // span
        rank = both % span
        previous = np.concatenate([[0], rank[:-1]])
        previous[np.concatenate([[True], item_of[1:] != item_of[:-1]])] = 0
        lengths = (rank - previous).astype(np.float64)
        paired = lengths * x_at[np.searchsorted(x_ends, both)] * r_at[np.searchsorted(r_ends, both)]
        pairing = np.bincount(item_of, weights=paired, minlength=self.size)[: self.size]
        with np.errstate(divide="ignore", invalid="ignore"):
            sum_r = self.sums(self.count * (self.t - self.x))
            largest = (pairing - self.sum_x * sum_r / self.n) / (self.n - 1)
            efficiency = self.cov_xr / largest
        return np.where(~np.isnan(self.cov_xr) & (largest > 1e-12), efficiency, np.nan)


def _correlation(cov: FloatArray, var_a: FloatArray, var_b: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        value = cov / np.sqrt(var_a * var_b)
    return np.where(~np.isnan(cov) & (var_a > 0) & (var_b > 0), value, np.nan)


# -- the test ------------------------------------------------------------------------------


def _test_stats(
    tally: Tally, people: _Persons, moments: _Moments, k: float, variance_sum: float
) -> TestStats:
    n, x, c = people.n, people.x, people.counts
    if not n:
        return TestStats(0, None, None, None, None, None, None, None, None, None, None)
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
    return TestStats(n, mean, median, sd, skewness, kurtosis, k, alpha, kr20, sem, error_ratio)


def _median(x: FloatArray, counts: FloatArray, n: int) -> float:
    ends = np.cumsum(counts)
    lower = x[np.searchsorted(ends, (n - 1) // 2 + 0.5)]
    upper = x[np.searchsorted(ends, n // 2 + 0.5)]
    return float((lower + upper) / 2)


def _kr20(tally: Tally, moments: _Moments, k: float, n: int) -> float | None:
    """KR-20 of the dichotomised items (full marks = 1): k/(k-1) (1 - sum p q / var R), R the
    number of fully correct items, population variances (n denominators)."""
    rights = np.array(sorted(tally.rights), dtype=np.float64)
    counts = np.array([tally.rights[int(r)] for r in rights], dtype=np.float64)
    mean = (counts * rights).sum() / n
    var_r = float((counts * (rights - mean) ** 2).sum() / n)
    cols = tally.columns("correct")
    item = moments.rows_of(cols)
    known = item >= 0
    right = moments.sums(cols.count[known].astype(np.float64), item[known])
    with np.errstate(divide="ignore", invalid="ignore"):
        p = right / moments.n
        pq = float(np.where(moments.n > 0, moments.n / n * p * (1 - p), 0.0).sum())
    if k <= 1 or var_r <= 0:
        return None
    return k / (k - 1) * (1 - pq / var_r)


def _alpha_if_deleted(people: _Persons, m: _Moments, k: float, variance_sum: float) -> FloatArray:
    """Alpha of the test without each item: k, the item variance sum and the variance of the
    totals over all persons, each without the item's part (NaN: not defined)."""
    n = people.n
    if n < 2:
        return np.full(m.size, np.nan)
    share = m.n / n
    k_left = k - share
    c, x = people.counts, people.x
    sum_left = (c * x).sum() - m.sum_x
    square_left = (c * x * x).sum() - 2 * m.sum_xt + m.sum_xx
    var_left = (square_left - sum_left**2 / n) / (n - 1)
    variances_left = variance_sum - share * np.nan_to_num(m.var_x)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = k_left / (k_left - 1) * (1 - variances_left / var_left)
    return np.where((k_left > 1) & (var_left > 0), alpha, np.nan)


# -- distractors and flags --------------------------------------------------------------------

_GROUPS = ("overall", "upper", "middle", "lower")


def _distractors(
    tally: Tally,
    keys: Sequence[ItemKey],
    info_of: Mapping[ItemKey, ItemInfo],
    people: _Persons,
    m: _Moments,
) -> list[tuple[DistractorRow, ...]]:
    """Every item's table at once: per group, the weighted persons whose choice is known (the
    item's persons less the unknown ones) and the weighted ticks of each (item, bit)."""
    size = m.size
    chosen, omitted, unknown = (tally.columns(name) for name in ("chosen", "omitted", "unknown"))
    chosen_item, omitted_item, unknown_item = (m.rows_of(c) for c in (chosen, omitted, unknown))
    bit = chosen.sub if chosen.sub is not None else np.zeros(0, np.int64)
    keep = chosen_item >= 0
    chosen_item, bit = chosen_item[keep], bit[keep]
    chosen_level, chosen_count = chosen.level[keep], chosen.count[keep].astype(np.float64)
    width = int(bit.max()) + 1 if bit.size else 1
    cell = chosen_item * width + bit
    totals, ticks, blanks = {}, {}, {}
    unknown_n = np.zeros(size)
    known_u, known_o = unknown_item >= 0, omitted_item >= 0
    for group in _GROUPS:
        everyone = m.sums(people.weights(m.level, group) * m.count)
        u = unknown_item[known_u]
        unknown_w = people.weights(unknown.level[known_u], group) * unknown.count[known_u]
        totals[group] = (everyone - m.sums(unknown_w, u)).tolist()
        if group == "overall":
            unknown_n = m.sums(unknown_w, u)
        w = people.weights(chosen_level, group) * chosen_count
        ticks[group] = np.bincount(cell, weights=w, minlength=size * width)
        o = omitted_item[known_o]
        omitted_w = people.weights(omitted.level[known_o], group) * omitted.count[known_o]
        blanks[group] = m.sums(omitted_w, o).tolist()
    tick_lists = {group: values.reshape(size, width).tolist() for group, values in ticks.items()}
    ticked = (np.bincount(cell, minlength=size * width) > 0).reshape(size, width)
    any_ticked: list[bool] = (ticked.sum(axis=1) > 0).tolist()
    blank_rows = np.bincount(omitted_item[known_o], minlength=size)[:size]
    any_blank: list[bool] = (blank_rows > 0).tolist()
    n_of, unknown_of = m.n.tolist(), unknown_n.tolist()
    tables: list[tuple[DistractorRow, ...]] = []
    for j, key in enumerate(keys):
        info = info_of.get(key, ItemInfo(key))
        nothing_known = info.type is None and not any_ticked[j] and not any_blank[j]
        if unknown_of[j] >= n_of[j] or nothing_known:
            tables.append(())
            continue
        whole = {group: totals[group][j] for group in _GROUPS}
        bits = sorted(set(np.nonzero(ticked[j])[0].tolist()) | set(range(len(info.options))))
        rows = []
        for b in [*bits, None]:
            if b is None:
                label, is_key = None, False
                part = {group: blanks[group][j] for group in _GROUPS}
            else:
                label = info.options[b] if b < len(info.options) else chr(ord("A") + b)
                is_key = label in info.answer_key
                part = {group: tick_lists[group][j][b] if b < width else 0.0 for group in _GROUPS}
            rows.append(
                DistractorRow(
                    label,
                    is_key,
                    int(round(part["overall"])),
                    _share(part["overall"], whole["overall"]),
                    _share(part["upper"], whole["upper"]),
                    _share(part["middle"], whole["middle"]),
                    _share(part["lower"], whole["lower"]),
                )
            )
        tables.append(tuple(rows))
    return tables


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
