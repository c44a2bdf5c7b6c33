"""Roster files (工号, 姓名, 单位, 岗位, 角色), Excel or CSV: check each row, import all or none.

``read_roster`` is pure (bytes in, rows and row problems out); ``plan_roster`` checks the rows
against the database without changing it (the dry run); ``apply_roster`` carries out a plan that
has no problems.

工号 are unique regardless of case: a row whose 工号 differs from an existing account's only in
case ("o0002" beside "O0002") is that person, and updates that account, whose 工号 keeps the
spelling it has; two rows of one file that differ only in case are reported as duplicates.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts import services
from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.core import audit, textfiles, upload_limits

#: Header aliases: Chinese as trainers type them, and English.
HEADERS = {
    "employee_no": ("工号", "员工编号", "employee_no", "employee number"),
    "name": ("姓名", "name"),
    "unit": ("单位", "部门", "unit", "org_unit"),
    "position": ("岗位", "职位", "position"),
    "roles": ("角色", "roles", "role"),
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
    _resolved: dict[int, tuple[OrgUnit, frozenset[Role]]] = field(default_factory=dict)

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
                n, cell("employee_no"), cell("name"), cell("unit"), cell("position"), cell("roles")
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


def plan_roster(session: Session, plan: RosterPlan) -> RosterPlan:
    """The dry run: check each row against the rules and the database, change nothing."""
    if plan.problems:
        return plan
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
        if len(plan.problems) == bad and unit is not None:
            plan._resolved[r.row] = (unit, roles)
            plan.actions[r.row] = _action(session, r, unit, roles)
    return plan


def _action(session: Session, r: RosterRow, unit: OrgUnit, roles: frozenset[Role]) -> str:
    user = services.find_user(session, r.employee_no)  # whatever the case of its 工号
    if user is None:
        return "create"
    same = (user.name, user.org_unit_id, user.position, user.roles) == (
        r.name,
        unit.id,
        r.position,
        roles,
    )
    return "unchanged" if same else "update"


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
    """Create or update every row. Only a plan without problems may be applied."""
    if not plan.ok:
        raise ValueError("a roster with problems cannot be applied")
    created: list[CreatedAccount] = []
    for r in plan.rows:
        unit, roles = plan._resolved[r.row]
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
            )
            created.append(CreatedAccount(r.employee_no, r.name, temp))
        elif action == "update":
            user = services.find_user(session, r.employee_no)
            assert isinstance(user, User)
            user.name, user.org_unit, user.position = r.name, unit, r.position
            services.set_roles(user, roles)
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
