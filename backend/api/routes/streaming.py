"""Server-sent events: a story token by token, or all three frameworks side by side
(`backend.api.sse` describes the events)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent

from backend.api import sse
from backend.api.deps import COMPARISON_LIMIT, GENERATION_LIMIT, CurrentPrincipal, RuntimeDep
from backend.api.framework_routes import add_per_framework
from backend.api.responses import GENERATION
from backend.core.names import FrameworkName
from backend.frameworks.stories.base import StoryBrief
from backend.runtime import Runtime
from backend.schemas.events import ComparisonStreamEvent, StoryStreamEvent
from backend.schemas.judging import CompareRequest, verdict_response
from backend.schemas.stories import StoryRequest, story_response
from backend.services.stories import StreamDone, StreamEvent, StreamStep, StreamText

router = APIRouter(prefix="/api", tags=["streaming"])


def to_sse(framework: FrameworkName, item: StreamEvent) -> ServerSentEvent:
    tag = {"framework": framework.value}
    match item:
        case StreamText(text=text):
            return sse.event(sse.EventName.TOKEN, {**tag, "text": text})
        case StreamStep(step=step):
            return sse.event(sse.EventName.STEP, {**tag, "step": step})
        case StreamDone(story=story):
            story_json = story_response(story).model_dump(mode="json")
            return sse.event(sse.EventName.DONE, {**tag, "story": story_json})


async def _run_one(
    runtime: Runtime,
    owner_id: int,
    framework: FrameworkName,
    brief: StoryBrief,
    channel: sse.Channel,
    comparison_id: str | None = None,
    cache: bool | None = None,
) -> None:
    events = runtime.stories.stream(owner_id, framework, brief, comparison_id, cache=cache)
    await sse.pump(channel, {"framework": framework.value}, events, partial(to_sse, framework))


def _stream_endpoint(framework: FrameworkName) -> Callable[..., Awaitable[EventSourceResponse]]:
    async def stream(
        body: StoryRequest, principal: CurrentPrincipal, runtime: RuntimeDep
    ) -> EventSourceResponse:
        brief = StoryBrief.of(body)
        await runtime.stories.admit(principal.user_id, [framework], brief)
        start = {
            "framework": framework.value,
        }
        producer = partial(_run_one, runtime, principal.user_id, framework, brief, cache=body.cache)
        return sse.respond(runtime.settings.sse_ping_seconds, start, [producer])

    stream.__name__ = f"stream_story_{framework.value}"
    return stream


add_per_framework(
    router,
    _stream_endpoint,
    suffix="/stream",
    operation_id="stream_story_{framework}",
    summary="Stream a story from {name}",
    events=StoryStreamEvent,
    dependencies=GENERATION_LIMIT,
)


@router.post(
    "/compare",
    response_class=sse.EventStreamResponse,
    responses={**GENERATION, **sse.sse_response(ComparisonStreamEvent)},
    dependencies=COMPARISON_LIMIT,
)
async def compare_frameworks(
    body: CompareRequest, principal: CurrentPrincipal, runtime: RuntimeDep
) -> EventSourceResponse:
    """Run one input through all three frameworks at once, streamed side by side. The three
    stories are stored with the same `comparison_id`. Then, unless `judge` is false, a judge
    model scores them (a `verdict` event; `GET /api/compare/{comparison_id}` shows it later)."""
    comparison_id = str(uuid.uuid4())
    brief = StoryBrief.of(body)
    frameworks = list(FrameworkName)
    judged = runtime.settings.judge_comparisons if body.judge is None else body.judge
    await runtime.stories.admit(principal.user_id, frameworks, brief)
    producers = [
        partial(
            _run_one,
            runtime,
            principal.user_id,
            framework,
            brief,
            comparison_id=comparison_id,
            cache=body.cache,
        )
        for framework in frameworks
    ]
    start = {
        "comparison_id": comparison_id,
        "frameworks": [framework.value for framework in frameworks],
        "judge": judged,
    }
    return sse.respond(
        runtime.settings.sse_ping_seconds,
        start,
        producers,
        end={"comparison_id": comparison_id},
        after=partial(_judge, runtime, principal.user_id, comparison_id) if judged else None,
    )


async def _judge(runtime: Runtime, owner_id: int, comparison_id: str, channel: sse.Channel) -> None:
    """The verdict as an event of its own: a judge failure is not any framework's error."""
    async with channel:
        payload: dict[str, Any] = {"comparison_id": comparison_id, "verdict": None}
        try:
            verdict = await runtime.judging.judge(owner_id, comparison_id)
            payload["verdict"] = verdict_response(verdict).model_dump(mode="json")
        except Exception as exc:
            payload.update(sse.failure_payload(exc))
        await channel.send(sse.event(sse.EventName.VERDICT, payload))
