"""Conversations as their owner sees them: one read with its messages, the list (searchable,
newest first, with counts and previews, in one query), rename and delete. Another user's
conversation is "not found"."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, delete, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend.core.errors import NotFoundError
from backend.db.paging import page_of_rows
from backend.models import ChatMessage, Conversation
from backend.services.ledger import escape_like

PREVIEW_LENGTH = 120


@dataclass(frozen=True)
class ConversationSummary:
    conversation: Conversation
    message_count: int
    last_message_preview: str | None


async def load_conversation(
    session: AsyncSession, owner_id: int, conversation_id: int, *, messages: bool = True
) -> Conversation:
    """The caller's conversation, with its messages and their ledger rows unless `messages`
    is false (another user's is "not found")."""
    options = [selectinload(Conversation.messages).selectinload(ChatMessage.calls)]
    conversation = await session.get(
        Conversation, conversation_id, options=options if messages else None
    )
    if conversation is None or conversation.user_id != owner_id:
        raise NotFoundError(f"Conversation {conversation_id} was not found.")
    return conversation


async def list_conversations(
    session: AsyncSession, owner_id: int, *, skip: int, limit: int, query: str | None
) -> tuple[list[ConversationSummary], int]:
    """Newest first, each with its message count and last message, in one query."""
    # Questions plus one answer each: earlier versions of an answer are not counted.
    answer = ChatMessage.role == "assistant"
    stats = (
        select(
            ChatMessage.conversation_id.label("conversation_id"),
            (
                func.count(ChatMessage.id)
                - func.count(case((answer, ChatMessage.id)))
                + func.count(distinct(case((answer, ChatMessage.reply_to_id))))
            ).label("message_count"),
            func.max(ChatMessage.id).label("last_id"),
        )
        .group_by(ChatMessage.conversation_id)
        .subquery()
    )
    last = select(ChatMessage.id, ChatMessage.content).subquery()
    conditions = [Conversation.user_id == owner_id]
    if query:
        pattern = f"%{escape_like(query.lower())}%"
        matching = select(ChatMessage.conversation_id).where(
            func.lower(ChatMessage.content).like(pattern, escape="\\")
        )
        conditions.append(
            or_(
                func.lower(Conversation.title).like(pattern, escape="\\"),
                Conversation.id.in_(matching),
            )
        )
    rows, total = await page_of_rows(
        session,
        select(Conversation, stats.c.message_count, last.c.content)
        .outerjoin(stats, stats.c.conversation_id == Conversation.id)
        .outerjoin(last, and_(last.c.id == stats.c.last_id))
        .where(*conditions)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc()),
        skip=skip,
        limit=limit,
    )
    summaries = [
        ConversationSummary(
            conversation=conversation,
            message_count=int(count or 0),
            last_message_preview=(content or "")[:PREVIEW_LENGTH] or None,
        )
        for conversation, count, content in rows
    ]
    return summaries, total


async def rename_conversation(
    session: AsyncSession, owner_id: int, conversation_id: int, title: str
) -> Conversation:
    conversation = await load_conversation(session, owner_id, conversation_id)
    conversation.title = title
    await session.commit()
    return conversation


async def delete_conversation(session: AsyncSession, owner_id: int, conversation_id: int) -> None:
    """The conversation goes; its ledger rows stay (the spend happened)."""
    await load_conversation(session, owner_id, conversation_id, messages=False)
    # The database cascades to the messages (answers point at questions, so deleting them
    # one by one from the ORM would trip over that order).
    await session.execute(delete(Conversation).where(Conversation.id == conversation_id))
    await session.commit()
