"""Every ``next`` goes through security.safe_redirect_target: the sign-in form and the language
switch never send a browser off the site, however the target is disguised."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask.testing import FlaskClient

import exam_app
from exam_app.security import safe_redirect_target
from tests.factories import PASSWORD
from tests.web import csrf_token

#: Targets a browser would follow off the site: it drops tabs and newlines inside a URL and reads
#: a backslash as a slash, so each of these reaches //evil.example (or runs a script).
OFF_SITE = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "//evil.example",
    "//evil.example/accounts/login",
    "///evil.example",
    "https://evil.example/",
    "http:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/ /evil.example",
    "evil.example",
]
ON_SITE = ["/accounts/password", "/bank/?q=%E4%B8%AD%E6%96%87", "/exams/", "/%2F/x"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_guard_refuses_off_site_targets(target: str) -> None:
    assert safe_redirect_target(target) is None


@pytest.mark.parametrize("target", ON_SITE)
def test_the_guard_keeps_paths_on_this_site(target: str) -> None:
    assert safe_redirect_target(target) == target


@pytest.mark.parametrize("target", OFF_SITE + ON_SITE)
def test_the_language_switch_stays_on_the_site(client: FlaskClient, target: str) -> None:
    response = client.post(
        "/locale", data={"locale": "en", "next": target, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == (target if target in ON_SITE else "/")


@pytest.mark.parametrize("target", OFF_SITE + ON_SITE)
def test_signing_in_stays_on_the_site(client: FlaskClient, make_user, target: str) -> None:
    user = make_user()
    response = client.post(
        "/accounts/login",
        data={
            "employee_no": user.employee_no,
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == (target if target in ON_SITE else "/")


def test_the_sign_in_page_brings_you_back_where_you_were_sent_from(
    client: FlaskClient, make_user
) -> None:
    user = make_user()
    sent = client.get("/exams/")
    assert sent.status_code == 302 and "next=%2Fexams%2F" in sent.headers["Location"]
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/exams/"' in page
    response = client.post(
        "/accounts/login",
        data={
            "employee_no": user.employee_no,
            "password": PASSWORD,
            "next": "/exams/",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"] == "/exams/"


def _reads_next(node: ast.AST) -> bool:
    """``request.<args|form|values>.get("next" ...)`` or ``<form>.next.data``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        source = node.func.value
        return (
            node.func.attr == "get"
            and isinstance(source, ast.Attribute)
            and source.attr in ("args", "form", "values")
            and bool(node.args)
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "next"
        )
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "data"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "next"
    )


def test_every_next_parameter_goes_through_the_guard() -> None:
    """The one guard, everywhere: a ``next`` read from a request is either handed straight to
    safe_redirect_target or only pre-fills the sign-in form's hidden field (which comes back
    through the guard when the form is posted)."""
    unguarded = []
    for path in Path(exam_app.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {
            child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)
        }
        for node in ast.walk(tree):
            if not _reads_next(node):
                continue
            parent = parents.get(node)
            guarded = (
                isinstance(parent, ast.Call)
                and isinstance(parent.func, ast.Name)
                and parent.func.id == "safe_redirect_target"
            )
            prefill = isinstance(parent, ast.keyword) and parent.arg == "next"
            if not (guarded or prefill):
                unguarded.append(f"{path.name}:{node.lineno}")  # type: ignore[attr-defined]
    assert unguarded == []
