"""Cohort figures from plain arrays: which attempts count (first / all / best / last per person),
the period, and the numbers a statistics page shows (candidates, attempts, pass rate, mean,
median and SD of the score, the histogram, per-category means, the months). Pure: numpy in,
frozen values out; no Flask, no database, no clock.

Times are UTC epoch seconds (``int64``); a day or a month is Beijing's (UTC+8 all year: China
keeps no daylight saving time), so a sheet graded at 23:30 UTC on 31 March counts in April.
Which attempts count is the item analysis' rule (``selection``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from exam_app.stats.selection import Counting, counted_rows

#: Beijing's offset from UTC, in seconds
BEIJING_OFFSET = 8 * 3600
#: the histogram's bins: 0–10, 10–20 … 90–100 (100 falls in the last)
BINS = 10


@dataclass(frozen=True)
class Sheets:
    """An exam's graded attempts as parallel arrays; each one's per-category points stay JSON
    text until the figures need them (``category_points``), so only the sheets that count are
    parsed."""

    attempt_id: np.ndarray  #: int64
    user_id: np.ndarray  #: int64
    started: np.ndarray  #: int64: the order of the start times (any integer unit, or a rank)
    graded_at: np.ndarray  #: int64, UTC epoch seconds
    percent: np.ndarray  #: float64
    passed: np.ndarray  #: bool
    by_category: np.ndarray  #: object: the JSON text of ``{category id: [earned, possible]}``

    def __len__(self) -> int:
        return int(self.attempt_id.shape[0])

    def take(self, index: np.ndarray) -> Sheets:
        """The sheets at ``index`` (positions or a boolean mask)."""
        return Sheets(
            self.attempt_id[index],
            self.user_id[index],
            self.started[index],
            self.graded_at[index],
            self.percent[index],
            self.passed[index],
            self.by_category[index],
        )


def _category_points_json(
    texts: Sequence[str], n: int
) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    parsed = json.loads("[" + ",".join(t or "{}" for t in texts) + "]")
    keys = sorted({k for d in parsed for k in d if k.isdecimal()}, key=int)
    earned, possible = np.full((n, len(keys)), np.nan), np.full((n, len(keys)), np.nan)
    absent = (np.nan, np.nan)
    for j, key in enumerate(keys):
        pairs = [d.get(key, absent) for d in parsed]
        earned[:, j] = [p[0] for p in pairs]
        possible[:, j] = [p[1] for p in pairs]
    return tuple(int(k) for k in keys), earned, possible


def category_points(texts: Sequence[str | None]) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    """The category ids found and the (rows, categories) matrices of earned and possible
    points (NaN: the paper had no question of the category) from each row's by_category JSON,
    ``{"12": [3.0, 4.0], "none": [1.0, 1.0]}`` ("none": questions without a category, left out).

    Parsing 100,000 such objects with ``json`` builds millions of Python objects (about a
    second, as does ``numpy.fromstring``); here the joined text is rewritten into one CSV line
    per category ("12,3.0,4.0") that pandas' C reader parses in one pass, and the lines are
    placed by each row's count of keys. Text of any other shape (the count of lines
    disagrees) is parsed with ``json``.
    """
    n = len(texts)
    clean = [t or "" for t in texts]
    counts = np.fromiter((t.count(":") for t in clean), dtype=np.int64, count=n)
    # '{"12": [3.0, 4.0], "5": [1.0, 2.0]}' → the lines "12,3.0,4.0" and "5,1.0,2.0"
    flat = "\n".join(clean).replace(" ", "").replace('"none"', '"-1"')
    for mark, line in (('],"', "\n"), ('{"', ""), ('":[', ","), ("]}", ""), ("{}", "")):
        flat = flat.replace(mark, line)
    try:
        table = pd.read_csv(
            io.StringIO(flat), header=None, names=("key", "earned", "possible"), dtype=float
        ).to_numpy()
    except (ValueError, pd.errors.ParserError):
        table = None
    lines = int(counts.sum())
    if table is None or table.shape[0] != lines or flat.count(",") != 2 * lines:
        return _category_points_json(clean, n)
    rows = np.repeat(np.arange(n), counts)
    keep = table[:, 0] >= 0
    keys = table[keep, 0].astype(np.int64)
    ids = np.unique(keys)
    column = np.searchsorted(ids, keys)
    earned, possible = np.full((n, ids.size), np.nan), np.full((n, ids.size), np.nan)
    earned[rows[keep], column] = table[keep, 1]
    possible[rows[keep], column] = table[keep, 2]
    return tuple(int(i) for i in ids), earned, possible


def sheets_from_rows(rows: Sequence[Sequence[Any]]) -> Sheets:
    """(attempt id, user id, start (its rank), graded at in epoch seconds, percent, passed,
    by_category as JSON text) per row, as arrays."""
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return Sheets(
            empty,
            empty,
            empty,
            empty,
            np.zeros(0),
            np.zeros(0, dtype=bool),
            np.zeros(0, dtype=object),
        )
    columns = list(zip(*rows, strict=True))
    texts = np.empty(len(rows), dtype=object)
    texts[:] = columns[6]
    return Sheets(
        np.asarray(columns[0], dtype=np.int64),
        np.asarray(columns[1], dtype=np.int64),
        np.asarray(columns[2], dtype=np.int64),
        np.asarray(columns[3], dtype=np.int64),
        np.asarray(columns[4], dtype=np.float64),
        np.asarray(columns[5], dtype=bool),
        texts,
    )


def counted(sheets: Sheets, counting: str) -> Sheets:
    """The attempts that count: every one ("all"), or one per person: the first, the last or
    the best (highest percent) — the item analysis' rule (``selection.counted_rows``: ties go
    to the earlier start, then the smaller attempt id)."""
    if not len(sheets):
        return sheets
    rows = counted_rows(
        sheets.user_id, sheets.started, sheets.attempt_id, sheets.percent, Counting(counting)
    )
    return sheets.take(rows)


def local_days(graded_at: np.ndarray) -> np.ndarray:
    """Each epoch second's Beijing day, as ``datetime64[D]``."""
    return ((graded_at + BEIJING_OFFSET) // 86400).astype("datetime64[D]")


def in_period(sheets: Sheets, start: date, end: date) -> Sheets:
    """The sheets graded from ``start`` to ``end`` (both Beijing days, both included)."""
    days = local_days(sheets.graded_at)
    return sheets.take((days >= np.datetime64(start)) & (days <= np.datetime64(end)))


def of_members(sheets: Sheets, members: frozenset[int] | None) -> Sheets:
    """The sheets of these people (None: everyone's)."""
    if members is None:
        return sheets
    wanted = np.fromiter(members, dtype=np.int64, count=len(members))
    return sheets.take(np.isin(sheets.user_id, wanted))


def months_between(start: date, end: date) -> list[str]:
    """ "YYYY-MM" of every month from ``start``'s to ``end``'s."""
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass(frozen=True)
class CategoryMean:
    category_id: int
    attempts: int  #: attempts whose paper had a question of the category
    mean: float  #: the mean of those attempts' percent in the category


@dataclass(frozen=True)
class Month:
    month: str  #: "YYYY-MM"
    attempts: int
    candidates: int
    pass_rate: float | None  #: percent; None: no attempt
    mean: float | None


@dataclass(frozen=True)
class Summary:
    """What a page says about one group in one period."""

    candidates: int
    attempts: int
    passed: int
    pass_rate: float | None  #: percent of the attempts counted; None: none
    mean: float | None
    median: float | None
    sd: float | None  #: sample standard deviation (n - 1); 0 for one attempt
    minimum: float | None
    maximum: float | None
    histogram: tuple[int, ...]  #: attempts per bin of ``BINS`` (0–10 … 90–100)
    categories: tuple[CategoryMean, ...]
    months: tuple[Month, ...]
    newest: int | None  #: the newest graded_at counted (epoch seconds)

    def histogram_share(self) -> tuple[float, ...]:
        """Each bin's share of the attempts, in percent."""
        return tuple(100.0 * c / self.attempts if self.attempts else 0.0 for c in self.histogram)


def _round(value: float | np.floating | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def histogram(percent: np.ndarray) -> tuple[int, ...]:
    """Attempts per bin of ten points; 100 % counts in the last bin."""
    bins = np.clip((np.clip(percent, 0.0, 100.0) // (100 / BINS)).astype(np.int64), 0, BINS - 1)
    return tuple(int(c) for c in np.bincount(bins, minlength=BINS))


def _categories(sheets: Sheets) -> tuple[CategoryMean, ...]:
    if not len(sheets):
        return ()
    category_ids, earned, possible = category_points(list(sheets.by_category))
    out = []
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = 100.0 * earned / possible
    for j, cid in enumerate(category_ids):
        column = shares[:, j]
        column = column[np.isfinite(column)]
        if column.size:
            out.append(CategoryMean(cid, int(column.size), round(float(column.mean()), 2)))
    return tuple(out)


def _months(sheets: Sheets, months: Sequence[str]) -> tuple[Month, ...]:
    keys = local_days(sheets.graded_at).astype("datetime64[M]").astype(str)
    out = []
    for month in months:
        mask = keys == month
        n = int(mask.sum())
        if not n:
            out.append(Month(month, 0, 0, None, None))
            continue
        out.append(
            Month(
                month,
                n,
                int(np.unique(sheets.user_id[mask]).size),
                _round(100.0 * sheets.passed[mask].mean()),
                _round(sheets.percent[mask].mean()),
            )
        )
    return tuple(out)


def summarize(sheets: Sheets, months: Sequence[str] = ()) -> Summary:
    """The figures of the sheets given (already counted and cut to the period); ``months``:
    the "YYYY-MM" the trend shows (a month without attempts shows none)."""
    n = len(sheets)
    month_rows = _months(sheets, months)
    if not n:
        return Summary(
            0, 0, 0, None, None, None, None, None, None, (0,) * BINS, (), month_rows, None
        )
    p = sheets.percent
    return Summary(
        candidates=int(np.unique(sheets.user_id).size),
        attempts=n,
        passed=int(sheets.passed.sum()),
        pass_rate=_round(100.0 * sheets.passed.mean()),
        mean=_round(p.mean()),
        median=_round(np.median(p)),
        sd=_round(p.std(ddof=1) if n > 1 else 0.0),
        minimum=_round(p.min()),
        maximum=_round(p.max()),
        histogram=histogram(p),
        categories=_categories(sheets),
        months=month_rows,
        newest=int(sheets.graded_at.max()),
    )


def last_twelve_months(today: date) -> tuple[date, date]:
    """The default period: the first day of the month eleven months back, to today."""
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), today


def year_against_last(today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """This year so far, and last year up to the same day (29 February: the 28th)."""
    this = (date(today.year, 1, 1), today)
    try:
        same_day = today.replace(year=today.year - 1)
    except ValueError:
        same_day = today.replace(year=today.year - 1, day=28)
    return this, (date(today.year - 1, 1, 1), same_day)


def day_bounds_utc(start: date, end: date) -> tuple[int, int]:
    """Epoch seconds of ``start``'s Beijing midnight and of the midnight after ``end``."""
    epoch = date(1970, 1, 1)
    first = (start - epoch).days * 86400 - BEIJING_OFFSET
    after = (end + timedelta(days=1) - epoch).days * 86400 - BEIJING_OFFSET
    return first, after
