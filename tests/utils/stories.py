"""Generating a story through one framework's route."""

from __future__ import annotations

from typing import Any

import httpx

FRAMEWORK_PATHS = {
    "semantic_kernel": "/api/semantic-kernel",
    "langchain": "/api/langchain",
    "langgraph": "/api/langgraph",
}


async def generate(
    client: httpx.AsyncClient,
    framework: str,
    primary: str = "Alice",
    secondary: str = "Bob",
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        FRAMEWORK_PATHS[framework],
        json={"primary_character": primary, "secondary_character": secondary, **extra},
        headers=headers,
    )
