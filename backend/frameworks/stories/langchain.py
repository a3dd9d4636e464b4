"""LangChain: a `ChatPromptTemplate | ChatOpenAI | StrOutputParser` chain (LCEL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from openai import AsyncOpenAI

from backend.core.names import FrameworkName
from backend.frameworks.base import GenerationSettings, read_prompt, require_text
from backend.frameworks.stories.base import StoryBrief, StoryDelta, StoryDraft


def chat_model(client: AsyncOpenAI, settings: GenerationSettings) -> ChatOpenAI:
    """A LangChain chat model on the shared client (its retries off: the transport retries)."""
    extra_body: dict[str, Any] | None = (
        {"max_tokens": settings.max_tokens} if settings.send_legacy_max_tokens else None
    )
    return ChatOpenAI(
        model=settings.model,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        max_retries=0,
        api_key=client.api_key,
        base_url=str(client.base_url),
        root_async_client=client,
        async_client=client.chat.completions,
        extra_body=extra_body,
        stream_usage=True,
    )


class LangChainStories:
    name = FrameworkName.LANGCHAIN
    calls_per_story = 1

    def __init__(self, client: AsyncOpenAI, settings: GenerationSettings) -> None:
        prompt = ChatPromptTemplate.from_messages(
            [
                ("system", read_prompt("langchain", "story_system.txt")),
                ("human", read_prompt("langchain", "story_user.txt")),
            ]
        )
        self._chain: Runnable[dict[str, str], str] = (
            prompt | chat_model(client, settings) | StrOutputParser()
        )

    async def write_story(self, brief: StoryBrief) -> StoryDraft:
        text = await self._chain.ainvoke(brief.prompt_variables())
        return StoryDraft(text=require_text(text))

    async def stream_story(self, brief: StoryBrief) -> AsyncIterator[StoryDelta]:
        async for text in self._chain.astream(brief.prompt_variables()):
            if text:
                yield StoryDelta(text=text)
