"""The routes that exist once per framework (`POST /api/langchain`, `/api/chat/langgraph/stream`,
...): registered in one way, with one URL name and one display name per framework."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from sse_starlette import EventSourceResponse

from backend.api import sse
from backend.api.responses import GENERATION
from backend.core.names import FrameworkName

PATHS = {
    FrameworkName.SEMANTIC_KERNEL: "semantic-kernel",
    FrameworkName.LANGCHAIN: "langchain",
    FrameworkName.LANGGRAPH: "langgraph",
}


def display_name(framework: FrameworkName) -> str:
    return framework.value.replace("_", " ").title()


def add_per_framework(
    router: APIRouter,
    endpoint: Callable[[FrameworkName], Callable[..., Any]],
    *,
    suffix: str = "",
    operation_id: str,
    summary: str,
    streamed: bool = False,
    **route: Any,
) -> None:
    """One POST route per framework at `/{path}{suffix}`; `operation_id` and `summary` are
    templates of `{framework}` (its value) and `{name}` (its display name). A streamed
    route answers server-sent events."""
    if streamed:
        route = {
            "response_class": EventSourceResponse,
            "responses": {**GENERATION, **sse.SSE_RESPONSE},
            **route,
        }
    for framework, path in PATHS.items():
        names = {"framework": framework.value, "name": display_name(framework)}
        router.add_api_route(
            f"/{path}{suffix}",
            endpoint(framework),
            methods=["POST"],
            operation_id=operation_id.format(**names),
            summary=summary.format(**names),
            **route,
        )
