"""The outside-results upload (item analysis of an exam held elsewhere)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField


class OutsideResultsForm(FlaskForm):
    file = FileField(
        _l("成绩文件（CSV：首行为题目，每行一名考生，首列为考生，其余每列 1/0）"),
        validators=[
            FileRequired(),
            FileAllowed(["csv", "txt"], _l("只支持 .csv 或 .txt 文件。")),
        ],
    )
    submit = SubmitField(_l("分析"))
