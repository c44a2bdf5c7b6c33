"""Password hashes: the one place that makes and checks them.

A method is the setting ``PASSWORD_HASH_METHOD`` names:

- ``"argon2id"``: Argon2id with the first parameters of OWASP's Password Storage Cheat Sheet
  (19 MiB, 2 passes, 1 lane; ~30 ms of one core), or ``"argon2id:MEMORY_KIB:TIME:LANES"``;
  stored in the standard PHC form ``$argon2id$v=19$m=…,t=…,p=…$salt$hash``.
- any werkzeug method (``"scrypt"``, ``"scrypt:32768:8:1"``, ``"pbkdf2:sha256:600000"``):
  stored as werkzeug writes it, ``method$salt$hash``.

Hashes of either kind verify whatever the setting, so accounts made under an earlier one keep
signing in; ``needs_rehash`` tells sign-in to store the password again under the current one.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from argon2 import PasswordHasher, Type
from argon2.exceptions import Argon2Error
from werkzeug.security import (
    DEFAULT_PBKDF2_ITERATIONS,
    check_password_hash,
    generate_password_hash,
)

ARGON2ID = "argon2id"


class Argon2Parameters(NamedTuple):
    memory_kib: int
    time_cost: int
    parallelism: int


#: OWASP Password Storage Cheat Sheet, Argon2id's first configuration: m=19 MiB, t=2, p=1.
OWASP_ARGON2ID = Argon2Parameters(memory_kib=19456, time_cost=2, parallelism=1)

#: What a stored hash that is not ours can make a check raise: werkzeug's "invalid method",
#: a bad number or digest name, scrypt's memory limit; argon2's mismatch and invalid hash.
_MALFORMED = (Argon2Error, ValueError, TypeError, OverflowError)


def argon2_parameters(method: str) -> Argon2Parameters | None:
    """The Argon2id parameters ``method`` names, or None for a werkzeug method.

    :raises ValueError: for an "argon2id:…" that is not "argon2id:MEMORY_KIB:TIME:LANES"
    """
    name, *args = method.split(":")
    if name != ARGON2ID:
        return None
    if not args:
        return OWASP_ARGON2ID
    try:
        memory_kib, time_cost, parallelism = (int(arg) for arg in args)
    except ValueError:
        raise ValueError(
            f"{method!r}: write argon2id or argon2id:MEMORY_KIB:TIME_COST:PARALLELISM"
        ) from None
    return Argon2Parameters(memory_kib, time_cost, parallelism)


@functools.cache
def _hasher(parameters: Argon2Parameters) -> PasswordHasher:
    return PasswordHasher(
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_kib,
        parallelism=parameters.parallelism,
        type=Type.ID,
    )


def _werkzeug_method(method: str) -> str:
    """``method`` written out the way werkzeug stores it in a hash ("scrypt" is
    "scrypt:32768:8:1", "pbkdf2" is "pbkdf2:sha256:1000000"), to compare with a stored one."""
    name, *args = method.split(":")
    if name == "scrypt" and not args:
        return "scrypt:32768:8:1"  # werkzeug's defaults: n=2**15, r=8, p=1
    if name == "scrypt" and len(args) == 3:
        return "scrypt:" + ":".join(str(int(arg)) for arg in args)
    if name == "pbkdf2" and len(args) <= 2:
        digest = args[0] if args else "sha256"
        iterations = int(args[1]) if len(args) == 2 else DEFAULT_PBKDF2_ITERATIONS
        return f"pbkdf2:{digest}:{iterations}"
    return method


def hash_password(password: str, method: str) -> str:
    """A new salted hash of ``password`` made with ``method`` (see the module's docstring).

    :raises ValueError: for a method neither argon2id nor werkzeug knows
    """
    parameters = argon2_parameters(method)
    if parameters is None:
        return generate_password_hash(password, method=method)
    return _hasher(parameters).hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored_hash`` was made from, whichever method made it.

    Never raises: a malformed or foreign hash is simply not a match.
    """
    try:
        if stored_hash.startswith("$argon2"):
            # The parameters are read from the hash itself, whatever the hasher's own.
            return _hasher(OWASP_ARGON2ID).verify(stored_hash, password)
        return check_password_hash(stored_hash, password)
    except _MALFORMED:
        return False


def needs_rehash(stored_hash: str, method: str) -> bool:
    """Whether ``stored_hash`` was made otherwise than ``method`` says now (another algorithm or
    other parameters), so the password, once known to be right, should be hashed again."""
    parameters = argon2_parameters(method)
    if parameters is None:
        return stored_hash.split("$", 1)[0] != _werkzeug_method(method)
    if not stored_hash.startswith(f"${ARGON2ID}$"):
        return True
    try:
        return _hasher(parameters).check_needs_rehash(stored_hash)
    except _MALFORMED:
        return True
