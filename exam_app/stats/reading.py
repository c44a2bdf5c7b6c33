"""What the statistics pages read: figures the job has already computed, never the sheets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from exam_app.bank.models import Item
from exam_app.exams.models import Exam
from exam_app.stats.models import Counting, Figures, ItemFigures, PendingSheet


@dataclass(frozen=True)
class ExamFigures:
    exam: Exam
    counting: Counting
    computed_at: datetime | None
    sheets: int
    result: dict[str, Any]
    waiting: int  #: attempts graded since, not yet counted (the job takes them within a minute)


@dataclass(frozen=True)
class Overview:
    exam: Exam
    computed_at: datetime
    sheets: int
    flagged: int


def exams_with_figures(session: Session) -> list[Overview]:
    rows = session.execute(
        select(Exam, Figures.computed_at, Figures.sheets, Figures.result)
        .join(Figures, Figures.exam_id == Exam.id)
        .where(Figures.counting == Counting.FIRST)
        .order_by(Exam.id.desc())
    ).all()
    return [
        Overview(exam, at, sheets, sum(1 for i in result.get("items", []) if i.get("flags")))
        for exam, at, sheets, result in rows
    ]


def exam_figures(session: Session, exam: Exam, counting: Counting) -> ExamFigures:
    row = session.scalar(
        select(Figures)
        .options(load_only(Figures.computed_at, Figures.sheets, Figures.result))
        .where(Figures.exam_id == exam.id, Figures.counting == counting)
    )
    waiting = session.scalar(
        select(func.count()).select_from(PendingSheet).where(PendingSheet.exam_id == exam.id)
    )
    if row is None:
        return ExamFigures(exam, counting, None, 0, {}, waiting or 0)
    return ExamFigures(exam, counting, row.computed_at, row.sheets, row.result, waiting or 0)


def item_row(figures: ExamFigures, item_id: int) -> dict[str, Any] | None:
    for row in figures.result.get("items", []):
        if row.get("item") == item_id:
            return dict(row)
    return None


def stems(session: Session, item_ids: list[int]) -> dict[int, str]:
    """Each item's current stem, for the tables (one statement)."""
    items = session.scalars(select(Item).where(Item.id.in_(item_ids))).all()
    return {i.id: i.current.stem if i.current else "" for i in items}


def pooled(session: Session, item_id: int) -> ItemFigures | None:
    return session.get(ItemFigures, item_id)
