"""LangChain: a `ChatPromptTemplate | ChatOpenAI | StrOutputParser` chain (LCEL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable
from openai import AsyncOpenAI

from backend.core.names import FrameworkName
from backend.frameworks.base import GenerationSettings, TextDelta, read_prompt, require_text
from backend.frameworks.connectors import chat_model
from backend.frameworks.stories.base import StoryBrief, StoryDraft


class LangChainStories:
    name = FrameworkName.LANGCHAIN
    calls_per_story = 1
    prompt_folder: tuple[str, ...] = ("langchain",)

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

    async def stream_story(self, brief: StoryBrief) -> AsyncIterator[TextDelta]:
        async for text in self._chain.astream(brief.prompt_variables()):
            if text:
                yield TextDelta(text=text)
