"""What the statistics pages call things, in the reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from exam_app.stats.models import Counting

COUNTING_LABELS = {
    Counting.FIRST: _l("每人首次作答"),
    Counting.ALL: _l("全部作答"),
    Counting.BEST: _l("每人最好成绩"),
    Counting.LAST: _l("每人最后一次"),
}

#: flag code -> what a trainer reads (the figures follow in the flag's own text)
FLAG_LABELS = {
    "negative_discrimination": _l("区分度为负"),
    "low_discrimination": _l("区分度偏低"),
    "distractor_favours_upper": _l("干扰项更吸引高分组"),
    "distractor_unused": _l("干扰项无人选择"),
    "too_easy": _l("过易"),
    "too_hard": _l("过难"),
}


def flag_text(flag: dict[str, Any]) -> str:
    """A stored flag (code, n, value, option) as a trainer reads it, with its figure."""
    what = str(FLAG_LABELS.get(flag.get("code", ""), flag.get("code", "")))
    option, value = flag.get("option"), flag.get("value")
    if option:
        what = _("%(flag)s：选项 %(option)s", flag=what, option=option)
    elif value is not None:
        what = _("%(flag)s：%(value).2f", flag=what, value=value)
    return _("%(what)s（n = %(n)d）", what=what, n=flag.get("n", 0))
