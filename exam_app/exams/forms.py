"""Exam forms: the blueprint editor and the proctor's extra-time form."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from exam_app.bank.models import LEVEL_LABELS, TYPE_LABELS, Level
from exam_app.bank.parsed import ItemType
from exam_app.exams.definitions import ExamSettings, RuleSpec
from exam_app.exams.models import MODE_LABELS, REVIEW_LABELS, Exam, ExamMode, ReviewPolicy
from exam_app.i18n import from_local_input, to_local_input
from exam_app.web import INT_MAX


def item_ids_from(text: str) -> tuple[int, ...]:
    """A fixed rule's item numbers as typed: commas (also full-width) between them."""
    return tuple(int(x) for x in text.replace("，", ",").split(",") if x.strip().isdigit())


class RuleForm(Form):
    count = IntegerField(_l("题数"), validators=[Optional(), NumberRange(min=0, max=500)])
    category_id = SelectField(_l("分类"), coerce=int, default=0)
    type = SelectField(_l("题型"), default="")
    difficulty_min = IntegerField(_l("难度从"), default=1, validators=[NumberRange(1, 5)])
    difficulty_max = IntegerField(_l("难度到"), default=5, validators=[NumberRange(1, 5)])
    item_ids = StringField(
        _l("固定试题编号（逗号分隔）"), validators=[Optional(), Length(max=2000)]
    )


class ExamForm(FlaskForm):
    title = StringField(_l("考试名称"), validators=[DataRequired(), Length(max=200)])
    mode = SelectField(_l("类型"))
    level = SelectField(_l("等级"), default="")
    duration_minutes = IntegerField(
        _l("时长（分钟）"), default=60, validators=[DataRequired(), NumberRange(1, 600)]
    )
    pass_percent = FloatField(_l("及格线（%）"), default=60, validators=[NumberRange(0, 100)])
    points_single = FloatField(_l("单选每题分值"), default=1, validators=[NumberRange(0, 100)])
    points_multiple = FloatField(_l("多选每题分值"), default=2, validators=[NumberRange(0, 100)])
    points_judge = FloatField(_l("判断每题分值"), default=1, validators=[NumberRange(0, 100)])
    partial_credit = BooleanField(_l("多选题少选按比例得分（错选不得分）"))
    shuffle_questions = BooleanField(_l("打乱题目顺序"), default=True)
    shuffle_options = BooleanField(_l("打乱选项顺序"), default=True)
    opens_at = DateTimeLocalField(_l("开放时间（北京时间）"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("截止时间（北京时间）"), validators=[Optional()])
    max_attempts = IntegerField(_l("最多参加次数"), validators=[Optional(), NumberRange(1, 100)])
    wait_minutes = IntegerField(
        _l("两次之间间隔（分钟）"), default=0, validators=[Optional(), NumberRange(0, 100000)]
    )
    review_policy = SelectField(_l("交卷后考生可看到"))
    certificate_title = StringField(
        _l("证书名称"), default="用电客户受理员", validators=[DataRequired(), Length(max=100)]
    )
    certificate_months = IntegerField(
        _l("证书有效期（月，留空则不发证书）"), validators=[Optional(), NumberRange(1, 240)]
    )
    renewal_window_days = IntegerField(
        _l("提前复证窗口（天）"), default=90, validators=[Optional(), NumberRange(0, 3650)]
    )
    org_unit_ids = SelectMultipleField(_l("考生范围：单位（含下级）"), coerce=int)
    rules = FieldList(FormField(RuleForm), min_entries=1, max_entries=30)
    submit = SubmitField(_l("保存"))

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[int, str]],
        units: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mode.choices = [(k.value, str(v)) for k, v in MODE_LABELS.items()]
        self.level.choices = [("", "—")] + [(k.value, str(v)) for k, v in LEVEL_LABELS.items()]
        self.review_policy.choices = [(k.value, str(v)) for k, v in REVIEW_LABELS.items()]
        self.org_unit_ids.choices = units
        self._categories = categories
        self.set_rule_choices()

    def settings(self) -> ExamSettings:
        """The validated fields as plain values, times in UTC."""
        return ExamSettings(
            title=self.title.data or "",
            mode=ExamMode(self.mode.data),
            level=self.level.data or None,
            duration_minutes=self.duration_minutes.data or 0,
            pass_percent=self.pass_percent.data or 0.0,
            points_single=self.points_single.data or 0.0,
            points_multiple=self.points_multiple.data or 0.0,
            points_judge=self.points_judge.data or 0.0,
            partial_credit=bool(self.partial_credit.data),
            shuffle_questions=bool(self.shuffle_questions.data),
            shuffle_options=bool(self.shuffle_options.data),
            review_policy=ReviewPolicy(self.review_policy.data),
            opens_at=from_local_input(self.opens_at.data),
            closes_at=from_local_input(self.closes_at.data),
            max_attempts=self.max_attempts.data,
            wait_minutes=self.wait_minutes.data or 0,
            org_unit_ids=tuple(self.org_unit_ids.data or ()),
            certificate_title=self.certificate_title.data or "用电客户受理员",
            certificate_months=self.certificate_months.data,
            renewal_window_days=self.renewal_window_days.data or 0,
        )

    def rule_specs(self) -> list[RuleSpec]:
        """Every rule row as written (empty rows included; the service skips them)."""
        return [
            RuleSpec(
                count=row.form.count.data or 0,
                item_ids=item_ids_from(row.form.item_ids.data or ""),
                category_id=row.form.category_id.data or None,
                type=ItemType(row.form.type.data) if row.form.type.data else None,
                difficulty_min=row.form.difficulty_min.data or 1,
                difficulty_max=row.form.difficulty_max.data or 5,
            )
            for row in self.rules
        ]

    def fill_from(self, exam: Exam) -> None:
        """Show a stored exam: the fields WTForms cannot read off the object by name."""
        self.opens_at.data = to_local_input(exam.opens_at)
        self.closes_at.data = to_local_input(exam.closes_at)
        self.org_unit_ids.data = [a.org_unit_id for a in exam.assignments if a.org_unit_id]
        while len(self.rules):
            self.rules.pop_entry()
        for rule in exam.rules:
            self.rules.append_entry(
                {
                    "count": rule.count,
                    "category_id": rule.category_id or 0,
                    "type": rule.type or "",
                    "difficulty_min": rule.difficulty_min,
                    "difficulty_max": rule.difficulty_max,
                    "item_ids": ",".join(map(str, rule.item_ids)),
                }
            )

    def set_rule_choices(self) -> None:
        """Sub-forms get their choices here, also rows added after construction."""
        for rule in self.rules:
            rule.form.category_id.choices = [(0, str(_l("任意分类")))] + self._categories
            rule.form.type.choices = [("", str(_l("任意题型")))] + [
                (k.value, str(v)) for k, v in TYPE_LABELS.items()
            ]


class ExtraTimeForm(FlaskForm):
    minutes = IntegerField(_l("加时（分钟）"), validators=[DataRequired(), NumberRange(1, 240)])
    reason = TextAreaField(_l("原因"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("加时"))


class RegradeForm(FlaskForm):
    reason = TextAreaField(_l("更正原因"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("按更正后的答案重新评分"))


class PracticeForm(FlaskForm):
    """Starting personal practice: the weakest categories, or the one category given."""

    level = StringField(validators=[Optional(), AnyOf([lv.value for lv in Level])])
    category_id = IntegerField(validators=[Optional(), NumberRange(1, INT_MAX)])
