"""An exam's figures from its tally, as the JSON the pages and exports read: the classical
analysis (``classical``), the Rasch difficulties (``rasch``), a histogram of totals; each
item's metadata (type, original option labels, key) read once from the bank."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.bank.models import Item, ItemVersion
from exam_app.stats import classical, rasch
from exam_app.stats.tally import SCALE, ItemKey, SheetArrays, Tally

#: bars of the score histogram (tenths of the maximum)
HISTOGRAM_BINS = 10


def keys_of(tally: Tally) -> list[ItemKey]:
    return list(tally.seen)


def item_infos(
    session: Session, keys: Iterable[ItemKey], partial_credit: bool = False
) -> list[classical.ItemInfo]:
    """Each item's current version: its type, original option labels and key (the distractor
    table names options by their original labels, whatever order each candidate saw)."""
    ids = sorted(int(k) for k in keys)
    rows = session.execute(
        select(Item.id, ItemVersion.type, ItemVersion.options, ItemVersion.answer)
        .join(ItemVersion, ItemVersion.id == Item.current_version_id)
        .where(Item.id.in_(ids))
    )
    found = {
        item_id: classical.ItemInfo(
            key=item_id,
            type=kind,
            options=tuple(o.get("label", "") for o in options or ()),
            answer_key=tuple(answer or ()),
            partial_credit=partial_credit,
        )
        for item_id, kind, options, answer in rows
    }
    return [found.get(i, classical.ItemInfo(key=i)) for i in ids]


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become None, tuples lists, enums their values."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def _num(value: float | None) -> float | None:
    """A figure for JSON: NaN and infinities (undefined figures) become None."""
    return None if value is None or not math.isfinite(value) else float(value)


def _flag(flag: classical.Flag) -> dict[str, Any]:
    return {"code": flag.code.value, "n": flag.n, "value": _num(flag.value), "option": flag.option}


def _item_row(
    stats: classical.ItemStats, fit: dict[ItemKey, tuple[float | None, float | None]]
) -> dict[str, Any]:
    b, se = fit.get(stats.key, (None, None))
    return {
        "item": stats.key,
        "n": stats.n,
        "max_points": _num(stats.max_points),
        "facility": _num(stats.facility),
        "sd": _num(stats.sd),
        "random_guess": _num(stats.random_guess_score),
        "intended_weight": _num(
            None if stats.intended_weight is None else 100 * stats.intended_weight
        ),
        "effective_weight": _num(
            None if stats.effective_weight is None else 100 * stats.effective_weight
        ),
        "discrimination": _num(stats.discrimination_index),
        "efficiency": _num(stats.discriminative_efficiency),
        "pbis_total": _num(stats.pbis_total),
        "pbis_rest": _num(stats.pbis_rest),
        "upper": _num(stats.upper_facility),
        "lower": _num(stats.lower_facility),
        "upper_lower": _num(stats.upper_lower),
        "alpha_if_deleted": _num(stats.alpha_if_deleted),
        "rasch_b": _num(b),
        "rasch_se": _num(se),
        "flags": [_flag(f) for f in stats.flags],
        "distractors": [
            {
                "label": d.option if d.option is not None else "-",
                "key": d.is_key,
                "count": d.count,
                "overall": _num(d.overall),
                "upper": _num(d.upper),
                "middle": _num(d.middle),
                "lower": _num(d.lower),
            }
            for d in stats.distractors
        ],
    }


def histogram(tally: Tally, maximum: float) -> list[dict[str, Any]]:
    """Persons per tenth of the maximum score (the last bar includes full marks)."""
    counts = [0] * HISTOGRAM_BINS
    for level, persons in tally.persons.items():
        share = level / SCALE / maximum if maximum else 0.0
        counts[min(HISTOGRAM_BINS - 1, max(0, int(share * HISTOGRAM_BINS)))] += persons
    step = 100 // HISTOGRAM_BINS
    return [{"label": f"{i * step}–{(i + 1) * step}%", "count": c} for i, c in enumerate(counts)]


def figures(
    tally: Tally,
    infos: Sequence[classical.ItemInfo],
    previous: dict[str, Any] | None,
    arrays: SheetArrays | None = None,
) -> dict[str, Any]:
    """The JSON of one exam under one counting rule. ``previous``: the figures this replaces,
    whose Rasch difficulties start the new fit (a sheet more moves them very little)."""
    result = classical.analyse(tally, infos)
    start = {
        row["item"]: row["rasch_b"]
        for row in (previous or {}).get("items", [])
        if row.get("rasch_b") is not None
    }
    fit = rasch_fit(tally, start, arrays)
    test = _clean(asdict(result.test))
    maximum = sum(tally.item_points.get(k, 0) * n for k, n in tally.seen.items()) / SCALE
    maximum = maximum / tally.n if tally.n else 0.0
    test["max_points"] = maximum
    # item rows are built JSON-safe field by field: cleaning the whole result afterwards
    # cost more than the analysis of a 100-item exam
    return {
        "test": test,
        "items": [_item_row(s, fit) for s in result.items],
        "histogram": histogram(tally, maximum),
    }


def rasch_fit(
    tally: Tally, start: dict[ItemKey, float], arrays: SheetArrays | None = None
) -> dict[ItemKey, tuple[float | None, float | None]]:
    """(difficulty, its standard error) per item; (None, None) where Rasch cannot say (every
    candidate right, or every one wrong). A tally with too many distinct papers keeps no
    groups: then the groups come from the sheets' arrays (a full recomputation has them)."""
    fit = rasch.fit_from_tally(tally, start)
    if fit is None and arrays is not None:
        right = np.where(np.isnan(arrays.earned), np.nan, arrays.earned >= arrays.points - 1e-9)
        groups, correct = rasch.groups_from_matrix(arrays.keys, right.astype(np.float64))
        fit = rasch.fit(groups, correct, start=start)
    if fit is None:
        return {}
    return {item.key: (item.b, item.se) for item in fit.items}
