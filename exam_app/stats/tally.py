"""The additive sufficient statistics ("tally") of a set of graded answer sheets.

Every figure in ``classical`` and ``rasch`` is a function of counts only, so a cohort's figures
can be kept current by adding or removing ONE sheet (a few dictionary increments) instead of
re-reading every attempt, stored as JSON beside the exam, and recomputed from the tally in a few
milliseconds. All counts are integers and every score is quantised to 1/100 point (a "level":
``int(round(x * 100))``), which is exact for the 2-decimal points grading produces, so adding
and removing are exact inverses and two tallies of the same sheets are equal.

What is counted, per item, split by the person's total level L (so the upper/lower 27 % groups
and every correlation with the total or the rest can be formed afterwards):

* ``earned[item][(L, e)]``: persons at L who earned e hundredths on the item;
* ``chosen[item][(L, bit)]``: persons at L who ticked the option with that bit (bit 0 = the
  first ORIGINAL option, "A"); ``omitted[item][L]``: answered nothing; ``unknown[item][L]``:
  what was ticked is not known (outside CSV results hold only 1/0);
* ``correct[item][L]``: persons at L with full marks on the item (the dichotomised score that
  KR-20 and Rasch use).

Per person: ``persons[L]`` and ``rights[r]`` (r = number of fully correct items). For Rasch,
``groups[paper][r]``, ``paper`` being the sorted item keys of one sheet; when there are more
than ``max_groups`` distinct papers the groups are dropped for good
(``rasch_groups_complete`` is False) and the caller refits Rasch from the sheets.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

ItemKey = int | str
Paper = tuple[ItemKey, ...]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Scores are counted in hundredths of a point.
SCALE = 100
DEFAULT_MAX_GROUPS = 20_000
#: ``Sheet.chosen`` values that are not bitmasks.
NOT_ANSWERED = 0
CHOICE_UNKNOWN = -1
_JSON_VERSION = 1


def level_of(points: float) -> int:
    """``points`` in hundredths, the unit every count is keyed by."""
    return int(round(points * SCALE))


def _item_order(key: ItemKey) -> tuple[bool, int | str]:
    """Sort int keys before str keys (a paper may mix them only in tests, but never crash)."""
    return (isinstance(key, str), key)


def paper_of(items: Iterable[ItemKey]) -> Paper:
    return tuple(sorted(items, key=_item_order))


@dataclass(frozen=True)
class Sheet:
    """One graded answer sheet, item by item (the same position in each tuple)."""

    items: tuple[ItemKey, ...]
    points: tuple[float, ...]  #: each item's maximum
    earned: tuple[float, ...]
    #: bitmask of ORIGINAL options ticked (bit 0 = "A"); 0 = not answered; -1 = unknown
    chosen: tuple[int, ...]

    @property
    def total(self) -> float:
        return sum(self.earned)


@dataclass
class Tally:
    """Counts of a set of sheets; see the module docstring for what each table holds."""

    max_groups: int = DEFAULT_MAX_GROUPS
    persons: Counter[int] = field(default_factory=Counter)
    rights: Counter[int] = field(default_factory=Counter)
    item_points: dict[ItemKey, int] = field(default_factory=dict)
    seen: Counter[ItemKey] = field(default_factory=Counter)
    earned: dict[ItemKey, Counter[tuple[int, int]]] = field(default_factory=dict)
    chosen: dict[ItemKey, Counter[tuple[int, int]]] = field(default_factory=dict)
    omitted: dict[ItemKey, Counter[int]] = field(default_factory=dict)
    unknown: dict[ItemKey, Counter[int]] = field(default_factory=dict)
    correct: dict[ItemKey, Counter[int]] = field(default_factory=dict)
    groups: dict[Paper, Counter[int]] | None = field(default_factory=dict)

    @property
    def n(self) -> int:
        return sum(self.persons.values())

    @property
    def rasch_groups_complete(self) -> bool:
        return self.groups is not None

    # -- one sheet at a time -------------------------------------------------------------

    def add(self, sheet: Sheet) -> None:
        _check_sheet(sheet)
        for key, points in zip(sheet.items, sheet.points, strict=True):
            known = self.item_points.get(key)
            if known is not None and known != level_of(points):
                raise ValueError(f"item {key!r} is worth {known / SCALE} here, not {points}")
        cells, level, rights = self._cells(sheet)
        for key, points in zip(sheet.items, sheet.points, strict=True):
            self.item_points.setdefault(key, level_of(points))
            self.seen[key] += 1
        for table, item, subkey in cells:
            counter = table.get(item)
            if counter is None:
                counter = table[item] = Counter()
            counter[subkey] += 1
        self.persons[level] += 1
        self.rights[rights] += 1
        if self.groups is not None:
            self.groups.setdefault(paper_of(sheet.items), Counter())[rights] += 1
            if len(self.groups) > self.max_groups:
                self.groups = None

    def remove(self, sheet: Sheet) -> None:
        """The exact inverse of ``add``; a sheet that was never added raises ValueError and
        leaves the tally as it was (every count is checked before any is lowered)."""
        _check_sheet(sheet)
        cells, level, rights = self._cells(sheet)
        paper = paper_of(sheet.items)
        present = (
            all(self.seen.get(key, 0) > 0 for key in sheet.items)
            and all(
                self.item_points.get(key) == level_of(points)
                for key, points in zip(sheet.items, sheet.points, strict=True)
            )
            and all(table.get(item, Counter())[subkey] > 0 for table, item, subkey in cells)
            and self.persons.get(level, 0) > 0
            and self.rights.get(rights, 0) > 0
            and (self.groups is None or self.groups.get(paper, Counter())[rights] > 0)
        )
        if not present:
            raise ValueError("this sheet is not in the tally: removing it would go below zero")
        for table, item, subkey in cells:
            counter = table[item]
            if counter[subkey] > 1:
                counter[subkey] -= 1
            else:
                del counter[subkey]
                if not counter:
                    del table[item]
        for key in sheet.items:
            _count(self.seen, key, -1)
            if key not in self.seen:
                del self.item_points[key]
        _count(self.persons, level, -1)
        _count(self.rights, rights, -1)
        if self.groups is not None:
            _count(self.groups[paper], rights, -1)
            if not self.groups[paper]:
                del self.groups[paper]

    def _cells(
        self, sheet: Sheet
    ) -> tuple[list[tuple[dict[ItemKey, Counter[Any]], ItemKey, Any]], int, int]:
        """Every per-item count one sheet contributes, its total level and its r."""
        level = level_of(sheet.total)
        rights = 0
        cells: list[tuple[dict[ItemKey, Counter[Any]], ItemKey, Any]] = []
        for key, points, earned, chosen in zip(
            sheet.items, sheet.points, sheet.earned, sheet.chosen, strict=True
        ):
            earned_h = level_of(earned)
            cells.append((self.earned, key, (level, earned_h)))
            if earned_h >= level_of(points):
                rights += 1
                cells.append((self.correct, key, level))
            if chosen == NOT_ANSWERED:
                cells.append((self.omitted, key, level))
            elif chosen == CHOICE_UNKNOWN:
                cells.append((self.unknown, key, level))
            else:
                cells.extend((self.chosen, key, (level, bit)) for bit in _bits(chosen))
        return cells, level, rights

    def contained_in(self, other: Tally) -> bool:
        """Every count of ``self`` is at most the same count of ``other``."""
        if not _le(self.persons, other.persons) or not _le(self.rights, other.rights):
            return False
        if not _le(self.seen, other.seen):
            return False
        for mine, theirs in (
            (self.earned, other.earned),
            (self.chosen, other.chosen),
            (self.omitted, other.omitted),
            (self.unknown, other.unknown),
            (self.correct, other.correct),
        ):
            for key, counter in mine.items():
                if not _le(counter, theirs.get(key, Counter())):
                    return False
        if self.groups is not None and other.groups is not None:
            for paper, counter in self.groups.items():
                if not _le(counter, other.groups.get(paper, Counter())):
                    return False
        return True

    def merge(self, other: Tally) -> Tally:
        """A new tally of both sets of sheets (they must agree on every item's points)."""
        for key, points in other.item_points.items():
            if self.item_points.get(key, points) != points:
                raise ValueError(f"item {key!r} is worth different points in the two tallies")
        merged = Tally.from_json(self.to_json())
        merged.persons.update(other.persons)
        merged.rights.update(other.rights)
        merged.seen.update(other.seen)
        merged.item_points.update(other.item_points)
        for mine, theirs in (
            (merged.earned, other.earned),
            (merged.chosen, other.chosen),
            (merged.omitted, other.omitted),
            (merged.unknown, other.unknown),
            (merged.correct, other.correct),
        ):
            for key, counter in theirs.items():
                mine.setdefault(key, Counter()).update(counter)  # type: ignore[arg-type]
        if merged.groups is None or other.groups is None:
            merged.groups = None
        else:
            for paper, counter in other.groups.items():
                merged.groups.setdefault(paper, Counter()).update(counter)
            if len(merged.groups) > merged.max_groups:
                merged.groups = None
        return merged

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tally):
            return NotImplemented
        return self.to_json() == other.to_json()

    # -- JSON ------------------------------------------------------------------------------

    def to_json(self) -> str:
        """Canonical JSON (sorted, no zero counts): equal tallies give equal strings. Item keys
        stay JSON values (int or str) inside lists, so they come back with their type."""
        items = []
        for key in sorted(self.item_points, key=_item_order):
            items.append(
                {
                    "key": key,
                    "points": self.item_points[key],
                    "seen": self.seen[key],
                    "earned": _rows(self.earned.get(key)),
                    "chosen": _rows(self.chosen.get(key)),
                    "omitted": _rows(self.omitted.get(key)),
                    "unknown": _rows(self.unknown.get(key)),
                    "correct": _rows(self.correct.get(key)),
                }
            )
        groups = None
        if self.groups is not None:
            groups = [[list(paper), _rows(self.groups[paper])] for paper in sorted(self.groups)]
        document = {
            "version": _JSON_VERSION,
            "max_groups": self.max_groups,
            "persons": _rows(self.persons),
            "rights": _rows(self.rights),
            "items": items,
            "groups": groups,
        }
        return json.dumps(document, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Tally:
        document = json.loads(text)
        if document.get("version") != _JSON_VERSION:
            raise ValueError(f"unknown tally version {document.get('version')!r}")
        tally = cls(max_groups=int(document["max_groups"]))
        tally.persons = _counter(document["persons"])
        tally.rights = _counter(document["rights"])
        for item in document["items"]:
            key = item["key"]
            tally.item_points[key] = int(item["points"])
            tally.seen[key] = int(item["seen"])
            for name in ("earned", "chosen"):
                pairs: Counter[tuple[int, int]] = Counter(
                    {(int(a), int(b)): int(c) for a, b, c in item[name]}
                )
                if pairs:
                    getattr(tally, name)[key] = pairs
            for name in ("omitted", "unknown", "correct"):
                if item[name]:
                    getattr(tally, name)[key] = _counter(item[name])
        if document["groups"] is None:
            tally.groups = None
        else:
            tally.groups = {tuple(paper): _counter(rows) for paper, rows in document["groups"]}
        return tally

    # -- many sheets at once ------------------------------------------------------------------

    @classmethod
    def from_arrays(cls, arrays: SheetArrays, max_groups: int = DEFAULT_MAX_GROUPS) -> Tally:
        """The tally of many sheets, counted with numpy (np.unique/bincount) rather than one
        dictionary update per response: 100,000 sheets x 100 items in well under 2 s."""
        return _tally_from_arrays(arrays, max_groups)


@dataclass(frozen=True)
class SheetArrays:
    """Sheets as a persons x items matrix (the cheap form for full recomputations).

    ``earned[p, j]`` is NaN where item ``keys[j]`` was not on person p's paper; ``chosen`` holds
    the same bitmasks as ``Sheet.chosen`` (ignored where earned is NaN); ``points[j]`` is item
    j's maximum, the same on every paper.
    """

    keys: tuple[ItemKey, ...]
    points: FloatArray
    earned: FloatArray
    chosen: IntArray

    @classmethod
    def from_sheets(cls, sheets: Sequence[Sheet]) -> SheetArrays:
        """One pass over the sheets' tuples with np.fromiter; papers with the same item tuple
        share one column lookup."""
        keys: dict[ItemKey, int] = {}
        points: dict[ItemKey, float] = {}
        columns_of: dict[tuple[ItemKey, ...], IntArray] = {}
        column_parts: list[IntArray] = []
        for sheet in sheets:
            _check_sheet(sheet)
            columns = columns_of.get(sheet.items)
            if columns is None:
                for key, worth in zip(sheet.items, sheet.points, strict=True):
                    keys.setdefault(key, len(keys))
                    points.setdefault(key, worth)
                columns = np.fromiter((keys[k] for k in sheet.items), np.int64, len(sheet.items))
                columns_of[sheet.items] = columns
            column_parts.append(columns)
        lengths = np.fromiter((len(s.items) for s in sheets), np.int64, len(sheets))
        size = int(lengths.sum())
        rows = np.repeat(np.arange(len(sheets), dtype=np.int64), lengths)
        cols = np.concatenate(column_parts) if column_parts else np.zeros(0, np.int64)
        earned_flat = np.fromiter((e for s in sheets for e in s.earned), np.float64, size)
        chosen_flat = np.fromiter((c for s in sheets for c in s.chosen), np.int64, size)
        earned = np.full((len(sheets), len(keys)), np.nan)
        chosen = np.zeros((len(sheets), len(keys)), np.int64)
        earned[rows, cols] = earned_flat
        chosen[rows, cols] = chosen_flat
        ordered = tuple(keys)
        return cls(ordered, np.array([points[k] for k in ordered], np.float64), earned, chosen)


# -- helpers ------------------------------------------------------------------------------------


def _check_sheet(sheet: Sheet) -> None:
    lengths = {len(sheet.items), len(sheet.points), len(sheet.earned), len(sheet.chosen)}
    if len(lengths) != 1:
        raise ValueError("a sheet's items, points, earned and chosen must have the same length")
    if len(set(sheet.items)) != len(sheet.items):
        raise ValueError("an item appears twice on one sheet")
    if any(c < CHOICE_UNKNOWN for c in sheet.chosen):
        raise ValueError("chosen is a bitmask, 0 (not answered) or -1 (unknown)")


def _bits(mask: int) -> Iterable[int]:
    bit = 0
    while mask:
        if mask & 1:
            yield bit
        mask >>= 1
        bit += 1


def _count(counter: Counter[Any], key: Any, sign: int) -> None:
    value = counter[key] + sign
    if value < 0:
        raise ValueError("a count would go below zero")
    if value:
        counter[key] = value
    else:
        del counter[key]


def _le(small: Mapping[Any, int], large: Mapping[Any, int]) -> bool:
    return all(large.get(key, 0) >= value for key, value in small.items())


def _rows(counter: Mapping[Any, int] | None) -> list[list[int]]:
    if not counter:
        return []
    rows = []
    for key, value in sorted(counter.items()):
        rows.append([*key, value] if isinstance(key, tuple) else [key, value])
    return rows


def _counter(rows: list[list[int]]) -> Counter[int]:
    return Counter({int(key): int(value) for key, value in rows})


def _codes(values: IntArray) -> tuple[IntArray, IntArray]:
    """(candidate values, index of each value among them). Small integer ranges (levels,
    hundredths of one item, option masks) are offset rather than sorted: np.unique over ten
    million cells is what would make a full recount slow."""
    if values.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    low, high = int(values.min()), int(values.max())
    if high - low <= 1_000_000:
        return np.arange(low, high + 1, dtype=np.int64), values - low
    distinct, index = np.unique(values, return_inverse=True)
    return distinct.astype(np.int64), index.astype(np.int64).reshape(values.shape)


def _count_combined(codes: Sequence[IntArray], sizes: Sequence[int]) -> tuple[IntArray, IntArray]:
    """Counts of each distinct tuple of codes: (flat combined code of each, its count).
    bincount when the combined range is small (the usual case), np.unique otherwise."""
    combined = codes[0].astype(np.int64, copy=True)
    for code, size in zip(codes[1:], sizes[1:], strict=True):
        combined *= size
        combined += code
    total = int(np.prod(np.array(sizes, dtype=np.float64)))
    if total <= 50_000_000:
        counts = np.bincount(combined, minlength=0)
        present = np.nonzero(counts)[0].astype(np.int64)
        return present, counts[present].astype(np.int64)
    distinct, counts = np.unique(combined, return_counts=True)
    return distinct.astype(np.int64), counts.astype(np.int64)


def _split(combined: IntArray, sizes: Sequence[int]) -> list[IntArray]:
    parts = []
    for size in reversed(sizes):
        parts.append(combined % size)
        combined = combined // size
    return parts[::-1]


def _tally_from_arrays(arrays: SheetArrays, max_groups: int) -> Tally:
    earned = np.asarray(arrays.earned, np.float64)
    n_persons, n_items = earned.shape
    tally = Tally(max_groups=max_groups)
    if n_persons == 0:
        return tally
    on_paper = ~np.isnan(earned)
    points_h = np.rint(np.asarray(arrays.points, np.float64) * SCALE).astype(np.int64)
    earned_h = np.rint(np.where(on_paper, earned, 0.0) * SCALE).astype(np.int64)
    totals_h = np.rint(np.nansum(earned, axis=1) * SCALE).astype(np.int64)
    full = on_paper & (earned_h >= points_h[None, :])
    rights = full.sum(axis=1)
    levels, level_index = _codes(totals_h)
    tally.persons = _value_counts(totals_h)
    tally.rights = _value_counts(rights)
    for column in np.nonzero(on_paper.any(axis=0))[0].tolist():
        key = arrays.keys[column]
        tally.item_points[key] = int(points_h[column])
        tally.seen[key] = int(on_paper[:, column].sum())

    # Column by column: Fortran order makes each item's column contiguous.
    chosen = np.asfortranarray(arrays.chosen, np.int64)
    earned_h, full, on_paper = (np.asfortranarray(a) for a in (earned_h, full, on_paper))
    n_levels = len(levels)
    for j in np.nonzero(on_paper.any(axis=0))[0].tolist():
        key = arrays.keys[j]
        present = on_paper[:, j]
        everyone = bool(present.all())
        level_j = level_index if everyone else level_index[present]
        values, value_index = _codes(earned_h[:, j] if everyone else earned_h[present, j])
        found, counts = _count_combined([level_j, value_index], [n_levels, len(values)])
        li, vi = _split(found, [n_levels, len(values)])
        tally.earned[key] = Counter(
            dict(
                zip(
                    zip(levels[li].tolist(), values[vi].tolist(), strict=True),
                    counts.tolist(),
                    strict=True,
                )
            )
        )
        full_levels = np.bincount(level_index[full[:, j]], minlength=n_levels)
        if full_levels.any():
            tally.correct[key] = _level_counter(levels, full_levels)
        masks, mask_index = _codes(chosen[:, j] if everyone else chosen[present, j])
        found, counts = _count_combined([mask_index, level_j], [len(masks), n_levels])
        mi, li = _split(found, [len(masks), n_levels])
        for mask_position in np.unique(mi).tolist():
            mask = int(masks[mask_position])
            rows = mi == mask_position
            by_level = _level_counter(levels[li[rows]], counts[rows])
            if mask == NOT_ANSWERED:
                tally.omitted[key] = by_level
            elif mask == CHOICE_UNKNOWN:
                tally.unknown[key] = by_level
            elif mask < CHOICE_UNKNOWN:
                raise ValueError("chosen is a bitmask, 0 (not answered) or -1 (unknown)")
            else:
                table = tally.chosen.setdefault(key, Counter())
                for bit in _bits(mask):
                    for level, count in by_level.items():
                        table[(level, bit)] += count
    tally.groups = _groups_from_arrays(on_paper, rights, arrays.keys, max_groups)
    return tally


def _level_counter(levels: IntArray, counts: IntArray) -> Counter[int]:
    present = np.nonzero(counts)[0]
    return Counter(dict(zip(levels[present].tolist(), counts[present].tolist(), strict=True)))


def _value_counts(values: IntArray) -> Counter[int]:
    distinct, counts = np.unique(values, return_counts=True)
    return Counter(dict(zip(distinct.tolist(), counts.tolist(), strict=True)))


def _groups_from_arrays(
    on_paper: npt.NDArray[np.bool_], rights: IntArray, keys: tuple[ItemKey, ...], max_groups: int
) -> dict[Paper, Counter[int]] | None:
    packed = np.packbits(on_paper, axis=1)
    rows = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))[:, 0]
    distinct, paper_index = np.unique(rows, return_inverse=True)
    if len(distinct) > max_groups:
        return None
    paper_index = paper_index.astype(np.int64).ravel()
    width = int(rights.max()) + 1
    found, counts = _count_combined([paper_index, rights.astype(np.int64)], [len(distinct), width])
    paper_of_row, r = _split(found, [len(distinct), width])
    first_row = np.zeros(len(distinct), np.int64)
    first_row[paper_index[::-1]] = np.arange(len(paper_index) - 1, -1, -1)
    papers = [paper_of(keys[j] for j in np.nonzero(on_paper[row])[0]) for row in first_row]
    groups: dict[Paper, Counter[int]] = {}
    for p, right, count in zip(paper_of_row.tolist(), r.tolist(), counts.tolist(), strict=True):
        groups.setdefault(papers[p], Counter())[right] += count
    return groups
