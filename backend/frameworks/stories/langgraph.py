"""LangGraph: a state graph in which a storyteller node writes a draft and an editor node
revises it. Each node labels its provider call, so the ledger shows two rows per story."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypedDict

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from openai import AsyncOpenAI

from backend.core.names import FrameworkName
from backend.frameworks.base import GenerationSettings, TextDelta, read_prompt, require_text
from backend.frameworks.connectors import chat_model
from backend.frameworks.stories.base import StoryBrief, StoryDraft
from backend.llm.calls import call_step


class StoryState(TypedDict, total=False):
    primary_character: str
    secondary_character: str
    genre: str
    length_words: str
    draft: str
    story: str


def _prompt(name: str) -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages(
        [
            ("system", read_prompt("langgraph", f"{name}_system.txt")),
            ("human", read_prompt("langgraph", f"{name}_user.txt")),
        ]
    )


class LangGraphStories:
    name = FrameworkName.LANGGRAPH
    calls_per_story = 2  # the storyteller's draft, then the editor's revision
    prompt_folder: tuple[str, ...] = ("langgraph",)

    def __init__(self, client: AsyncOpenAI, settings: GenerationSettings) -> None:
        model = chat_model(client, settings)
        self._storyteller: Runnable[dict[str, Any], str] = (
            _prompt("storyteller") | model | StrOutputParser()
        )
        self._editor: Runnable[dict[str, Any], str] = _prompt("editor") | model | StrOutputParser()
        self._graph = self._build_graph()

    def _build_graph(self) -> CompiledStateGraph[StoryState, None, StoryState, StoryState]:
        graph = StateGraph(StoryState)
        graph.add_node("storyteller", self._write_draft)
        graph.add_node("editor", self._edit_draft)
        graph.add_edge(START, "storyteller")
        graph.add_edge("storyteller", "editor")
        graph.add_edge("editor", END)
        return graph.compile()

    async def _write_draft(self, state: StoryState) -> StoryState:
        with call_step("storyteller"):
            draft = await self._storyteller.ainvoke(dict(state))
        return {"draft": require_text(draft)}

    async def _edit_draft(self, state: StoryState) -> StoryState:
        with call_step("editor"):
            revised = await self._editor.ainvoke(dict(state))
        return {"story": require_text(revised)}

    async def write_story(self, brief: StoryBrief) -> StoryDraft:
        initial: StoryState = {**brief.prompt_variables()}  # type: ignore[typeddict-item]
        final = await self._graph.ainvoke(initial)
        return StoryDraft(text=require_text(final.get("story")))

    async def stream_story(self, brief: StoryBrief) -> AsyncIterator[TextDelta]:
        """LangGraph streams every model token with the node that produced it; the draft is
        an intermediate, so only the editor's tokens are the story."""
        initial: StoryState = {**brief.prompt_variables()}  # type: ignore[typeddict-item]
        current: str | None = None
        async for chunk, metadata in self._graph.astream(initial, stream_mode="messages"):
            node = metadata.get("langgraph_node") if isinstance(metadata, dict) else None
            if node != current and node is not None:
                current = node
                yield TextDelta(step=node)
            text = getattr(chunk, "content", "")
            if node == "editor" and isinstance(text, str) and text:
                yield TextDelta(text=text)
