"""Passwords, access tokens, refresh secrets and API keys: pure functions, no database."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

ALGORITHM = "HS256"
ISSUER = "fastapillm"
API_KEY_PREFIX = "fapi_"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
MIN_PASSWORD_SCORE = 3  # zxcvbn: 0 (guessable in seconds) .. 4 (very unguessable)

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *, email: str) -> str | None:
    """Why a password is too weak, or None. Length first, then zxcvbn's estimate (which also
    catches passwords built from the email address)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    result = zxcvbn(password, user_inputs=[email, *email.split("@")])
    if result["score"] < MIN_PASSWORD_SCORE:
        warning = result["feedback"].get("warning") or "This password is easy to guess."
        suggestions = " ".join(result["feedback"].get("suggestions") or [])
        return f"{warning} {suggestions}".strip()
    return None


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: str
    expires_at: datetime


class InvalidTokenError(Exception):
    """Malformed, tampered, expired or otherwise unacceptable access token."""


def create_access_token(
    *, user_id: int, session_id: str, key: str, lifetime: timedelta, now: datetime | None = None
) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires = issued + lifetime
    claims = {
        "sub": str(user_id),
        "sid": session_id,
        "type": "access",
        "iss": ISSUER,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM), expires


def decode_access_token(token: str, *, key: str) -> AccessClaims:
    """Only HS256 with our key is accepted: `none`, RS256 and other algorithms are refused."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(type(exc).__name__) from exc
    if claims.get("type") != "access" or not str(claims["sub"]).isdigit():
        raise InvalidTokenError("not an access token")
    return AccessClaims(
        user_id=int(claims["sub"]),
        session_id=str(claims["sid"]),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
    )


def create_link_token(
    claims: dict[str, object], *, purpose: str, key: str, lifetime: timedelta
) -> tuple[str, datetime]:
    """A short-lived signed link for one purpose (e.g. a download the browser streams
    to disk, which cannot send an Authorization header)."""
    issued = datetime.now(UTC)
    expires = issued + lifetime
    payload = {
        **claims,
        "type": purpose,
        "iss": ISSUER,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM), expires


def decode_link_token(token: str, *, purpose: str, key: str) -> dict[str, object]:
    try:
        claims: dict[str, object] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(type(exc).__name__) from exc
    if claims.get("type") != purpose:
        raise InvalidTokenError(f"not a {purpose} link")
    return claims


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str, str]:
    """(the key, shown once; its display prefix; its SHA-256, which is what is stored).
    Keys carry 256 random bits, so a fast hash is enough: there is nothing to brute-force."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[:12], sha256_hex(key)


def looks_like_api_key(token: str) -> bool:
    return token.startswith(API_KEY_PREFIX)


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
