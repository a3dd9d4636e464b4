"""Semantic Kernel chat: the conversation is a `ChatHistory` given to the chat service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from openai import AsyncOpenAI
from semantic_kernel.connectors.ai.open_ai import (
    OpenAIChatCompletion,
    OpenAIChatPromptExecutionSettings,
)
from semantic_kernel.contents import ChatHistory

from backend.core.names import FrameworkName
from backend.frameworks.base import ContextWindow, GenerationSettings, require_text
from backend.frameworks.chat.base import ChatTurn, fit_history, system_prompt


class SemanticKernelChat:
    name = FrameworkName.SEMANTIC_KERNEL

    def __init__(self, client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow):
        self._service = OpenAIChatCompletion(ai_model_id=settings.model, async_client=client)
        self._settings = settings
        self._window = window
        self._system = system_prompt()

    def _history(self, turns: Sequence[ChatTurn], message: str) -> ChatHistory:
        history = ChatHistory(system_message=self._system)
        for turn in fit_history(self._system, turns, message, self._window):
            if turn.role == "user":
                history.add_user_message(turn.content)
            else:
                history.add_assistant_message(turn.content)
        history.add_user_message(message)
        return history

    def _execution_settings(self) -> OpenAIChatPromptExecutionSettings:
        settings = OpenAIChatPromptExecutionSettings(temperature=self._settings.temperature)
        settings.max_tokens = self._window.max_answer_tokens
        return settings

    async def reply(self, history: Sequence[ChatTurn], message: str) -> str:
        answer = await self._service.get_chat_message_content(
            self._history(history, message), self._execution_settings()
        )
        return require_text(str(answer) if answer is not None else None)

    async def stream_reply(self, history: Sequence[ChatTurn], message: str) -> AsyncIterator[str]:
        async for chunk in self._service.get_streaming_chat_message_content(
            self._history(history, message), self._execution_settings()
        ):
            text = str(chunk) if chunk is not None else ""
            if text:
                yield text
