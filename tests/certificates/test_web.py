"""Certificates over HTTP: holders download theirs, anyone verifies by the QR code's link or a
file, HR revokes, reissues and exports; guessing is throttled; the CLI verifies a file."""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role
from exam_app.certificates.models import Certificate
from tests.factories import load_bank, make_attempt, make_exam, make_user
from tests.web import client_for, csrf_token


@pytest.fixture
def issued(app: Flask, db_session: Session) -> Certificate:
    load_bank(db_session)
    exam = make_exam(db_session, certificate_months=36)
    holder = make_user(db_session, Role.OPERATOR, name="李四")
    with app.app_context():  # grading sends the signal; issuing reads the app's settings
        attempt = make_attempt(db_session, exam, holder, "submitted", "key")
    cert = db_session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))
    assert cert is not None
    db_session.commit()  # end the read, so the app's writes and the test's never cross
    return cert


def _verify_path(cert: Certificate) -> str:
    return f"/certificates/verify/{cert.number}/{cert.verification_code}"


def test_the_holder_downloads_the_stored_bytes_and_no_one_else_can(
    app: Flask, db_session: Session, issued: Certificate
) -> None:
    holder = client_for(app, issued.user)
    first = holder.get(f"/certificates/{issued.id}.pdf")
    second = holder.get(f"/certificates/{issued.id}.pdf")
    assert first.status_code == 200 and first.data == second.data
    assert first.headers["Cache-Control"] == "no-store"  # every attachment (security.py)
    assert hashlib.sha256(first.data).hexdigest() == issued.pdf_sha256
    wallet = holder.get(f"/certificates/{issued.id}.json").get_json()
    assert wallet["type"] == "EnvelopedVerifiableCredential"
    assert wallet["id"] == f"data:application/vc+jwt,{issued.credential_jwt}"
    assert issued.number in holder.get("/certificates/mine").get_data(as_text=True)
    other = client_for(app, make_user(db_session, Role.OPERATOR))
    assert other.get(f"/certificates/{issued.id}.pdf").status_code == 404
    assert other.get(f"/certificates/{issued.id}.json").status_code == 404
    hr = client_for(app, make_user(db_session, Role.HR))
    assert hr.get(f"/certificates/{issued.id}.pdf").data == first.data


def test_the_qr_link_says_valid_then_revoked_with_the_reason(
    app: Flask, client: FlaskClient, db_session: Session, issued: Certificate
) -> None:
    page = client.get(_verify_path(issued)).get_data(as_text=True)
    assert 'data-status="valid"' in page and "李四" in page and issued.number in page
    assert issued.holder_employee_no in page
    hr = client_for(app, make_user(db_session, Role.HR))
    url = f"/certificates/{issued.id}/revoke"
    token = csrf_token(hr, f"/certificates/{issued.id}")
    response = hr.post(url, data={"csrf_token": token, "reason": "考试作弊"})
    assert response.status_code == 302
    page = client.get(_verify_path(issued)).get_data(as_text=True)
    assert 'data-status="revoked"' in page and "考试作弊" in page


def test_typed_codes_are_forgiving_and_guessing_is_throttled(
    app: Flask, client: FlaskClient, issued: Certificate
) -> None:
    typed = "-".join(issued.verification_code[i : i + 4] for i in range(0, 16, 4)).lower()
    response = client.get(
        "/certificates/verify", query_string={"number": issued.number, "code": typed}
    )
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200
    limit = app.config["CERT_LOOKUP_MAX_FAILURES"]
    for _ in range(limit):
        assert client.get(f"/certificates/verify/{issued.number}/WRONGCODE").status_code == 404
    assert client.get(_verify_path(issued)).status_code == 429  # even the right one, for a while


def test_an_uploaded_pdf_verifies_and_a_tampered_credential_does_not(
    app: Flask, client: FlaskClient, db_session: Session, issued: Certificate
) -> None:
    pdf = db_session.scalar(select(Certificate.pdf).where(Certificate.id == issued.id))
    assert pdf is not None
    token = csrf_token(client, "/certificates/verify")
    ok = client.post(
        "/certificates/verify/file",
        data={"csrf_token": token, "file": (io.BytesIO(pdf), "cert.pdf")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert 'data-valid="yes"' in ok and "李四" in ok
    header, payload, signature = issued.credential_jwt.split(".")
    forged = (
        f"{header}.{payload}.{signature[:-3]}{'A' if signature[-3] != 'A' else 'B'}{signature[-2:]}"
    )
    document = json.dumps({"id": f"data:application/vc+jwt,{forged}"}).encode()
    bad = client.post(
        "/certificates/verify/file",
        data={"csrf_token": token, "file": (io.BytesIO(document), "cert.json")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert 'data-valid="no"' in bad


def test_the_cli_verifies_a_pdf(
    app: Flask, db_session: Session, issued: Certificate, tmp_path: Path
) -> None:
    pdf = db_session.scalar(select(Certificate.pdf).where(Certificate.id == issued.id))
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf or b"")
    result = app.test_cli_runner().invoke(args=["certs", "verify", str(path), "--json"])
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert (verdict["valid"], verdict["status"], verdict["holder"]) == (True, "valid", "李四")
    hr = client_for(app, make_user(db_session, Role.HR))
    hr.post(
        f"/certificates/{issued.id}/revoke",
        data={"csrf_token": csrf_token(hr, f"/certificates/{issued.id}"), "reason": "错发"},
    )
    result = app.test_cli_runner().invoke(args=["certs", "verify", str(path), "--json"])
    assert result.exit_code == 1 and json.loads(result.output)["status"] == "revoked"
    (tmp_path / "x.txt").write_text("hello")
    assert (
        app.test_cli_runner().invoke(args=["certs", "verify", str(tmp_path / "x.txt")]).exit_code
        != 0
    )


def test_hr_reissues_after_a_name_correction(
    app: Flask, client: FlaskClient, db_session: Session, issued: Certificate
) -> None:
    holder = issued.user
    holder.name = "李思"
    db_session.commit()
    hr = client_for(app, make_user(db_session, Role.HR))
    response = hr.post(
        f"/certificates/{issued.id}/reissue",
        data={"csrf_token": csrf_token(hr, f"/certificates/{issued.id}"), "reason": "姓名更正"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    new = db_session.scalar(
        select(Certificate).where(
            Certificate.superseded_by_id.is_(None), Certificate.id != issued.id
        )
    )
    assert new is not None and new.holder_name == "李思" and new.number != issued.number
    assert (new.valid_from, new.expires_on) == (issued.valid_from, issued.expires_on)
    old_page = client.get(_verify_path(issued)).get_data(as_text=True)
    assert 'data-status="superseded"' in old_page and new.number in old_page


def test_hr_exports_the_register_and_zips_the_pdfs(
    app: Flask, db_session: Session, issued: Certificate
) -> None:
    hr = client_for(app, make_user(db_session, Role.HR))
    sheet = load_workbook(io.BytesIO(hr.get("/certificates/?export=xlsx").data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "证书编号" and rows[1][0] == issued.number and rows[1][1] == "李四"
    token = csrf_token(hr, "/certificates/")
    response = hr.post("/certificates/bundles", data={"csrf_token": token})
    assert response.status_code == 302
    bundle_url = response.headers["Location"]
    for _ in range(100):
        progress = hr.get(bundle_url + "?format=json").get_json()
        if progress["status"] != "building":
            break
        time.sleep(0.05)
    assert progress == {"status": "ready", "done": 1, "total": 1, "error": ""}
    archive = zipfile.ZipFile(io.BytesIO(hr.get(bundle_url + "/download").data))
    assert archive.namelist() == [f"{issued.number}_{issued.holder_employee_no}.pdf"]


def test_the_status_list_and_keys_are_published(client: FlaskClient, issued: Certificate) -> None:
    keys = client.get("/certificates/jwks.json").get_json()["keys"]
    assert keys and keys[0]["crv"] == "Ed25519" and "d" not in keys[0]
    response = client.get("/certificates/status/revocation")
    assert response.headers["Content-Type"] == "application/vc+jwt"
    assert client.get("/certificates/issuer").get_json()["type"] == ["Profile"]
