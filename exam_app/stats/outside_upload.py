"""The web upload of outside results: the same analysis as ``flask stats item-analysis``,
with the file's size bounded before it is read."""

from __future__ import annotations

from typing import IO, Any

from flask_babel import gettext as _

from exam_app.errors import DomainError
from exam_app.stats import outside

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
        where = []
        if error.line is not None:
            where.append(_("第 %(n)d 行", n=error.line))
        if error.column is not None:
            where.append(_("“%(c)s”列", c=error.column))
        raise DomainError(
            _(
                "%(f)s：%(where)s%(msg)s",
                f=filename,
                where="".join(where) + ("：" if where else ""),
                msg=error.message,
            )
        ) from None
