"""Password hashes: Argon2id at OWASP's parameters, werkzeug's methods still read, malformed
hashes no match."""

from __future__ import annotations

import pytest
from werkzeug.security import DEFAULT_PBKDF2_ITERATIONS

from exam_app.accounts import passwords

#: The prefix of a hash made with OWASP's first Argon2id configuration.
OWASP_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"
#: Hashes made before argon2id, with the methods this project used or might have used.
OLD_METHODS = ["scrypt", "pbkdf2:sha256:1000"]


@pytest.mark.parametrize("method", ["argon2id", "argon2id:19456:2:1"])
def test_argon2id_hashes_verify_the_password_and_nothing_else(method: str) -> None:
    stored = passwords.hash_password("Kx7-room-4821", method)
    assert stored.startswith(OWASP_PREFIX) and "Kx7-room-4821" not in stored
    assert passwords.verify_password(stored, "Kx7-room-4821")
    assert not passwords.verify_password(stored, "Kx7-room-4822")
    assert not passwords.verify_password(stored, "")
    assert passwords.hash_password("Kx7-room-4821", method) != stored, "salted"
    assert not passwords.needs_rehash(stored, "argon2id")
    assert not passwords.needs_rehash(stored, "argon2id:19456:2:1")


def test_explicit_argon2id_parameters_are_used_and_differ_from_the_default() -> None:
    stored = passwords.hash_password("Kx7-room-4821", "argon2id:8192:1:1")
    assert stored.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    assert passwords.verify_password(stored, "Kx7-room-4821")
    assert passwords.needs_rehash(stored, "argon2id")
    assert not passwords.needs_rehash(stored, "argon2id:8192:1:1")


@pytest.mark.parametrize("method", ["argon2id:19456:2", "argon2id:19456:2:1:0", "argon2id:a:b:c"])
def test_a_misspelt_argon2id_method_is_refused(method: str) -> None:
    with pytest.raises(ValueError, match="argon2id:MEMORY_KIB"):
        passwords.hash_password("Kx7-room-4821", method)


@pytest.mark.parametrize("method", [*OLD_METHODS, "scrypt:16384:8:1"])
def test_werkzeug_methods_still_hash_and_verify(method: str) -> None:
    stored = passwords.hash_password("Kx7-room-4821", method)
    assert stored.startswith(method.split(":")[0] + ":")
    assert passwords.verify_password(stored, "Kx7-room-4821")
    assert not passwords.verify_password(stored, "Kx7-room-4822")
    assert not passwords.needs_rehash(stored, method)
    assert passwords.needs_rehash(stored, "argon2id")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "garbage",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$!!$!!",
        "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        "$argon2x$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
        "md5$salt$5f4dcc3b5aa765d61d8327deb882cf99",
        "scrypt:1:1:1$salt$00",
        "scrypt:32768:8$salt$00",
        "pbkdf2:sha256:many$salt$00",
        "pbkdf2:no-such-digest:1000$salt$00",
        "pbkdf2:sha256:0$salt$00",
        "pbkdf2:sha256:1000$salt",
    ],
)
def test_a_malformed_stored_hash_is_no_match_and_raises_nothing(stored: str) -> None:
    assert passwords.verify_password(stored, "Kx7-room-4821") is False
    assert passwords.needs_rehash(stored, "argon2id")


def test_a_truncated_argon2id_hash_is_no_match() -> None:
    stored = passwords.hash_password("Kx7-room-4821", "argon2id")
    assert not passwords.verify_password(stored[:-5], "Kx7-room-4821")
    assert not passwords.verify_password(stored.replace("m=19456", "m=19457"), "Kx7-room-4821")


def test_werkzeug_methods_compare_as_werkzeug_writes_them() -> None:
    """ "scrypt" and "pbkdf2" are shorthands: a hash they made says what they stand for."""
    assert not passwords.needs_rehash("scrypt:32768:8:1$salt$00", "scrypt")
    assert passwords.needs_rehash("scrypt:16384:8:1$salt$00", "scrypt")
    full = f"pbkdf2:sha256:{DEFAULT_PBKDF2_ITERATIONS}$salt$00"
    assert not passwords.needs_rehash(full, "pbkdf2")
    assert not passwords.needs_rehash(full, "pbkdf2:sha256")
    assert passwords.needs_rehash("pbkdf2:sha256:1000$salt$00", "pbkdf2:sha256:2000")
    assert passwords.needs_rehash(passwords.hash_password("Kx7-room-4821", "argon2id"), "scrypt")
