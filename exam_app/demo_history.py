"""A simulated year for the demo (``flask demo history``, run by ``make run``): hundreds of
operators in eight 营业厅, two certification exams and the demo's practice exams, and a year of
attempts answered by an item-response model, so a newcomer sees full dashboards, cohorts and
flagged items at once instead of empty pages.

Every attempt goes through the grading path production uses: ``attempts.start_attempt`` draws
the paper from a seed, ``attempts.submit_attempt`` grades it and sends ``attempt_graded``, so
certificates are issued, tracking spans rebuilt and statistics sheets written exactly as for
a real candidate. Only saving is short-cut (``_answer``): the answers go in as one multi-row
INSERT per paper instead of one ``saving.save_answer`` per question.

Answers come from a two-parameter logistic (2PL) model: each operator has an ability
θ ~ N(μ of their unit, 1), which grows a little over the year, after a training class and on a
retake; each item has a difficulty from its bank difficulty (1–5) plus noise and a
discrimination. A candidate gives the right answer with P(θ) = 1 / (1 + e^(−a(θ−b))) and
otherwise a distractor, the distractors being unequally attractive. Four items of the
中级工 certification (a fixed rule, so every paper has them) are bad on purpose (``BadItem``),
for the item analysis to find.

Demo data only: the command refuses where ALLOW_DEMO_DATA is off, the accounts are flagged
``is_demo`` and share one password hash (the demo password; one hash per account would cost
seconds to a minute, depending on the method).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from exam_app import demo
from exam_app.accounts import passwords, services
from exam_app.accounts.models import OrgKind, OrgUnit, Role, User
from exam_app.bank.models import ItemVersion, Level
from exam_app.bank.parsed import ItemType
from exam_app.certificates.issuing import DEFER_RENDERING
from exam_app.core import audit
from exam_app.core.models import AuditEvent
from exam_app.errors import DomainError
from exam_app.exams import timing
from exam_app.exams.assembly import PoolItem
from exam_app.exams.attempts import start_attempt, submit_attempt
from exam_app.exams.definitions import ExamSettings, RuleSpec, pool_for, publish_exam, save_exam
from exam_app.exams.models import Answer, Attempt, Exam, ExamMode, ReviewPolicy
from exam_app.i18n import DISPLAY_TZ
from exam_app.stats.models import Cohort, CohortKind, CohortMember
from exam_app.tracking import history, requirements
from exam_app.tracking.models import Requirement
from exam_app.tracking.requirements import VersionSpec

#: the audit action that records a finished history (and what it made): its presence makes a
#: second run a no-op
MARK = "demo.history"
POSITION = "用电客户受理员"
REQUIREMENT = "用电客户受理员持中级工证"
FIRST_NUMBER = 1001  #: 工号 O1001, O1002 …

#: (code, name, parent code, mean ability μ): the demo's three 营业厅 and five more, so units
#: differ visibly on the board and in the statistics
TEAMS = [
    ("GD-GZ-TH", "天河营业厅", "GD-GZ", 0.9),
    ("GD-GZ-YX", "越秀营业厅", "GD-GZ", 0.6),
    ("GD-GZ-HZ", "海珠营业厅", "GD-GZ", 0.7),
    ("GD-GZ-BY", "白云营业厅", "GD-GZ", 0.1),
    ("GD-GZ-PY", "番禺营业厅", "GD-GZ", 0.4),
    ("GX-NN-QX", "青秀营业厅", "GX-NN", 0.3),
    ("GX-NN-XN", "兴宁营业厅", "GX-NN", 0.0),
    ("GX-NN-JN", "江南营业厅", "GX-NN", -0.3),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程"
    "魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛郝顾"
    "龚邵万覃武钱戴严莫孔向常汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红梅鹏飞斌"
    "宇浩凯健俊帆旭婷雪琳晶欣悦佳怡思颖涵雨萱轩然嘉锦文"
)

CERT_MINUTES = 60
MAX_ATTEMPTS = 3
WAIT = timedelta(days=14)  #: between certification attempts (the exam's wait rule)
CERT_PAPER = {ItemType.SINGLE: 30, ItemType.MULTIPLE: 10, ItemType.JUDGE: 10}
CLASS_EFFECT = 0.6  #: ability gained by a training class, from its last day
RETAKE_GAIN = 0.3  #: per earlier attempt at the same certification
SENIOR_SHIFT = 1.2  #: how much harder a 高级工 item is than a 中级工 one of the same rating
YEAR_GAIN = 0.3  #: practice over the whole year
OMIT = 0.005  #: a question left unanswered
AUTO_SUBMITTED = 0.03  #: certification attempts that run out of time

#: why each bad item is bad, as the summary prints it
REASONS = {
    "miskeyed": "答案标错：能力强的考生选的“干扰项”才是对的（区分度为负）",
    "dead_distractor": "有一个干扰项无人选择",
    "too_easy": "过于容易（通过率 > 95%）",
    "random": "与能力无关，近乎随机（区分度约为 0）",
}


@dataclass(frozen=True)
class BadItem:
    """An item answered badly on purpose. ``label``: for a mis-keyed item the option that is
    truly right; for a dead distractor the option nobody chooses; else empty."""

    item_id: int
    reason: str  #: a key of REASONS
    label: str = ""


@dataclass(frozen=True)
class Summary:
    """What a run made: printed by the command, and kept in its audit event so that a second
    run can say what is already there."""

    operators: int
    attempts: int
    certification_attempts: int
    certification_passed: int
    bad_items: tuple[BadItem, ...]

    @property
    def pass_rate(self) -> float:
        return (
            self.certification_passed / self.certification_attempts
            if self.certification_attempts
            else 0.0
        )

    def as_detail(self) -> dict[str, Any]:
        return {
            "operators": self.operators,
            "attempts": self.attempts,
            "certification_attempts": self.certification_attempts,
            "certification_passed": self.certification_passed,
            "bad_items": [[b.item_id, b.reason, b.label] for b in self.bad_items],
        }

    @classmethod
    def from_detail(cls, detail: dict[str, Any]) -> Summary:
        return cls(
            detail["operators"],
            detail["attempts"],
            detail["certification_attempts"],
            detail["certification_passed"],
            tuple(BadItem(i, r, label) for i, r, label in detail["bad_items"]),
        )


class HistoryUnfinished(DomainError):
    """The operators are there but the mark is not: an earlier run stopped half-way."""


def already_loaded(session: Session) -> Summary | None:
    """What an earlier run made (None: nothing yet).

    :raises HistoryUnfinished: when an earlier run stopped before its last commit
    """
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == MARK).limit(1))
    if event is not None:
        return Summary.from_detail(event.detail)
    if services.find_user(session, f"O{FIRST_NUMBER}") is not None:
        raise HistoryUnfinished(
            "演示历史数据上次未生成完整，请清空数据库（make clean）后重新运行 make run。"
        )
    return None


# --- the simulated world -----------------------------------------------------------------------


@dataclass(frozen=True)
class Year:
    """The twelve whole months before ``now``'s month (Beijing): 2025-12 … 2026-11 for a
    ``now`` in December 2026."""

    start: datetime  #: aware UTC
    end: datetime

    @classmethod
    def before(cls, now: datetime) -> Year:
        local = now.astimezone(DISPLAY_TZ)
        end = datetime(local.year, local.month, 1, tzinfo=DISPLAY_TZ)
        start = end.replace(year=end.year - 1)
        return cls(start.astimezone(UTC), end.astimezone(UTC))

    @property
    def label(self) -> int:
        """The year most of its months are in."""
        return (self.end - timedelta(days=1)).astimezone(DISPLAY_TZ).year

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), DISPLAY_TZ).astimezone(UTC)

    def day(self, offset_days: float) -> date:
        return (self.start + timedelta(days=offset_days)).astimezone(DISPLAY_TZ).date()

    def sittings(self) -> list[datetime]:
        """Certification sittings: the 8th and 22nd of every month, morning and afternoon."""
        slots = []
        month = self.start.astimezone(DISPLAY_TZ).date()
        while self.at(month, 0) < self.end:
            for day in (8, 22):
                slots += [
                    self.at(month.replace(day=day), 9),
                    self.at(month.replace(day=day), 14, 30),
                ]
            month = (month + timedelta(days=32)).replace(day=1)
        return slots


@dataclass
class Operator:
    """A simulated operator: the account, the ability the answers come from, and the plan's
    state."""

    user_id: int
    theta: float
    hired_on: date
    senior_candidate: bool
    #: training classes by level: ability + CLASS_EFFECT from the class's last day, and that
    #: level's certification only after it
    trained: dict[str, datetime] = field(default_factory=dict)
    #: certification attempts so far, by level
    tries: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemModel:
    """How one item is answered: the right answer with P(θ), else a distractor."""

    type: str
    labels: tuple[str, ...]
    key: tuple[str, ...]  #: the bank's key
    right: tuple[str, ...]  #: what ability leads to: the key, except for a mis-keyed item
    a: float  #: discrimination
    b: float  #: difficulty
    lures: dict[str, float]  #: wrong options and how attractive each is (0: never chosen)

    def p_right(self, theta: float) -> float:
        return 1.0 / (1.0 + math.exp(-self.a * (theta - self.b)))

    def respond(self, theta: float, rng: random.Random) -> list[str]:
        if rng.random() < OMIT:
            return []
        if rng.random() < self.p_right(theta):
            return list(self.right)
        if self.type == ItemType.MULTIPLE:
            return self._wrong_set(rng)
        return [_weighted(self.lures, rng)]

    def _wrong_set(self, rng: random.Random) -> list[str]:
        """A multiple-choice miss: one key option left out, or a distractor ticked as well."""
        chosen = list(self.key)
        if len(chosen) > 1 and (not self.lures or rng.random() < 0.6):
            chosen.remove(rng.choice(chosen))
        else:
            chosen.append(_weighted(self.lures, rng))
        return sorted(chosen)


def _weighted(weights: dict[str, float], rng: random.Random) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


@dataclass
class World:
    """Everything the simulation reads while it runs, the attempts planned (earliest first:
    a result plans the next attempt) and what it has counted."""

    session: Session
    year: Year
    rng: random.Random
    operators: list[Operator]
    #: (level, mode) -> exam
    exams: dict[tuple[str, ExamMode], Exam]
    models: dict[int, ItemModel]
    slots: list[datetime]
    attempts: int = 0
    certification_attempts: int = 0
    certification_passed: int = 0
    #: (when, tie-breaker, operator index, level, mode), earliest first
    queue: list[tuple[datetime, int, int, str, ExamMode]] = field(default_factory=list)
    order: Iterator[int] = field(default_factory=itertools.count)

    def schedule(self, at: datetime, who: int, level: str, mode: ExamMode) -> None:
        if at < self.year.end:
            heapq.heappush(self.queue, (at, next(self.order), who, level, mode))

    def sit_after(self, after: datetime, who: int, level: str) -> None:
        """The first certification sitting after ``after``, if the year has one."""
        index = bisect.bisect_left(self.slots, after)
        if index < len(self.slots):
            self.schedule(self.slots[index], who, level, ExamMode.CERTIFICATION)

    def ability(self, op: Operator, at: datetime, level: str) -> float:
        elapsed = (at - self.year.start) / (self.year.end - self.year.start)
        trained = sum(CLASS_EFFECT for day in op.trained.values() if day <= at)
        return op.theta + YEAR_GAIN * elapsed + trained + RETAKE_GAIN * op.tries.get(level, 0)


# --- setting up ----------------------------------------------------------------------------


def _teams(session: Session) -> list[tuple[OrgUnit, float]]:
    """The eight 营业厅 with their mean ability; the five the demo tree lacks are created."""
    units = {u.code: u for u in session.scalars(select(OrgUnit))}
    teams = []
    for code, name, parent_code, mean in TEAMS:
        if code not in units:
            if parent_code not in units:
                raise DomainError("请先运行 flask --app wsgi demo load（演示单位尚未创建）。")
            units[code] = services.save_org_unit(
                session,
                None,
                code=code,
                name=name,
                kind=OrgKind.TEAM,
                parent=units[parent_code],
                actor_id=None,
            )
        teams.append((units[code], mean))
    return teams


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _hire_day(rng: random.Random, year: Year, batch_day: date | None) -> date:
    """A spring hiring batch in the year, everyone else hired over the eleven years before."""
    if batch_day is not None:
        return batch_day
    return year.day(-rng.uniform(30, 11 * 365))


def _operators(
    session: Session,
    policy: services.PasswordPolicy,
    year: Year,
    count: int,
    rng: random.Random,
    now: datetime,
) -> tuple[list[Operator], list[int]]:
    """The simulated operators (accounts sharing one hash of the demo password, hired in
    tracking), and the indexes of the hiring batch."""
    teams = _teams(session)
    password_hash = passwords.hash_password(demo.DEMO_PASSWORD, policy.method)
    batch_day = year.day(92)
    batch = set(rng.sample(range(count), max(1, count // 10)))
    operators = []
    for n in range(count):
        unit, mean = teams[n % len(teams)]
        hired = _hire_day(rng, year, batch_day if n in batch else None)
        user = User(
            employee_no=f"O{FIRST_NUMBER + n}",
            name=_name(rng),
            org_unit=unit,
            position=POSITION,
            password_hash=password_hash,
            must_change_password=False,
            session_version=1,
            active=True,
            is_demo=True,
            created_at=year.at(hired, 8) if hired >= year.start.date() else year.start,
        )
        services.set_roles(user, (Role.OPERATOR,))
        session.add(user)
        session.flush()
        history.hire(session, user.id, hired, POSITION, unit.id, None, now)
        theta = rng.gauss(mean - (0.4 if n in batch else 0.0), 1.0)
        veteran = (year.start.date() - hired).days > 3 * 365
        operators.append(Operator(user.id, theta, hired, veteran and theta > 0.6))
    return operators, sorted(batch)


def _requirement(session: Session, year: Year, now: datetime) -> None:
    """Operators are held to a 中级工 certificate, so the board has something to count."""
    if session.scalar(select(Requirement.id).where(Requirement.name == REQUIREMENT)):
        return
    spec = VersionSpec(
        effective_from=year.day(-3 * 365), level=Level.INTERMEDIATE.value, positions=(POSITION,)
    )
    requirements.create_requirement(session, REQUIREMENT, spec, None, now)


# --- exams and items -----------------------------------------------------------------------


def _certification_settings(level: Level, name: str, year: Year) -> ExamSettings:
    """The year's certification: open all year, three attempts two weeks apart, 三年有效."""
    return ExamSettings(
        title=f"{name} 认证考试（{year.label} 年度）",
        mode=ExamMode.CERTIFICATION,
        level=level.value,
        duration_minutes=CERT_MINUTES,
        pass_percent=60,
        points_single=1,
        points_multiple=2,
        points_judge=1,
        partial_credit=False,
        shuffle_questions=True,
        shuffle_options=True,
        review_policy=ReviewPolicy.BY_CATEGORY,
        opens_at=year.start,
        closes_at=year.end,
        max_attempts=MAX_ATTEMPTS,
        wait_minutes=int(WAIT.total_seconds()) // 60,
        org_unit_ids=(),
        certificate_months=36,
    )


def _paper_rules(fixed: Sequence[int]) -> list[RuleSpec]:
    """50 questions (30 single, 10 multiple, 10 true/false); ``fixed`` single-choice items on
    every paper, the rest drawn."""
    rules = [RuleSpec(count=len(fixed), item_ids=tuple(fixed))] if fixed else []
    for kind, count in CERT_PAPER.items():
        rules.append(
            RuleSpec(count=count - (len(fixed) if kind == ItemType.SINGLE else 0), type=kind)
        )
    return rules


def _bad_items(session: Session, pool: Sequence[PoolItem], rng: random.Random) -> list[BadItem]:
    """One four-option single-choice item of the pool for each way of being bad."""
    singles = sorted(
        (p for p in pool if p.type == ItemType.SINGLE and len(p.option_labels) == 4),
        key=lambda p: p.item_id,
    )
    bad = []
    for reason, item in zip(REASONS, rng.sample(singles, len(REASONS)), strict=True):
        version = session.get(ItemVersion, item.version_id)
        assert version is not None  # the pool read it
        others = [label for label in item.option_labels if label not in version.answer]
        label = rng.choice(others) if reason in ("miskeyed", "dead_distractor") else ""
        bad.append(BadItem(item.item_id, reason, label))
    return bad


def _certification(
    session: Session, level: Level, name: str, year: Year, author_id: int, rng: random.Random
) -> tuple[Exam, list[BadItem]]:
    """A published certification for the year; the 中级工 one pins the bad items on every
    paper (a fixed rule), so hundreds answer them. Saved as a draft first: the bad items are
    chosen from the pool that draft draws from."""
    settings = _certification_settings(level, name, year)
    exam = save_exam(session, None, settings, _paper_rules(()), author_id)
    bad: list[BadItem] = []
    if level is Level.INTERMEDIATE:
        bad = _bad_items(session, pool_for(session, exam), rng)
        exam = save_exam(session, exam, settings, _paper_rules([b.item_id for b in bad]), author_id)
    publish_exam(session, exam, author_id)
    return exam, bad


def _practice_exam(session: Session, level: Level) -> Exam:
    """The demo's practice exam of the level (``demo.DEMO_EXAMS``)."""
    title = next(
        t for t, mode, lvl, *_ in demo.DEMO_EXAMS if mode is ExamMode.PRACTICE and lvl is level
    )
    exam = session.scalar(select(Exam).where(Exam.title == title))
    if exam is None:
        raise DomainError(
            f"没有演示练习“{title}”：请先运行 flask --app wsgi bank load-shipped 和 demo load。"
        )
    return exam


def _exams(
    session: Session, year: Year, author_id: int, rng: random.Random
) -> tuple[dict[tuple[str, ExamMode], Exam], list[BadItem]]:
    exams: dict[tuple[str, ExamMode], Exam] = {}
    bad: list[BadItem] = []
    for level, name in ((Level.INTERMEDIATE, "中级工"), (Level.SENIOR, "高级工")):
        exams[level.value, ExamMode.PRACTICE] = _practice_exam(session, level)
        exams[level.value, ExamMode.CERTIFICATION], spoiled = _certification(
            session, level, name, year, author_id, rng
        )
        bad += spoiled
    return exams, bad


def _model(item: PoolItem, key: tuple[str, ...], senior: bool, rng: random.Random) -> ItemModel:
    """A sound item: difficulty from the bank's 1–5 (a 高级工 item a level harder again, and
    multiple choice, all or nothing, harder than single), discrimination between 0.8 and 1.8,
    unequal distractors."""
    shift = {ItemType.MULTIPLE: 0.4, ItemType.JUDGE: 0.2}.get(ItemType(item.type), 0.0)
    b = 0.55 * ((item.difficulty or 3) - 3) + shift + SENIOR_SHIFT * senior + rng.gauss(0, 0.35)
    lures = {label: 0.15 + rng.random() ** 2 for label in item.option_labels if label not in key}
    return ItemModel(item.type, item.option_labels, key, key, rng.uniform(0.8, 1.8), b, lures)


def _spoil(model: ItemModel, bad: BadItem) -> ItemModel:
    """The model of a bad item."""
    if bad.reason == "miskeyed":  # the able choose bad.label; the others mostly the bank's key
        lures = {label: 3.0 if label in model.key else 0.5 for label in model.labels}
        del lures[bad.label]
        return replace(model, right=(bad.label,), a=1.5, b=0.0, lures=lures)
    if bad.reason == "dead_distractor":
        return replace(model, lures={**model.lures, bad.label: 0.0})
    if bad.reason == "too_easy":
        return replace(model, a=0.5, b=-9.0)
    return replace(model, a=0.0, lures=dict.fromkeys(model.lures, 1.0))  # random


def _item_models(
    session: Session, exams: Sequence[Exam], bad: Sequence[BadItem], rng: random.Random
) -> dict[int, ItemModel]:
    """A model for every item any of the exams may draw, by item id."""
    pool = {p.item_id: p for exam in exams for p in pool_for(session, exam)}
    senior = {
        p.item_id for exam in exams if exam.level == Level.SENIOR for p in pool_for(session, exam)
    }
    rows = session.execute(
        select(ItemVersion.id, ItemVersion.answer).where(
            ItemVersion.id.in_([p.version_id for p in pool.values()])
        )
    )
    keys = {version_id: answer for version_id, answer in rows}
    models = {
        i: _model(p, tuple(keys[p.version_id]), i in senior, rng) for i, p in sorted(pool.items())
    }
    for b in bad:
        models[b.item_id] = _spoil(models[b.item_id], b)
    return models


# --- cohorts and the plan ----------------------------------------------------------------------


def _cohort(
    session: Session,
    name: str,
    kind: CohortKind,
    starts_on: date,
    members: Sequence[Operator],
    year: Year,
    description: str = "",
) -> None:
    """A cohort with its members, inserted directly (the stats domain owns no service for
    this yet); HR created it a week before it starts."""
    created = year.at(starts_on - timedelta(days=7), 10)
    cohort = Cohort(
        name=name, kind=kind, description=description, starts_on=starts_on, created_at=created
    )
    session.add(cohort)
    session.flush()
    session.add_all(
        CohortMember(cohort_id=cohort.id, user_id=op.user_id, added_at=created) for op in members
    )


def _cohorts(session: Session, world: World, batch: Sequence[int]) -> None:
    """The spring hiring batch, the 中级工 class it joins with the weakest tenth of the rest,
    and a 高级工 class for half of the senior candidates. A class's members gain CLASS_EFFECT
    from its last day, and sit that level's certification only after it."""
    year, ops = world.year, world.operators
    hired = [ops[i] for i in batch]
    _cohort(
        session, f"{year.label} 年春季入职批次", CohortKind.HIRING_BATCH, year.day(92), hired, year
    )
    others = sorted((op for op in ops if op not in hired), key=lambda op: op.theta)
    for level, name, day, members in (
        (Level.INTERMEDIATE, "第一期中级工培训班", 106, hired + others[: len(ops) // 10]),
        (Level.SENIOR, "高级工提升班", 212, [op for op in ops if op.senior_candidate][::2]),
    ):
        _cohort(
            session,
            f"{year.label} 年{name}",
            CohortKind.TRAINING_CLASS,
            year.day(day),
            members,
            year,
        )
        for op in members:
            op.trained[level.value] = year.at(year.day(day + 11), 17)


def _some_time(world: World, after: datetime) -> datetime:
    """A random working hour (8:00–20:59 Beijing) between ``after`` and the year's end."""
    at = after + (world.year.end - after) * world.rng.random()
    day = at.astimezone(DISPLAY_TZ).date()
    return world.year.at(day, world.rng.randint(8, 20), world.rng.randint(0, 59))


def _plan(world: World) -> None:
    """Practice through the year and a first 中级工 certification for nine in ten; retakes and
    senior certifications are planned as results come in (``_after_certification``)."""
    rng, intermediate = world.rng, Level.INTERMEDIATE.value
    for who, op in enumerate(world.operators):
        ready = max(world.year.start, world.year.at(op.hired_on, 9) + timedelta(days=7))
        if ready >= world.year.end:
            continue
        for _ in range(rng.randint(2, 7)):
            senior = op.senior_candidate and rng.random() < 0.4
            level = Level.SENIOR.value if senior else intermediate
            world.schedule(_some_time(world, ready), who, level, ExamMode.PRACTICE)
        if rng.random() < 0.9:
            after = ready + timedelta(days=rng.uniform(20, 240))
            world.sit_after(max(after, op.trained.get(intermediate, after)), who, intermediate)


# --- the year --------------------------------------------------------------------------------


def _answer(world: World, attempt: Attempt, theta: float, until: datetime, reach: float) -> None:
    """Answer the paper as the model says, spread over the time taken; ``reach``: the share
    of questions the candidate got to.

    The answers go in as one multi-row INSERT (original labels, revision 1, final in practice
    as a practice save leaves them) instead of ``saving.save_answer`` per question: some
    100,000 saves would take minutes, and grading reads only the rows, so every table the
    grade writes is as in production. What is missing is the "answered" lines of the attempt's
    event log (and practice's 错题本, which the saves' feedback fills).
    """
    items = attempt.items
    step = (min(until, attempt.deadline_at) - attempt.started_at) / (len(items) + 1)
    practice = attempt.exam.mode == ExamMode.PRACTICE
    rows = []
    for n, item in enumerate(items[: math.ceil(len(items) * reach)], start=1):
        response = world.models[item.item_id].respond(theta, world.rng)
        if response:
            rows.append(
                {
                    "attempt_id": attempt.id,
                    "position": item.position,
                    "response": response,
                    "flagged": False,
                    "final": practice,
                    "revision": 1,
                    "saved_at": attempt.started_at + step * n,
                }
            )
    if rows:
        world.session.execute(insert(Answer), rows)


def _sit(world: World, at: datetime, who: int, level: str, mode: ExamMode) -> None:
    """One attempt from start to grade, through the services a candidate's requests call."""
    op, rng = world.operators[who], world.rng
    exam = world.exams[level, mode]
    user = world.session.get(User, op.user_id)
    assert user is not None
    attempt = start_attempt(world.session, exam, user, at, seed=rng.getrandbits(48))
    auto = mode is ExamMode.CERTIFICATION and rng.random() < AUTO_SUBMITTED
    if auto:  # out of time: graded at the deadline by the sweeper, the last questions blank
        finished = attempt.deadline_at + timedelta(seconds=timing.GRACE_SECONDS + 15)
    else:
        finished = at + timedelta(minutes=exam.duration_minutes * rng.uniform(0.35, 0.95))
    _answer(world, attempt, world.ability(op, at, level), finished, 0.85 if auto else 1.0)
    submit_attempt(world.session, attempt, finished, auto=auto)
    world.attempts += 1
    if mode is ExamMode.CERTIFICATION:
        _after_certification(world, who, level, attempt)


def _after_certification(world: World, who: int, level: str, attempt: Attempt) -> None:
    """Count the result and plan what follows it: a retake after a fail (two weeks or more
    later, within the three attempts), and for a senior candidate who passed 中级工 the
    高级工 certification some months on."""
    op, rng = world.operators[who], world.rng
    op.tries[level] = op.tries.get(level, 0) + 1
    world.certification_attempts += 1
    done = attempt.submitted_at
    assert done is not None
    if attempt.passed:
        world.certification_passed += 1
        senior = Level.SENIOR.value
        if level == Level.INTERMEDIATE.value and op.senior_candidate and rng.random() < 0.8:
            after = done + timedelta(days=rng.uniform(30, 120))
            world.sit_after(max(after, op.trained.get(senior, after)), who, senior)
    elif op.tries[level] < MAX_ATTEMPTS:
        world.sit_after(done + WAIT + timedelta(days=rng.uniform(0, 30)), who, level)


def _run(world: World, checkpoint: Callable[[], None]) -> None:
    """Every planned attempt in time order; ``checkpoint`` at each new month."""
    month: tuple[int, int] | None = None
    while world.queue:
        at, _order, who, level, mode = heapq.heappop(world.queue)
        local = at.astimezone(DISPLAY_TZ)
        if month is not None and month != (local.year, local.month):
            checkpoint()
        month = (local.year, local.month)
        _sit(world, at, who, level, mode)


def load_history(
    session: Session,
    policy: services.PasswordPolicy,
    now: datetime,
    operators: int = 300,
    seed: int = 2026,
    checkpoint: Callable[[], None] | None = None,
) -> Summary:
    """Simulate the year before ``now`` (see the module's docstring); the same seed and
    ``now`` give the same history. Needs ``demo load`` (its tree, trainer and practice
    exams) and the shipped bank.

    ``checkpoint`` is called after the set-up and after every simulated month (the command
    commits there, so memory stays low, each commit's tracking refresh covers one month's
    people, and SQLite's write lock is never held for the whole run); the default flushes.
    The caller commits the end. Check ``already_loaded`` first.

    :raises DomainError: when the demo data it builds on is missing
    """
    session.info[DEFER_RENDERING] = True  # hundreds of PDFs would take most of a minute
    try:
        return _load(session, policy, now, operators, seed, checkpoint or session.flush)
    finally:
        session.info.pop(DEFER_RENDERING, None)


def _load(
    session: Session,
    policy: services.PasswordPolicy,
    now: datetime,
    operators: int,
    seed: int,
    checkpoint: Callable[[], None],
) -> Summary:
    """``load_history``'s work, while certificates wait for their PDFs."""
    rng = random.Random(seed)
    year = Year.before(now)
    author = services.find_user(session, demo.DEMO_USERS[2][0])  # 培训师甲 writes the exams
    if author is None:
        raise DomainError("请先运行 flask --app wsgi demo load（演示账号尚未创建）。")
    exams, bad = _exams(session, year, author.id, rng)
    models = _item_models(session, list(exams.values()), bad, rng)
    ops, batch = _operators(session, policy, year, operators, rng, now)
    _requirement(session, year, now)
    world = World(session, year, rng, ops, exams, models, year.sittings())
    _cohorts(session, world, batch)
    _plan(world)
    checkpoint()
    _run(world, checkpoint)
    summary = Summary(
        len(ops),
        world.attempts,
        world.certification_attempts,
        world.certification_passed,
        tuple(bad),
    )
    audit.record(session, None, MARK, "", **summary.as_detail())
    session.flush()
    return summary
