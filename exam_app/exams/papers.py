"""An attempt's paper as it is shown, as it is reviewed, and rebuilt from its seed for an audit."""

from __future__ import annotations

import random
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.bank.models import Exposure, Item, ItemVersion
from exam_app.bank.parsed import ItemType
from exam_app.errors import DomainError
from exam_app.exams import assembly, definitions
from exam_app.exams.models import Attempt, AttemptItem, AttemptStatus, ExamMode


def versions_of(session: Session, attempt: Attempt) -> dict[int, ItemVersion]:
    """The item versions on the paper (one query), by version id."""
    ids = [i.version_id for i in attempt.items]
    return {v.id: v for v in session.scalars(select(ItemVersion).where(ItemVersion.id.in_(ids)))}


def _texts(version: ItemVersion, item: AttemptItem) -> list[str]:
    """The option texts in the order this candidate saw them."""
    texts = {o["label"]: o["text"] for o in version.options}
    return [texts[lab] for lab in item.option_order]


def _displayed(labels: list[str], item: AttemptItem) -> list[int]:
    """Original labels as the displayed positions the candidate saw, sorted."""
    return sorted(item.option_order.index(lab) for lab in labels if lab in item.option_order)


@dataclass(frozen=True)
class ShownQuestion:
    position: int
    type: ItemType
    stem: str
    options: list[str]  #: texts in displayed order (judge: 正确, 错误)
    chosen: list[int]  #: displayed indexes of the saved answer
    flagged: bool
    revision: int
    points: float
    final: bool = False  #: practice: the feedback was shown, the answer cannot change


def shown_paper(session: Session, attempt: Attempt) -> list[ShownQuestion]:
    """The paper as the candidate sees it: their saved answers, and no keys."""
    versions = versions_of(session, attempt)
    answers = {a.position: a for a in attempt.answers}
    shown = []
    for item in attempt.items:
        version = versions[item.version_id]
        answer = answers.get(item.position)
        shown.append(
            ShownQuestion(
                item.position,
                ItemType(version.type),
                version.stem,
                _texts(version, item),
                _displayed(answer.response if answer else [], item),
                bool(answer and answer.flagged),
                answer.revision if answer else 0,
                item.points,
                bool(answer and answer.final),
            )
        )
    return shown


@dataclass(frozen=True)
class ReviewedQuestion:
    position: int
    type: ItemType
    stem: str
    options: list[str]  #: displayed order, as the candidate saw them
    chosen: list[int]
    key: list[int]
    earned: float
    points: float
    explanation: str
    source: str
    withheld: bool = False  #: practice, certification-only item: no key, no explanation


def reviewed_paper(session: Session, attempt: Attempt) -> list[ReviewedQuestion]:
    """The paper with answers, keys and explanations: only for a submitted attempt. A
    practice paper withholds them for items made certification-only since it was drawn.

    :raises DomainError: while the attempt is still in progress
    """
    if attempt.status != AttemptStatus.SUBMITTED:
        raise DomainError(_("考试尚未提交。"))
    versions = versions_of(session, attempt)
    answers = {a.position: a.response for a in attempt.answers}
    practice = attempt.exam.mode == ExamMode.PRACTICE
    secret = _certification_only(session, attempt) if practice else set()
    out = []
    for item in attempt.items:
        v = versions[item.version_id]
        withheld = item.item_id in secret
        out.append(
            ReviewedQuestion(
                item.position,
                ItemType(v.type),
                v.stem,
                _texts(v, item),
                _displayed(answers.get(item.position, []), item),
                [] if withheld else _displayed(list(item.key_override or v.answer), item),
                item.earned or 0.0,
                item.points,
                "" if withheld else v.explanation,
                "" if withheld else v.source,
                withheld,
            )
        )
    return out


def _certification_only(session: Session, attempt: Attempt) -> set[int]:
    ids = [i.item_id for i in attempt.items]
    return set(
        session.scalars(
            select(Item.id).where(Item.id.in_(ids), Item.exposure == Exposure.CERTIFICATION)
        )
    )


def rebuild_paper(session: Session, attempt: Attempt) -> list[assembly.DrawnItem]:
    """Draw the paper again from the stored seed, from the pool read afresh (not the process's
    cache, so the audit checks the cache too). Only meaningful while the pool is as it was."""
    exam = attempt.exam
    return assembly.draw_paper(
        definitions.rules_for(session, exam),
        definitions.pool_for(session, exam),
        random.Random(attempt.seed),
        exam.shuffle_questions,
        exam.shuffle_options,
    )


@dataclass(frozen=True)
class PaperAudit:
    matches: bool
    differing_positions: list[int]  #: where the stored paper and the rebuilt one differ


def audit_paper(session: Session, attempt: Attempt) -> PaperAudit:
    """HR's check that the stored paper is the one its seed draws: same items, versions and
    option orders at every position."""
    rebuilt = {
        d.position: (d.item_id, d.version_id, tuple(d.option_order))
        for d in rebuild_paper(session, attempt)
    }
    stored = {i.position: (i.item_id, i.version_id, tuple(i.option_order)) for i in attempt.items}
    differing = sorted(p for p in rebuilt.keys() | stored.keys() if rebuilt.get(p) != stored.get(p))
    return PaperAudit(not differing, differing)
