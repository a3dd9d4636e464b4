"""Server-sent events, the one way every streamed route answers.

Events: `start` (ids), then `step` and `token` as work proceeds, then `done` with the stored
record or `error` in the standard error shape (`status` beside it); a comparison ends with
`end`. Every stream ends with `done` or `error` for each producer, whatever goes wrong: an
unexpected exception is logged with the request id and sent as a 500-shaped `error` event.
Comment pings keep proxies from timing out; `X-Accel-Buffering: no` stops nginx buffering.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectSendStream
from fastapi import FastAPI
from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent

from backend.core.aio import closing
from backend.core.context import current_request_id, current_transaction_guid
from backend.core.errors import AppError
from backend.core.logging import get_logger
from backend.db.session import busy_error
from backend.schemas.events import MESSAGES

log = get_logger(__name__)

Channel = MemoryObjectSendStream[ServerSentEvent]
Producer = Callable[[Channel], Coroutine[Any, Any, None]]


class EventName(StrEnum):
    """Every event a stream sends, in the order a client meets them."""

    START = "start"
    STEP = "step"
    TOKEN = "token"  # noqa: S105 - an event name, not a secret
    DONE = "done"
    ERROR = "error"
    VERDICT = "verdict"
    END = "end"


class EventStreamResponse(EventSourceResponse):
    """sse-starlette's response, with its media type known to the class: FastAPI files a
    streamed route's documented schema under the route's media type, so the OpenAPI document
    says `text/event-stream` (and the web client is generated with an SSE reader)."""

    media_type = "text/event-stream"


def sse_response(events: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """A streamed route's 200: `events` (a schema in `schemas/events.py`) is one message."""
    return {
        200: {
            "model": events,
            "description": "Server-sent events: `event: <name>` and `data: <JSON>` each; the "
            "schema is one event with its data parsed. Lines starting with ':' are "
            "heartbeats: ignore them.",
        }
    }


def document_streams(app: FastAPI) -> None:
    """Make the document say what travels: an event's `data` is a JSON string (OpenAPI's
    `contentMediaType` + `contentSchema`), whose parsed form is the schema `schemas/events.py`
    gives it. And FastAPI puts `type: string` beside the documented event schema of a route
    whose response is not JSON; a stream's events are objects, so only the reference stays.
    It also gives a stream's error responses the stream's media type: an error before the
    stream starts is the JSON error shape, so it is documented as such."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        stream = content.get("text/event-stream", {})
                        if "$ref" in stream.get("schema", {}):
                            stream["schema"] = {"$ref": stream["schema"]["$ref"]}
                        if stream and not str(status).startswith("2"):
                            content["application/json"] = content.pop("text/event-stream")
            for name, schema in document.get("components", {}).get("schemas", {}).items():
                data = schema.get("properties", {}).get("data", {})
                if name in MESSAGES and "$ref" in data:
                    schema["properties"]["data"] = {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "contentSchema": {"$ref": data["$ref"]},
                    }
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def event(name: EventName, payload: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(event=name, data=json.dumps(payload, default=str))


def error_payload(error: AppError) -> dict[str, Any]:
    return {
        "error": {
            "type": error.error_type,
            "message": error.message,
            "code": error.code,
            "details": error.details,
            "request_id": current_request_id(),
            "timestamp": datetime.now(UTC).isoformat(),
        },
        "status": error.status_code,
    }


def failure_payload(exc: Exception) -> dict[str, Any]:
    """What a stream's client is told of a failure: an `AppError` as it is, a database short
    of connections as that, anything else as a 500 (logged with the request id)."""
    if isinstance(exc, AppError):
        return error_payload(exc)
    busy = busy_error(exc)
    if busy is None:
        log.error("unhandled_error", error=type(exc).__name__, exc_info=exc)
    return error_payload(busy or InternalStreamError())


class InternalStreamError(AppError):
    """What the client sees of an unexpected failure inside a stream."""

    def __init__(self) -> None:
        super().__init__("An unexpected error occurred. Quote the request id when reporting it.")


async def pump(
    channel: Channel,
    tag: dict[str, Any],
    events: AsyncIterator[Any],
    to_event: Callable[[Any], ServerSentEvent],
    on_failure: Callable[[Exception], dict[str, Any]] | None = None,
) -> None:
    """Forward a service's events to the client; end with an `error` event on failure."""
    async with channel, closing(events):
        try:
            async for item in events:
                await channel.send(to_event(item))
        except Exception as exc:
            extra = on_failure(exc) if on_failure else {}
            await channel.send(event(EventName.ERROR, {**tag, **failure_payload(exc), **extra}))


def respond(
    ping_seconds: float,
    start: dict[str, Any],
    producers: Sequence[Producer],
    end: dict[str, Any] | None = None,
    after: Producer | None = None,
) -> EventSourceResponse:
    """Producers run beside the response and are cancelled if the client disconnects;
    `after` runs once they have all finished, before `end`. The `start` event always carries
    the request's ids, whatever the route adds."""
    send, receive = anyio.create_memory_object_stream[ServerSentEvent](max_buffer_size=256)
    start = {
        **start,
        "transaction_guid": current_transaction_guid(),
        "request_id": current_request_id(),
    }

    async def produce() -> None:
        async with send:
            await send.send(event(EventName.START, start))
            async with anyio.create_task_group() as group:
                for producer in producers:
                    group.start_soon(producer, send.clone())
            if after is not None:
                await after(send.clone())
            if end is not None:
                await send.send(event(EventName.END, end))

    async def consume() -> AsyncIterator[ServerSentEvent]:
        async with receive:  # closed when the response ends, not left to the collector
            async for item in receive:
                yield item

    return EventStreamResponse(
        consume(),
        data_sender_callable=produce,
        ping=ping_seconds,
        headers={"Cache-Control": "no-cache"},
    )
