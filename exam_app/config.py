"""Configuration classes; the environment is read once, here."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from exam_app.i18n import DISPLAY_TZ_NAME

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_sqlite_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'instance' / 'exam_app.sqlite3'}"


class Config:
    ENV_NAME = os.environ.get("EXAM_APP_ENV", "development")
    #: Signs sessions, remember-me cookies and CSRF tokens. Unset, each installation makes its
    #: own random key in SECRET_KEY_FILE on first start (security.load_secret_key); production
    #: demands it from the environment, the same value on every app server.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SECRET_KEY_FILE = str(PROJECT_ROOT / "instance" / "secret_key")
    DATABASE_URL = os.environ.get("DATABASE_URL") or _default_sqlite_url()
    #: Engine options (pool size etc.); SQLite settings are applied in db.py.
    DATABASE_ECHO = False

    QUESTION_BANK_DIR = str(PROJECT_ROOT / "question_bank")
    REGULATIONS_DIR = str(PROJECT_ROOT / "question_bank" / "regulations")

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = DISPLAY_TZ_NAME
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "exam_app" / "translations")
    LANGUAGES = ("zh_CN", "en")

    # Cookies: never readable by scripts, never sent cross-site on POSTs.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    #: "Keep me signed in" lasts two weeks (Flask-Login's default is a year). Signing out
    #: revokes every copy of both cookies (the account's session_version moves on).
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # one working day

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    #: Every POST is still checked: accounts.permissions.enforce_access calls csrf.protect()
    #: right after the role check, so the order is sign-in, role, then token.
    WTF_CSRF_CHECK_DEFAULT = False
    #: Uploads (rosters, question files) are bounded; larger bodies get 413. What a file may
    #: inflate to (zip members, sheet rows and columns, document paragraphs) is bounded before
    #: any reader opens it, by ``core.upload_limits`` (its limits are constants there).
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024

    #: Login throttling, per account and per source address separately: this many failures
    #: within the window lock that account (from everywhere), or refuse that address (no account
    #: is locked by it).
    LOGIN_MAX_FAILURES = 5
    LOGIN_IP_MAX_FAILURES = 30
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_LOCKOUT_SECONDS = 15 * 60

    #: How many proxies (load balancers) stand in front of the app and append the client's
    #: address to X-Forwarded-For. 0: the header is ignored (anyone can write it) and the peer's
    #: address counts; behind one balancer that peer is the balancer for everybody, so set 1.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    #: Argon2id with OWASP's parameters (19 MiB, t=2, p=1; ~30 ms of one core, where werkzeug's
    #: scrypt takes ~130 ms), or "argon2id:MEMORY_KIB:TIME:LANES", or a werkzeug method
    #: ("scrypt", "pbkdf2:sha256:600000"); see accounts/passwords.py. Hashes made under an
    #: earlier setting still verify, and are replaced at the account's next sign-in. Set from
    #: the environment to fit the hardware: bench/load_bench.py's storm shows what a sitting
    #: signing in at once costs, bench/hash_bench.py what one check costs.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "argon2id")
    PASSWORD_MIN_LENGTH = 8

    #: Demo accounts are for trying the product; production refuses them.
    ALLOW_DEMO_DATA = True

    #: Certificates: the public address printed in QR codes and signed credentials, the
    #: Ed25519 key that signs them (created there if missing), the issuer printed by default.
    CERT_BASE_URL = os.environ.get("CERT_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    CERT_SIGNING_KEY_FILE = os.environ.get("CERT_SIGNING_KEY_FILE") or str(
        PROJECT_ROOT / "instance" / "cert_signing_key.pem"
    )
    CERT_ISSUER_NAME = os.environ.get("CERT_ISSUER_NAME", "南方电网客户服务培训考试中心")
    #: Failed verification look-ups one address may make per window before it must wait.
    CERT_LOOKUP_MAX_FAILURES = 20
    CERT_LOOKUP_WINDOW_SECONDS = 15 * 60

    #: Scheduled jobs (core.jobs: the sweeper, later reminders) run by a thread in each app
    #: process, every this many seconds; a lease in the database makes each run happen once.
    #: SCHEDULER_ENABLED=false leaves them to `flask jobs run-due` (e.g. from cron).
    SCHEDULER_ENABLED = os.environ.get("SCHEDULER_ENABLED", "true").strip().lower() not in {
        "0",
        "false",
        "no",
        "off",
    }
    SCHEDULER_INTERVAL_SECONDS = float(os.environ.get("SCHEDULER_INTERVAL_SECONDS", "30"))
    #: E-mail (tracking's reminders): off while SMTP_HOST is empty (in-app notices only).
    #: SMTP_SECURITY: "" (plain, e.g. a relay on the host), "starttls" or "ssl".
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_FROM = os.environ.get("SMTP_FROM", "")
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_SECURITY = os.environ.get("SMTP_SECURITY", "")
    SMTP_TIMEOUT = 10
    #: Days before a deadline at which people are reminded (also on the day, weekly overdue).
    REMINDER_OFFSETS = (90, 30, 7)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    ALLOW_DEMO_DATA = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # A cheap hash keeps the suite fast; the algorithm choice itself is tested separately.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


def config_for_env() -> type[Config]:
    return ProductionConfig if Config.ENV_NAME == "production" else Config
