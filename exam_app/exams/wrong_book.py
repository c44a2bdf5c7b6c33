"""The 错题本 (wrong-question book) and the feedback that feeds it: a missed item goes in, two
right answers in a row take it out; keys are shown only after an answer is recorded.

The book is practice: it holds, shows and gives keys of items practice may show (exposure
practice or both, ``SHOWN_IN_PRACTICE``) and nothing else; an item made certification-only
after it went in stays out of sight until it is exposed to practice again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.bank.models import SHOWN_IN_PRACTICE, Exposure, Item, ItemVersion
from exam_app.bank.parsed import ItemType
from exam_app.errors import NotFound
from exam_app.exams import grading
from exam_app.exams.models import Attempt, AttemptItem, ReviewPolicy, WrongBookEntry

#: Right answers in a row that take an item out of the book.
MASTERED_AFTER = 2


def _entry(session: Session, user_id: int, item_id: int) -> WrongBookEntry | None:
    return session.scalar(
        select(WrongBookEntry).where(
            WrongBookEntry.user_id == user_id, WrongBookEntry.item_id == item_id
        )
    )


def record_outcome(
    session: Session, user_id: int, item_id: int, correct: bool, now: datetime
) -> None:
    """Keep the book: a miss adds the item; two right answers in a row take it out."""
    entry = _entry(session, user_id, item_id)
    if not correct:
        if entry is None:
            session.add(WrongBookEntry(user_id=user_id, item_id=item_id, last_missed_at=now))
        else:
            entry.misses += 1
            entry.right_streak = 0
            entry.last_missed_at = now
    elif entry is not None:
        entry.right_streak += 1
        if entry.right_streak >= MASTERED_AFTER:
            session.delete(entry)
    session.flush()


def _shown_in_practice(session: Session, item_ids: list[int]) -> set[int]:
    if not item_ids:
        return set()
    return set(
        session.scalars(
            select(Item.id).where(Item.id.in_(item_ids), Item.exposure.in_(SHOWN_IN_PRACTICE))
        )
    )


def record_certification_misses(
    session: Session, attempt: Attempt, item_ids: list[int], now: datetime
) -> None:
    """Put the items missed in a graded certification attempt into the book, where that tells
    no more than the exam's review policy does.

    Decision: items are *not added* (rather than added with key and explanation withheld)
    unless the policy shows full answers (``ReviewPolicy.FULL``). Under "score" or "category"
    the candidate may not learn which questions they missed, and a book entry says exactly
    that even without its key; a withheld entry would also need a second state that a later
    policy change must release.
    For the same reason the book's existing entries are left untouched (no added miss, no
    broken streak). Certification-only items never go in whatever the policy: the book is
    practice, and practice never shows their keys.
    """
    if ReviewPolicy(attempt.exam.review_policy) != ReviewPolicy.FULL:
        return
    for item_id in sorted(_shown_in_practice(session, item_ids)):
        record_outcome(session, attempt.user_id, item_id, False, now)


def _is_correct(version: ItemVersion, response: tuple[str, ...], partial_credit: bool) -> bool:
    item = grading.GradableItem(1, ItemType(version.type), tuple(version.answer), 1.0, None)
    return grading.score_item(item, response, partial_credit).correct


#: Practice feedback for an item practice may not show (made certification-only after the
#: paper was drawn): saved, nothing told.
WITHHELD: dict[str, Any] = {"withheld": True}


def practice_feedback(
    session: Session, attempt: Attempt, item: AttemptItem, response: list[str], now: datetime
) -> dict[str, Any]:
    """Right or wrong, the key (as displayed positions) and the explanation, after answering;
    ``WITHHELD`` for an item that is certification-only by now (it stays out of the book)."""
    exposure = session.scalar(select(Item.exposure).where(Item.id == item.item_id))
    if exposure not in SHOWN_IN_PRACTICE:
        return dict(WITHHELD)
    version = session.get(ItemVersion, item.version_id)
    assert version is not None
    correct = _is_correct(version, tuple(response), attempt.exam.partial_credit)
    record_outcome(session, attempt.user_id, item.item_id, correct, now)
    return {
        "correct": correct,
        "key": sorted(item.option_order.index(lab) for lab in version.answer),
        "explanation": version.explanation,
        "source": version.source,
    }


@dataclass(frozen=True)
class WrongBookQuestion:
    item_id: int
    type: ItemType
    stem: str
    options: list[str]
    misses: int
    right_streak: int


def entries_of(session: Session, user_id: int) -> list[WrongBookEntry]:
    """A person's book as practice may show it, the most recently missed first."""
    return list(
        session.scalars(
            select(WrongBookEntry)
            .join(Item, Item.id == WrongBookEntry.item_id)
            .where(WrongBookEntry.user_id == user_id, Item.exposure.in_(SHOWN_IN_PRACTICE))
            .order_by(WrongBookEntry.last_missed_at.desc())
        )
    )


def wrong_book_questions(
    session: Session, entries: list[WrongBookEntry]
) -> list[WrongBookQuestion]:
    """The missed items' current wording, options in their own order, without keys."""
    items = {
        i.id: i
        for i in session.scalars(select(Item).where(Item.id.in_([e.item_id for e in entries])))
    }
    out = []
    for entry in entries:
        version = items[entry.item_id].current
        if version is None:
            continue
        out.append(
            WrongBookQuestion(
                entry.item_id,
                ItemType(version.type),
                version.stem,
                [o["text"] for o in version.options],
                entry.misses,
                entry.right_streak,
            )
        )
    return out


def answer_wrong_book(
    session: Session, user_id: int, item_id: int, chosen: list[int], now: datetime
) -> dict[str, Any]:
    """Practise one item of the book; the key comes back only after the answer is recorded.

    :raises NotFound: the item is not in this person's book
    :raises ValueError: on a choice that is not one of the item's options
    """
    entry = _entry(session, user_id, item_id)
    item = session.get(Item, item_id)
    if entry is None or item is None or item.current is None or not _practice_may_show(item):
        raise NotFound(_("错题本中没有这道题。"))
    version = item.current
    labels = tuple(o["label"] for o in version.options)
    correct = _is_correct(version, grading.to_original(chosen, labels), False)
    streak = entry.right_streak + 1 if correct else 0
    record_outcome(session, user_id, item_id, correct, now)
    return {
        "correct": correct,
        "key": sorted(labels.index(lab) for lab in version.answer),
        "explanation": version.explanation,
        "source": version.source,
        "right_streak": streak,
        "mastered": correct and streak >= MASTERED_AFTER,
    }


def _practice_may_show(item: Item) -> bool:
    return Exposure(item.exposure) in SHOWN_IN_PRACTICE
