"""The three orchestration frameworks for each use case, built around one shared client."""

from __future__ import annotations

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
    return {
        FrameworkName.SEMANTIC_KERNEL: SemanticKernelStories(client, settings),
        FrameworkName.LANGCHAIN: LangChainStories(client, settings),
        FrameworkName.LANGGRAPH: LangGraphStories(client, settings),
    }


def build_chat_frameworks(
    client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow
) -> dict[FrameworkName, ChatFramework]:
    return {
        FrameworkName.SEMANTIC_KERNEL: SemanticKernelChat(client, settings, window),
        FrameworkName.LANGCHAIN: LangChainChat(client, settings, window),
        FrameworkName.LANGGRAPH: LangGraphChat(client, settings, window),
    }


def build_document_frameworks(
    client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow
) -> dict[FrameworkName, DocumentFramework]:
    return {
        FrameworkName.SEMANTIC_KERNEL: SemanticKernelDocuments(client, settings, window),
        FrameworkName.LANGCHAIN: LangChainDocuments(client, settings, window),
        FrameworkName.LANGGRAPH: LangGraphDocuments(client, settings, window),
    }
