"""Accounts: register, sign in and out, refresh, change password, and authenticate requests.

Access tokens are short-lived JWTs naming a session; the session holds the hash of a rotating
refresh secret (sent to browsers in an HttpOnly cookie). Revoking the session ends both.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDeniedError,
    UnprocessableError,
)
from backend.core.logging import get_logger
from backend.core.security import (
    InvalidTokenError,
    create_access_token,
    create_link_token,
    decode_access_token,
    decode_link_token,
    hash_password,
    looks_like_api_key,
    new_secret,
    password_problem,
    same_secret,
    sha256_hex,
    verify_password,
)
from backend.models import ApiKey, AuthSession, LLMCall, Story, User
from backend.services.invites import claim_invite
from backend.services.rate_limits import Budget, RateLimits

log = get_logger(__name__)

INVALID_CREDENTIALS = "Invalid email or password."
SESSION_ENDED = "Your session has ended or is invalid. Sign in again."
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in browser session or a personal API key."""

    user_id: int
    is_admin: bool
    session_id: str | None = None
    api_key_id: int | None = None


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_at: datetime
    refresh_cookie: str
    refresh_expires_at: datetime


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _weak_password(problem: str) -> UnprocessableError:
    return UnprocessableError(
        "The password is too weak.",
        details=[{"field": "password", "message": problem, "type": "weak_password"}],
    )


class AccountService:
    def __init__(
        self,
        *,
        signing_key: str,
        access_lifetime: timedelta,
        refresh_lifetime: timedelta,
        rate_limits: RateLimits,
        registration: str = "open",
        default_monthly_budget_usd: Decimal | None = None,
    ) -> None:
        self.registration = registration
        self._default_budget = default_monthly_budget_usd
        self._key = signing_key
        self._access_lifetime = access_lifetime
        self._refresh_lifetime = refresh_lifetime
        self._rate_limits = rate_limits

    def sign_link(
        self, claims: dict[str, object], purpose: str, lifetime: timedelta
    ) -> tuple[str, datetime]:
        """A short-lived link signed with the platform's key (see `create_link_token`)."""
        return create_link_token(claims, purpose=purpose, key=self._key, lifetime=lifetime)

    async def open_link(
        self, session: AsyncSession, token: str, purpose: str
    ) -> tuple[Principal, dict[str, object]]:
        """The account a link was made for (still active) and the link's claims; 401 for a
        link that is forged, expired, for another purpose, or whose account is disabled."""
        try:
            claims = decode_link_token(token, purpose=purpose, key=self._key)
        except InvalidTokenError as exc:
            raise AuthenticationError("This link is invalid or has expired.") from exc
        user = await session.get(User, int(str(claims["sub"])))
        if user is None or not user.is_active:
            raise AuthenticationError("This link is invalid or has expired.")
        return Principal(user_id=user.id, is_admin=user.is_admin), claims

    async def register(
        self, session: AsyncSession, email: str, password: str, invite_code: str | None = None
    ) -> tuple[User, IssuedTokens]:
        """The first account becomes admin and takes ownership of rows made before accounts.
        Later ones need open registration, or an invite code when it is invite-only."""
        email = normalise_email(email)
        problem = password_problem(password, email=email)
        if problem:
            raise _weak_password(problem)
        password_hash = await asyncio.to_thread(hash_password, password)
        first = (await session.execute(select(func.count(User.id)))).scalar_one() == 0
        if not first and self.registration == "closed":
            raise PermissionDeniedError("Sign-up is closed on this platform (REGISTRATION).")
        user = User(
            email=email,
            password_hash=password_hash,
            is_admin=first,
            is_active=True,
            monthly_budget_usd=None if first else self._default_budget,
        )
        session.add(user)
        try:
            await session.flush()
        except IntegrityError as exc:
            await session.rollback()
            raise ConflictError("An account with this email already exists.") from exc
        if not first and self.registration == "invite":
            try:
                await claim_invite(session, invite_code, user.id)
            except PermissionDeniedError:
                await session.rollback()
                raise
        if first:
            for table in (Story, LLMCall):
                await session.execute(
                    update(table).where(table.user_id.is_(None)).values(user_id=user.id)
                )
        tokens = await self._open_session(session, user)
        log.info("account_registered", user_id=user.id, is_admin=user.is_admin)
        return user, tokens

    async def login(
        self, session: AsyncSession, email: str, password: str, client_ip: str
    ) -> tuple[User, IssuedTokens]:
        """Failed attempts are throttled per account and per client address."""
        email = normalise_email(email)
        account_key = sha256_hex(email)
        await self._rate_limits.check(Budget.LOGIN_FAILURES_ACCOUNT, account_key)
        await self._rate_limits.check(Budget.LOGIN_FAILURES_IP, client_ip)
        user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
        stored_hash = user.password_hash if user is not None else None
        if not await asyncio.to_thread(verify_password, stored_hash, password) or user is None:
            await self._rate_limits.count_failure(Budget.LOGIN_FAILURES_ACCOUNT, account_key)
            await self._rate_limits.count_failure(Budget.LOGIN_FAILURES_IP, client_ip)
            log.warning("login_failed")
            raise AuthenticationError(INVALID_CREDENTIALS)
        if not user.is_active:
            raise AuthenticationError("This account is disabled.")
        return user, await self._open_session(session, user)

    async def _open_session(self, session: AsyncSession, user: User) -> IssuedTokens:
        secret = new_secret()
        now = datetime.now(UTC)
        auth_session = AuthSession(
            id=str(uuid.uuid4()),
            user_id=user.id,
            refresh_hash=sha256_hex(secret),
            created_at=now,
            expires_at=now + self._refresh_lifetime,
        )
        session.add(auth_session)
        await session.commit()
        return self._issue(user.id, auth_session, secret)

    def _issue(self, user_id: int, auth_session: AuthSession, secret: str) -> IssuedTokens:
        token, expires_at = create_access_token(
            user_id=user_id,
            session_id=auth_session.id,
            key=self._key,
            lifetime=self._access_lifetime,
        )
        return IssuedTokens(
            access_token=token,
            expires_at=expires_at,
            refresh_cookie=f"{auth_session.id}.{secret}",
            refresh_expires_at=auth_session.expires_at,
        )

    async def refresh(self, session: AsyncSession, cookie: str | None) -> IssuedTokens:
        """Rotate the refresh secret. A stale secret means the cookie was copied: the whole
        session is revoked."""
        session_id, _, secret = (cookie or "").partition(".")
        auth_session = await session.get(AuthSession, session_id) if session_id else None
        now = datetime.now(UTC)
        if auth_session is None or auth_session.revoked_at or auth_session.expires_at <= now:
            raise AuthenticationError(SESSION_ENDED)
        if not same_secret(auth_session.refresh_hash, sha256_hex(secret)):
            auth_session.revoked_at = now
            await session.commit()
            log.warning("refresh_token_reused", session_id=session_id)
            raise AuthenticationError(SESSION_ENDED)
        user = await session.get(User, auth_session.user_id)
        if user is None or not user.is_active:
            raise AuthenticationError(SESSION_ENDED)
        new = new_secret()
        auth_session.refresh_hash = sha256_hex(new)
        auth_session.expires_at = now + self._refresh_lifetime
        await session.commit()
        return self._issue(user.id, auth_session, new)

    async def logout(self, session: AsyncSession, principal: Principal) -> None:
        if principal.session_id is None:
            return
        await session.execute(
            update(AuthSession)
            .where(AuthSession.id == principal.session_id)
            .values(revoked_at=datetime.now(UTC))
        )
        await session.commit()

    async def change_password(
        self, session: AsyncSession, principal: Principal, current: str, new: str
    ) -> None:
        """Other sessions are signed out; this one stays."""
        user = await session.get(User, principal.user_id)
        assert user is not None
        if not await asyncio.to_thread(verify_password, user.password_hash, current):
            raise UnprocessableError(
                "The current password is wrong.",
                details=[
                    {"field": "current_password", "message": "wrong password", "type": "invalid"}
                ],
            )
        problem = password_problem(new, email=user.email)
        if problem:
            raise _weak_password(problem)
        user.password_hash = await asyncio.to_thread(hash_password, new)
        await revoke_sessions(session, user.id, keep=principal.session_id)
        await session.commit()

    async def authenticate(self, session: AsyncSession, token: str) -> Principal:
        if looks_like_api_key(token):
            return await self._authenticate_api_key(session, token)
        try:
            claims = decode_access_token(token, key=self._key)
        except InvalidTokenError as exc:
            raise AuthenticationError(SESSION_ENDED) from exc
        # Columns, not entities: this runs on every request and needs no ORM objects.
        row = (
            await session.execute(
                select(AuthSession.revoked_at, User.id, User.is_admin, User.is_active)
                .join(User, User.id == AuthSession.user_id)
                .where(AuthSession.id == claims.session_id)
            )
        ).one_or_none()
        if row is None:
            raise AuthenticationError(SESSION_ENDED)
        revoked_at, user_id, is_admin, is_active = row
        if revoked_at or user_id != claims.user_id or not is_active:
            raise AuthenticationError(SESSION_ENDED)
        return Principal(user_id=user_id, is_admin=is_admin, session_id=claims.session_id)

    async def _authenticate_api_key(self, session: AsyncSession, key: str) -> Principal:
        row = (
            await session.execute(
                select(ApiKey, User)
                .join(User, User.id == ApiKey.user_id)
                .where(ApiKey.key_hash == sha256_hex(key))
            )
        ).one_or_none()
        if row is None:
            raise AuthenticationError("Unknown or revoked API key.")
        api_key, user = row
        if api_key.revoked_at is not None or not user.is_active:
            raise AuthenticationError("Unknown or revoked API key.")
        now = datetime.now(UTC)
        if api_key.last_used_at is None or now - api_key.last_used_at > API_KEY_TOUCH_INTERVAL:
            api_key.last_used_at = now
            await session.commit()
        return Principal(user_id=user.id, is_admin=user.is_admin, api_key_id=api_key.id)


async def revoke_sessions(session: AsyncSession, user_id: int, *, keep: str | None = None) -> None:
    query = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    await session.execute(query.values(revoked_at=datetime.now(UTC)))
