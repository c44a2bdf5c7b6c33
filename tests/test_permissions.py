"""Every route, every role: the answer matches the table below, and no route goes undeclared."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exam_app.accounts.models import Role
from exam_app.accounts.permissions import access_rules
from tests.web import login

ANON = "anonymous"
ALL_ROLES = (Role.OPERATOR, Role.TRAINER, Role.HR, Role.ADMIN, Role.SUPERVISOR)
SIGNED_IN = frozenset(ALL_ROLES)
EVERYONE = frozenset({ANON, *ALL_ROLES})
ADMIN = frozenset({Role.ADMIN})
BANK = frozenset({Role.TRAINER, Role.ADMIN})
REVIEWER = frozenset({Role.TRAINER})
TAKER = frozenset({Role.OPERATOR})
OVERSEER = frozenset({Role.HR, Role.TRAINER, Role.ADMIN})

#: Who may use each endpoint. Written by hand, independently of the decorators: a route added
#: without a line here, or a decorator that disagrees with its line, fails this file.
EXPECTED: dict[str, frozenset[object]] = {
    "static": EVERYONE,
    "site.index": SIGNED_IN,
    "site.set_locale": EVERYONE,
    "site.healthz": EVERYONE,
    "site.ping": EVERYONE,
    "accounts.login": EVERYONE,
    "accounts.logout": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,
    "accounts.users_index": ADMIN,
    "accounts.user_create": ADMIN,
    "accounts.user_edit": ADMIN,
    "accounts.user_set_active": ADMIN,
    "accounts.user_reset_password": ADMIN,
    "accounts.user_unlock": ADMIN,
    "accounts.org_units_index": ADMIN,
    "accounts.org_unit_edit": ADMIN,
    "accounts.roster_upload": ADMIN,
    "accounts.roster_confirm": ADMIN,
    "accounts.roster_template": ADMIN,
    "bank.index": BANK,
    "bank.show": BANK,
    "bank.import_upload": BANK,
    "bank.import_confirm": BANK,
    "bank.import_report": BANK,
    "bank.template": BANK,
    "bank.export": BANK,
    "bank.create": BANK,
    "study.index": SIGNED_IN,
    "exams.index": TAKER,
    "exams.start": TAKER,
    "exams.start_page": TAKER,
    "exams.practice_weakest": TAKER,
    "exams.attempt": TAKER,
    "exams.save_answer": TAKER,
    "exams.heartbeat": TAKER,
    "exams.submit": TAKER,
    "exams.result": frozenset({Role.OPERATOR, Role.HR, Role.ADMIN}),
    "exams.wrong_book": TAKER,
    "exams.wrong_book_answer": TAKER,
    "exams.manage_index": OVERSEER,
    "exams.manage_edit": BANK,
    "exams.manage_supply": BANK,
    "exams.manage_show": OVERSEER,
    "exams.manage_publish": BANK,
    "exams.attempt_log": OVERSEER,
    "exams.attempt_audit": OVERSEER,
    "exams.grant_extra_time": frozenset({Role.HR, Role.ADMIN}),
    "exams.regrade_item": OVERSEER,
    "exams.regrade_apply": BANK,
    "exams.regrade_revert": BANK,
    "study.show": SIGNED_IN,
    "bank.edit": BANK,
    "bank.submit": BANK,
    "bank.approve": REVIEWER,  # publishing is a trainer's: an administrator may not approve
    "bank.send_back": BANK,
    "bank.retire": BANK,
    "bank.restore": BANK,
    "bank.diff": BANK,
    "bank.bulk": BANK,
    "bank.bulk_apply": BANK,
    "certificates.verify_form": EVERYONE,
    "certificates.verify": EVERYONE,
    "certificates.verify_file": EVERYONE,
    "certificates.status_list": EVERYONE,
    "certificates.jwks": EVERYONE,
    "certificates.issuer_profile": EVERYONE,
    "certificates.mine": SIGNED_IN,
    "certificates.download_pdf": SIGNED_IN,
    "certificates.download_credential": SIGNED_IN,
    "certificates.index": frozenset({Role.HR, Role.ADMIN}),
    "certificates.show": frozenset({Role.HR, Role.ADMIN}),
    "certificates.revoke": frozenset({Role.HR, Role.ADMIN}),
    "certificates.reissue": frozenset({Role.HR, Role.ADMIN}),
    "certificates.bundle_start": frozenset({Role.HR, Role.ADMIN}),
    "certificates.bundle_show": frozenset({Role.HR, Role.ADMIN}),
    "certificates.bundle_download": frozenset({Role.HR, Role.ADMIN}),
    "certificates.issuer_settings": frozenset({Role.HR, Role.ADMIN}),
    "tracking.index": frozenset({Role.HR, Role.ADMIN, Role.SUPERVISOR}),
    "tracking.requirements_index": frozenset({Role.HR, Role.ADMIN}),
    "tracking.requirement_show": frozenset({Role.HR, Role.ADMIN}),
    "tracking.my_performance": SIGNED_IN,
    "tracking.person_performance": frozenset({Role.TRAINER, Role.SUPERVISOR, Role.HR, Role.ADMIN}),
    "tracking.person": frozenset({Role.HR, Role.ADMIN, Role.SUPERVISOR}),
    "tracking.person_hire": frozenset({Role.HR, Role.ADMIN}),
    "tracking.person_move": frozenset({Role.HR, Role.ADMIN}),
    "tracking.person_position": frozenset({Role.HR, Role.ADMIN}),
    "tracking.person_absence": frozenset({Role.HR, Role.ADMIN}),
    "tracking.person_absence_end": frozenset({Role.HR, Role.ADMIN}),
    "tracking.person_exempt": frozenset({Role.HR, Role.ADMIN}),
    "tracking.person_extend": frozenset({Role.HR, Role.ADMIN}),
    "tracking.notices_index": SIGNED_IN,
    "tracking.notices_read": SIGNED_IN,
    "stats.index": frozenset({Role.TRAINER, Role.HR, Role.ADMIN, Role.SUPERVISOR}),
    "stats.exam_items": frozenset({Role.TRAINER, Role.HR, Role.ADMIN}),
    "stats.exam_item": frozenset({Role.TRAINER, Role.HR, Role.ADMIN}),
    "stats.bank_item": frozenset({Role.TRAINER, Role.HR, Role.ADMIN}),
    "stats.outside_results": frozenset({Role.TRAINER, Role.HR, Role.ADMIN}),
    "stats.cohort_stats_page": frozenset({Role.HR, Role.ADMIN, Role.TRAINER, Role.SUPERVISOR}),
    "stats.cohorts_index": frozenset({Role.HR, Role.ADMIN}),
    "stats.cohort_show": frozenset({Role.HR, Role.ADMIN}),
    "stats.cohort_delete": frozenset({Role.HR, Role.ADMIN}),
    "stats.cohort_members_add": frozenset({Role.HR, Role.ADMIN}),
    "stats.cohort_member_remove": frozenset({Role.HR, Role.ADMIN}),
    "stats.cohort_import": frozenset({Role.HR, Role.ADMIN}),
    "stats.cohort_import_confirm": frozenset({Role.HR, Role.ADMIN}),
    "bank.categories_index": BANK,
    "bank.category_edit": BANK,
}


def test_every_endpoint_declares_its_access_and_is_in_the_table(app: Flask) -> None:
    rules = access_rules(app)
    undeclared = sorted(e for e, a in rules.items() if a is None)
    assert undeclared == [], f"routes without an access rule: {undeclared}"
    assert sorted(rules) == sorted(EXPECTED), "add new routes to EXPECTED in this file"


def test_declared_access_matches_the_table(app: Flask) -> None:
    for endpoint, access in access_rules(app).items():
        assert access is not None
        for who in (ANON, *ALL_ROLES):
            roles = None if who == ANON else frozenset({who})
            assert access.admits(roles) == (who in EXPECTED[endpoint]), (endpoint, who)


def _requests(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route, with 1 for every URL argument."""
    out = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)
        if rule.endpoint == "static":
            url = "/static/css/app.css"
        method = "GET" if "GET" in (rule.methods or ()) else "POST"
        out.append((rule.endpoint, method, url))
    return out


@pytest.mark.parametrize("who", [ANON, *ALL_ROLES], ids=str)
def test_each_role_gets_the_answer_the_table_gives(
    app: Flask,
    client: FlaskClient,
    make_user,
    who: object,  # type: ignore[no-untyped-def]
) -> None:
    if who != ANON:
        user = make_user(who)
        assert login(client, user.employee_no).status_code == 302
    for endpoint, method, url in _requests(app):
        if endpoint == "accounts.logout":
            continue  # would end the session this loop relies on; covered in test_login
        response = client.open(url, method=method)
        response.close()
        allowed = who in EXPECTED[endpoint]
        location = response.headers.get("Location", "")
        if allowed:
            assert response.status_code not in (401, 403), (endpoint, who, response.status_code)
            assert "/accounts/login" not in location or endpoint == "accounts.login", (
                endpoint,
                who,
            )
        elif who == ANON:
            assert response.status_code == 302 and "/accounts/login" in location, (endpoint, who)
        else:
            assert response.status_code == 403, (endpoint, who, response.status_code)
