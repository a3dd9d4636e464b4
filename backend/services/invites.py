"""Invite codes for invite-only registration (REGISTRATION=invite): an administrator makes
one, hands it to one person, and it opens one account. Only the code's hash is stored."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import PermissionDeniedError
from backend.core.security import sha256_hex
from backend.db.base import utcnow
from backend.db.paging import page_of
from backend.models import Invite

INVITE_PREFIX = "inv_"


async def create_invite(
    session: AsyncSession, admin_id: int, valid_for: timedelta
) -> tuple[Invite, str]:
    """A new invite and its code (shown once)."""
    code = INVITE_PREFIX + secrets.token_urlsafe(18)
    invite = Invite(
        code_hash=sha256_hex(code),
        created_by=admin_id,
        created_at=utcnow(),
        expires_at=utcnow() + valid_for,
    )
    session.add(invite)
    await session.commit()
    return invite, code


async def list_invites(session: AsyncSession, *, skip: int, limit: int) -> tuple[list[Invite], int]:
    query = select(Invite).order_by(Invite.created_at.desc(), Invite.id.desc())
    return await page_of(session, query, skip=skip, limit=limit)


async def claim_invite(session: AsyncSession, code: str | None, user_id: int) -> None:
    """Spend an invite on a new account (in the caller's transaction), or refuse: a code that
    is unknown, used or expired opens nothing. Two sign-ups racing for one code: one wins."""
    refused = PermissionDeniedError(
        "Sign-up on this platform needs a valid invite code from an administrator.",
        details=[{"field": "invite_code", "message": "unknown, used or expired", "type": "invite"}],
    )
    if not code:
        raise refused
    now = utcnow()
    claimed = await session.execute(
        update(Invite)
        .where(
            Invite.code_hash == sha256_hex(code),
            Invite.used_at.is_(None),
            Invite.expires_at > now,
        )
        .values(used_by=user_id, used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise refused
