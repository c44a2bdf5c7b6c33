"""Certificate pages: anyone verifies; holders download theirs; HR keeps the register."""

from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
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

from exam_app.accounts.models import Role
from exam_app.accounts.permissions import any_user, public
from exam_app.certificates import credential, issuing, verifying
from exam_app.certificates.forms import (
    LookupForm,
    VerifyFileForm,
)
from exam_app.certificates.models import SHOWN_STATUS_LABELS, Certificate
from exam_app.db import get_session, utcnow
from exam_app.errors import DomainError
from exam_app.i18n import DISPLAY_TZ
from exam_app.web import attachment

bp = Blueprint("certificates", __name__, url_prefix="/certificates")
KEEPERS = (Role.HR, Role.ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50


def _settings() -> issuing.CertSettings:
    return issuing.CertSettings.from_config(current_app.config)


def _today() -> date:
    return utcnow().astimezone(DISPLAY_TZ).date()


def _throttle() -> verifying.Throttle:
    cfg = current_app.config
    return verifying.Throttle(
        cfg["CERT_LOOKUP_MAX_FAILURES"], timedelta(seconds=cfg["CERT_LOOKUP_WINDOW_SECONDS"])
    )


# --- verification, for anyone -----------------------------------------------------------------


@bp.route("/verify")
@public
def verify_form() -> ResponseReturnValue:
    """Type the number and code printed on a certificate (or upload the file)."""
    form = LookupForm(request.args)
    if request.args and form.validate():
        return redirect(
            url_for(
                "certificates.verify", number=form.number.data.strip(), code=form.code.data.strip()
            )
        )
    return render_template("certificates/verify.html", form=form, file_form=VerifyFileForm())


@bp.route("/verify/<number>/<code>")
@public
def verify(number: str, code: str) -> ResponseReturnValue:
    """What the QR code opens: the status and every printed field, nothing more."""
    session = get_session()
    try:
        cert = verifying.lookup(
            session, number, code, request.remote_addr or "-", _throttle(), utcnow()
        )
    except verifying.TooManyGuesses as exc:
        session.commit()
        return render_template(
            "certificates/verify.html",
            form=LookupForm(),
            file_form=VerifyFileForm(),
            error=exc.message,
        ), 429
    session.commit()
    if cert is None:
        return render_template(
            "certificates/verify.html",
            form=LookupForm(number=number),
            file_form=VerifyFileForm(),
            error=_("没有找到编号和验证码都相符的证书，请核对后重新输入。"),
        ), 404
    newer = session.get(Certificate, cert.superseded_by_id) if cert.superseded_by_id else None
    return render_template(
        "certificates/verified.html",
        cert=cert,
        status=issuing.shown_status(cert, _today()),
        newer=newer,
        labels=SHOWN_STATUS_LABELS,
    )


@bp.route("/verify/file", methods=["POST"])
@public
def verify_file() -> ResponseReturnValue:
    """Check an uploaded PDF or credential: its signature against the published keys, its
    dates, and its status here."""
    form = VerifyFileForm()
    if not form.validate_on_submit():
        return render_template("certificates/verify.html", form=LookupForm(), file_form=form), 400
    session = get_session()
    try:
        token = verifying.token_from_file(form.file.data.read())
    except DomainError as exc:
        return render_template(
            "certificates/verify.html", form=LookupForm(), file_form=form, error=exc.message
        ), 422
    verdict = verifying.verify_token(
        session, token, verifying.jwks(session, _settings())["keys"], _today()
    )
    session.commit()
    return render_template(
        "certificates/file_verdict.html", verdict=verdict, labels=SHOWN_STATUS_LABELS
    )


@bp.route("/status/revocation")
@public
def status_list() -> ResponseReturnValue:
    """The W3C Bitstring Status List credential (VC-JWT) that every credential points to."""
    session = get_session()
    token = verifying.status_list_jwt(session, _settings(), utcnow())
    session.commit()
    return token, 200, {"Content-Type": "application/vc+jwt", "Cache-Control": "max-age=300"}


@bp.route("/jwks.json")
@public
def jwks() -> ResponseReturnValue:
    session = get_session()
    keys = verifying.jwks(session, _settings())
    session.commit()
    return jsonify(keys)


@bp.route("/issuer")
@public
def issuer_profile() -> ResponseReturnValue:
    """The Open Badges issuer profile, with where its public keys are published."""
    session, settings = get_session(), _settings()
    profile = {
        "@context": [credential.VC_CONTEXT, credential.OB_CONTEXT],
        "id": settings.issuer_id,
        "type": ["Profile"],
        "name": issuing.issuer(session, settings).name,
        "url": settings.base_url,
        "jwks_uri": f"{settings.base_url}/certificates/jwks.json",
    }
    session.commit()
    return jsonify(profile)


# --- holders ------------------------------------------------------------------------------------


def _readable(cert_id: int) -> Certificate:
    """The holder's own certificate, or any for HR and admins; others see none."""
    cert = get_session().get(Certificate, cert_id)
    if cert is None or not (cert.user_id == current_user.id or current_user.has_role(*KEEPERS)):
        abort(404)
    return cert


@bp.route("/mine")
@any_user
def mine() -> ResponseReturnValue:
    certs = issuing.certificates_of(get_session(), current_user.id)
    today = _today()
    return render_template(
        "certificates/mine.html",
        certs=[(c, issuing.shown_status(c, today)) for c in certs],
        labels=SHOWN_STATUS_LABELS,
    )


@bp.route("/<int:cert_id>.pdf")
@any_user
def download_pdf(cert_id: int) -> ResponseReturnValue:
    """The bytes rendered at issue, never rendered again."""
    cert = _readable(cert_id)
    session = get_session()
    pdf = session.scalar(select(Certificate.pdf).where(Certificate.id == cert.id))
    if pdf is None:
        abort(503, _("证书 PDF 尚未生成：服务器缺少中文字体，管理员安装后会补上。"))
    return attachment(pdf, f"certificate-{cert.number}.pdf", "application/pdf")


@bp.route("/<int:cert_id>.json")
@any_user
def download_credential(cert_id: int) -> ResponseReturnValue:
    """The signed credential for a wallet (VC 2.0 EnvelopedVerifiableCredential)."""
    cert = _readable(cert_id)
    response = jsonify(credential.enveloped(cert.credential_jwt))
    response.headers["Content-Disposition"] = (
        f'attachment; filename="credential-{cert.number}.json"'
    )
    return response
