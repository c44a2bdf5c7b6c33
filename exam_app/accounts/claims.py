"""Who the session cookie says is signed in, for a view whose own statement checks it.

Every request loads its ``Principal`` before the view runs (one statement). For the request
every candidate sends every few seconds, the answer save, that read was a sixth of a worker's
CPU and, on PostgreSQL, one of its two round trips (py-spy under the load bench). A view
declared ``allow(..., checked_in_statement=True)`` instead gets the cookie's *claim*, the
``<id>:<session_version>`` Flask-Login keeps there: authentic, since the cookie is signed, but
not yet known to be current. The view's statement writes only if ``claim_holds`` is true of
the claimed user, the same conditions ``load_principal`` and ``enforce_access`` check (active,
the session not revoked, a demo account only where those are allowed, no password to change,
one of the view's roles). When it writes nothing, the view calls
``permissions.confirm_access()``, which runs the usual check and answers as any other view
would (sign-in page, password change, 403). So a revoked session, a closed account or a lost
role stops a save exactly as before, in the same statement that would have written it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, session

from exam_app.accounts.models import Role


@dataclass(frozen=True, slots=True)
class Claim:
    user_id: int
    session_version: int
    allow_demo: bool  #: ALLOW_DEMO_DATA: whether a demo account may act here

    def params(self) -> dict[str, object]:
        """The bound values ``claim_holds`` reads."""
        return {
            "claim_user_id": self.user_id,
            "claim_version": self.session_version,
            "claim_allow_demo": self.allow_demo,
        }


def session_claim() -> Claim | None:
    """The session cookie's signed-in user, unchecked; None without one (signed out, or only
    a remember-me cookie: Flask-Login restores that one the usual way)."""
    raw_id, _, version = str(session.get("_user_id") or "").partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    return Claim(int(raw_id), int(version), bool(current_app.config["ALLOW_DEMO_DATA"]))


def claim_holds(roles: frozenset[Role]) -> str:
    """SQL true of the ``users`` row aliased ``u`` exactly when ``load_principal`` would load
    it for the claim and ``enforce_access`` would admit it to a view for ``roles``.
    ``roles`` are the app's own constants, written into the text (no caller input)."""
    listed = ", ".join(f"'{Role(role).value}'" for role in sorted(roles))
    return f"""(u.id = :claim_user_id AND u.active AND u.session_version = :claim_version
        AND (:claim_allow_demo OR NOT u.is_demo) AND NOT u.must_change_password
        AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN ({listed})))"""
