"""Bank forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField

from exam_app.bank.importers import SUPPORTED
from exam_app.bank.models import LEVEL_LABELS


class ImportForm(FlaskForm):
    file = FileField(
        _l("试题文件"),
        validators=[
            FileRequired(),
            FileAllowed(list(SUPPORTED), _l("只支持 .txt、.docx、.xlsx、.csv 文件。")),
        ],
    )
    level = SelectField(_l("等级（文件未注明时）"))
    category_id = SelectField(_l("分类（试题未注明时）"), coerce=int)
    publish = BooleanField(_l("完整的试题直接发布（否则存为草稿）"))
    submit = SubmitField(_l("检查（试导入）"))

    def __init__(self, *args, category_choices: list[tuple[int, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.level.choices = [("", "—")] + [(k.value, str(v)) for k, v in LEVEL_LABELS.items()]
        self.category_id.choices = [(0, "—")] + category_choices
