"""Requirement forms: a requirement's name and what a version asks, from a date on."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from exam_app.bank.models import LEVEL_LABELS
from exam_app.tracking.requirements import VersionSpec, positions_from, unit_ids_from
from exam_app.tracking.rules import GraceFrom

GRACE_FROM_LABELS = {
    GraceFrom.HIRE: _l("入职日期"),
    GraceFrom.JOINING: _l("进入适用单位或岗位之日"),
}


class VersionForm(FlaskForm):
    effective_from = DateField(_l("生效日期"), validators=[InputRequired()])
    level = SelectField(
        _l("等级"),
        choices=[SelectChoice(k.value, v) for k, v in LEVEL_LABELS.items()],
        default="intermediate",
    )
    kind = SelectField(
        _l("要求"),
        choices=[
            SelectChoice("certificate", _l("持有有效证书")),
            SelectChoice("pass", _l("通过该等级考试")),
        ],
        default="certificate",
    )
    positions = TextAreaField(
        _l("适用岗位（每行一个，留空为全部岗位）"), validators=[Length(max=2000)]
    )
    unit_ids = SelectMultipleField(
        _l("适用单位（含下级单位，不选为全部单位）"), coerce=int, choices=[]
    )
    grace_days = IntegerField(
        _l("新员工宽限天数"), default=90, validators=[InputRequired(), NumberRange(0, 3650)]
    )
    grace_from = SelectField(
        _l("宽限期起算"),
        choices=[SelectChoice(k.value, v) for k, v in GRACE_FROM_LABELS.items()],
        default=GraceFrom.HIRE.value,
    )
    renewal_window_days = IntegerField(
        _l("复审窗口（到期前天数）"), default=90, validators=[InputRequired(), NumberRange(0, 3650)]
    )
    return_after_absence_days = IntegerField(
        _l("缺勤多少天后须重新通过（留空为不要求）"),
        validators=[Optional(), NumberRange(1, 3650)],
    )
    retired = BooleanField(_l("自生效日期起停用此要求"))
    submit = SubmitField(_l("保存新版本"))

    def spec(self) -> VersionSpec:
        assert self.effective_from.data is not None
        return VersionSpec(
            effective_from=self.effective_from.data,
            level=self.level.data or "",
            positions=positions_from(self.positions.data or ""),
            unit_ids=unit_ids_from(self.unit_ids.data or ()),
            certificate=self.kind.data == "certificate",
            grace_days=self.grace_days.data or 0,
            grace_from=GraceFrom(self.grace_from.data),
            renewal_window_days=self.renewal_window_days.data or 0,
            return_after_absence_days=self.return_after_absence_days.data,
            retired=bool(self.retired.data),
        )


class RequirementForm(VersionForm):
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("新建培训要求"))


# --- a person's page: each form posts to its own route ------------------------------------------


class HireForm(FlaskForm):
    """Start tracking someone: hire date, first position and unit."""

    hired_on = DateField(_l("入职日期"), validators=[InputRequired()])
    position = StringField(_l("岗位"), validators=[DataRequired(), Length(max=100)])
    unit_id = SelectField(
        _l("单位"), coerce=int, choices=[], validate_choice=False, validators=[InputRequired()]
    )
    submit = SubmitField(_l("开始跟踪"))


class MoveForm(FlaskForm):
    """Works in another unit from a date."""

    on = DateField(_l("变动日期"), validators=[InputRequired()])
    unit_id = SelectField(
        _l("新单位"), coerce=int, choices=[], validate_choice=False, validators=[InputRequired()]
    )
    submit = SubmitField(_l("调动单位"))


class PositionForm(FlaskForm):
    """Holds another position from a date."""

    on = DateField(_l("变动日期"), validators=[InputRequired()])
    position = StringField(_l("新岗位"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("变更岗位"))


class AbsenceForm(FlaskForm):
    starts_on = DateField(_l("开始日期"), validators=[InputRequired()])
    ends_on = DateField(_l("结束日期（最后一天，未返岗留空）"), validators=[Optional()])
    reason = StringField(_l("原因"), validators=[Length(max=500)])
    submit = SubmitField(_l("记录缺勤"))


class EndAbsenceForm(FlaskForm):
    ends_on = DateField(_l("最后缺勤日"), validators=[InputRequired()])
    submit = SubmitField(_l("结束缺勤"))


class ExemptionForm(FlaskForm):
    requirement_id = SelectField(
        _l("培训要求"), coerce=int, choices=[], validate_choice=False, validators=[InputRequired()]
    )
    starts_on = DateField(_l("开始日期"), validators=[InputRequired()])
    until = DateField(_l("截止日期"), validators=[InputRequired()])
    reason = StringField(_l("原因"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("批准豁免"))


class ExtensionForm(FlaskForm):
    requirement_id = SelectField(
        _l("培训要求"), coerce=int, choices=[], validate_choice=False, validators=[InputRequired()]
    )
    due_on = DateField(_l("新的截止日期"), validators=[InputRequired()])
    reason = StringField(_l("原因"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("批准延期"))
