"""Certificate forms: look-up by number and code, the verifier's upload, HR's actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class LookupForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search anyone may bookmark; it changes nothing

    number = StringField(_l("证书编号"), validators=[DataRequired(), Length(max=20)])
    code = StringField(_l("验证码"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("核验"))


class VerifyFileForm(FlaskForm):
    file = FileField(
        _l("证书文件（PDF 或电子证书 JSON）"),
        validators=[
            FileRequired(),
            FileAllowed(["pdf", "json", "jwt"], _l("请上传 PDF 或 JSON 文件")),
        ],
    )
    submit = SubmitField(_l("核验文件"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("撤销原因"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("撤销证书"))


class ReissueForm(FlaskForm):
    reason = TextAreaField(
        _l("补发原因（如：姓名更正）"), validators=[DataRequired(), Length(max=500)]
    )
    submit = SubmitField(_l("按当前信息补发"))


class IssuerForm(FlaskForm):
    name = StringField(_l("发证单位"), validators=[DataRequired(), Length(max=200)])
    seal = FileField(
        _l("印章图片（PNG，不超过 1 MB）"), validators=[FileAllowed(["png"], _l("请上传 PNG 图片"))]
    )
    submit = SubmitField(_l("保存"))
