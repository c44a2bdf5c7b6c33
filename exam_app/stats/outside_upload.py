"""The web upload of outside results: the same analysis as ``flask stats item-analysis``,
with the file's size bounded before it is read."""

from __future__ import annotations

from typing import IO, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from exam_app.errors import DomainError
from exam_app.stats import outside

#: the reasons ``outside`` gives, as the page says them
MESSAGES = {
    outside.NOT_TEXT: _l("不是可读的文本文件（%(error)s）"),
    outside.SHORT_HEADER: _l("表头须有考生列和至少一个题目列"),
    outside.TOO_MANY_CANDIDATES: _l("考生超过 %(limit)d 人"),
    outside.NO_NAME: _l("考生没有姓名或编号"),
    outside.REPEATED: _l("考生 %(name)s 重复出现（首次在第 %(first)d 行）"),
    outside.NO_ROWS: _l("表头下没有考生"),
    outside.TOO_MANY_ITEMS: _l("题目列超过 %(limit)d 个"),
    outside.UNNAMED_ITEM: _l("第 %(position)d 列题目没有名称"),
    outside.REPEATED_ITEM: _l("两个题目列同名"),
    outside.CELL_COUNT: _l("本行 %(cells)d 格，表头 %(header)d 格"),
    outside.BAD_CELL: _l("“%(value)s”不是 1、0 或空白（空白表示此卷无此题）"),
    outside.EMPTY_PAPER: _l("此考生的每一格都是空白"),
}

#: a web upload holds one sitting: 20,000 candidates x 200 items of "1," is 8 MB
MAX_UPLOAD_BYTES = 16 * 1024 * 1024


def analyse_upload(filename: str, stream: IO[bytes]) -> dict[str, Any]:
    """:raises DomainError: naming the file, and the line and column of a bad cell"""
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(_("%(f)s：文件超过 %(n)d MB。", f=filename, n=MAX_UPLOAD_BYTES // 2**20))
    try:
        return outside.analyse(outside.parse(data))
    except outside.OutsideFileError as error:
        raise DomainError(_where(filename, error)) from None


def _where(filename: str, error: outside.OutsideFileError) -> str:
    known = MESSAGES.get(error.template)
    message = str(known) % error.params if known is not None else error.message
    if error.line is not None and error.column is not None:
        return _(
            "%(f)s：第 %(line)d 行“%(column)s”列：%(msg)s",
            f=filename,
            line=error.line,
            column=error.column,
            msg=message,
        )
    if error.line is not None:
        return _("%(f)s：第 %(line)d 行：%(msg)s", f=filename, line=error.line, msg=message)
    return _("%(f)s：%(msg)s", f=filename, msg=message)
