"""The chat interface every framework implements, and the context window they share.

History is trimmed by tokens, not by message count: the system prompt and the new message
always go in, then as many of the newest earlier turns as fit, leaving room for the answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from backend.core.names import FrameworkName
from backend.frameworks.base import ContextWindow, count_tokens, read_prompt


@dataclass(frozen=True)
class ChatTurn:
    role: Literal["user", "assistant"]
    content: str


def fit_history(
    system: str, history: Sequence[ChatTurn], message: str, window: ContextWindow
) -> list[ChatTurn]:
    """The newest turns that fit beside the system prompt and the new message."""
    budget = window.prompt_budget - count_tokens(system) - count_tokens(message)
    kept: list[ChatTurn] = []
    for turn in reversed(history):
        cost = count_tokens(turn.content)
        if cost > budget:
            break
        kept.append(turn)
        budget -= cost
    kept.reverse()
    while kept and kept[0].role != "user":  # a window starts on a user turn
        kept.pop(0)
    return kept


def system_prompt() -> str:
    return read_prompt("chat", "system.txt").strip()


class ChatFramework(Protocol):
    name: FrameworkName

    async def reply(self, history: Sequence[ChatTurn], message: str) -> str: ...

    def stream_reply(self, history: Sequence[ChatTurn], message: str) -> AsyncIterator[str]: ...
