"""A cohort's members from an Excel (.xlsx) or CSV file with a 工号 column, in two steps like
the roster import: ``read_member_file`` (bytes in, rows and problems out; the upload limits are
checked before any reader opens the file) and ``plan_members`` (each 工号 looked up, an unknown
one reported on its row; nothing changes) make the dry run, ``apply_members`` adds every row of
a plan without problems (all or nothing). The view stages the file between the two."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from exam_app.core import audit, textfiles, upload_limits
from exam_app.stats import cohorts

#: the column that names a member, as HR types it
EMPLOYEE_NO = ("工号", "员工编号", "employee_no", "employee number")
#: a member file: one 工号 a row (and whatever other columns), up to 100,000 rows
MEMBER_LIMITS = upload_limits.SheetLimits(rows=100_000, columns=100, cells=500_000)
#: the staged upload's kind
STAGED_KIND = "stats.cohort_members"


@dataclass(frozen=True)
class MemberProblem:
    row: int  #: as the spreadsheet shows it (header = row 1); 0: the whole file
    message: str


@dataclass
class MemberPlan:
    filename: str
    rows: list[tuple[int, str]] = field(default_factory=list)  #: (row, 工号)
    problems: list[MemberProblem] = field(default_factory=list)
    user_ids: dict[int, int] = field(default_factory=dict)  #: row → user id, once checked
    already: int = 0  #: people on the list already

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def new(self) -> int:
        return len(set(self.user_ids.values())) - self.already


def _norm(text: object) -> str:
    return re.sub(r"\s+", "", str(text)).lower()


def _table(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        upload_limits.check_xlsx(data, filename, MEMBER_LIMITS)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return [
            ["" if v is None else str(v).strip() for v in r]
            for r in wb.worksheets[0].iter_rows(values_only=True)
        ]
    try:
        text = textfiles.decode_text(data)
    except textfiles.UnknownEncoding:
        raise ValueError(_("文件不是 UTF-8 或 GBK 编码的文本。")) from None
    dialect = (
        csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        if "," in text[:4096] or "\t" in text[:4096]
        else csv.excel
    )
    rows = upload_limits.bounded_rows(
        csv.reader(io.StringIO(text), dialect), filename, MEMBER_LIMITS
    )
    return [[c.strip() for c in r] for r in rows]


def read_member_file(data: bytes, filename: str) -> MemberPlan:
    """The 工号 of every row of the file's first sheet (or the CSV); unreadable files, a
    missing 工号 column and files over the upload limits are reported, never raised."""
    plan = MemberPlan(filename)
    if not filename.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        plan.problems.append(MemberProblem(0, _("只支持 .xlsx 或 .csv 文件。")))
        return plan
    try:
        table = _table(data, filename)
    except upload_limits.UploadRefused as exc:
        plan.problems.append(MemberProblem(0, exc.message))
        return plan
    except Exception as exc:  # a corrupt workbook raises many kinds; all mean the same here
        plan.problems.append(MemberProblem(0, _("无法读取文件：%(e)s", e=str(exc))))
        return plan
    header = [_norm(h) for h in table[0]] if table else []
    column = next((header.index(_norm(a)) for a in EMPLOYEE_NO if _norm(a) in header), None)
    if column is None:
        plan.problems.append(MemberProblem(1, _("缺少列：%(cols)s", cols="工号")))
        return plan
    for n, cells in enumerate(table[1:], start=2):
        number = cells[column].strip() if column < len(cells) else ""
        if number:
            plan.rows.append((n, number))
        elif any(c.strip() for c in cells):
            plan.problems.append(MemberProblem(n, _("工号为空。")))
    if not plan.rows and not plan.problems:
        plan.problems.append(MemberProblem(0, _("文件中没有数据行。")))
    return plan


def plan_members(session: Session, cohort_id: int, plan: MemberPlan) -> MemberPlan:
    """The dry run: each row's 工号 looked up (an unknown one is a problem on its row), and how
    many are on the list already. Changes nothing."""
    cohort = cohorts.get_cohort(session, cohort_id)
    cohorts.ensure_listed(cohort)
    found = cohorts.user_ids_by_employee_no(session, (n for _row, n in plan.rows))
    for row, number in plan.rows:
        user_id = found.get(number.lower())
        if user_id is None:
            plan.problems.append(MemberProblem(row, _("未找到工号：%(n)s", n=number)))
        else:
            plan.user_ids[row] = user_id
    plan.already = len(set(plan.user_ids.values()) & cohorts.existing_members(session, cohort_id))
    return plan


def apply_members(
    session: Session, cohort_id: int, plan: MemberPlan, actor_id: int | None, now: datetime
) -> int:
    """Add every row of a checked plan (only one without problems); returns how many were new."""
    if not plan.ok:
        raise ValueError("a member file with problems cannot be applied")
    cohort = cohorts.get_cohort(session, cohort_id)
    added = cohorts.add_user_ids(session, cohort, plan.user_ids.values(), actor_id, now)
    audit.record(
        session, actor_id, "stats.cohort.import", cohort.name, file=plan.filename, added=added
    )
    return added
