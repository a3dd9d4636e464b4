"""The three orchestration frameworks for each use case, built around one shared client."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from openai import AsyncOpenAI

from backend.core.names import FrameworkName
from backend.frameworks.base import ContextWindow, GenerationSettings
from backend.frameworks.chat.base import ChatFramework
from backend.frameworks.chat.langchain import LangChainChat
from backend.frameworks.chat.langgraph import LangGraphChat
from backend.frameworks.chat.semantic_kernel import SemanticKernelChat
from backend.frameworks.documents.base import DocumentFramework
from backend.frameworks.documents.langchain import LangChainDocuments
from backend.frameworks.documents.langgraph import LangGraphDocuments
from backend.frameworks.documents.semantic_kernel import SemanticKernelDocuments
from backend.frameworks.stories.base import StoryFramework
from backend.frameworks.stories.langchain import LangChainStories
from backend.frameworks.stories.langgraph import LangGraphStories
from backend.frameworks.stories.semantic_kernel import SemanticKernelStories

__all__ = [
    "ChatFramework",
    "ContextWindow",
    "DocumentFramework",
    "GenerationSettings",
    "StoryFramework",
    "build_chat_frameworks",
    "build_document_frameworks",
    "build_frameworks",
]


def build_frameworks(
    client: AsyncOpenAI, settings: GenerationSettings
) -> dict[FrameworkName, StoryFramework]:
    kinds: list[Callable[..., StoryFramework]] = [
        SemanticKernelStories,
        LangChainStories,
        LangGraphStories,
    ]
    return _by_name(kind(client, settings) for kind in kinds)


def build_chat_frameworks(
    client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow
) -> dict[FrameworkName, ChatFramework]:
    kinds: list[Callable[..., ChatFramework]] = [SemanticKernelChat, LangChainChat, LangGraphChat]
    return _by_name(kind(client, settings, window) for kind in kinds)


def build_document_frameworks(
    client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow
) -> dict[FrameworkName, DocumentFramework]:
    kinds: list[Callable[..., DocumentFramework]] = [
        SemanticKernelDocuments,
        LangChainDocuments,
        LangGraphDocuments,
    ]
    return _by_name(kind(client, settings, window) for kind in kinds)


class _Named(Protocol):
    name: FrameworkName


_F = TypeVar("_F", bound=_Named)


def _by_name(frameworks: Iterable[_F]) -> dict[FrameworkName, _F]:
    return {framework.name: framework for framework in frameworks}
