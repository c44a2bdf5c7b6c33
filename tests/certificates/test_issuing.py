"""Certificates issued by passing, read back from the real PDF (pdftotext, the QR code through
pdftoppm and zxing-cpp), verified by signature, and kept in step with regrades."""

from __future__ import annotations

import io
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.bank import authoring
from exam_app.bank.models import Item
from exam_app.certificates import credential, issuing, signing, verifying
from exam_app.certificates.models import Certificate, CertificateStatus
from exam_app.db import utcnow
from exam_app.exams import attempts, regrade
from exam_app.exams.models import Attempt, AttemptItem, Exam
from tests.factories import (
    answer_with_key,
    change_key,
    load_bank,
    make_attempt,
    make_exam,
    make_user,
)

pytestmark = pytest.mark.usefixtures("in_app")

SETTINGS = lambda app: issuing.CertSettings.from_config(app.config)  # noqa: E731


@pytest.fixture
def cert_exam(db_session: Session) -> Exam:
    load_bank(db_session)
    return make_exam(db_session, certificate_months=36, renewal_window_days=90, pass_percent=60)


def _passed(db_session: Session, exam: Exam, user: User | None = None) -> Certificate:
    user = user or make_user(db_session, Role.OPERATOR, name="张三丰")
    attempt = make_attempt(db_session, exam, user, "submitted", "key")
    cert = db_session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))
    assert cert is not None, "passing a certification exam issues a certificate"
    return cert


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _qr_payload(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("page*.png")))
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code found on the page"
    return str(found[0].text)


def test_a_pass_issues_a_pdf_that_reads_back(app, db_session, cert_exam, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cert = _passed(db_session, cert_exam)
    assert cert.number.startswith(f"{utcnow().year}-") and len(cert.verification_code) == 16
    assert (cert.title, cert.level_name, cert.holder_name) == ("用电客户受理员", "中级工", "张三丰")
    pdf = db_session.scalar(select(Certificate.pdf).where(Certificate.id == cert.id))
    assert pdf is not None and len(pdf) < 300_000
    text = _pdf_text(pdf, tmp_path)
    assert "张" in text and "三" in text and "丰" in text  # letter-spaced on the page
    assert "用电客户受理员 中级工" in text and cert.number in text
    assert "-".join(cert.verification_code[i : i + 4] for i in range(0, 16, 4)) in text
    settings = SETTINGS(app)
    assert _qr_payload(pdf, tmp_path) == settings.verify_url(cert.number, cert.verification_code)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    [embedded] = reader.attachments["credential.jwt"]
    assert embedded.decode() == cert.credential_jwt


def test_the_embedded_credential_verifies_and_one_changed_character_breaks_it(
    app, db_session, cert_exam
) -> None:  # type: ignore[no-untyped-def]
    cert = _passed(db_session, cert_exam)
    keys = verifying.jwks(db_session, SETTINGS(app))["keys"]
    claims = signing.verify(cert.credential_jwt, keys)
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["credentialSubject"]["name"] == "张三丰"
    assert claims["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert claims["validUntil"] == f"{cert.expires_on + timedelta(days=1)}T00:00:00Z"
    header, payload, signature = cert.credential_jwt.split(".")
    for tampered in (
        f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}",
        f"{header}.{payload}.{signature[:5]}{'A' if signature[5] != 'A' else 'B'}{signature[6:]}",
    ):
        with pytest.raises(signing.BadSignature):
            signing.verify(tampered, keys)


def test_statuses_with_a_fixed_clock(app, db_session, cert_exam) -> None:  # type: ignore[no-untyped-def]
    cert = _passed(db_session, cert_exam)
    keys = verifying.jwks(db_session, SETTINGS(app))["keys"]
    today = cert.valid_from
    assert verifying.verify_token(db_session, cert.credential_jwt, keys, today).status == "valid"
    after = cert.expires_on + timedelta(days=1)
    assert verifying.verify_token(db_session, cert.credential_jwt, keys, after).status == "expired"
    assert issuing.shown_status(cert, after) == "expired"
    issuing.revoke(db_session, cert, "冒名顶替", None, utcnow())
    verdict = verifying.verify_token(db_session, cert.credential_jwt, keys, today)
    assert (verdict.status, verdict.valid) == ("revoked", False)
    status_claims = signing.verify(
        verifying.status_list_jwt(db_session, SETTINGS(app), utcnow()), keys
    )
    encoded = status_claims["credentialSubject"]["encodedList"]
    assert credential.is_set(encoded, cert.status_index)


def test_renewal_supersedes_and_runs_on_from_the_old_expiry(app, db_session, cert_exam) -> None:  # type: ignore[no-untyped-def]
    user = make_user(db_session, Role.OPERATOR)
    first = _passed(db_session, cert_exam, user)
    # The first certificate is close to its end: a pass now is inside the renewal window.
    first.expires_on = utcnow().date() + timedelta(days=30)
    db_session.commit()
    cert_exam.max_attempts = None
    db_session.commit()
    second = _passed(db_session, cert_exam, user)
    db_session.refresh(first)
    assert first.status == CertificateStatus.SUPERSEDED and first.superseded_by_id == second.id
    assert second.number != first.number
    assert second.expires_on == issuing.rules.add_months(
        first.expires_on + timedelta(days=1), 36
    ) - timedelta(days=1)
    assert (
        verifying.verify_token(
            db_session,
            first.credential_jwt,
            verifying.jwks(db_session, SETTINGS(app))["keys"],
            date.today(),
        ).status
        == "superseded"
    )


def _single(attempt: Attempt) -> AttemptItem:
    return next(i for i in attempt.items if i.rule_key == "r1")


def test_a_regrade_that_fails_revokes_and_its_revert_restores(app, db_session) -> None:  # type: ignore[no-untyped-def]
    load_bank(db_session)
    exam = make_exam(db_session, counts=(2, 1, 1), certificate_months=24, pass_percent=100)
    trainer = make_user(db_session, Role.TRAINER)
    cert = _passed(db_session, exam)
    item = db_session.get(Item, _single(db_session.get(Attempt, cert.attempt_id)).item_id)
    change_key(db_session, item, trainer.id)
    record = regrade.apply(db_session, item, trainer.id, "原答案有误", utcnow())
    db_session.commit()
    db_session.refresh(cert)
    assert cert.status == CertificateStatus.REVOKED and "重新评分" in cert.revoked_reason
    regrade.revert(db_session, record, trainer.id, utcnow())
    db_session.commit()
    db_session.refresh(cert)
    assert cert.status == CertificateStatus.VALID and cert.revoked_reason == ""


def test_a_regrade_that_passes_issues_one_and_its_revert_revokes_it(app, db_session) -> None:  # type: ignore[no-untyped-def]
    load_bank(db_session)
    exam = make_exam(db_session, counts=(1, 1, 1), certificate_months=24, pass_percent=100)
    trainer = make_user(db_session, Role.TRAINER)
    user = make_user(db_session, Role.OPERATOR)
    attempt = attempts.start_attempt(db_session, exam, db_session.get(User, user.id), utcnow())
    answer_with_key(db_session, attempt, wrong_rules=("r1",))
    attempts.submit_attempt(db_session, attempt, utcnow())
    db_session.commit()
    assert not attempt.passed
    assert (
        db_session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id)) is None
    )
    # The key was wrong all along: the candidate's answer to that question is the right one.
    single = _single(attempt)
    chosen = next(a.response for a in attempt.answers if a.position == single.position)
    item = db_session.get(Item, single.item_id)
    draft = authoring.draft_from_version(item)
    labels = [chr(ord("A") + n) for n in range(len(draft.options))]
    fixed = draft.__class__(
        **{**draft.__dict__, "correct": frozenset(labels.index(x) for x in chosen)}
    )
    authoring.edit_item(db_session, item, fixed, trainer.id)
    db_session.commit()
    record = regrade.apply(db_session, item, trainer.id, "原答案有误", utcnow())
    db_session.commit()
    cert = db_session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))
    assert cert is not None and cert.status == CertificateStatus.VALID
    regrade.revert(db_session, record, trainer.id, utcnow())
    db_session.commit()
    db_session.refresh(cert)
    assert cert.status == CertificateStatus.REVOKED and cert.revoked_reason


def test_after_a_key_rotation_old_certificates_still_verify(
    app, db_session, cert_exam, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    old = _passed(db_session, cert_exam)
    app.config["CERT_SIGNING_KEY_FILE"] = str(tmp_path / "rotated.pem")  # a new key file
    new = _passed(db_session, cert_exam)
    keys = verifying.jwks(db_session, SETTINGS(app))["keys"]
    assert len(keys) == 2
    assert {signing.verify(c.credential_jwt, keys)["certificateNumber"] for c in (old, new)} == {
        old.number,
        new.number,
    }
    assert old.credential_jwt.split(".")[0] != new.credential_jwt.split(".")[0]  # other kid


def test_without_a_chinese_font_the_pdf_waits_and_is_rendered_later(
    app, db_session, cert_exam, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from exam_app.certificates import render

    monkeypatch.setattr(render, "installed_cjk_fonts", lambda: ())
    cert = _passed(db_session, cert_exam)
    assert cert.pdf_sha256 is None and cert.credential_jwt  # issued, no PDF printing boxes
    monkeypatch.undo()
    result = app.test_cli_runner().invoke(args=["certs", "render-pending"])
    assert "rendered 1 of 1" in result.output, result.output
    db_session.rollback()  # end the test's read snapshot
    assert db_session.get(Certificate, cert.id).pdf_sha256 is not None


def test_the_scheduler_renders_waiting_pdfs_and_waits_without_a_font(
    app, db_session, cert_exam, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from exam_app.certificates import jobs as cert_jobs
    from exam_app.certificates import render

    monkeypatch.setattr(render, "installed_cjk_fonts", lambda: ())
    cert = _passed(db_session, cert_exam)
    with app.app_context():
        assert "no Chinese font" in cert_jobs.render_waiting(db_session, utcnow())
    monkeypatch.undo()
    with app.app_context():
        assert cert_jobs.render_waiting(db_session, utcnow()) == (
            "rendered 1 of 1 waiting certificate PDF(s)"
        )
    db_session.commit()
    db_session.expire_all()
    pdf = db_session.get(Certificate, cert.id)
    assert pdf is not None and pdf.pdf_sha256 is not None
