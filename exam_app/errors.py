"""Domain errors and the HTTP error pages."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as _HTTP_NOT_FOUND

from exam_app import optimistic


class DomainError(Exception):
    """A rule of the domain said no; ``message`` is shown to the user as is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    pass


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        code = exc.code or 500
        if _wants_json():
            return {"error": exc.name, "message": exc.description}, code
        known = (400, 403, 404, 413, 423)
        template = f"errors/{code}.html" if code in known else "errors/generic.html"
        return render_template(template, error=exc), code

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> ResponseReturnValue:
        return _http_error(_HTTP_NOT_FOUND())

    @app.errorhandler(OperationalError)
    def _refused_write(exc: OperationalError) -> ResponseReturnValue:
        if not optimistic.refused_in_this_request():
            raise exc  # a real database error: the 500 page, logged
        # SQLite refused a write to what this request read first: it runs again from the
        # start, and this response is thrown away unsent
        app.extensions["db_session"].rollback()
        return "", 503

    @app.errorhandler(500)
    def _server_error(exc: Exception) -> ResponseReturnValue:
        app.extensions["db_session"].rollback()
        if _wants_json():
            return {"error": "Internal Server Error", "message": _("服务器内部错误")}, 500
        return render_template("errors/500.html"), 500
