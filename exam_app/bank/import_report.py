"""The full accounting of an exam document as a text file: what the import page shows, with
every unread line (the page lists the first 50)."""

from __future__ import annotations

from flask_babel import gettext as _

from exam_app.bank.parsed import ParseResult


def report_text(result: ParseResult) -> str:
    report = getattr(result, "report", None)
    lines = [_("导入核对报告：%(f)s", f=result.filename), ""]
    if report is None:
        lines.append(_("此格式没有逐行核对。"))
        return "\n".join(lines) + "\n"
    lines += [*report.messages, ""]
    lines.append(_("各部分题号"))
    for section in report.sections:
        header = section.header or "—"
        lines.append(f"  {section.first_line:>6}  {header}  {section.message}")
    if report.noise:
        lines += ["", _("已识别并略去的行")]
        lines += [f"  {kind}: {count}" for kind, count in report.noise.items()]
    lines += ["", _("未读入的行（%(n)d）", n=len(report.unread))]
    lines += [f"  {u.line:>6}  {u.text}" for u in report.unread]
    return "\n".join(lines) + "\n"
