"""The session cookie and the CSRF token, each checked once per process and then remembered.

Every request opens the signed session cookie and every POST checks a signed CSRF token. Each
check builds an itsdangerous serializer, derives its key, verifies an HMAC and decodes the
payload: ~0.1 ms apiece in a request, a sixth of an answer save's time in the app (measured
with the save's parts timed in process). But a signed string that verified once under the
app's keys verifies the same way every time; only its age changes. So each process keeps the
strings it has verified (``Verified``, bounded, least recently used dropped first) with the
moment they were signed, and on a hit checks only the age, against the same limit the full
check applies. Anything not remembered, or no longer young enough, takes the full check.

Only sessions whose values are all plain (str, int, float, bool, None) are kept: the copy handed
to a request must not share a list (flashed messages) with the next one.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect, ValidationError, same_origin, validate_csrf
from itsdangerous import BadSignature
from itsdangerous.encoding import base64_decode, bytes_to_int

#: verified strings a process keeps (a few hundred bytes each: one per signed-in browser)
KEPT = 20_000

_PLAIN = (str, int, float, bool, type(None))


class Verified:
    """Signed strings that verified, with when they were signed (seconds since the epoch)."""

    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self._seen: OrderedDict[Any, tuple[Any, float]] = OrderedDict()

    def get(self, key: Any, max_age: float | None, now: float) -> Any | None:
        """What ``key`` verified to, if it is kept and not older than ``max_age`` seconds."""
        hit = self._seen.get(key)
        if hit is None:
            return None
        value, signed_at = hit
        age = now - signed_at
        if age < 0 or (max_age is not None and age > max_age):  # as itsdangerous refuses
            del self._seen[key]
            return None
        self._seen.move_to_end(key)
        return value

    def keep(self, key: Any, value: Any, signed_at: float) -> None:
        self._seen[key] = (value, signed_at)
        self._seen.move_to_end(key)
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)


class RememberingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, each cookie verified once per process."""

    def __init__(self) -> None:
        self.verified = Verified()

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        data = self.verified.get(cookie, max_age, time.time())
        if data is not None:
            return self.session_class(data)
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        try:
            data, signed = signer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            self.verified.keep(cookie, dict(data), signed.timestamp())
        return self.session_class(data)


#: the bodies werkzeug parses into ``request.form`` (``FormDataParser``)
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class RememberingCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF check, each (token, session token) pair verified once per process.

    ``protect`` is Flask-WTF's own, but for the remembered pair: the method check, the token
    check (Flask-WTF's ``validate_csrf``, with its messages), the strict referrer check over
    HTTPS, and ``g.csrf_valid``."""

    def __init__(self, app: Flask | None = None) -> None:
        super().__init__(app)
        self.verified = Verified()

    def protect(self, apply_exemptions: bool = False) -> None:
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        config = current_app.config
        if request.method not in config["WTF_CSRF_METHODS"]:
            return
        token = self._get_csrf_token()
        field = config["WTF_CSRF_FIELD_NAME"]
        pair = (token, session.get(field))
        limit = config["WTF_CSRF_TIME_LIMIT"]
        remembered = token and pair[1] and self.verified.get(pair, limit, time.time())
        if not remembered:  # not verified before, or no longer young enough: the full check
            try:
                validate_csrf(token)
            except ValidationError as exc:
                self._error_response(exc.args[0])
            assert token is not None  # validate_csrf refuses a missing one
            self.verified.keep(pair, True, self._signed_at(token))
        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True

    def _get_csrf_token(self) -> str | None:
        """Flask-WTF's lookup (a form field first, then the headers), but a body that is not a
        form is not parsed as one when the header carries the token: werkzeug would find no
        fields in it anyway, and setting up the form parser was 2.5 % of a JSON answer save
        (py-spy under the load bench). Without the header the usual lookup runs, which also
        refuses an oversized body with 413 before anything else."""
        if request.mimetype not in _FORM_TYPES:
            for header in current_app.config["WTF_CSRF_HEADERS"]:
                token = request.headers.get(header)
                if token:
                    return token
        return super()._get_csrf_token()  # type: ignore[no-any-return]

    @staticmethod
    def _signed_at(token: str) -> float:
        """When a token that just verified was signed: itsdangerous' ``payload.time.signature``,
        the time part read without checking the signature again (``validate_csrf`` did)."""
        return float(bytes_to_int(base64_decode(token.rsplit(".", 2)[1])))
