"""Chat, document runs, the framework list and spend, as MCP tools."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastmcp import FastMCP

from backend.core.names import FrameworkName
from backend.mcp_server.calls import ToolCalls
from backend.runtime import Runtime
from backend.schemas.chat import ChatRequest, chat_response
from backend.schemas.documents import ExecuteRequest, execution_response
from backend.services.accounts import Principal
from backend.services.chat import ChatDone
from backend.services.documents import RunFinished
from backend.services.usage import usage_report
from backend.services.usage_filter import UsageFilter

Framework = Literal["semantic_kernel", "langchain", "langgraph"]
DESCRIPTIONS = {
    FrameworkName.SEMANTIC_KERNEL: "Microsoft Semantic Kernel: a kernel running a prompt function",
    FrameworkName.LANGCHAIN: "LangChain: a prompt | model | parser chain (LCEL)",
    FrameworkName.LANGGRAPH: "LangGraph: a storyteller node, then an editor node (two calls)",
}


def register_tools(mcp: FastMCP, calls: ToolCalls) -> None:
    @mcp.tool
    async def chat(
        message: str, framework: Framework, conversation_id: int | None = None
    ) -> dict[str, Any]:
        """Send a message to a framework; give `conversation_id` to continue a conversation
        (its history is sent along). Returns the answer with its tokens and cost."""

        async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            request = ChatRequest.model_validate(
                {"message": message, "conversation_id": conversation_id}
            )
            turn = runtime.chat.turn(
                principal.user_id,
                FrameworkName(framework),
                request.message,
                request.conversation_id,
            )
            async for event in turn:
                if isinstance(event, ChatDone):
                    answer = chat_response(
                        event.result.conversation, event.result.assistant_message
                    )
                    return answer.model_dump(mode="json")
            raise RuntimeError("a chat turn ended without an answer")  # pragma: no cover

        return await calls.run(body, generation_cost=1)

    @mcp.tool
    async def run_document_prompt(
        file_id: str, system_prompt: str, user_prompt: str, framework: Framework
    ) -> dict[str, Any]:
        """Run a system and a user prompt over a document uploaded to the platform (its
        `file_id` from the web app or `POST /api/context/upload`). Long documents are
        map-reduced by LangChain and LangGraph."""

        async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            request = ExecuteRequest.model_validate(
                {
                    "file_id": file_id,
                    "system_prompt": system_prompt,
                    "user_prompt": user_prompt,
                    "framework": framework,
                }
            )
            run = runtime.documents.run(
                principal.user_id,
                request.all_file_ids,
                request.framework,
                request.system_prompt,
                request.user_prompt,
            )
            async for event in run:
                if isinstance(event, RunFinished):
                    return execution_response(event.execution).model_dump(mode="json")
            raise RuntimeError("a document run ended without its record")  # pragma: no cover

        return await calls.run(body)

    @mcp.tool
    async def list_frameworks() -> list[dict[str, str]]:
        """The three orchestration frameworks every task can run through."""

        async def body(runtime: Runtime, principal: Principal) -> list[dict[str, str]]:
            return [
                {"name": name.value, "description": text} for name, text in DESCRIPTIONS.items()
            ]

        return await calls.run(body)

    @mcp.tool
    async def get_cost_usage(
        start_date: date | None = None,
        end_date: date | None = None,
        framework: Framework | None = None,
    ) -> dict[str, Any]:
        """Your spend from the ledger (UTC dates, inclusive): calls, tokens and exact cost,
        in total and by framework, model and day."""

        async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            usage_filter = UsageFilter(
                start_date=start_date,
                end_date=end_date,
                framework=framework,
                user_id=principal.user_id,
            )
            async with runtime.sessions() as session:
                report = await usage_report(session, usage_filter)
            return {
                "total_requests": report.total.requests,
                "total_tokens": report.total.tokens,
                "input_tokens": report.input_tokens,
                "output_tokens": report.output_tokens,
                "failed_requests": report.failed_requests,
                "total_cost_usd": format(report.total.cost_usd, "f"),
                "by_framework": {k: _slice(v) for k, v in report.by_framework.items()},
                "by_model": {k: _slice(v) for k, v in report.by_model.items()},
                "by_day": [{"date": d.isoformat(), **_slice(v)} for d, v in report.by_day],
            }

        return await calls.run(body)


def _slice(bucket: Any) -> dict[str, Any]:
    return {
        "requests": bucket.requests,
        "tokens": bucket.tokens,
        "cost_usd": format(bucket.cost_usd, "f"),
    }
