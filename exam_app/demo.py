"""Demo org tree and one account per role, for `make run`. Never loaded in production, and
its accounts (``User.is_demo``: their password is public) cannot sign in where ALLOW_DEMO_DATA is
off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts import passwords, services
from exam_app.accounts.models import OrgKind, OrgUnit, Role
from exam_app.bank.models import Level
from exam_app.errors import DomainError
from exam_app.exams.definitions import publish_exam
from exam_app.exams.models import Exam, ExamMode, ExamRule, ReviewPolicy
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import history, requirements
from exam_app.tracking.models import Requirement, TrackedPerson
from exam_app.tracking.requirements import VersionSpec

DEMO_PASSWORD = "demo2026"

#: (code, name, kind, parent code)
ORG_TREE = [
    ("CSG", "中国南方电网", OrgKind.GRID, None),
    ("GD", "广东电网公司", OrgKind.SUBSIDIARY, "CSG"),
    ("GX", "广西电网公司", OrgKind.SUBSIDIARY, "CSG"),
    ("GD-GZ", "广州供电局", OrgKind.BUREAU, "GD"),
    ("GX-NN", "南宁供电局", OrgKind.BUREAU, "GX"),
    ("GD-GZ-TH", "天河营业厅", OrgKind.TEAM, "GD-GZ"),
    ("GD-GZ-YX", "越秀营业厅", OrgKind.TEAM, "GD-GZ"),
    ("GX-NN-QX", "青秀营业厅", OrgKind.TEAM, "GX-NN"),
]

#: (工号, 姓名, unit code, 岗位, roles)
DEMO_USERS = [
    ("A0001", "管理员演示", "CSG", "系统管理员", (Role.ADMIN,)),
    ("H0001", "人资演示", "GD", "培训专责", (Role.HR,)),
    ("T0001", "培训师甲", "GD-GZ", "内训师", (Role.TRAINER,)),
    ("T0002", "培训师乙", "GX-NN", "内训师", (Role.TRAINER,)),
    ("O0001", "受理员张三", "GD-GZ-TH", "用电客户受理员", (Role.OPERATOR,)),
    ("O0002", "受理员李四", "GD-GZ-YX", "用电客户受理员", (Role.OPERATOR,)),
    ("O0003", "受理员王五", "GX-NN-QX", "用电客户受理员", (Role.OPERATOR,)),
    ("S0001", "班组长演示", "GD-GZ-TH", "客服主管", (Role.SUPERVISOR,)),
]

DEMO_REQUIREMENT = "营业厅客服代表持中级工证"
#: (工号, days since hire, unit code, absence as (began, ended) days ago): the operators' dated
#: history, so the board, the reminders and the exams page have something to show
DEMO_HISTORY = [
    ("O0001", 3 * 365, "GD-GZ-TH", None),  # past the grace with no certificate: overdue
    ("O0002", 40, "GD-GZ-YX", None),  # new: due within the 90 days' grace
    ("O0003", 2 * 365, "GX-NN-QX", (130, 20)),  # back from 110 days away without passing again
]


#: (title, mode, level, minutes, counts per type): 50-item certification papers as the issue
#: describes (30 single, 10 multiple, 10 true/false) and short practice sets.
DEMO_EXAMS = [
    ("中级工 练习", ExamMode.PRACTICE, Level.INTERMEDIATE, 20, (10, 5, 5)),
    ("中级工 认证考试", ExamMode.CERTIFICATION, Level.INTERMEDIATE, 60, (30, 10, 10)),
    ("高级工 练习", ExamMode.PRACTICE, Level.SENIOR, 20, (10, 5, 5)),
    ("高级工 认证考试", ExamMode.CERTIFICATION, Level.SENIOR, 60, (30, 10, 10)),
]


def load_demo_exams(session: Session, now: datetime) -> list[str]:
    """Published demo exams built on the shipped bank; skipped when the bank is too small."""
    made = []
    for title, mode, level, minutes, counts in DEMO_EXAMS:
        if session.scalar(select(Exam).where(Exam.title == title)) is not None:
            continue
        exam = Exam(
            title=title,
            mode=mode.value,
            level=level.value,
            duration_minutes=minutes,
            pass_percent=60,
            points_single=1,
            points_multiple=2,
            points_judge=1,
            review_policy=ReviewPolicy.FULL,
        )
        if mode is ExamMode.CERTIFICATION:
            exam.opens_at, exam.closes_at = now, now + timedelta(days=90)
            exam.max_attempts, exam.review_policy = 3, ReviewPolicy.BY_CATEGORY
            exam.certificate_months = 36  # 三年有效
        exam.rules = [
            ExamRule(position=n, count=count, type=kind)
            for n, (kind, count) in enumerate(
                zip(("single", "multiple", "judge"), counts, strict=True), start=1
            )
        ]
        session.add(exam)
        session.flush()
        try:
            publish_exam(session, exam, actor_id=None)
        except DomainError:
            session.delete(exam)
            session.flush()
            continue
        made.append(title)
    return made


@dataclass(frozen=True)
class DemoAccount:
    employee_no: str
    password: str
    roles: str


def load_demo(
    session: Session, policy: services.PasswordPolicy, now: datetime
) -> list[DemoAccount]:
    """Create what is missing; running it twice changes nothing."""
    units = {u.code: u for u in session.scalars(select(OrgUnit))}
    for code, name, kind, parent_code in ORG_TREE:
        if code not in units:
            parent = units[parent_code] if parent_code else None
            units[code] = services.save_org_unit(
                session, None, code=code, name=name, kind=kind, parent=parent, actor_id=None
            )
    accounts = []
    for employee_no, name, unit_code, position, roles in DEMO_USERS:
        if services.find_user(session, employee_no) is None:
            user = services.create_user(
                session,
                employee_no=employee_no,
                name=name,
                roles=roles,
                password=services.temporary_password(policy),
                policy=policy,
                now=now,
                org_unit=units[unit_code],
                position=position,
                must_change_password=False,
            )
            # The demo password is public on purpose, too common for the rules a chosen password
            # passes; is_demo keeps these accounts out wherever ALLOW_DEMO_DATA is off.
            user.password_hash = passwords.hash_password(DEMO_PASSWORD, policy.method)
            user.is_demo = True
        accounts.append(DemoAccount(employee_no, DEMO_PASSWORD, ",".join(r.value for r in roles)))
    return accounts


def load_demo_tracking(session: Session, now: datetime) -> bool:
    """The requirement every 客服代表 is held to, and the demo operators' hire dates and an
    absence (once; False when already there)."""
    if session.scalar(select(Requirement).where(Requirement.name == DEMO_REQUIREMENT)):
        return False
    today = now.astimezone(DISPLAY_TZ).date()
    units = {u.code: u for u in session.scalars(select(OrgUnit))}
    spec = VersionSpec(
        effective_from=today - timedelta(days=2 * 365),
        level=Level.INTERMEDIATE.value,
        positions=("客服代表",),
        return_after_absence_days=90,
    )
    requirements.create_requirement(session, DEMO_REQUIREMENT, spec, None, now)
    for employee_no, hired_days, unit_code, away in DEMO_HISTORY:
        user = services.find_user(session, employee_no)
        if user is None or session.get(TrackedPerson, user.id) is not None:
            continue
        hired = today - timedelta(days=hired_days)
        history.hire(session, user.id, hired, "客服代表", units[unit_code].id, None, now)
        if away is not None:
            began, ended = (today - timedelta(days=d) for d in away)
            history.record_absence(session, user.id, began, ended, "病假", None, now)
    return True
