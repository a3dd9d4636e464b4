"""Chat use cases: a turn with any framework (switching is allowed mid-conversation), streamed
or not; conversations listed, read, searched, renamed and deleted by their owner."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import anyio
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend.core.context import current_transaction_guid
from backend.core.errors import AppError, InvalidRequestError, NotFoundError
from backend.frameworks.base import FrameworkName, require_text
from backend.frameworks.chat_base import ChatFramework, ChatTurn
from backend.llm.calls import ProviderCall, record_calls
from backend.models import ChatMessage, Conversation
from backend.services.ledger import CallPricer, escape_like
from backend.services.provider_errors import provider_error

OPERATION = "chat"
TITLE_LENGTH = 60
PREVIEW_LENGTH = 120


@dataclass(frozen=True)
class ChatTurnResult:
    conversation: Conversation
    user_message: ChatMessage
    assistant_message: ChatMessage


@dataclass(frozen=True)
class ChatText:
    text: str


@dataclass(frozen=True)
class ChatDone:
    result: ChatTurnResult


@dataclass(frozen=True)
class ChatFailed:
    error: AppError


ChatEvent = ChatText | ChatDone | ChatFailed


@dataclass(frozen=True)
class ConversationSummary:
    conversation: Conversation
    message_count: int
    last_message_preview: str | None


def _title(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


class ChatService:
    def __init__(self, frameworks: Mapping[FrameworkName, ChatFramework], pricer: CallPricer):
        self._frameworks = frameworks
        self._pricer = pricer

    async def conversation(
        self, session: AsyncSession, owner_id: int, conversation_id: int
    ) -> Conversation:
        """Another user's conversation is "not found"."""
        conversation = await session.get(
            Conversation,
            conversation_id,
            options=[selectinload(Conversation.messages).selectinload(ChatMessage.calls)],
        )
        if conversation is None or conversation.user_id != owner_id:
            raise NotFoundError(f"Conversation {conversation_id} was not found.")
        return conversation

    async def _context(
        self, session: AsyncSession, owner_id: int, conversation_id: int | None
    ) -> tuple[Conversation | None, list[ChatTurn]]:
        if conversation_id is None:
            return None, []
        conversation = await self.conversation(session, owner_id, conversation_id)
        turns = [
            ChatTurn(role="user" if m.role == "user" else "assistant", content=m.content)
            for m in conversation.messages
        ]
        return conversation, turns

    async def send(
        self,
        session: AsyncSession,
        owner_id: int,
        framework: FrameworkName,
        message: str,
        conversation_id: int | None = None,
    ) -> ChatTurnResult:
        conversation, history = await self._context(session, owner_id, conversation_id)
        started = time.perf_counter()
        with record_calls() as recorder:
            try:
                text = await self._frameworks[framework].reply(history, message)
            except Exception as exc:
                await self._save_failed_calls(session, recorder.calls, framework, owner_id)
                raise provider_error(recorder, exc) from exc
        return await self._save_turn(
            session, owner_id, framework, conversation, message, text, recorder.calls, started
        )

    async def stream(
        self,
        session: AsyncSession,
        owner_id: int,
        framework: FrameworkName,
        message: str,
        conversation_id: int | None = None,
    ) -> AsyncIterator[ChatEvent]:
        conversation, history = await self._context(session, owner_id, conversation_id)
        started = time.perf_counter()
        parts: list[str] = []
        with record_calls() as recorder:
            try:
                async for text in self._frameworks[framework].stream_reply(history, message):
                    parts.append(text)
                    yield ChatText(text)
                answer = require_text("".join(parts))
            except BaseException as exc:
                with anyio.CancelScope(shield=True):
                    await self._save_failed_calls(session, recorder.calls, framework, owner_id)
                if not isinstance(exc, Exception):
                    raise
                yield ChatFailed(provider_error(recorder, exc))
                return
        result = await self._save_turn(
            session, owner_id, framework, conversation, message, answer, recorder.calls, started
        )
        yield ChatDone(result)

    async def regenerate(
        self,
        session: AsyncSession,
        owner_id: int,
        conversation_id: int,
        framework: FrameworkName,
    ) -> ChatTurnResult:
        """Answer the last user message again (with any framework), replacing the last answer."""
        conversation = await self.conversation(session, owner_id, conversation_id)
        messages = list(conversation.messages)
        if len(messages) < 2 or messages[-1].role != "assistant":
            raise InvalidRequestError("There is no answer to regenerate.")
        *earlier, question, _ = messages
        history = [
            ChatTurn(role="user" if m.role == "user" else "assistant", content=m.content)
            for m in earlier
        ]
        started = time.perf_counter()
        with record_calls() as recorder:
            try:
                text = await self._frameworks[framework].reply(history, question.content)
            except Exception as exc:
                await self._save_failed_calls(session, recorder.calls, framework, owner_id)
                raise provider_error(recorder, exc) from exc
        await session.delete(messages[-1])
        conversation.messages.remove(messages[-1])
        assistant = self._assistant_message(framework, text, recorder.calls, started, owner_id)
        conversation.messages.append(assistant)
        conversation.framework = framework.value
        conversation.updated_at = datetime.now(UTC)
        await session.commit()
        return ChatTurnResult(conversation, question, assistant)

    def _assistant_message(
        self,
        framework: FrameworkName,
        text: str,
        calls: Sequence[ProviderCall],
        started: float,
        owner_id: int,
    ) -> ChatMessage:
        rows = self._pricer.rows(
            calls, operation=OPERATION, framework=framework.value, user_id=owner_id
        )
        succeeded = [row for row in rows if row.status == "ok"]
        return ChatMessage(
            role="assistant",
            content=text,
            framework=framework.value,
            model=succeeded[-1].model if succeeded else self._pricer.provider.model,
            provider=self._pricer.provider.name,
            input_tokens=sum(row.input_tokens for row in rows),
            output_tokens=sum(row.output_tokens for row in rows),
            estimated_cost_usd=sum((row.cost_usd for row in rows), Decimal(0)),
            generation_time_ms=(time.perf_counter() - started) * 1000,
            transaction_guid=current_transaction_guid(),
            calls=rows,
        )

    async def _save_turn(
        self,
        session: AsyncSession,
        owner_id: int,
        framework: FrameworkName,
        conversation: Conversation | None,
        message: str,
        text: str,
        calls: Sequence[ProviderCall],
        started: float,
    ) -> ChatTurnResult:
        """The question, the answer and the ledger rows, in one transaction."""
        if conversation is None:
            conversation = Conversation(
                user_id=owner_id, title=_title(message), framework=framework.value, messages=[]
            )
            session.add(conversation)
        user_message = ChatMessage(role="user", content=message)
        assistant = self._assistant_message(framework, text, calls, started, owner_id)
        conversation.messages.extend([user_message, assistant])
        conversation.framework = framework.value
        conversation.updated_at = datetime.now(UTC)
        await session.commit()
        return ChatTurnResult(conversation, user_message, assistant)

    async def _save_failed_calls(
        self,
        session: AsyncSession,
        calls: Sequence[ProviderCall],
        framework: FrameworkName,
        owner_id: int,
    ) -> None:
        await self._pricer.save_failed(
            session, calls, operation=OPERATION, framework=framework.value, user_id=owner_id
        )

    async def list_conversations(
        self, session: AsyncSession, owner_id: int, *, skip: int, limit: int, query: str | None
    ) -> tuple[list[ConversationSummary], int]:
        """Newest first, each with its message count and last message, in one query."""
        stats = (
            select(
                ChatMessage.conversation_id.label("conversation_id"),
                func.count(ChatMessage.id).label("message_count"),
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
        total = (
            await session.execute(select(func.count(Conversation.id)).where(*conditions))
        ).scalar_one()
        rows = await session.execute(
            select(Conversation, stats.c.message_count, last.c.content)
            .outerjoin(stats, stats.c.conversation_id == Conversation.id)
            .outerjoin(last, and_(last.c.id == stats.c.last_id))
            .where(*conditions)
            .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
            .offset(skip)
            .limit(limit)
        )
        summaries = [
            ConversationSummary(
                conversation=conversation,
                message_count=int(count or 0),
                last_message_preview=(content or "")[:PREVIEW_LENGTH] or None,
            )
            for conversation, count, content in rows
        ]
        return summaries, int(total)

    async def rename(
        self, session: AsyncSession, owner_id: int, conversation_id: int, title: str
    ) -> Conversation:
        conversation = await self.conversation(session, owner_id, conversation_id)
        conversation.title = title
        await session.commit()
        return conversation

    async def delete(self, session: AsyncSession, owner_id: int, conversation_id: int) -> None:
        """The conversation goes; its ledger rows stay (the spend happened)."""
        conversation = await self.conversation(session, owner_id, conversation_id)
        await session.delete(conversation)
        await session.commit()
