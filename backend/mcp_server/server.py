"""The MCP server: the platform's stories, comparisons, chat, document runs and spend as MCP
tools and resources, over stdio or streamable HTTP. Tools go through the same services as the
REST API (budgets, rate limits and the ledger included), as the account whose API key called."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastmcp import FastMCP

from backend.core.config import Settings
from backend.mcp_server.auth import ApiKeyVerifier, RuntimeHolder, principal_for
from backend.mcp_server.calls import ToolCalls
from backend.mcp_server.evaluation_tools import register_evaluation_tools
from backend.mcp_server.resources import register_resources
from backend.mcp_server.story_tools import register_story_tools
from backend.mcp_server.tools import register_tools
from backend.runtime import Runtime


def build_server(settings: Settings, *, stdio_key: str | None = None) -> FastMCP:
    """The server for either transport: with `stdio_key` (stdio) every call is that key's
    account; without it (HTTP) each request's bearer key is verified."""
    holder = RuntimeHolder()

    @asynccontextmanager
    async def lifespan(_: FastMCP) -> AsyncIterator[dict[str, Any]]:
        holder.runtime = await Runtime.start(settings)
        try:
            if stdio_key is not None:
                await principal_for(holder.runtime, stdio_key)  # no valid key: nothing runs
            yield {}
        finally:
            await holder.runtime.stop()
            holder.runtime = None

    mcp = FastMCP(
        "FASTAPILLM",
        instructions="Generate stories with Semantic Kernel, LangChain or LangGraph, compare "
        "all three, chat, run prompts over uploaded documents, and read your spend. Every "
        "call is metered in the platform's ledger under your account.",
        lifespan=lifespan,
        auth=None if stdio_key is not None else ApiKeyVerifier(holder),
    )
    calls = ToolCalls(holder, stdio_key)
    register_story_tools(mcp, calls)
    register_tools(mcp, calls)
    register_evaluation_tools(mcp, calls)
    register_resources(mcp, calls)
    return mcp
