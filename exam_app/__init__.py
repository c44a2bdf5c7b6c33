"""Training and certification exams for 用电客户受理员: the application factory."""

from __future__ import annotations

import os

# numpy's BLAS (statistics) starts a thread per core in every process; beside the other
# gunicorn workers and the scheduler they fight over the same cores, and a 100 x 100 solve took
# 150 ms instead of well under 1 ms on this 2-core machine. Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from collections.abc import Mapping  # noqa: E402
from typing import Any

from flask import Flask, current_app
from flask_babel import format_datetime
from werkzeug.middleware.proxy_fix import ProxyFix

from exam_app import (
    accounts,
    bank,
    certificates,
    cli,
    db,
    exams,
    security,
    site,
    stats,
    study,
    template_gettext,
    tracking,
    web,
)
from exam_app.accounts.permissions import enforce_access
from exam_app.accounts.principal import Principal, load_principal
from exam_app.config import PROJECT_ROOT, Config, config_for_env
from exam_app.core import jobs
from exam_app.errors import register_error_handlers
from exam_app.extensions import babel, csrf, login_manager
from exam_app.i18n import LOCALES, select_locale
from exam_app.signed_cookies import RememberingSessionInterface

#: Every domain has the same face: ``bp`` (its blueprint, routes registered by importing its
#: view modules), ``cli`` (its command group, or None) and ``TEMPLATE_GLOBALS`` (its labels).
DOMAINS = (site, accounts, bank, study, exams, certificates, tracking, stats)


def create_app(config: type[Config] | Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_object(config_for_env())
    if isinstance(config, Mapping):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    security.check_production_config(app)
    security.use_installation_secret(app)
    if app.config["TRUSTED_PROXIES"]:  # the client's address, as the balancer saw it
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]

    db.init_app(app)
    app.session_interface = RememberingSessionInterface()  # each cookie verified once per process
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    template_gettext.install(app)  # after Babel's own callables
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)

    app.jinja_env.globals.update(current_locale=select_locale, LOCALES=LOCALES)
    # Before any blueprint adds its routes: every <int:…> stops at the database's range.
    app.url_map.converters["int"] = web.IdConverter
    for domain in DOMAINS:
        app.register_blueprint(domain.bp)
        app.jinja_env.globals.update(domain.TEMPLATE_GLOBALS)
    cli.register(app, [jobs.cli, *(d.cli for d in DOMAINS if d.cli is not None)])

    app.before_request(enforce_access)
    app.after_request(security.add_security_headers)
    register_error_handlers(app)
    jobs.init_app(app)  # the scheduled jobs' timer, in serving processes only
    app.jinja_env.filters["datetime"] = lambda value, fmt="yyyy-MM-dd HH:mm": (
        format_datetime(value, fmt) if value else ""
    )
    return app


def _load_user(user_id: str) -> Principal | None:
    """Cookie id is "<id>:<session_version>"; an old version means the session was revoked."""
    raw_id, _, version = user_id.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    allow_demo = current_app.config["ALLOW_DEMO_DATA"]
    return load_principal(db.get_session(), int(raw_id), int(version), allow_demo=allow_demo)
