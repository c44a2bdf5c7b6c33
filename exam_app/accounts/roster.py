"""Roster files (工号, 姓名, 单位, 岗位, 角色; optional 入职日期, 邮箱, 变动日期), Excel or CSV:
check each row, import all or none.

``read_roster`` is pure (bytes in, rows and row problems out); ``plan_roster`` checks the rows
against the database without changing it (the dry run); ``apply_roster`` carries out a plan that
has no problems.

工号 are unique regardless of case: a row whose 工号 differs from an existing account's only in
case ("o0002" beside "O0002") is that person, and updates that account, whose 工号 keeps the
spelling it has; two rows of one file that differ only in case are reported as duplicates.

Every applied row is announced (``events.person_changed``, inside the import's transaction):
tracking starts tracking a person whose row has a 入职日期, and dates a change of unit or
position on the row's 变动日期 (default: the import day in Beijing). A row it refuses refuses
the whole file, with the row's number in the message. A blank 邮箱 keeps the stored address.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts import events, services
from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.core import audit, textfiles, upload_limits
from exam_app.errors import DomainError
from exam_app.i18n import DISPLAY_TZ

#: Header aliases: Chinese as trainers type them, and English.
HEADERS = {
    "employee_no": ("工号", "员工编号", "employee_no", "employee number"),
    "name": ("姓名", "name"),
    "unit": ("单位", "部门", "unit", "org_unit"),
    "position": ("岗位", "职位", "position"),
    "roles": ("角色", "roles", "role"),
    "hired_on": ("入职日期", "hire_date", "hired_on", "hire date"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail"),
    "effective_on": ("变动日期", "effective_date", "effective_on", "effective date"),
}
REQUIRED = ("employee_no", "name", "unit")

ROLE_NAMES = {
    "受理员": Role.OPERATOR,
    "用电客户受理员": Role.OPERATOR,
    "operator": Role.OPERATOR,
    "培训师": Role.TRAINER,
    "trainer": Role.TRAINER,
    "人资": Role.HR,
    "人力资源": Role.HR,
    "hr": Role.HR,
    "管理员": Role.ADMIN,
    "admin": Role.ADMIN,
}
_ROLE_SPLIT = re.compile(r"[;；,，、/|\s]+")


@dataclass(frozen=True)
class RosterRow:
    row: int  #: as the spreadsheet shows it (header = row 1)
    employee_no: str
    name: str
    unit: str
    position: str
    roles_text: str
    hired_on_text: str = ""
    email: str = ""
    effective_on_text: str = ""


@dataclass(frozen=True)
class Resolved:
    """A good row's values, checked."""

    unit: OrgUnit
    roles: frozenset[Role]
    hired_on: date | None
    email: str | None  #: None: keep the stored address
    effective_on: date | None  #: None: the import day


#: the dates a roster may carry
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]00:00(?::00(?:\.0+)?)?)?$"
)


def parse_date(text: str) -> date:
    """A date as rosters write it: 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301 (an
    Excel date cell reads as "2024-03-01 00:00:00").

    :raises ValueError: for anything else, or a day that does not exist
    """
    text = text.strip()
    match = _DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    elif len(text) == 8 and text.isdecimal():
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    else:
        raise ValueError(text)
    found = date(year, month, day)
    if not EARLIEST <= found <= LATEST:
        raise ValueError(text)
    return found


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    message: str


@dataclass
class RosterPlan:
    filename: str
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    #: For each good row: "create", "update" or "unchanged".
    actions: dict[int, str] = field(default_factory=dict)
    _resolved: dict[int, Resolved] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def problems_by_row(self) -> dict[int, list[RowProblem]]:
        out: dict[int, list[RowProblem]] = {}
        for p in self.problems:
            out.setdefault(p.row, []).append(p)
        return out


def _norm_header(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).strip().lower().replace("（", "(").replace("）", ")")


def _decode(data: bytes) -> str:
    try:
        return textfiles.decode_text(data)
    except textfiles.UnknownEncoding:
        raise ValueError(_("文件不是 UTF-8 或 GBK 编码的文本。")) from None


#: openpyxl reads about 100,000 cells a second: a roster of 100,000 people in five columns
#: takes five seconds, and nothing larger is read (the bank's item sheets go through calamine).
ROSTER_LIMITS = upload_limits.SheetLimits(rows=100_000, columns=100, cells=500_000)


def _table(data: bytes, filename: str) -> list[list[str]]:
    """The first sheet's (or the CSV's) cells as text; ``UploadRefused`` over a limit."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        # Before openpyxl sees a byte: it pads every row to the width the sheet declares.
        upload_limits.check_xlsx(data, filename, ROSTER_LIMITS)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = wb.worksheets[0]
        return [
            ["" if v is None else str(v).strip() for v in r]
            for r in sheet.iter_rows(values_only=True)
        ]
    text = _decode(data)
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    rows = upload_limits.bounded_rows(
        csv.reader(io.StringIO(text), dialect), filename, ROSTER_LIMITS
    )
    return [[c.strip() for c in r] for r in rows]


def read_roster(data: bytes, filename: str) -> RosterPlan:
    """Read the file's rows; report unreadable files, missing columns and empty required cells."""
    plan = RosterPlan(filename=filename)
    if not filename.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        plan.problems.append(RowProblem(0, "file", _("只支持 .xlsx 或 .csv 文件。")))
        return plan
    try:
        table = _table(data, filename)
    except upload_limits.UploadRefused as exc:
        plan.problems.append(RowProblem(0, "file", exc.message))
        return plan
    except Exception as exc:  # a corrupt workbook raises many kinds; all mean the same to the user
        plan.problems.append(RowProblem(0, "file", _("无法读取文件：%(e)s", e=str(exc))))
        return plan
    if not table:
        plan.problems.append(RowProblem(0, "file", _("文件是空的。")))
        return plan
    header = [_norm_header(h) for h in table[0]]
    index: dict[str, int] = {}
    for key, aliases in HEADERS.items():
        for alias in aliases:
            if _norm_header(alias) in header:
                index[key] = header.index(_norm_header(alias))
                break
    missing = [HEADERS[k][0] for k in REQUIRED if k not in index]
    if missing:
        plan.problems.append(
            RowProblem(1, "header", _("缺少列：%(cols)s", cols="、".join(missing)))
        )
        return plan
    for n, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            i = index.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        plan.rows.append(
            RosterRow(
                n,
                cell("employee_no"),
                cell("name"),
                cell("unit"),
                cell("position"),
                cell("roles"),
                cell("hired_on"),
                cell("email"),
                cell("effective_on"),
            )
        )
    if not plan.rows:
        plan.problems.append(RowProblem(0, "file", _("文件中没有数据行。")))
    return plan


def parse_roles(text: str) -> tuple[frozenset[Role], list[str]]:
    """Roles named in a cell; an empty cell means 受理员 (a roster is mostly operators)."""
    names = [n for n in _ROLE_SPLIT.split(text.strip()) if n]
    if not names:
        return frozenset({Role.OPERATOR}), []
    unknown = [n for n in names if n.lower() not in ROLE_NAMES]
    return frozenset(ROLE_NAMES[n.lower()] for n in names if n.lower() in ROLE_NAMES), unknown


class _UnitIndex:
    """Finds a unit by code, by full path (a/b/c) or by a name that is unique."""

    def __init__(self, units: list[OrgUnit]) -> None:
        self.by_code = {u.code.lower(): u for u in units}
        self.by_path = {u.path: u for u in units}
        self.by_name: dict[str, list[OrgUnit]] = {}
        for u in units:
            self.by_name.setdefault(u.name, []).append(u)

    def find(self, text: str) -> tuple[OrgUnit | None, str | None]:
        text = text.strip().replace("／", "/")
        unit = self.by_code.get(text.lower()) or self.by_path.get(text)
        if unit is None and "/" in text:  # a path may leave out the root
            matches = [u for p, u in self.by_path.items() if p.endswith("/" + text)]
            unit = matches[0] if len(matches) == 1 else None
        if unit is not None:
            return unit, None
        named = self.by_name.get(text, [])
        if len(named) == 1:
            return named[0], None
        if len(named) > 1:
            return None, _(
                "有 %(n)d 个单位名为“%(name)s”，请写完整路径或单位编码。", n=len(named), name=text
            )
        return None, _("单位“%(name)s”不存在。", name=text)


def plan_roster(session: Session, plan: RosterPlan, now: datetime | None = None) -> RosterPlan:
    """The dry run: check each row against the rules and the database, change nothing.
    ``now`` (default: the clock) gives the import day, the default 变动日期."""
    if plan.problems:
        return plan
    moment = now or datetime.now(UTC)
    import_day = moment.astimezone(DISPLAY_TZ).date()
    units = _UnitIndex(list(session.scalars(select(OrgUnit).where(OrgUnit.is_active))))
    seen: dict[str, int] = {}
    for r in plan.rows:
        bad = len(plan.problems)

        def report(field_name: str, message: str, row: int = r.row) -> None:
            plan.problems.append(RowProblem(row, field_name, message))

        if not r.employee_no:
            report("工号", _("工号为空。"))
        elif not services.EMPLOYEE_NO.match(r.employee_no):
            report(
                "工号",
                _("工号“%(no)s”只能由字母、数字、-、_ 组成（最多 32 位）。", no=r.employee_no),
            )
        elif r.employee_no.lower() in seen:
            report(
                "工号",
                _(
                    "工号 %(no)s 与第 %(row)d 行重复。",
                    no=r.employee_no,
                    row=seen[r.employee_no.lower()],
                ),
            )
        else:
            seen[r.employee_no.lower()] = r.row
        if not r.name:
            report("姓名", _("姓名为空。"))
        elif len(r.name) > 100:
            report("姓名", _("姓名超过 100 个字。"))
        if len(r.position) > 100:
            report("岗位", _("岗位超过 100 个字。"))
        unit, unit_error = units.find(r.unit) if r.unit else (None, _("单位为空。"))
        if unit_error:
            report("单位", unit_error)
        roles, unknown = parse_roles(r.roles_text)
        if unknown:
            report(
                "角色",
                _(
                    "未知角色：%(names)s（可用：受理员、培训师、人资、管理员）。",
                    names="、".join(unknown),
                ),
            )
        hired_on = _date_cell(r.hired_on_text, "入职日期", report)
        effective_on = _date_cell(r.effective_on_text, "变动日期", report)
        email: str | None = None
        try:
            email = services.clean_email(r.email)
        except DomainError as exc:
            report("邮箱", exc.message)
        if len(plan.problems) == bad and unit is not None:
            resolved = Resolved(unit, roles, hired_on, email, effective_on)
            for column, message in _check(session, r, resolved, import_day, moment):
                report(column, message)
        if len(plan.problems) == bad and unit is not None:
            plan._resolved[r.row] = resolved
            plan.actions[r.row] = _action(session, r, resolved)
    return plan


def _check(
    session: Session, r: RosterRow, resolved: Resolved, import_day: date, now: datetime
) -> list[tuple[str, str]]:
    """What the domains above (tracking) would refuse about the row (``events.problems``)."""
    user = services.find_user(session, r.employee_no)
    return events.problems(
        session,
        events.PersonChanged(
            user_id=None if user is None else user.id,
            hired_on=resolved.hired_on,
            position=r.position,
            unit_id=resolved.unit.id,
            effective_on=resolved.effective_on or import_day,
            by=None,
            now=now,
        ),
    )


def _date_cell(text: str, column: str, report: Callable[[str, str], None]) -> date | None:
    """The cell's date (None when empty); a problem naming the column when it is no date."""
    if not text.strip():
        return None
    try:
        return parse_date(text)
    except ValueError:
        report(
            column,
            _(
                "%(col)s“%(text)s”不是有效日期（请写成 2024-03-01）。",
                col=column,
                text=text,
            ),
        )
        return None


def _action(session: Session, r: RosterRow, resolved: Resolved) -> str:
    user = services.find_user(session, r.employee_no)  # whatever the case of its 工号
    if user is None:
        return "create"
    same = (user.name, user.org_unit_id, user.position, user.roles) == (
        r.name,
        resolved.unit.id,
        r.position,
        resolved.roles,
    )
    if resolved.email is not None and resolved.email != user.email:
        same = False
    return "unchanged" if same else "update"


def _announce(
    session: Session,
    r: RosterRow,
    resolved: Resolved,
    import_day: date,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Tell the domains above (tracking) about the row; a refusal names the row."""
    user = services.find_user(session, r.employee_no)
    assert isinstance(user, User)
    session.flush()
    person = events.PersonChanged(
        user_id=user.id,
        hired_on=resolved.hired_on,
        position=r.position,
        unit_id=resolved.unit.id,
        effective_on=resolved.effective_on or import_day,
        by=actor_id,
        now=now,
    )
    try:
        events.announce(session, person)
    except DomainError as exc:
        column = ROW_COLUMNS.get(exc.field or "", "")
        raise DomainError(
            _("第 %(row)d 行%(col)s：%(msg)s", row=r.row, col=column, msg=exc.message)
        ) from exc


#: the column a subscriber's refusal is about, by the field it names
ROW_COLUMNS = {"on": "（变动日期）", "position": "（岗位）", "unit_id": "（单位）"}


@dataclass(frozen=True)
class CreatedAccount:
    employee_no: str
    name: str
    temporary_password: str


def apply_roster(
    session: Session,
    plan: RosterPlan,
    policy: services.PasswordPolicy,
    now: datetime,
    actor_id: int | None,
) -> list[CreatedAccount]:
    """Create or update every row, and announce each (``events.person_changed``). Only a plan
    without problems may be applied.

    :raises DomainError: when a subscriber refuses a row (the message names the row); the
        caller rolls the whole import back
    """
    if not plan.ok:
        raise ValueError("a roster with problems cannot be applied")
    created: list[CreatedAccount] = []
    import_day = now.astimezone(DISPLAY_TZ).date()
    for r in plan.rows:
        resolved = plan._resolved[r.row]
        unit, roles = resolved.unit, resolved.roles
        action = plan.actions[r.row]
        if action == "create":
            temp = services.temporary_password(policy)
            services.create_user(
                session,
                employee_no=r.employee_no,
                name=r.name,
                roles=roles,
                password=temp,
                policy=policy,
                now=now,
                org_unit=unit,
                position=r.position,
                actor_id=actor_id,
                email=resolved.email,
            )
            created.append(CreatedAccount(r.employee_no, r.name, temp))
        elif action == "update":
            user = services.find_user(session, r.employee_no)
            assert isinstance(user, User)
            user.name, user.org_unit, user.position = r.name, unit, r.position
            if resolved.email is not None:
                user.email = resolved.email
            services.set_roles(user, roles)
        _announce(session, r, resolved, import_day, actor_id, now)
    audit.record(
        session,
        actor_id,
        "roster.import",
        plan.filename,
        created=len(created),
        updated=sum(a == "update" for a in plan.actions.values()),
    )
    session.flush()
    return created
