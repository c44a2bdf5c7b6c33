"""One bank item over every exam that used it, and the flags the bank shows.

Each exam's figures (first attempt per person) are the unit: an item's rest-of-test
correlation and its upper and lower groups only mean something inside one test. Pooled:
facility and the distractor shares weighted by each exam's n; the discrimination index by
Fisher's z averaged with weights n − 3; the Rasch difficulty by inverse-variance weights
(each exam's ability scale is its own N(0, 1), so this is a summary, not a common calibration).
An item is flagged in the bank when the analysis of any exam with enough candidates flags it;
each flag says which exam.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from exam_app.bank import item_flags
from exam_app.stats.labels import FLAG_LABELS, flag_text
from exam_app.stats.models import Counting, Figures, ItemFigures


def _weighted(rows: list[dict[str, Any]], field: str) -> float | None:
    pairs = [(r[field], r["n"]) for r in rows if r.get(field) is not None and r["n"]]
    total = sum(n for _v, n in pairs)
    return sum(v * n for v, n in pairs) / total if total else None


def _fisher(rows: list[dict[str, Any]], field: str) -> float | None:
    pairs = [
        (math.atanh(max(-0.999999, min(0.999999, r[field]))), r["n"] - 3)
        for r in rows
        if r.get(field) is not None and r["n"] > 3
    ]
    total = sum(w for _z, w in pairs)
    return math.tanh(sum(z * w for z, w in pairs) / total) if total else None


def _inverse_variance(rows: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    pairs = [
        (r["rasch_b"], r["rasch_se"])
        for r in rows
        if r.get("rasch_b") is not None and r.get("rasch_se")
    ]
    weight = sum(1 / se**2 for _b, se in pairs)
    if not weight:
        return None, None
    return sum(b / se**2 for b, se in pairs) / weight, math.sqrt(1 / weight)


def _distractors(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    labels: dict[str, dict[str, Any]] = {}
    for row in rows:
        for d in row.get("distractors", []):
            labels.setdefault(d["label"], {"label": d["label"], "key": d["key"], "parts": []})
            labels[d["label"]]["parts"].append({**d, "n": row["n"]})
    pooled = []
    for entry in labels.values():
        parts = entry.pop("parts")
        pooled.append(
            {
                **entry,
                "count": sum(p["count"] for p in parts),
                **{g: _weighted(parts, g) for g in ("overall", "upper", "middle", "lower")},
            }
        )
    return sorted(pooled, key=lambda d: (d["label"] == "-", d["label"]))


def pooled_row(per_exam: list[dict[str, Any]]) -> dict[str, Any]:
    b, se = _inverse_variance(per_exam)
    flags = [{**f, "exam": r["exam"]} for r in per_exam for f in r.get("flags", [])]
    return {
        "n": sum(r["n"] for r in per_exam),
        "facility": _weighted(per_exam, "facility"),
        "pbis_rest": _fisher(per_exam, "pbis_rest"),
        "upper_lower": _weighted(per_exam, "upper_lower"),
        "rasch_b": b,
        "rasch_se": se,
        "flags": flags,
        "distractors": _distractors(per_exam),
        "exams": [
            {k: r.get(k) for k in ("exam", "n", "facility", "pbis_rest", "rasch_b", "rasch_se")}
            for r in per_exam
        ],
    }


def pool_exams(session: Session, exam_ids: Sequence[int], now: datetime) -> None:
    """Pool again every item the given exams used."""
    touched: set[int] = set()
    for (result,) in session.execute(
        select(Figures.result).where(
            Figures.exam_id.in_(list(exam_ids)), Figures.counting == Counting.FIRST
        )
    ):
        touched.update(int(r["item"]) for r in result.get("items", []))
    if not touched:
        return
    per_item: dict[int, list[dict[str, Any]]] = {i: [] for i in touched}
    for exam_id, result in session.execute(
        select(Figures.exam_id, Figures.result).where(Figures.counting == Counting.FIRST)
    ):
        for row in result.get("items", []):
            if int(row["item"]) in per_item:
                per_item[int(row["item"])].append({**row, "exam": exam_id})
    session.execute(delete(ItemFigures).where(ItemFigures.item_id.in_(sorted(touched))))
    for item_id, rows in per_item.items():
        pooled = pooled_row(rows)
        session.add(
            ItemFigures(
                item_id=item_id,
                computed_at=now,
                n=pooled["n"],
                flags=sorted({f["code"] for f in pooled["flags"]}),
                result=pooled,
            )
        )
    session.flush()


# --- what the bank shows -----------------------------------------------------------------------


def bank_flags(session: Session, item_ids: Sequence[int]) -> dict[int, list[item_flags.ItemFlag]]:
    found: dict[int, list[item_flags.ItemFlag]] = {}
    rows = session.execute(
        select(ItemFigures.item_id, ItemFigures.result).where(
            ItemFigures.item_id.in_(list(item_ids))
        )
    )
    for item_id, result in rows:
        seen: set[str] = set()
        for flag in result.get("flags", []):
            if flag["code"] in seen:
                continue
            seen.add(flag["code"])
            found.setdefault(item_id, []).append(
                item_flags.ItemFlag(
                    flag["code"],
                    str(FLAG_LABELS.get(flag["code"], flag["code"])),
                    _("统计：%(text)s", text=flag_text(flag)),
                    url_for("stats.exam_item", exam_id=flag["exam"], item_id=item_id),
                )
            )
    return found


def flagged_ids(session: Session) -> set[int]:
    # JSON has no equality on PostgreSQL: the (short) lists are looked at here
    return {
        i for i, flags in session.execute(select(ItemFigures.item_id, ItemFigures.flags)) if flags
    }


item_flags.flagged_by(bank_flags, flagged_ids)
