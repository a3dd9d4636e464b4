"""Prompts over documents: one interface, the window arithmetic, splitting and collapsing.

A document that fits the window is answered in one call. One that does not is split into
chunks (map), the partial answers are merged in groups until they fit (collapse), then
combined (reduce). Frameworks that cannot map-reduce refuse with the limit instead of
truncating.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from langchain_text_splitters import RecursiveCharacterTextSplitter

from backend.core.names import FrameworkName
from backend.frameworks.base import (
    FIT_CHARS_PER_TOKEN,
    ContextWindow,
    TextDelta,
    count_tokens,
    read_prompt,
)


@dataclass(frozen=True)
class DocumentTask:
    system_prompt: str
    user_prompt: str
    chunks: list[str]  # one chunk: the whole document fits

    @property
    def map_reduce(self) -> bool:
        return len(self.chunks) > 1


class DocumentFramework(Protocol):
    name: FrameworkName
    supports_map_reduce: bool

    def run(self, task: DocumentTask) -> AsyncIterator[TextDelta]: ...


def template(name: str) -> str:
    return read_prompt("documents", f"{name}.txt")


def chunk_budget(window: ContextWindow, system_prompt: str, user_prompt: str) -> int:
    """Tokens left for document text in one call."""
    overhead = max(count_tokens(template("map")), count_tokens(template("answer")))
    return window.prompt_budget - count_tokens(system_prompt) - count_tokens(user_prompt) - overhead


def split_document(text: str, budget_tokens: int) -> list[str]:
    if budget_tokens <= 0:
        return []
    if count_tokens(text) <= budget_tokens:
        return [text]
    size = budget_tokens * FIT_CHARS_PER_TOKEN  # the same estimate as count_tokens
    splitter = RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=size // 10)
    return splitter.split_text(text)


async def collapse(
    partials: Sequence[str],
    budget_tokens: int,
    merge: Callable[[list[str]], Awaitable[str]],
) -> list[str]:
    """Merge partial answers group by group until all of them fit in one call."""
    current = list(partials)
    while len(current) > 1 and count_tokens("\n---\n".join(current)) > budget_tokens:
        groups: list[list[str]] = [[]]
        for partial in current:
            if groups[-1] and count_tokens("\n---\n".join([*groups[-1], partial])) > budget_tokens:
                groups.append([])
            groups[-1].append(partial)
        if len(groups) == len(current):  # nothing can be paired: merge neighbours anyway
            groups = [current[i : i + 2] for i in range(0, len(current), 2)]
        current = [await merge(group) if len(group) > 1 else group[0] for group in groups]
    return current
