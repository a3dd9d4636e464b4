"""The three orchestration frameworks behind one interface (`StoryFramework`)."""

from __future__ import annotations

from openai import AsyncOpenAI

from backend.frameworks.base import FrameworkName, GenerationSettings, StoryFramework
from backend.frameworks.langchain import LangChainStories
from backend.frameworks.langgraph import LangGraphStories
from backend.frameworks.semantic_kernel import SemanticKernelStories

__all__ = ["FrameworkName", "GenerationSettings", "StoryFramework", "build_frameworks"]


def build_frameworks(
    client: AsyncOpenAI, settings: GenerationSettings
) -> dict[FrameworkName, StoryFramework]:
    return {
        FrameworkName.SEMANTIC_KERNEL: SemanticKernelStories(client, settings),
        FrameworkName.LANGCHAIN: LangChainStories(client, settings),
        FrameworkName.LANGGRAPH: LangGraphStories(client, settings),
    }
