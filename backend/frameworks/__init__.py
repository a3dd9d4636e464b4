"""The three orchestration frameworks behind one interface (`StoryFramework`)."""

from __future__ import annotations

from openai import AsyncOpenAI

from backend.core.names import FrameworkName
from backend.frameworks.base import GenerationSettings, StoryFramework
from backend.frameworks.chat_base import ChatFramework, ChatWindow
from backend.frameworks.document_base import DocumentFramework
from backend.frameworks.langchain import LangChainStories
from backend.frameworks.langchain_chat import LangChainChat
from backend.frameworks.langchain_documents import LangChainDocuments
from backend.frameworks.langgraph import LangGraphStories
from backend.frameworks.langgraph_chat import LangGraphChat
from backend.frameworks.langgraph_documents import LangGraphDocuments
from backend.frameworks.semantic_kernel import SemanticKernelStories
from backend.frameworks.semantic_kernel_chat import SemanticKernelChat
from backend.frameworks.semantic_kernel_documents import SemanticKernelDocuments

__all__ = [
    "ChatFramework",
    "ChatWindow",
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
    client: AsyncOpenAI, settings: GenerationSettings, window: ChatWindow
) -> dict[FrameworkName, ChatFramework]:
    return {
        FrameworkName.SEMANTIC_KERNEL: SemanticKernelChat(client, settings, window),
        FrameworkName.LANGCHAIN: LangChainChat(client, settings, window),
        FrameworkName.LANGGRAPH: LangGraphChat(client, settings, window),
    }


def build_document_frameworks(
    client: AsyncOpenAI, settings: GenerationSettings, window: ChatWindow
) -> dict[FrameworkName, DocumentFramework]:
    return {
        FrameworkName.SEMANTIC_KERNEL: SemanticKernelDocuments(client, settings, window),
        FrameworkName.LANGCHAIN: LangChainDocuments(client, settings, window),
        FrameworkName.LANGGRAPH: LangGraphDocuments(client, settings, window),
    }
