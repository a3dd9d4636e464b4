"""The routes that exist once per framework (`POST /api/langchain`, `/api/chat/langgraph/stream`,
...): registered in one way, with one URL name and one display name per framework."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

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
    events: type[BaseModel] | None = None,
    **route: Any,
) -> None:
    """One POST route per framework at `/{path}{suffix}`; `operation_id` and `summary` are
    templates of `{framework}` (its value) and `{name}` (its display name). A route with
    `events` answers server-sent events, each one of those."""
    if events is not None:
        route = {
            "response_class": sse.EventStreamResponse,
            "responses": {**GENERATION, **sse.sse_response(events)},
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
