"""LangChain chat: a prompt with a `MessagesPlaceholder` for the history, trimmed with
LangChain's own `trim_messages` to the context window."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, trim_messages
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import Runnable
from openai import AsyncOpenAI

from backend.core.names import FrameworkName
from backend.frameworks.base import ContextWindow, GenerationSettings, count_tokens, require_text
from backend.frameworks.chat.base import ChatTurn, system_prompt
from backend.frameworks.connectors import chat_model


def to_messages(turns: Sequence[ChatTurn]) -> list[BaseMessage]:
    return [
        HumanMessage(turn.content) if turn.role == "user" else AIMessage(turn.content)
        for turn in turns
    ]


def message_tokens(messages: Sequence[BaseMessage]) -> int:
    return sum(count_tokens(str(message.content)) for message in messages)


def trim_to_window(
    messages: list[BaseMessage], system: str, message: str, window: ContextWindow
) -> list[BaseMessage]:
    budget = window.prompt_budget - count_tokens(system) - count_tokens(message)
    if budget <= 0:
        return []
    trimmed: list[BaseMessage] = trim_messages(
        messages,
        max_tokens=budget,
        token_counter=message_tokens,
        strategy="last",
        start_on="human",
        allow_partial=False,
    )
    return trimmed


def chat_settings(settings: GenerationSettings, window: ContextWindow) -> GenerationSettings:
    return GenerationSettings(
        model=settings.model,
        max_tokens=window.max_answer_tokens,
        temperature=settings.temperature,
        send_legacy_max_tokens=settings.send_legacy_max_tokens,
    )


class LangChainChat:
    name = FrameworkName.LANGCHAIN

    def __init__(self, client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow):
        self._window = window
        self._system = system_prompt()
        prompt = ChatPromptTemplate.from_messages(
            [
                ("system", self._system),
                MessagesPlaceholder("history"),
                ("human", "{message}"),
            ]
        )
        self._chain: Runnable[dict[str, Any], str] = (
            prompt | chat_model(client, chat_settings(settings, window)) | StrOutputParser()
        )

    def _inputs(self, history: Sequence[ChatTurn], message: str) -> dict[str, Any]:
        messages = trim_to_window(to_messages(history), self._system, message, self._window)
        return {"history": messages, "message": message}

    async def reply(self, history: Sequence[ChatTurn], message: str) -> str:
        return require_text(await self._chain.ainvoke(self._inputs(history, message)))

    async def stream_reply(self, history: Sequence[ChatTurn], message: str) -> AsyncIterator[str]:
        async for text in self._chain.astream(self._inputs(history, message)):
            if text:
                yield text
