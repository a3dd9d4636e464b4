"""LangChain over documents: answer chain for a document that fits; otherwise a map chain run
in batch over the chunks, collapsed and reduced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable
from openai import AsyncOpenAI

from backend.core.names import FrameworkName
from backend.frameworks.base import ContextWindow, GenerationSettings, TextDelta, count_tokens
from backend.frameworks.chat.langchain import chat_settings
from backend.frameworks.connectors import chat_model
from backend.frameworks.documents.base import (
    DocumentTask,
    collapse,
    template,
)

MAP_CONCURRENCY = 4


def document_chain(model: Any, name: str) -> Runnable[dict[str, Any], str]:
    """The user's system prompt is a variable, never part of the template (its braces stay
    text)."""
    prompt = ChatPromptTemplate.from_messages(
        [("system", "{system_prompt}"), ("human", template(name))]
    )
    chain: Runnable[dict[str, Any], str] = prompt | model | StrOutputParser()
    return chain


@dataclass(frozen=True)
class DocumentChains:
    """The three LCEL chains of a document run: one whole answer, or map then reduce."""

    answer: Runnable[dict[str, Any], str]
    map: Runnable[dict[str, Any], str]
    reduce: Runnable[dict[str, Any], str]

    @classmethod
    def build(
        cls, client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow
    ) -> DocumentChains:
        model = chat_model(client, chat_settings(settings, window))
        return cls(*(document_chain(model, name) for name in ("answer", "map", "reduce")))


def reduce_budget(window: ContextWindow, task: DocumentTask) -> int:
    return (
        window.prompt_budget
        - count_tokens(task.system_prompt)
        - count_tokens(task.user_prompt)
        - count_tokens(template("reduce"))
    )


class LangChainDocuments:
    name = FrameworkName.LANGCHAIN
    supports_map_reduce = True

    def __init__(self, client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow):
        chains = DocumentChains.build(client, settings, window)
        self._answer, self._map, self._reduce = chains.answer, chains.map, chains.reduce
        self._window = window

    async def run(self, task: DocumentTask) -> AsyncIterator[TextDelta]:
        base = {"system_prompt": task.system_prompt, "user_prompt": task.user_prompt}
        if not task.map_reduce:
            async for text in self._answer.astream({**base, "document": task.chunks[0]}):
                if text:
                    yield TextDelta(text=text)
            return
        yield TextDelta(step="map")
        count = len(task.chunks)
        partials = await self._map.abatch(
            [
                {**base, "chunk": chunk, "index": index, "count": count}
                for index, chunk in enumerate(task.chunks, start=1)
            ],
            config={"max_concurrency": MAP_CONCURRENCY},
        )

        async def merge(group: list[str]) -> str:
            return await self._reduce.ainvoke({**base, "partials": "\n---\n".join(group)})

        partials = await collapse(partials, reduce_budget(self._window, task), merge)
        yield TextDelta(step="reduce")
        async for text in self._reduce.astream({**base, "partials": "\n---\n".join(partials)}):
            if text:
                yield TextDelta(text=text)
