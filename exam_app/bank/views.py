"""Bank pages for trainers: browse, open an item with its versions, import, export."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from exam_app.accounts.models import Role
from exam_app.accounts.permissions import allow
from exam_app.bank import browse, importing, item_flags, review
from exam_app.bank.exporters import EXPORTERS, export_items
from exam_app.bank.forms import ImportForm, SendBackForm, category_choices
from exam_app.bank.import_report import report_text
from exam_app.bank.importers import read_file
from exam_app.bank.importers.spreadsheet import Format, template_spreadsheet
from exam_app.bank.models import EVENT_LABELS, Category, Exposure, Item, ItemStatus, Level
from exam_app.bank.parsed import ItemType
from exam_app.core import uploads
from exam_app.db import get_session, utcnow
from exam_app.errors import DomainError
from exam_app.forms import ConfirmForm
from exam_app.web import attachment, bounded_int

bp = Blueprint("bank", __name__, url_prefix="/bank")

PER_PAGE = 30
BANK_ROLES = (Role.TRAINER, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def filters_from(args: MultiDict[str, str]) -> browse.ItemFilters:
    """Filters from query arguments, ignoring values that are not real choices."""

    def choice(name: str, allowed: set[str]) -> str:
        value = args.get(name, "")
        return value if value in allowed else ""

    return browse.ItemFilters(
        level=choice("level", {v.value for v in Level}),
        category_id=args.get("category_id", type=bounded_int) or None,
        type=choice("type", {v.value for v in ItemType}),
        status=choice("status", {v.value for v in ItemStatus}),
        source=args.get("source", "")[:500],
        q=args.get("q", "").strip()[:100],
        needs_review=args.get("needs_review") == "1",
        exposure=choice("exposure", {v.value for v in Exposure}),
        flagged=args.get("flagged") == "1",
    )


def item_or_404(item_id: int) -> Item:
    try:
        return browse.get_item(get_session(), item_id)
    except DomainError:
        abort(404)


def require_confirmation() -> None:
    """Refuse (400) a POST whose confirmation form does not validate (its CSRF token)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/")
@allow(*BANK_ROLES)
def index() -> ResponseReturnValue:
    filters = filters_from(request.args)
    page = max(1, request.args.get("page", 1, type=bounded_int))
    session = get_session()
    result = browse.page_of_items(session, filters, page, PER_PAGE)
    items, total = result.items, result.total
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "bank/index.html",
        bulk_labels=review.BULK_LABELS,
        action_form=ConfirmForm(),
        query=urlencode(args),
        exact=result.exact,
        items=items,
        total=total,
        page=page,
        filters=filters,
        args=args,
        pages=max(1, -(-total // PER_PAGE)),
        categories=category_choices(get_session()),
        sources=browse.sources(session),
        flags=item_flags.flags_for(session, [i.id for i in items]),
    )


@bp.route("/items/<int:item_id>")
@allow(*BANK_ROLES)
def show(item_id: int) -> ResponseReturnValue:
    item = item_or_404(item_id)
    return render_template(
        "bank/show.html",
        item=item,
        action_form=ConfirmForm(),
        send_back_form=SendBackForm(),
        can_approve=review.check_approve(item, current_user.id, current_user.roles) is None,
        EVENT_LABELS=EVENT_LABELS,
        flags=item_flags.flags_for(get_session(), [item.id]).get(item.id, []),
    )


@bp.route("/import", methods=["GET", "POST"])
@allow(*BANK_ROLES)
def import_upload() -> ResponseReturnValue:
    """Step 1: upload and dry-run; the report lists every item and every problem."""
    form = ImportForm(category_choices=category_choices(get_session()))
    result, staged = None, None
    if form.validate_on_submit():
        session = get_session()
        data, filename = form.file.data.read(), form.file.data.filename or "upload"
        result = importing.check_against_bank(session, read_file(data, filename))
        if not result.file_problems:
            options = {
                "review": bool(form.review.data),
                "level": form.level.data or None,
                "category_id": form.category_id.data or None,
            }
            staged = uploads.stage(
                session, current_user.id, "bank", filename, data, utcnow(), options
            )
        session.commit()
    status = 422 if result is not None and result.file_problems else 200
    return render_template(
        "bank/import.html", form=form, result=result, staged=staged, confirm_form=ConfirmForm()
    ), status


@bp.route("/import/<int:upload_id>/report.txt")
@allow(*BANK_ROLES)
def import_report(upload_id: int) -> ResponseReturnValue:
    """The staged file's whole accounting, every unread line included, as text."""
    session = get_session()
    try:
        staged = uploads.peek(session, upload_id, current_user.id, "bank")
    except DomainError:
        abort(404)
    body = report_text(read_file(staged.data, staged.filename)).encode("utf-8")
    return attachment(body, f"import-report-{upload_id}.txt", "text/plain; charset=utf-8")


@bp.route("/import/<int:upload_id>/confirm", methods=["POST"])
@allow(*BANK_ROLES)
def import_confirm(upload_id: int) -> ResponseReturnValue:
    """Step 2: import the staged file, all or nothing, re-checked against today's bank."""
    require_confirmation()
    session = get_session()
    staged = uploads.take(session, upload_id, current_user.id, "bank", utcnow())
    opts = staged.options
    category = session.get(Category, opts["category_id"]) if opts.get("category_id") else None
    options = importing.ImportOptions(
        # A file staged before "publish" became "review" goes to review: nothing is published
        # from a web page without a second trainer.
        review=bool(opts.get("review", opts.get("publish", False))),
        level=opts.get("level"),
        category=category.path if category else None,
    )
    result = read_file(staged.data, staged.filename)
    try:
        batch = importing.import_result(
            session, result, options, data=staged.data, user_id=current_user.id, now=utcnow()
        )
    except DomainError as exc:
        session.rollback()
        return render_template("bank/import_done.html", error=exc.message, batch=None), 422
    session.commit()
    return render_template("bank/import_done.html", batch=batch, error=None)


@bp.route("/template.<fmt>")
@allow(*BANK_ROLES)
def template(fmt: str) -> ResponseReturnValue:
    if fmt not in ("xlsx", "csv"):
        abort(404)
    body = template_spreadsheet(cast(Format, fmt))
    return attachment(body, f"question_template.{fmt}", XLSX if fmt == "xlsx" else CSV)


@bp.route("/export.<fmt>")
@allow(*BANK_ROLES)
def export(fmt: str) -> ResponseReturnValue:
    """The filtered list as a file the bank (or Moodle) reads back: xlsx, csv, gift, xml, aiken."""
    if fmt not in EXPORTERS:
        abort(404)
    session = get_session()
    stmt = browse.filtered_items(session, filters_from(request.args))
    items = session.scalars(stmt.order_by(None).order_by(Item.id)).all()  # in bank order
    rows = [browse.as_parsed(i, n) for n, i in enumerate(items, start=1) if i.current]
    exported = export_items(rows, fmt)
    # Every item written: the file. Some the format cannot hold: a zip of the file and the
    # report naming each (id, reason); the headers give the counts either way.
    body, content_type, filename = exported.download(f"question_bank.{fmt}")
    response = attachment(body, filename, content_type)
    response.headers["X-Export-Written"] = str(exported.written)
    response.headers["X-Export-Left-Out"] = str(len(exported.left_out))
    return response
