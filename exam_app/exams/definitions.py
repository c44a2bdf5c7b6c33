"""Exam definitions: the pool an exam draws from, checking it, saving and publishing it, who
may sit it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.bank.categories import descendant_ids
from exam_app.bank.models import (
    SHOWN_IN_CERTIFICATION,
    SHOWN_IN_PRACTICE,
    Item,
    ItemStatus,
    ItemVersion,
)
from exam_app.bank.parsed import ItemType
from exam_app.core import audit
from exam_app.errors import DomainError
from exam_app.exams.assembly import (
    ExposureWarning,
    FairnessReport,
    PoolItem,
    Rule,
    RuleProblem,
    candidates,
    check_rules,
    draw_prepared,
    expected_difficulty,
    fairness,
    practice_exposed,
    prepare,
)
from exam_app.exams.models import (
    Exam,
    ExamAssignment,
    ExamMode,
    ExamRule,
    ExamStatus,
    ReviewPolicy,
)

LABELS = tuple("ABCDEFGH")


#: The items each mode may draw: a certification-only item never reaches a practice paper
#: (where its key is shown at once), a practice-only one never a certification paper.
EXPOSED_TO = {
    ExamMode.PRACTICE: SHOWN_IN_PRACTICE,
    ExamMode.CERTIFICATION: SHOWN_IN_CERTIFICATION,
}


def pool_for(session: Session, exam: Exam) -> list[PoolItem]:
    """Published items of the exam's level exposed to its mode, current versions: what new
    papers may draw."""
    return pool_of(session, ExamMode(exam.mode), exam.level)


def pool_of(session: Session, mode: ExamMode, level: str | None) -> list[PoolItem]:
    """Published items of ``level`` (None: any) exposed to ``mode``, current versions.

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
            Item.exposure,
        )
        .join(ItemVersion, Item.current_version_id == ItemVersion.id)
        .where(
            Item.status == ItemStatus.PUBLISHED.value,
            Item.exposure.in_(EXPOSED_TO[mode]),
        )
    )
    if level:
        stmt = stmt.where(ItemVersion.level == level)
    # Published items always have options lettered A, B, C … in order (validation refuses gaps).
    return [
        PoolItem(item_id, version_id, kind, category_id, difficulty, LABELS[:n], exposure.value)
        for item_id, version_id, kind, category_id, difficulty, n, exposure in session.execute(stmt)
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


def rule_supply(session: Session, mode: ExamMode, level: str | None, spec: RuleSpec) -> int:
    """How many items of today's bank one rule could draw for an exam of ``mode`` and
    ``level``: the editor's live check of a row, before anything is saved."""
    categories = (
        frozenset(descendant_ids(session, spec.category_id))
        if spec.category_id is not None
        else None
    )
    rule = Rule(
        key="r",
        count=len(spec.item_ids) or spec.count,
        item_ids=spec.item_ids,
        category_ids=categories,
        type=spec.type,
        difficulty_min=spec.difficulty_min,
        difficulty_max=spec.difficulty_max,
    )
    return len(candidates(rule, pool_of(session, mode, level)))


def check_exam(session: Session, exam: Exam) -> list[RuleProblem]:
    """Every reason the blueprint cannot give each candidate a full, balanced paper."""
    return check_rules(rules_for(session, exam), pool_for(session, exam))


def exposure_warnings(session: Session, exam: Exam) -> list[ExposureWarning]:
    """A certification's rules that draw items practice shows too (exposure "both"): the
    trainer is warned on the exam's page; publishing is not refused."""
    if exam.mode != ExamMode.CERTIFICATION or not exam.rules:
        return []
    return practice_exposed(rules_for(session, exam), pool_for(session, exam))


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


@dataclass(frozen=True)
class RuleSpec:
    """One 组卷规则 as the trainer wrote it: fixed items, or a count drawn by filters."""

    count: int
    item_ids: tuple[int, ...] = ()
    category_id: int | None = None
    type: ItemType | None = None
    difficulty_min: int = 1
    difficulty_max: int = 5


@dataclass(frozen=True)
class ExamSettings:
    title: str
    mode: ExamMode
    level: str | None
    duration_minutes: int
    pass_percent: float
    points_single: float
    points_multiple: float
    points_judge: float
    partial_credit: bool
    shuffle_questions: bool
    shuffle_options: bool
    review_policy: ReviewPolicy
    opens_at: datetime | None  #: aware UTC
    closes_at: datetime | None
    max_attempts: int | None
    wait_minutes: int
    org_unit_ids: tuple[int, ...]
    certificate_title: str = "用电客户受理员"
    certificate_months: int | None = None  #: None: a pass issues no certificate
    renewal_window_days: int = 90


def ensure_editable(exam: Exam) -> None:
    """:raises DomainError: unless the exam is a draft (every candidate of a published exam
    must get a paper drawn by the same rules)"""
    if exam.status != ExamStatus.DRAFT:
        raise DomainError(_("已发布的考试不能修改组卷规则，以保证所有考生的试卷一致。"))


def save_exam(
    session: Session,
    exam: Exam | None,
    settings: ExamSettings,
    rules: list[RuleSpec],
    actor_id: int,
) -> Exam:
    """Create an exam, or change a draft one: its settings, rules and eligible units.

    :raises DomainError: when the exam is no longer a draft (``ensure_editable``)
    """
    if exam is None:
        exam = Exam(created_by_id=actor_id)
        session.add(exam)
    else:
        ensure_editable(exam)
    for name, value in vars(settings).items():
        if name != "org_unit_ids":
            setattr(exam, name, value)
    exam.assignments = [ExamAssignment(org_unit_id=u) for u in settings.org_unit_ids]
    exam.rules = [
        ExamRule(
            position=n,
            count=len(r.item_ids) or r.count,
            item_ids=list(r.item_ids),
            category_id=r.category_id,
            type=r.type,
            difficulty_min=r.difficulty_min,
            difficulty_max=r.difficulty_max,
        )
        for n, r in enumerate((r for r in rules if r.item_ids or r.count), 1)
    ]
    session.flush()
    return exam


def publish_exam(session: Session, exam: Exam, actor_id: int | None) -> None:
    if not exam.rules:
        raise DomainError(_("组卷规则为空，至少需要一条规则。"))
    problems = check_exam(session, exam)
    if problems:
        raise DomainError(_("组卷规则与题库不符：") + "；".join(p.message for p in problems))
    exam.status = ExamStatus.PUBLISHED
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
