"""Factories: real objects built through the app's own services, for any test to call.

Plain functions, no fixtures (``conftest.py`` wraps the ones its fixtures offer). A builder
commits what it makes, so the app's requests, which use sessions of their own, see it;
``answer_with_key`` acts inside the caller's transaction, like the service it calls.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Literal

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_app.accounts import services
from exam_app.accounts.models import OrgKind, OrgUnit, Role, User
from exam_app.bank import authoring, importing
from exam_app.bank.authoring import ItemDraft
from exam_app.bank.importers import read_file
from exam_app.bank.models import ImportBatch, Item, ItemVersion
from exam_app.bank.parsed import ItemType
from exam_app.config import TestConfig
from exam_app.db import utcnow
from exam_app.demo import ORG_TREE
from exam_app.exams import attempts, saving, timing
from exam_app.exams.definitions import publish_exam
from exam_app.exams.models import Attempt, AttemptItem, Exam, ExamMode, ExamRule

PASSWORD = "quartz-lamp-58"  # passes the password rules (not a common one)
POLICY = services.PasswordPolicy(TestConfig.PASSWORD_HASH_METHOD, 8)

# --- people and units ----------------------------------------------------------------------


def _free_employee_no(session: Session) -> str:
    n = (session.scalar(select(func.count()).select_from(User)) or 0) + 1
    while services.find_user(session, f"U{n:04d}") is not None:
        n += 1
    return f"U{n:04d}"


def _create_user(
    session: Session,
    roles: Iterable[Role],
    employee_no: str | None,
    password: str,
    name: str,
    kwargs: dict[str, object],
) -> User:
    user = services.create_user(
        session,
        employee_no=employee_no or _free_employee_no(session),
        name=name,
        roles=tuple(roles) or (Role.OPERATOR,),
        password=password,
        policy=POLICY,
        now=utcnow(),
        must_change_password=False,
        **kwargs,  # type: ignore[arg-type]
    )
    session.commit()
    return user


def make_user(
    session_or_app: Session | Flask,
    *roles: Role,
    employee_no: str | None = None,
    password: str = PASSWORD,
    name: str = "测试用户",
    **kwargs: object,
) -> User:
    """A user who may sign in at once (an operator unless ``roles`` say otherwise).

    Given the app, the user is made in the app's own session and returned detached (read its
    columns, or ``session.get(User, user.id)`` for one of yours); given a session, in that one.
    ``kwargs`` go to ``services.create_user`` (``org_unit``, ``position``, ...).
    """
    if isinstance(session_or_app, Flask):
        with session_or_app.app_context():
            session = session_or_app.extensions["db_session"]()
            return _create_user(session, roles, employee_no, password, name, kwargs)
    return _create_user(session_or_app, roles, employee_no, password, name, kwargs)


def make_unit(
    session: Session,
    name: str,
    kind: OrgKind,
    parent: OrgUnit | None = None,
    *,
    code: str | None = None,
) -> OrgUnit:
    """An org unit under ``parent`` (its code is its name unless given)."""
    unit = services.save_org_unit(
        session, None, code=code or name, name=name, kind=kind, parent=parent, actor_id=None
    )
    session.commit()
    return unit


def make_org_tree(
    session: Session, tree: Iterable[tuple[str, str, OrgKind, str | None]] = ORG_TREE
) -> dict[str, OrgUnit]:
    """The demo's org tree (or ``tree``: code, name, kind, parent code), by code."""
    units: dict[str, OrgUnit] = {}
    for code, name, kind, parent in tree:
        units[code] = make_unit(session, name, kind, units[parent] if parent else None, code=code)
    return units


# --- the bank ------------------------------------------------------------------------------


def bank_text(singles: int = 12, multiples: int = 6, judges: int = 6) -> str:
    """A published bank, by default of 24 items: 12 single (key B), 6 multiple (key AC), 6
    true/false (true for odd numbers); every explanation holds the word 解析秘文."""
    lines = ["用电客户受理员-中级工练习题", "一、单选题"]
    for n in range(1, singles + 1):
        lines.append(f"{n}.单选第{n}题的题干（ ）。")
        lines.append(f"A、甲{n}B、乙{n}C、丙{n}D、丁{n}正确答案:B")
        lines.append(f"解析：单选解析秘文{n}")
    lines.append("二、多选题")
    for n in range(1, multiples + 1):
        lines.append(f"{n}.多选第{n}题的题干（ ）。")
        lines.append(f"A、子{n}B、丑{n}C、寅{n}D、卯{n}正确答案:AC")
        lines.append(f"解析：多选解析秘文{n}")
    lines.append("三、判断题")
    for n in range(1, judges + 1):
        lines.append(f"{n}.判断第{n}题的说法。")
        lines.append("正确答案:对" if n % 2 else "正确答案:错")
        lines.append(f"解析：判断解析秘文{n}")
    return "\n".join(lines) + "\n"


#: Test data is published with no second trainer's review under this exception, the kind
#: ``importing.PublishException`` documents for data the deployment supplies (not a person):
#: it is recorded in the audit log and in each item's history like any other.
TEST_DATA = importing.PublishException(reason="测试数据", source="test_data")


def import_text(
    session: Session, text: str, name: str = "bank.txt", *, publish: bool = False, **options: object
) -> ImportBatch:
    """Import ``text`` as the file ``name`` through the importer; ``publish=True`` publishes its
    complete items under ``TEST_DATA``; ``options`` are ``importing.ImportOptions``' others
    (``review``, ``level``, ``category``)."""
    data = text.encode("utf-8")
    exception = TEST_DATA if publish else None
    batch = importing.import_result(
        session,
        read_file(data, name),
        importing.ImportOptions(publish=exception, **options),  # type: ignore[arg-type]
        data=data,
        user_id=None,
        now=utcnow(),
    )
    session.commit()
    return batch


def load_bank(session: Session) -> None:
    """The 24 published items of ``bank_text`` (published under ``TEST_DATA``)."""
    batch = import_text(session, bank_text(), publish=True)
    assert batch.summary["created"] == 24


_stems = itertools.count(1)


def make_item(session: Session, author_id: int | None = None, **fields: object) -> Item:
    """A draft item written through the editor's service; ``fields`` are ``ItemDraft``'s,
    by default a true/false item whose statement is true."""
    fields.setdefault("type", ItemType.JUDGE)
    if fields["type"] == ItemType.JUDGE:
        fields.setdefault("judge_true", True)
    fields.setdefault("stem", f"第{next(_stems)}条规定是正确的。")
    item = authoring.create_item(session, ItemDraft(**fields), author_id).item  # type: ignore[arg-type]
    session.commit()
    return item


def change_key(session: Session, item: Item, actor_id: int) -> None:
    """Correct a single-choice item's key to the next option, as a trainer does in the editor."""
    draft = authoring.draft_from_version(item)
    old = next(iter(draft.correct))
    corrected = draft.__class__(
        **{**draft.__dict__, "correct": frozenset({(old + 1) % len(draft.options)})}
    )
    authoring.edit_item(session, item, corrected, actor_id)
    session.commit()


# --- exams and attempts --------------------------------------------------------------------


def make_exam(
    session: Session,
    mode: ExamMode = ExamMode.CERTIFICATION,
    counts: tuple[int, int, int] = (4, 2, 2),
    **settings: object,
) -> Exam:
    """A published exam drawing ``counts`` single, multiple and true/false items (a
    certification is open from an hour ago to tomorrow); ``settings`` set Exam's columns."""
    exam = Exam(
        title=f"测试考试{mode}",
        mode=mode.value,
        level="intermediate",
        duration_minutes=30,
        points_single=1,
        points_multiple=2,
        points_judge=1,
    )
    if mode is ExamMode.CERTIFICATION:
        exam.opens_at = utcnow() - timedelta(hours=1)
        exam.closes_at = utcnow() + timedelta(days=1)
    for key, value in settings.items():
        setattr(exam, key, value)
    exam.rules = [
        ExamRule(position=n, count=c, type=t)
        for n, (t, c) in enumerate(zip(("single", "multiple", "judge"), counts, strict=True), 1)
    ]
    session.add(exam)
    session.flush()
    publish_exam(session, exam, None)
    session.commit()
    return exam


def key_positions(session: Session, attempt: Attempt) -> dict[int, list[int]]:
    """Where each question's key stands on the candidate's (shuffled) page, by position."""
    out = {}
    for item in attempt.items:
        version = session.get(ItemVersion, item.version_id)
        assert version is not None
        out[item.position] = [item.option_order.index(lab) for lab in version.answer]
    return out


def wrong_choice(item: AttemptItem, key: list[int]) -> list[int]:
    """The first displayed option that is not part of the key."""
    return [i for i in range(len(item.option_order)) if i not in key][:1]


def answer_with_key(
    session: Session,
    attempt: Attempt,
    *,
    wrong_rules: Collection[str] = (),
    now: datetime | None = None,
) -> None:
    """Save the key as the answer to every question, except those drawn by the rules named in
    ``wrong_rules`` ("r1", ...), which get a wrong choice (confirmed, as practice asks of a
    multiple-choice answer)."""
    keys = key_positions(session, attempt)
    for item in attempt.items:
        chosen = keys[item.position]
        if item.rule_key in wrong_rules:
            chosen = wrong_choice(item, chosen)
        saving.save_answer(
            session,
            attempt.id,
            attempt.user_id,
            item.position,
            chosen,
            False,
            0,
            now or utcnow(),
            confirm=True,
        )


def backdate(session: Session, attempt: Attempt, by: timedelta) -> None:
    """Move an attempt's clock back by ``by``: as if it had started that much earlier."""
    attempt.started_at -= by
    attempt.deadline_at -= by
    if attempt.last_seen_at is not None:
        attempt.last_seen_at -= by
    session.commit()


def make_attempt(
    session: Session,
    exam: Exam,
    user: User | int,
    state: Literal["in_progress", "submitted", "overdue"] = "in_progress",
    answers: Literal["none", "key", "wrong"] = "none",
    *,
    now: datetime | None = None,
    seed: int | None = None,
) -> Attempt:
    """``user``'s attempt at ``exam``, started ``now``, in ``state``.

    ``answers``: none saved, the key everywhere, or a wrong choice everywhere. "overdue" is
    an attempt still in progress whose deadline and grace have passed (nobody has graded it).
    """
    now = now or utcnow()
    candidate = session.get(User, user if isinstance(user, int) else user.id)
    assert candidate is not None
    attempt = attempts.start_attempt(session, exam, candidate, now, seed=seed)
    if answers != "none":
        wrong = {i.rule_key for i in attempt.items} if answers == "wrong" else ()
        answer_with_key(session, attempt, wrong_rules=wrong, now=now)
    if state == "submitted":
        attempts.submit_attempt(session, attempt, now)
    elif state == "overdue":
        late = attempt.deadline_at - now + timedelta(seconds=timing.GRACE_SECONDS, minutes=1)
        backdate(session, attempt, late)
    session.commit()
    return attempt
