"""LangGraph over documents: one graph. A document that fits goes to the answer node; a longer
one fans out with `Send` to a map node per chunk, then collapse and reduce nodes."""

from __future__ import annotations

import operator
from collections.abc import AsyncIterator
from typing import Annotated, Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Send
from openai import AsyncOpenAI

from backend.core.names import FrameworkName
from backend.frameworks.base import ContextWindow, GenerationSettings, TextDelta
from backend.frameworks.documents.base import DocumentTask, collapse
from backend.frameworks.documents.langchain import (
    MAP_CONCURRENCY,
    DocumentChains,
    reduce_budget,
)
from backend.llm.calls import call_step

FINAL_NODES = {"answer", "reduce"}


class DocumentState(TypedDict, total=False):
    system_prompt: str
    user_prompt: str
    chunks: list[str]
    partials: Annotated[list[str], operator.add]
    answer: str


class ChunkState(TypedDict):
    system_prompt: str
    user_prompt: str
    chunk: str
    index: int
    count: int


class LangGraphDocuments:
    name = FrameworkName.LANGGRAPH
    supports_map_reduce = True

    def __init__(self, client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow):
        self._chains = DocumentChains.build(client, settings, window)
        self._window = window
        self._graph = self._build()

    def _build(self) -> CompiledStateGraph[DocumentState, None, DocumentState, DocumentState]:
        graph = StateGraph(DocumentState)
        graph.add_node("answer", self._answer)
        graph.add_node("map", self._map)
        graph.add_node("collapse", self._collapse)
        graph.add_node("reduce", self._reduce)
        graph.add_conditional_edges(START, self._route, ["answer", "map"])
        graph.add_edge("answer", END)
        graph.add_edge("map", "collapse")
        graph.add_edge("collapse", "reduce")
        graph.add_edge("reduce", END)
        return graph.compile()

    @staticmethod
    def _route(state: DocumentState) -> str | list[Send]:
        chunks = state["chunks"]
        if len(chunks) == 1:
            return "answer"
        base = {"system_prompt": state["system_prompt"], "user_prompt": state["user_prompt"]}
        return [
            Send("map", {**base, "chunk": chunk, "index": index, "count": len(chunks)})
            for index, chunk in enumerate(chunks, start=1)
        ]

    @staticmethod
    def _base(state: Any) -> dict[str, str]:
        return {"system_prompt": state["system_prompt"], "user_prompt": state["user_prompt"]}

    async def _answer(self, state: DocumentState) -> DocumentState:
        with call_step("answer"):
            text = await self._chains.answer.ainvoke(
                {**self._base(state), "document": state["chunks"][0]}
            )
        return {"answer": text}

    async def _map(self, state: ChunkState) -> DocumentState:
        with call_step("map"):
            partial = await self._chains.map.ainvoke(dict(state))
        return {"partials": [partial]}

    async def _collapse(self, state: DocumentState) -> DocumentState:
        task = DocumentTask(state["system_prompt"], state["user_prompt"], state["chunks"])

        async def merge(group: list[str]) -> str:
            with call_step("collapse"):
                return await self._chains.reduce.ainvoke(
                    {**self._base(state), "partials": "\n---\n".join(group)}
                )

        merged = await collapse(state["partials"], reduce_budget(self._window, task), merge)
        return {"partials": [], "chunks": state["chunks"], "answer": "\n---\n".join(merged)}

    async def _reduce(self, state: DocumentState) -> DocumentState:
        with call_step("reduce"):
            text = await self._chains.reduce.ainvoke(
                {**self._base(state), "partials": state.get("answer", "")}
            )
        return {"answer": text}

    async def run(self, task: DocumentTask) -> AsyncIterator[TextDelta]:
        initial: DocumentState = {
            "system_prompt": task.system_prompt,
            "user_prompt": task.user_prompt,
            "chunks": task.chunks,
            "partials": [],
        }
        current: str | None = None
        # The map fan-out runs at most MAP_CONCURRENCY calls at once, as LangChain's batch does.
        config: RunnableConfig = {"max_concurrency": MAP_CONCURRENCY}
        async for chunk, metadata in self._graph.astream(
            initial, config=config, stream_mode="messages"
        ):
            node = metadata.get("langgraph_node") if isinstance(metadata, dict) else None
            if node is not None and node != current:
                current = node
                yield TextDelta(step=node)
            text = getattr(chunk, "content", "")
            if node in FINAL_NODES and isinstance(text, str) and text:
                yield TextDelta(text=text)
