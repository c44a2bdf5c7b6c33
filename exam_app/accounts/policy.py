"""Account policies as plain values, built from the app's settings (config is read here only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class PasswordPolicy:
    method: str  #: a ``passwords`` method: "argon2id", "argon2id:19456:2:1", "scrypt", …
    min_length: int


@dataclass(frozen=True)
class LoginLimits:
    """Sign-in throttling, counted per account and per source address, separately."""

    max_failures: int  #: failures of one account within the window that lock that account
    ip_max_failures: int  #: failures from one address within the window that refuse the address
    window: timedelta
    lockout: timedelta
    #: The configured hash method: an unknown number is checked against a dummy hash made with
    #: it, so it costs as much as a real account; a right password stored otherwise is
    #: hashed again with it.
    hash_method: str = "argon2id"
    #: Whether demo accounts (``User.is_demo``) may sign in: ALLOW_DEMO_DATA, off in production.
    allow_demo_accounts: bool = False


def password_policy(config: Mapping[str, Any]) -> PasswordPolicy:
    return PasswordPolicy(config["PASSWORD_HASH_METHOD"], config["PASSWORD_MIN_LENGTH"])


def login_limits(config: Mapping[str, Any]) -> LoginLimits:
    return LoginLimits(
        max_failures=config["LOGIN_MAX_FAILURES"],
        ip_max_failures=config["LOGIN_IP_MAX_FAILURES"],
        window=timedelta(seconds=config["LOGIN_WINDOW_SECONDS"]),
        lockout=timedelta(seconds=config["LOGIN_LOCKOUT_SECONDS"]),
        hash_method=config["PASSWORD_HASH_METHOD"],
        allow_demo_accounts=config["ALLOW_DEMO_DATA"],
    )
