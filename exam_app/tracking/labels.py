"""What the pages call the statuses and their causes (Chinese first, through gettext)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from exam_app.tracking.reminder_rules import Kind as ReminderKind
from exam_app.tracking.rules import Cause, State

STATE_LABELS = {
    State.COMPLIANT: _l("达标"),
    State.DUE_SOON: _l("即将到期"),
    State.OVERDUE: _l("已逾期"),
    State.EXEMPT: _l("豁免"),
    State.NOT_REQUIRED: _l("暂无要求"),
}

CAUSE_LABELS = {
    Cause.NEW_STAFF: _l("新员工"),
    Cause.MISSING: _l("未取得"),
    Cause.RENEWAL: _l("复审期"),
    Cause.EXPIRED: _l("证书已过期"),
    Cause.REVOKED: _l("证书已撤销"),
    Cause.RETURN: _l("长期缺勤后返岗"),
}

REMINDER_KIND_LABELS = {
    ReminderKind.BEFORE: _l("到期前提醒"),
    ReminderKind.DUE_DAY: _l("到期当日提醒"),
    ReminderKind.OVERDUE: _l("逾期提醒"),
    ReminderKind.ESCALATION: _l("逾期上报"),
}
