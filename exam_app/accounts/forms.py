"""Account forms: shape checks only; the rules live in services."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from exam_app.accounts.models import ORG_KIND_LABELS, ROLE_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    employee_no = StringField(_l("工号"), validators=[DataRequired(), Length(max=32)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("在此设备上保持登录"))
    next = HiddenField()
    submit = SubmitField(_l("登录"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired()])
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("确认新密码"),
        validators=[DataRequired(), EqualTo("password", _l("两次输入的新密码不一致。"))],
    )
    submit = SubmitField(_l("修改密码"))


def _role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(label)) for role, label in ROLE_LABELS.items()]


class UserForm(FlaskForm):
    employee_no = StringField(_l("工号"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=100)])
    org_unit_id = SelectField(_l("单位"), coerce=int, validators=[Optional()])
    position = StringField(_l("岗位"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("邮箱"), validators=[Optional(), Length(max=254)])
    roles = MultiCheckboxField(_l("角色"), validators=[DataRequired(_l("至少选择一个角色。"))])
    submit = SubmitField(_l("保存"))

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles.choices = _role_choices()
        self.org_unit_id.choices = [(0, "—")] + org_choices


class OrgUnitForm(FlaskForm):
    code = StringField(_l("单位编码"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("单位名称"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("类型"))
    parent_id = SelectField(_l("上级单位"), coerce=int)
    submit = SubmitField(_l("保存"))

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, str(label)) for k, label in ORG_KIND_LABELS.items()]
        self.parent_id.choices = [(0, "—")] + org_choices


class RosterUploadForm(FlaskForm):
    file = FileField(
        _l("名册文件（.xlsx 或 .csv）"),
        validators=[
            FileRequired(),
            FileAllowed(["xlsx", "csv"], _l("只支持 .xlsx 或 .csv 文件。")),
        ],
    )
    submit = SubmitField(_l("检查（试导入）"))
