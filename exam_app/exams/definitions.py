"""Exam definitions: the pool an exam draws from, checking it, saving and publishing it, who
may sit it."""

from __future__ import annotations

import random

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.bank.categories import descendant_ids
from exam_app.bank.models import Item, ItemStatus, ItemVersion
from exam_app.core import audit
from exam_app.errors import DomainError
from exam_app.exams.assembly import (
    FairnessReport,
    PoolItem,
    Rule,
    RuleProblem,
    candidates,
    check_rules,
    draw_prepared,
    expected_difficulty,
    fairness,
    prepare,
)
from exam_app.exams.models import Exam, ExamStatus

LABELS = tuple("ABCDEFGH")


def pool_for(session: Session, exam: Exam) -> list[PoolItem]:
    """Published items of the exam's level, current versions: what new papers may draw.

    Only numbers leave the database (the option count, not the options): a start on a
    100,000-item bank reads integers, not 100,000 JSON documents.
    """
    stmt = (
        select(
            Item.id,
            ItemVersion.id,
            ItemVersion.type,
            Item.category_id,
            ItemVersion.difficulty,
            func.json_array_length(ItemVersion.options),
        )
        .join(ItemVersion, Item.current_version_id == ItemVersion.id)
        .where(Item.status == ItemStatus.PUBLISHED.value)
    )
    if exam.level:
        stmt = stmt.where(ItemVersion.level == exam.level)
    # Published items always have options lettered A, B, C … in order (validation refuses gaps).
    return [
        PoolItem(item_id, version_id, kind, category_id, difficulty, LABELS[:n])
        for item_id, version_id, kind, category_id, difficulty, n in session.execute(stmt)
    ]


def rules_for(session: Session, exam: Exam) -> list[Rule]:
    rules = []
    for r in exam.rules:
        categories = (
            frozenset(descendant_ids(session, r.category_id)) if r.category_id is not None else None
        )
        rules.append(
            Rule(
                key=r.key,
                count=len(r.item_ids) if r.item_ids else r.count,
                item_ids=tuple(r.item_ids),
                category_ids=categories,
                type=r.type,
                difficulty_min=r.difficulty_min,
                difficulty_max=r.difficulty_max,
            )
        )
    return rules


def check_exam(session: Session, exam: Exam) -> list[RuleProblem]:
    """Every reason the blueprint cannot give each candidate a full, balanced paper."""
    return check_rules(rules_for(session, exam), pool_for(session, exam))


def supply_and_fairness(
    session: Session, exam: Exam, has_problems: bool, papers: int = 200
) -> tuple[dict[str, int], FairnessReport | None]:
    """Items each rule can draw from today's bank, and (for a sound blueprint) the spread of
    expected difficulty over ``papers`` sample papers, drawn from seeds fixed by the exam id
    so the report does not flicker between page loads."""
    rules = rules_for(session, exam)
    pool = pool_for(session, exam)
    counts = {r.key: len(candidates(r, pool)) for r in rules}
    if not rules or has_problems:
        return counts, None
    prepared = prepare(rules, pool)
    by_version = {p.version_id: p for p in prepared.by_id.values()}
    rng = random.Random(exam.id)
    sample = [
        expected_difficulty(
            draw_prepared(rules, prepared, random.Random(rng.getrandbits(48))), by_version
        )
        for _ in range(papers)
    ]
    return counts, fairness(sample)


def publish_exam(session: Session, exam: Exam, actor_id: int | None) -> None:
    if not exam.rules:
        raise DomainError(_("组卷规则为空，至少需要一条规则。"))
    problems = check_exam(session, exam)
    if problems:
        raise DomainError(_("组卷规则与题库不符：") + "；".join(p.message for p in problems))
    exam.status = ExamStatus.PUBLISHED.value
    audit.record(session, actor_id, "exam.publish", f"exam:{exam.id}")


def is_assigned(session: Session, exam: Exam, user: User) -> bool:
    """An exam without assignments is open to every operator; otherwise to the units (with
    everything below them) and people assigned."""
    if not exam.assignments:
        return True
    unit = user.org_unit
    units = {u.id for u in [*unit.ancestors, unit]} if unit is not None else set()
    return any(
        a.user_id == user.id or (a.org_unit_id is not None and a.org_unit_id in units)
        for a in exam.assignments
    )


def open_exams(session: Session) -> list[Exam]:
    return list(
        session.scalars(
            select(Exam).where(Exam.status == ExamStatus.PUBLISHED.value).order_by(Exam.id)
        )
    )
