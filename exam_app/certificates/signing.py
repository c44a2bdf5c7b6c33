"""The installation's Ed25519 signing key and VC-JWT (EdDSA) signing and verification.

The private key lives in a PEM file (``CERT_SIGNING_KEY_FILE``, default ``instance/``), created
on first use with mode 0600; the public part is published as a JWK whose ``kid`` is its RFC 7638
thumbprint. Verifying needs only the public JWKs, so old certificates still verify after the key
file is replaced (the old public keys stay in the database).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

#: The media type of a JWT-secured W3C Verifiable Credential 2.0 (VC-JOSE-COSE).
VC_JWT_TYPE = "vc+jwt"


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    kid: str
    public_jwk: dict[str, str]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(public: Ed25519PublicKey) -> dict[str, str]:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    # RFC 7638: the SHA-256 of the required members, in lexicographic order, no whitespace.
    thumbprint = _b64url(hashlib.sha256(json.dumps(jwk, separators=(",", ":")).encode()).digest())
    return {**jwk, "kid": thumbprint, "alg": "EdDSA", "use": "sig"}


@lru_cache(maxsize=4)
def load_or_create(path: str) -> SigningKey:
    """The key in ``path``, made (0600) if the file does not exist yet.

    :raises ValueError: when the file holds something other than an Ed25519 private key
    """
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # O_EXCL: two processes starting at once must not both write (the loser reads).
        try:
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
    key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    jwk = public_jwk(key.public_key())
    return SigningKey(key, jwk["kid"], jwk)


def sign(payload: dict[str, Any], key: SigningKey) -> str:
    """A compact JWS (EdDSA) over the credential, ``typ`` vc+jwt, ``kid`` naming the key."""
    return jwt.encode(
        payload, key.private, algorithm="EdDSA", headers={"kid": key.kid, "typ": VC_JWT_TYPE}
    )


class BadSignature(ValueError):
    """Not a JWT, an unknown key, or a signature that does not match the content."""


def verify(token: str, jwks: list[dict[str, Any]]) -> dict[str, Any]:
    """The payload of ``token`` if one of ``jwks`` signed it. Dates are not checked here
    (``validFrom``/``validUntil`` are the credential's own; callers judge them).

    :raises BadSignature:
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise BadSignature(f"not a JWT: {exc}") from None
    jwk = next((k for k in jwks if k.get("kid") == header.get("kid")), None)
    if jwk is None or header.get("alg") != "EdDSA":
        raise BadSignature(f"no published key {header.get('kid')!r} for {header.get('alg')!r}")
    public = jwt.PyJWK(jwk, algorithm="EdDSA").key
    try:
        return jwt.decode(  # type: ignore[no-any-return]
            token,
            public,
            algorithms=["EdDSA"],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise BadSignature(f"signature does not verify: {exc}") from None
