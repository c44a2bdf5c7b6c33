"""Bank forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from exam_app.bank.categories import category_tree
from exam_app.bank.importers import SUPPORTED
from exam_app.bank.models import EXPOSURE_LABELS, LEVEL_LABELS, TYPE_LABELS, Exposure
from exam_app.forms import tree_choices


def category_choices(session: Session) -> list[tuple[int, str]]:
    """Every category for a select, indented by depth."""
    return tree_choices(category_tree(session))


class ImportForm(FlaskForm):
    file = FileField(
        _l("试题文件"),
        validators=[
            FileRequired(),
            FileAllowed(
                list(SUPPORTED), _l("只支持 .txt、.docx、.xlsx、.csv、.gift、.aiken、.xml 文件。")
            ),
        ],
    )
    level = SelectField(_l("等级（文件未注明时）"))
    category_id = SelectField(_l("分类（试题未注明时）"), coerce=int)
    #: Publishing takes a second trainer: complete items go to review, never straight out.
    review = BooleanField(_l("完整的试题直接送审（由另一位培训师审核后发布；否则存为草稿）"))
    submit = SubmitField(_l("检查（试导入）"))

    def __init__(self, *args, category_choices: list[tuple[int, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.level.choices = [("", "—")] + [(k.value, str(v)) for k, v in LEVEL_LABELS.items()]
        self.category_id.choices = [(0, "—")] + category_choices


class OptionForm(Form):
    """One option row of the editor (a sub-form: the outer form carries the CSRF token)."""

    text = TextAreaField(_l("选项内容"), validators=[Optional(), Length(max=500)])
    correct = BooleanField(_l("正确答案"))


class ItemForm(FlaskForm):
    type = SelectField(_l("题型"))
    stem = TextAreaField(
        _l("题干"), validators=[DataRequired(_l("请填写题干。")), Length(max=2000)]
    )
    options = FieldList(FormField(OptionForm), min_entries=4, max_entries=8)
    judge_answer = RadioField(
        _l("答案"),
        choices=[SelectChoice("A", _l("正确")), SelectChoice("B", _l("错误"))],
        validators=[Optional()],
    )
    explanation = TextAreaField(_l("解析"), validators=[Optional(), Length(max=4000)])
    category_id = SelectField(_l("分类"), coerce=int, default=0)
    level = SelectField(_l("等级"), default="")
    difficulty = SelectField(_l("难度"), default="")
    source = StringField(_l("来源（文件及条款）"), validators=[Optional(), Length(max=500)])
    tags = StringField(_l("标签（用逗号或分号分隔）"), validators=[Optional(), Length(max=500)])
    #: where the item may be shown; "certification only" keeps its key out of practice
    exposure = SelectField(
        _l("适用范围"),
        choices=[SelectChoice(k.value, v) for k, v in EXPOSURE_LABELS.items()],
        default=Exposure.BOTH.value,
    )
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, category_choices: list[tuple[int, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.type.choices = [(k.value, str(v)) for k, v in TYPE_LABELS.items()]
        self.category_id.choices = [(0, "—")] + category_choices
        self.level.choices = [("", "—")] + [(k.value, str(v)) for k, v in LEVEL_LABELS.items()]
        self.difficulty.choices = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]


class SendBackForm(FlaskForm):
    comment = TextAreaField(
        _l("退回原因"), validators=[DataRequired(_l("退回时请写明原因。")), Length(max=2000)]
    )
    submit = SubmitField(_l("退回修改"))


class CategoryForm(FlaskForm):
    name = StringField(_l("分类名称"), validators=[DataRequired(), Length(max=100)])
    parent_id = SelectField(_l("上级分类"), coerce=int)
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, category_choices: list[tuple[int, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.parent_id.choices = [(0, _l("（顶层）"))] + category_choices


class MergeForm(FlaskForm):
    target_id = SelectField(_l("合并到"), coerce=int)
    submit = SubmitField(_l("合并"))

    def __init__(self, *args, category_choices: list[tuple[int, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.target_id.choices = category_choices
