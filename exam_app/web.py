"""What every view does around a service call: commit on success, roll back and say why not;
and the numbers a request may carry (URL ids, JSON bodies, query and form fields), kept to the
range the database holds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Response, abort, flash, request
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter, Map

from exam_app.errors import DomainError

T = TypeVar("T")


def run_service(
    session: Session,
    call: Callable[[], T],
    done: str | Callable[[T], str] | None = None,
    refused: str = "danger",
) -> T | None:
    """Run one service call as the request's transaction.

    On success: commit, flash ``done`` (a message, or one made from the result) and return
    the result. On a ``DomainError``: roll back, flash its message in the ``refused`` style and
    return None, so the view redirects or shows the page again.
    """
    try:
        result = call()
    except DomainError as exc:
        session.rollback()
        flash(exc.message, refused)
        return None
    session.commit()
    if done is not None:
        flash(done(result) if callable(done) else done, "success")
    return result


# --- numbers from requests -----------------------------------------------------------------

#: The top of SQL INTEGER, the type of every id and number column (32-bit on PostgreSQL, whose
#: driver binds parameters as ``::INTEGER``; SQLite's integers end at 2**63 - 1). A larger
#: number names nothing that can exist; sent to the database, it fails the request with 500.
INT_MAX = 2**31 - 1
_INT_DIGITS = len(str(INT_MAX))


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route (the factory registers it as ``int``): a number beyond
    ``INT_MAX`` matches no route, so the request gets 404 like any id that names nothing."""

    def __init__(
        self,
        map: Map,  # werkzeug's parameter names
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = INT_MAX,
        signed: bool = False,
    ) -> None:
        limit = INT_MAX if max is None or max > INT_MAX else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=limit, signed=signed)


def bounded_int(value: Any) -> int:
    """``int(value)`` for a number a request carries, within SQL INTEGER's range.

    Use it as ``request.args.get(name, default, type=bounded_int)`` (a number out of range
    gives the default) or where a JSON body is parsed.

    :raises ValueError: out of range, or no number (``int()``'s errors, infinity included)
    :raises TypeError: for what ``int()`` does not take (None, a list)
    """
    try:
        number = int(value)
    except OverflowError:  # int(float("inf")): JSON's 1e400
        raise ValueError(f"{value!r} is not a number in range") from None
    if not -INT_MAX - 1 <= number <= INT_MAX:
        raise ValueError(f"{number} is out of range")
    return number


def ids_from(values: Iterable[str]) -> list[int]:
    """The ids among posted values (checkbox lists), sorted and once each; anything that
    cannot be an id (not decimal digits, beyond ``INT_MAX``) is left out. (``isdigit`` would
    let "²" through, which ``int()`` refuses.)"""
    digits = (v for v in values if v.isdecimal() and len(v) <= _INT_DIGITS)
    return sorted({n for n in map(int, digits) if n <= INT_MAX})


def json_object() -> dict[str, Any]:
    """The request's JSON object; ``{}`` when the body is empty or not JSON.

    :raises BadRequest: (400, as JSON) for JSON that is not an object: a list, a string, a number
    """
    data = request.get_json(silent=True)
    if data is None:
        return {}
    if not isinstance(data, dict):
        abort(400)
    return data


def attachment(body: bytes, filename: str, content_type: str) -> Response:
    """A download (``security`` sends every attachment ``Cache-Control: no-store``)."""
    disposition = f"attachment; filename={filename}"
    return Response(body, 200, {"Content-Type": content_type, "Content-Disposition": disposition})
