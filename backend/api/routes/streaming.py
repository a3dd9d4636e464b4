"""Server-sent events: a story token by token, or all three frameworks side by side.

Events: `start`, then `step` (LangGraph node starting) and `token` as text arrives, then
`done` with the stored story (usage, cost, ids, timings) or `error` in the standard error
shape. A comparison tags each event with its framework and ends with `end`. Comment pings keep
proxies from timing out; `X-Accel-Buffering: no` stops nginx from buffering.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectSendStream
from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent

from backend.api.deps import COMPARISON_LIMIT, GENERATION_LIMIT, CurrentPrincipal, RuntimeDep
from backend.api.responses import GENERATION
from backend.api.routes.generate import PATHS, brief_from
from backend.core.context import current_request_id, current_transaction_guid
from backend.core.errors import AppError
from backend.frameworks.base import FrameworkName, StoryBrief
from backend.runtime import Runtime
from backend.schemas.stories import StoryRequest, story_response
from backend.services.stories import StreamDone, StreamEvent, StreamFailed, StreamStep, StreamText

router = APIRouter(prefix="/api", tags=["streaming"])

Channel = MemoryObjectSendStream[ServerSentEvent]

SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["start", "step", "token", "done", "error", "end"]},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": "start: ids; step: {framework, step}; token: {framework, text}; "
            "done: {framework, story (as POST /api/<framework> answers)}; error: {framework, "
            "status, error (the standard error shape)}; end: {comparison_id}",
        },
    },
}
SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events, one JSON payload each.",
        "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
    }
}


def sse_event(name: str, payload: dict[str, Any]) -> ServerSentEvent:
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


def to_sse(framework: FrameworkName, event: StreamEvent) -> ServerSentEvent:
    tag = {"framework": framework.value}
    match event:
        case StreamText(text=text):
            return sse_event("token", {**tag, "text": text})
        case StreamStep(step=step):
            return sse_event("step", {**tag, "step": step})
        case StreamDone(story=story):
            return sse_event(
                "done", {**tag, "story": story_response(story).model_dump(mode="json")}
            )
        case StreamFailed(error=error):
            return sse_event("error", {**tag, **error_payload(error)})


async def _run_one(
    runtime: Runtime,
    owner_id: int,
    framework: FrameworkName,
    brief: StoryBrief,
    channel: Channel,
    comparison_id: str | None = None,
) -> None:
    async with channel, runtime.sessions() as session:
        async for event in runtime.stories.stream(
            session, owner_id, framework, brief, comparison_id
        ):
            await channel.send(to_sse(framework, event))


def respond(
    ping_seconds: float,
    start: dict[str, Any],
    producers: Sequence[Callable[[Channel], Coroutine[Any, Any, None]]],
    end: dict[str, Any] | None = None,
) -> EventSourceResponse:
    """Producers run beside the response and are cancelled if the client disconnects."""
    send, receive = anyio.create_memory_object_stream[ServerSentEvent](max_buffer_size=256)

    async def produce() -> None:
        async with send:
            await send.send(sse_event("start", start))
            async with anyio.create_task_group() as group:
                for producer in producers:
                    group.start_soon(producer, send.clone())
            if end is not None:
                await send.send(sse_event("end", end))

    return EventSourceResponse(
        receive,
        data_sender_callable=produce,
        ping=ping_seconds,
        headers={"Cache-Control": "no-cache"},
    )


def _stream_endpoint(framework: FrameworkName) -> Callable[..., Awaitable[EventSourceResponse]]:
    async def stream(
        body: StoryRequest, principal: CurrentPrincipal, runtime: RuntimeDep
    ) -> EventSourceResponse:
        start = {
            "framework": framework.value,
            "transaction_guid": current_transaction_guid(),
            "request_id": current_request_id(),
        }
        producer = partial(_run_one, runtime, principal.user_id, framework, brief_from(body))
        return respond(runtime.settings.sse_ping_seconds, start, [producer])

    stream.__name__ = f"stream_story_{framework.value}"
    return stream


for _framework, _path in PATHS.items():
    router.add_api_route(
        f"/{_path}/stream",
        _stream_endpoint(_framework),
        methods=["POST"],
        response_class=EventSourceResponse,
        responses={**GENERATION, **SSE_RESPONSE},
        dependencies=GENERATION_LIMIT,
        operation_id=f"stream_story_{_framework.value}",
        summary=f"Stream a story from {_framework.value.replace('_', ' ').title()}",
    )


@router.post(
    "/compare",
    response_class=EventSourceResponse,
    responses={**GENERATION, **SSE_RESPONSE},
    dependencies=COMPARISON_LIMIT,
    operation_id="compare_frameworks",
)
async def compare(
    body: StoryRequest, principal: CurrentPrincipal, runtime: RuntimeDep
) -> EventSourceResponse:
    """Run one input through all three frameworks at once, streamed side by side. The three
    stories are stored with the same `comparison_id`."""
    comparison_id = str(uuid.uuid4())
    brief = brief_from(body)
    frameworks = list(FrameworkName)
    producers = [
        partial(_run_one, runtime, principal.user_id, framework, brief, comparison_id=comparison_id)
        for framework in frameworks
    ]
    start = {
        "comparison_id": comparison_id,
        "frameworks": [framework.value for framework in frameworks],
        "transaction_guid": current_transaction_guid(),
        "request_id": current_request_id(),
    }
    return respond(
        runtime.settings.sse_ping_seconds, start, producers, end={"comparison_id": comparison_id}
    )
