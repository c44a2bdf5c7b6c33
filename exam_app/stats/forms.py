"""Statistics forms: a cohort (name, kind, and a saved filter's criteria), its members by 工号
or from a file, and the statistics page's query string. Shape only."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from exam_app.bank.models import LEVEL_LABELS
from exam_app.stats.cohort_stats import ALL, MAX_GROUPS, Query
from exam_app.stats.cohorts import CohortSpec, Criteria
from exam_app.stats.models import CohortKind
from exam_app.stats.selection import Counting
from exam_app.web import INT_MAX

KIND_LABELS = {
    CohortKind.TRAINING_CLASS: _l("培训班"),
    CohortKind.HIRING_BATCH: _l("入职批次"),
    CohortKind.LIST: _l("指定名单"),
    CohortKind.FILTER: _l("按条件筛选"),
}


class CohortForm(FlaskForm):
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(
        _l("类型"),
        choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()],
        default=CohortKind.TRAINING_CLASS.value,
    )
    description = TextAreaField(_l("说明"), validators=[Length(max=500)])
    starts_on = DateField(_l("开班/入职日期"), validators=[Optional()])
    position = StringField(_l("筛选：岗位"), validators=[Length(max=100)])
    level = SelectField(
        _l("筛选：持有有效证书的等级"),
        choices=[
            SelectChoice("", _l("不限")),
            *(SelectChoice(k.value, v) for k, v in LEVEL_LABELS.items()),
        ],
        default="",
    )
    unit_id = SelectField(_l("筛选：单位（含下级）"), coerce=int, choices=[], default=0)
    hired_from = DateField(_l("筛选：入职日期自"), validators=[Optional()])
    hired_to = DateField(_l("筛选：入职日期至"), validators=[Optional()])
    submit = SubmitField(_l("保存"))

    FILTER_FIELDS = ("position", "level", "unit_id", "hired_from", "hired_to")

    def without_filter(self) -> CohortForm:
        """The form of a cohort that lists its members: no filter fields."""
        for name in self.FILTER_FIELDS:
            delattr(self, name)
        return self

    def spec(self, kind: CohortKind | None = None) -> CohortSpec:
        def value(name: str) -> Any:
            field = getattr(self, name, None)
            return None if field is None else field.data

        return CohortSpec(
            name=self.name.data or "",
            kind=kind or CohortKind(self.kind.data),
            description=self.description.data or "",
            starts_on=self.starts_on.data,
            criteria=Criteria(
                position=(value("position") or "").strip(),
                level=value("level") or "",
                unit_id=value("unit_id") or None,
                hired_from=value("hired_from"),
                hired_to=value("hired_to"),
            ),
        )


class MembersForm(FlaskForm):
    employee_nos = TextAreaField(
        _l("工号（每行一个，或用逗号、空格分隔）"),
        validators=[DataRequired(), Length(max=100_000)],
    )
    submit = SubmitField(_l("加入名单"))


class MemberFileForm(FlaskForm):
    file = FileField(
        _l("成员文件（.xlsx 或 .csv，含“工号”列）"),
        validators=[
            FileRequired(),
            FileAllowed(["xlsx", "csv"], _l("只支持 .xlsx 或 .csv 文件。")),
        ],
    )
    submit = SubmitField(_l("检查（试导入）"))


# --- the statistics page's query string --------------------------------------------------------


def _day(args: MultiDict[str, str], name: str) -> date | None:
    try:
        day = date.fromisoformat(args.get(name, "").strip())
    except ValueError:
        return None
    return day if date(2000, 1, 1) <= day <= date(2199, 12, 31) else None


def _ref(raw: str) -> str | None:
    kind, _sep, number = raw.strip().partition(":")
    if raw.strip() == ALL:
        return ALL
    if kind in ("unit", "cohort") and number.isdecimal() and len(number) <= 10:
        return f"{kind}:{number}" if int(number) <= INT_MAX else None
    return None


def stats_query(args: MultiDict[str, str], exam_id: int) -> Query:
    """The page's query from ``?g=unit:3&g=cohort:7&from=…&to=…&counting=best&years=1``:
    nonsense is dropped, at most ``MAX_GROUPS`` groups kept."""
    refs = [r for r in (_ref(v) for v in args.getlist("g")) if r]
    counting = args.get("counting", "")
    return Query(
        exam_id=exam_id,
        refs=tuple(dict.fromkeys(refs))[:MAX_GROUPS] or (ALL,),
        start=_day(args, "from"),
        end=_day(args, "to"),
        counting=Counting(counting) if counting in {c.value for c in Counting} else Counting.FIRST,
        years=args.get("years") == "1",
    )
