"""LangGraph chat: the conversation lives in the graph's `MessagesState`; the respond node
trims it to the context window and asks the model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from openai import AsyncOpenAI

from backend.core.names import FrameworkName
from backend.frameworks.base import ContextWindow, GenerationSettings, require_text
from backend.frameworks.chat.base import ChatTurn, system_prompt
from backend.frameworks.chat.langchain import chat_settings, to_messages, trim_to_window
from backend.frameworks.connectors import chat_model
from backend.llm.calls import call_step


class LangGraphChat:
    name = FrameworkName.LANGGRAPH

    def __init__(self, client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow):
        self._model = chat_model(client, chat_settings(settings, window))
        self._window = window
        self._system = system_prompt()
        self._graph = self._build()

    def _build(self) -> CompiledStateGraph[MessagesState, None, MessagesState, MessagesState]:
        graph = StateGraph(MessagesState)
        graph.add_node("respond", self._respond)
        graph.add_edge(START, "respond")
        graph.add_edge("respond", END)
        return graph.compile()

    async def _respond(self, state: MessagesState) -> dict[str, Any]:
        *earlier, latest = state["messages"]
        kept = trim_to_window(list(earlier), self._system, str(latest.content), self._window)
        with call_step("respond"):
            answer = await self._model.ainvoke([SystemMessage(self._system), *kept, latest])
        return {"messages": [answer]}

    def _state(self, history: Sequence[ChatTurn], message: str) -> MessagesState:
        messages: list[Any] = [*to_messages(history), HumanMessage(message)]
        return {"messages": messages}

    async def reply(self, history: Sequence[ChatTurn], message: str) -> str:
        final = await self._graph.ainvoke(self._state(history, message))
        return require_text(str(final["messages"][-1].content))

    async def stream_reply(self, history: Sequence[ChatTurn], message: str) -> AsyncIterator[str]:
        async for chunk, _ in self._graph.astream(
            self._state(history, message), stream_mode="messages"
        ):
            text = getattr(chunk, "content", "")
            if isinstance(text, str) and text:
                yield text
