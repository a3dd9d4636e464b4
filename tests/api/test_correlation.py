"""Request ids and transaction GUIDs: minted by the server, carried by every response (an
unexpected 500 included) and by the log lines and ledger rows of the request."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from starlette.types import Message

from backend.main import create_app
from backend.models import LLMCall, Story
from tests.utils.app import AppClient, SettingsFactory
from tests.utils.errors import assert_error_shape
from tests.utils.stories import generate

SECURITY_HEADERS = (
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "content-security-policy",
    "cross-origin-opener-policy",
    "permissions-policy",
)


def _events(output: str, name: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [event for event in lines if event.get("event") == name]


def _app_that_fails(settings_factory: SettingsFactory) -> FastAPI:
    """The real app plus two routes that fail unexpectedly: before and during a response."""
    app = create_app(settings_factory())

    @app.get("/api/_boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/api/_boom-stream")
    async def boom_stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first chunk\n"
            raise RuntimeError("mid-stream failure")

        return StreamingResponse(chunks(), media_type="text/plain")

    return app


async def _call(app: FastAPI, path: str) -> httpx.Response:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(path)


async def test_an_unexpected_error_is_a_500_with_ids_headers_and_a_logged_request_id(
    make_settings: SettingsFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _app_that_fails(make_settings)
    capsys.readouterr()
    response = await _call(app, "/api/_boom")
    output = capsys.readouterr().out

    error = assert_error_shape(response, 500, "INTERNAL_ERROR")
    assert error["type"] == "InternalError"
    assert error["request_id"] == response.headers["x-request-id"]
    assert response.headers["x-request-id"].startswith("req_")
    uuid.UUID(response.headers["x-transaction-guid"])
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert response.headers["cache-control"] == "no-store"
    assert "secret internals" not in response.text
    assert "RuntimeError" not in response.text

    [logged] = _events(output, "unhandled_error")
    assert logged["request_id"] == response.headers["x-request-id"]
    assert logged["transaction_guid"] == response.headers["x-transaction-guid"]
    assert logged["level"] == "error"
    assert "secret internals" in logged["exception"]  # the traceback stays in the log
    [access] = _events(output, "request")
    assert access["status"] == 500
    assert access["request_id"] == response.headers["x-request-id"]


async def test_an_error_mid_stream_is_logged_and_the_stream_left_unfinished(
    make_settings: SettingsFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """Spoken to in raw ASGI: httpx's test transport refuses a response that never ends,
    which is the point here (the server then drops the connection, so the client can tell
    the stream broke instead of seeing a clean end)."""
    app = _app_that_fails(make_settings)
    sent: list[Message] = []

    requested = False

    async def receive() -> Message:
        nonlocal requested
        if requested:  # the client stays connected
            await anyio.sleep_forever()
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/_boom-stream",
        "raw_path": b"/api/_boom-stream",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    async with app.router.lifespan_context(app):
        capsys.readouterr()
        await app(scope, receive, send)  # does not raise
    output = capsys.readouterr().out

    start = sent[0]
    assert start["type"] == "http.response.start"
    assert start["status"] == 200  # already sent: it cannot become a 500
    headers = dict(start["headers"])
    bodies = [m for m in sent[1:] if m["type"] == "http.response.body"]
    assert b"".join(m.get("body", b"") for m in bodies) == b"first chunk\n"
    assert all(m.get("more_body", False) for m in bodies)  # no clean end
    [logged] = _events(output, "unhandled_error")
    assert logged["request_id"] == headers[b"x-request-id"].decode()


async def test_the_server_mints_both_ids_whatever_the_client_sends(
    client: AppClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """A client's X-Transaction-GUID would let it write under another user's GUID, so it is
    ignored; a client's X-Request-ID is only logged, as client_request_id."""
    theirs_guid = str(uuid.uuid4())
    theirs_request_id = "client-abc-1"
    capsys.readouterr()
    response = await generate(
        client,
        "langchain",
        headers={"X-Transaction-GUID": theirs_guid, "X-Request-ID": theirs_request_id},
    )
    output = capsys.readouterr().out
    assert response.status_code == 200, response.text

    guid = response.headers["x-transaction-guid"]
    request_id = response.headers["x-request-id"]
    assert guid != theirs_guid
    uuid.UUID(guid)
    assert request_id != theirs_request_id
    assert request_id.startswith("req_")
    body = response.json()
    assert body["transaction_guid"] == guid
    assert body["request_id"] == request_id

    async with client.runtime.sessions() as session:
        story = (await session.execute(select(Story))).scalar_one()
        rows = (await session.execute(select(LLMCall))).scalars().all()
    assert story.transaction_guid == guid
    assert rows
    assert {row.transaction_guid for row in rows} == {guid}
    assert {row.request_id for row in rows} == {request_id}

    [access] = _events(output, "request")
    assert access["request_id"] == request_id
    assert access["transaction_guid"] == guid
    assert access["client_request_id"] == theirs_request_id


async def test_an_unsafe_client_request_id_is_not_logged(
    client: AppClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = await client.get("/api/stories", headers={"X-Request-ID": "bad id\twith spaces"})
    output = capsys.readouterr().out
    assert response.headers["x-request-id"].startswith("req_")
    [access] = _events(output, "request")
    assert "client_request_id" not in access
