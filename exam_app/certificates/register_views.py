"""HR's register: filter, export, revoke, reissue, zip the PDFs, set the issuer and seal."""

from __future__ import annotations

import threading

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from exam_app.accounts.permissions import allow
from exam_app.accounts.services import org_tree
from exam_app.bank.models import LEVEL_LABELS, Level
from exam_app.certificates import issuing, register
from exam_app.certificates.forms import IssuerForm, ReissueForm, RevokeForm
from exam_app.certificates.models import (
    SHOWN_STATUS_LABELS,
    Bundle,
    BundleStatus,
    Certificate,
    ShownStatus,
)
from exam_app.certificates.views import KEEPERS, XLSX, _settings, _today, bp
from exam_app.db import get_session, utcnow
from exam_app.forms import ConfirmForm, tree_choices
from exam_app.web import attachment, run_service

PER_PAGE = 50
#: The largest seal image accepted (it is embedded in every certificate rendered after).
MAX_SEAL_BYTES = 1024 * 1024


def filters_from(args: MultiDict[str, str]) -> register.Filters:
    status = args.get("status", "")
    level = args.get("level", "")
    return register.Filters(
        unit_id=args.get("unit_id", type=int) or None,
        level=level if level in {v.value for v in Level} else "",
        status=status if status in {v.value for v in ShownStatus} else "",
        expiring_within_days=args.get("expiring", type=int),
        exam_id=args.get("exam_id", type=int) or None,
        q=args.get("q", "").strip()[:50],
    )


def _cert(cert_id: int) -> Certificate:
    cert = get_session().get(Certificate, cert_id)
    if cert is None:
        abort(404)
    return cert


def _status_names() -> dict[str, str]:
    return {k.value: str(v) for k, v in SHOWN_STATUS_LABELS.items()}


@bp.route("/")
@allow(*KEEPERS)
def index() -> ResponseReturnValue:
    session, today = get_session(), _today()
    filters = filters_from(request.args)
    stmt = register.query(session, filters, today)
    if request.args.get("export") == "xlsx":
        data = register.workbook(list(session.scalars(stmt)), _status_names(), today)
        return attachment(data, f"certificates-{today}.xlsx", XLSX)
    page = max(1, request.args.get("page", 1, type=int))
    certs = session.scalars(stmt.offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return render_template(
        "certificates/index.html",
        certs=[(c, issuing.shown_status(c, today)) for c in certs],
        filters=filters,
        page=page,
        units=tree_choices(org_tree(session)),
        levels=LEVEL_LABELS,
        labels=SHOWN_STATUS_LABELS,
        args={k: v for k, v in request.args.items() if k != "page"},
        form=ConfirmForm(),
    )


@bp.route("/<int:cert_id>")
@allow(*KEEPERS)
def show(cert_id: int) -> ResponseReturnValue:
    cert = _cert(cert_id)
    return render_template(
        "certificates/show.html",
        cert=cert,
        status=issuing.shown_status(cert, _today()),
        labels=SHOWN_STATUS_LABELS,
        revoke_form=RevokeForm(),
        reissue_form=ReissueForm(),
        verify_url=_settings().verify_url(cert.number, cert.verification_code),
    )


@bp.route("/<int:cert_id>/revoke", methods=["POST"])
@allow(*KEEPERS)
def revoke(cert_id: int) -> ResponseReturnValue:
    session, cert = get_session(), _cert(cert_id)
    form = RevokeForm()
    if form.validate_on_submit():
        reason = form.reason.data or ""
        run_service(
            session,
            lambda: issuing.revoke(session, cert, reason, current_user.id, utcnow()),
            _("证书已撤销。"),
        )
    else:
        flash(_("请填写撤销原因。"), "danger")
    return redirect(url_for("certificates.show", cert_id=cert_id))


@bp.route("/<int:cert_id>/reissue", methods=["POST"])
@allow(*KEEPERS)
def reissue(cert_id: int) -> ResponseReturnValue:
    session, cert = get_session(), _cert(cert_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        flash(_("请填写补发原因。"), "danger")
        return redirect(url_for("certificates.show", cert_id=cert_id))
    reason = form.reason.data or ""
    new = run_service(
        session,
        lambda: issuing.reissue(session, cert, _settings(), current_user.id, reason, utcnow()),
        lambda c: _("已补发新证书 %(n)s，原证书标记为已被取代。", n=c.number),
    )
    return redirect(url_for("certificates.show", cert_id=new.id if new else cert_id))


@bp.route("/bundles", methods=["POST"])
@allow(*KEEPERS)
def bundle_start() -> ResponseReturnValue:
    """Zip the PDFs of the register's current filter; built beside the request, with progress
    kept in the database so that any app server can show it."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    ids = list(
        session.scalars(
            register.query(session, filters_from(request.form), _today()).with_only_columns(
                Certificate.id
            )
        )
    )
    if not ids:
        flash(_("没有符合条件的证书。"), "warning")
        return redirect(url_for("certificates.index"))
    bundle = register.start_bundle(session, ids, current_user.id, utcnow())
    session.commit()
    _build_in_background(current_app._get_current_object(), bundle.id)  # type: ignore[attr-defined]
    return redirect(url_for("certificates.bundle_show", bundle_id=bundle.id))


def _build_in_background(app: Flask, bundle_id: int) -> None:
    def work() -> None:
        with app.app_context():
            session = get_session()
            bundle = session.get(Bundle, bundle_id)
            assert bundle is not None
            try:
                register.build_bundle(session, bundle, session.commit)
            except Exception as exc:  # the page must say it failed rather than spin forever
                session.rollback()
                bundle = session.get(Bundle, bundle_id)
                assert bundle is not None
                bundle.status, bundle.error = BundleStatus.FAILED, str(exc)[:500]
                session.commit()
                raise

    threading.Thread(target=work, name=f"bundle-{bundle_id}", daemon=True).start()


def _own_bundle(bundle_id: int) -> Bundle:
    bundle = get_session().get(Bundle, bundle_id)
    if bundle is None or bundle.requested_by_id != current_user.id:
        abort(404)
    return bundle


@bp.route("/bundles/<int:bundle_id>")
@allow(*KEEPERS)
def bundle_show(bundle_id: int) -> ResponseReturnValue:
    bundle = _own_bundle(bundle_id)
    progress = {
        "status": bundle.status.value,
        "done": bundle.done,
        "total": len(bundle.certificate_ids),
        "error": bundle.error,
    }
    if request.accept_mimetypes.best == "application/json" or request.args.get("format") == "json":
        return jsonify(progress)
    return render_template("certificates/bundle.html", bundle=bundle, progress=progress)


@bp.route("/bundles/<int:bundle_id>/download")
@allow(*KEEPERS)
def bundle_download(bundle_id: int) -> ResponseReturnValue:
    bundle = _own_bundle(bundle_id)
    data = get_session().scalar(select(Bundle.data).where(Bundle.id == bundle.id))
    if bundle.status != BundleStatus.READY or data is None:
        abort(404)
    return attachment(data, f"certificates-{bundle.id}.zip", "application/zip")


@bp.route("/issuer/settings", methods=["GET", "POST"])
@allow(*KEEPERS)
def issuer_settings() -> ResponseReturnValue:
    session = get_session()
    the_issuer = issuing.issuer(session, _settings())
    form = IssuerForm(obj=the_issuer)
    if form.validate_on_submit():
        seal = form.seal.data.read(MAX_SEAL_BYTES + 1) if form.seal.data else None
        if seal is not None and (len(seal) > MAX_SEAL_BYTES or not seal.startswith(b"\x89PNG")):
            form.seal.errors.append(_("印章须为不超过 1 MB 的 PNG 图片。"))
        else:
            the_issuer.name = form.name.data or the_issuer.name
            if seal is not None:
                the_issuer.seal_png = seal
            the_issuer.updated_at = utcnow()
            session.commit()
            flash(_("已保存。之后签发的证书使用新的发证单位和印章，已签发的证书不变。"), "success")
            return redirect(url_for("certificates.issuer_settings"))
    session.commit()
    return render_template("certificates/issuer.html", form=form, issuer=the_issuer)
