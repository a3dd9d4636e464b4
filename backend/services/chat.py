"""Chat use cases: a turn with any framework (switching is allowed mid-conversation) and
regenerated answers, streamed or not; conversations listed, read, searched, renamed and deleted
by their owner.

A regenerated answer is kept beside the earlier ones as a version of the same reply (it points
at the question it answers); the newest version is the one later turns see as history. No
database connection is held while a model works: history is read in one short transaction and
the turn saved in another.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.aio import closing
from backend.core.context import current_transaction_guid
from backend.core.errors import InvalidRequestError
from backend.core.names import FrameworkName, Operation
from backend.core.text import storable
from backend.frameworks.base import ContextWindow, require_text
from backend.frameworks.chat.base import ChatFramework, ChatTurn
from backend.models import ChatMessage, Conversation
from backend.services.conversations import load_conversation
from backend.services.metering import Meter, MeteredUnit
from backend.services.spend_caps import SpendPlan

TITLE_LENGTH = 60


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


ChatEvent = ChatText | ChatDone


@dataclass(frozen=True)
class _Ask:
    """One answer to produce: by which framework, after which history, to what message, and
    how to save it (a new turn, or a new version of an answer)."""

    framework: FrameworkName
    history: list[ChatTurn]
    message: str
    save: Callable[[MeteredUnit, str], Awaitable[ChatTurnResult]]


@dataclass(frozen=True)
class _Question:
    """What a regenerated answer replies to, read before the model is called."""

    message_id: int
    content: str
    history: list[ChatTurn]
    framework: FrameworkName


def _title(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


def as_history(messages: Sequence[ChatMessage]) -> list[ChatTurn]:
    """Each question followed by the newest version of its answer."""
    latest: dict[int, ChatMessage] = {}
    for message in messages:
        if message.role == "assistant" and message.reply_to_id is not None:
            latest[message.reply_to_id] = message
    turns: list[ChatTurn] = []
    for message in messages:
        if message.role == "user":
            turns.append(ChatTurn(role="user", content=message.content))
            answer = latest.get(message.id)
            if answer is not None:
                turns.append(ChatTurn(role="assistant", content=answer.content))
    return turns


class ChatService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        meter: Meter,
        frameworks: Mapping[FrameworkName, ChatFramework],
        window: ContextWindow,
    ) -> None:
        self._sessions = sessions
        self._meter = meter
        self._frameworks = frameworks
        # A reply can cost at most a full prompt window and a full-length answer.
        self._plan = SpendPlan(
            calls=1, input_tokens=window.prompt_budget, output_tokens=window.max_answer_tokens
        )

    async def admit(self, owner_id: int) -> None:
        """Before a stream starts: refuse a reply the budgets cannot cover (a plain 429)."""
        await self._meter.admit(owner_id, [self._plan])

    def turn(
        self,
        owner_id: int,
        framework: FrameworkName,
        message: str,
        conversation_id: int | None = None,
        *,
        stream: bool = False,
    ) -> AsyncIterator[ChatEvent]:
        """Answer a message (streamed as `ChatText` when `stream`), then `ChatDone`."""

        async def ask() -> _Ask:
            history: list[ChatTurn] = []
            if conversation_id is not None:
                async with self._sessions() as session:
                    found = await load_conversation(session, owner_id, conversation_id)
                    history = as_history(found.messages)

            def save(unit: MeteredUnit, answer: str) -> Awaitable[ChatTurnResult]:
                return self._save_turn(unit, owner_id, framework, conversation_id, message, answer)

            return _Ask(framework, history, message, save)

        return self._reply(owner_id, ask, stream=stream)

    def regenerate(
        self,
        owner_id: int,
        conversation_id: int,
        framework: FrameworkName | None = None,
        *,
        stream: bool = False,
    ) -> AsyncIterator[ChatEvent]:
        """Answer the last question again (with `framework`, or the conversation's current
        one). The earlier answers stay as versions."""

        async def ask() -> _Ask:
            question = await self._last_question(owner_id, conversation_id, framework)

            def save(unit: MeteredUnit, answer: str) -> Awaitable[ChatTurnResult]:
                return self._save_version(unit, owner_id, conversation_id, question, answer)

            return _Ask(question.framework, question.history, question.content, save)

        return self._reply(owner_id, ask, stream=stream)

    async def _reply(
        self, owner_id: int, ask: Callable[[], Awaitable[_Ask]], *, stream: bool
    ) -> AsyncIterator[ChatEvent]:
        """One metered answer (its text streamed when `stream`), saved by the ask's `save`
        before the unit closes, so the answer and its ledger rows land together."""
        asked = await ask()
        framework = asked.framework
        async with self._meter.unit(Operation.CHAT, framework.value, owner_id, self._plan) as unit:
            parts: list[str] = []
            answers = self._answer(unit, framework, asked.history, asked.message, stream=stream)
            async with closing(answers) as texts:
                async for text in texts:
                    parts.append(text)
                    if stream:
                        yield ChatText(text)
            result = await asked.save(unit, self._final_text(unit, parts))
        yield ChatDone(result)

    async def _answer(
        self,
        unit: MeteredUnit,
        framework: FrameworkName,
        history: list[ChatTurn],
        message: str,
        *,
        stream: bool,
    ) -> AsyncIterator[str]:
        engine = self._frameworks[framework]
        try:
            if stream:
                async with closing(engine.stream_reply(history, message)) as texts:
                    async for text in texts:
                        yield text
            else:
                yield await engine.reply(history, message)
        except Exception as exc:
            raise unit.failure(exc) from exc

    @staticmethod
    def _final_text(unit: MeteredUnit, parts: list[str]) -> str:
        try:
            return storable(require_text("".join(parts)))
        except Exception as exc:
            raise unit.failure(exc) from exc

    async def _last_question(
        self, owner_id: int, conversation_id: int, framework: FrameworkName | None
    ) -> _Question:
        async with self._sessions() as session:
            conversation = await load_conversation(session, owner_id, conversation_id)
            messages = list(conversation.messages)
            questions = [m for m in messages if m.role == "user"]
            if not questions or not any(m.role == "assistant" for m in messages):
                raise InvalidRequestError("There is no answer to regenerate.")
            question = questions[-1]
            earlier = [m for m in messages if m.id < question.id]
            return _Question(
                message_id=question.id,
                content=question.content,
                history=as_history(earlier),
                framework=framework or FrameworkName(conversation.framework),
            )

    def _assistant_message(
        self, unit: MeteredUnit, framework: FrameworkName, text: str
    ) -> ChatMessage:
        totals = unit.totals()
        return ChatMessage(
            role="assistant",
            content=text,
            framework=framework.value,
            model=totals.model,
            provider=unit.provider_name,
            input_tokens=totals.input_tokens,
            output_tokens=totals.output_tokens,
            estimated_cost_usd=totals.cost_usd,
            generation_time_ms=unit.elapsed_ms,
            model_time_ms=totals.model_time_ms,
            transaction_guid=current_transaction_guid(),
        )

    async def _save_turn(
        self,
        unit: MeteredUnit,
        owner_id: int,
        framework: FrameworkName,
        conversation_id: int | None,
        message: str,
        text: str,
    ) -> ChatTurnResult:
        """The question, the answer and its ledger rows, in one short transaction."""
        async with self._sessions() as session:
            if conversation_id is None:
                conversation = Conversation(
                    user_id=owner_id, title=_title(message), framework=framework.value
                )
                session.add(conversation)
            else:
                conversation = await load_conversation(session, owner_id, conversation_id)
            question = ChatMessage(role="user", content=message)
            answer = self._assistant_message(unit, framework, text)
            answer.reply_to = question
            conversation.messages.extend([question, answer])
            await session.flush()  # one flush writes both, the question first
            await unit.attach(session, chat_message_id=answer.id)
            conversation.framework = framework.value
            conversation.updated_at = datetime.now(UTC)
            await session.commit()
            await unit.load_rows(session, answer)
            return ChatTurnResult(conversation, question, answer)

    async def _save_version(
        self,
        unit: MeteredUnit,
        owner_id: int,
        conversation_id: int,
        question: _Question,
        text: str,
    ) -> ChatTurnResult:
        async with self._sessions() as session:
            # The messages were read before the model worked; only the ownership is checked again.
            conversation = await load_conversation(
                session, owner_id, conversation_id, messages=False
            )
            asked = await session.get_one(ChatMessage, question.message_id)
            answer = self._assistant_message(unit, question.framework, text)
            answer.conversation_id = conversation.id
            answer.reply_to_id = question.message_id
            session.add(answer)
            await session.flush()
            await unit.attach(session, chat_message_id=answer.id)
            conversation.framework = question.framework.value
            conversation.updated_at = datetime.now(UTC)
            await session.commit()
            await unit.load_rows(session, answer)
            return ChatTurnResult(conversation, asked, answer)
