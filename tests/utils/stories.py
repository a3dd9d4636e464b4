"""Small helpers shared by tests."""

from __future__ import annotations

from typing import Any

import httpx

FRAMEWORK_PATHS = {
    "semantic_kernel": "/api/semantic-kernel",
    "langchain": "/api/langchain",
    "langgraph": "/api/langgraph",
}


def assert_error_shape(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"type", "message", "code", "details", "request_id", "timestamp"}
    assert error["code"] == code
    assert error["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return dict(error)


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
