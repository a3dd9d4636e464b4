"""Story tools: one per framework, and the comparison of all three. Progress notifications
follow the story as it is written."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastmcp import Context, FastMCP

from backend.core.errors import AppError
from backend.core.names import FrameworkName
from backend.frameworks.stories.base import StoryBrief
from backend.mcp_server.calls import ToolCalls
from backend.runtime import Runtime
from backend.schemas.judging import verdict_response
from backend.schemas.stories import StoryRequest, story_response
from backend.services.accounts import Principal
from backend.services.stories import StreamDone, StreamStep, StreamText

Length = Literal["short", "medium", "long"]


def register_story_tools(mcp: FastMCP, calls: ToolCalls) -> None:
    for framework in FrameworkName:
        mcp.tool(
            _story_tool(calls, framework),
            name=f"generate_story_{framework.value}",
            description=f"Write a story about two characters with {framework.value}; progress "
            "is reported as it is written. Returns the story with its tokens, cost, model and "
            "transaction GUID (the ledger's key). With `cache`, an identical earlier request's "
            "story is returned instead (`cached: true`, no provider call, $0).",
        )

    @mcp.tool
    async def compare_frameworks(
        primary_character: str,
        secondary_character: str,
        ctx: Context,
        genre: str | None = None,
        length: Length | None = None,
        judge: bool = True,
        cache: bool | None = None,
    ) -> dict[str, Any]:
        """Write the same story with Semantic Kernel, LangChain and LangGraph at once, each
        with its tokens, cost and time: the platform's comparison. Then, unless `judge` is
        false, a judge model scores the three (its verdict: scores with reasons, ranking,
        winner). `cache`: reuse stories identical requests got (no provider call, $0)."""
        request = _request(primary_character, secondary_character, genre, length)

        async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            brief = StoryBrief.of(StoryRequest.model_validate(request))
            frameworks = list(FrameworkName)
            await runtime.stories.admit(principal.user_id, frameworks, brief)
            comparison_id = str(uuid.uuid4())
            progress = _Progress(ctx)
            stories = await asyncio.gather(
                *(
                    write_story(
                        runtime, principal, framework, brief, progress, comparison_id, cache
                    )
                    for framework in frameworks
                )
            )
            result: dict[str, Any] = {"comparison_id": comparison_id, "stories": stories}
            if judge:
                await progress.report("judge: scoring the stories")
                try:
                    verdict = await runtime.judging.judge(principal.user_id, comparison_id)
                    result["verdict"] = verdict_response(verdict).model_dump(mode="json")
                except AppError as error:
                    result["verdict"] = None
                    result["verdict_error"] = error.message
            return result

        return await calls.run(body, generation_cost=3)


def _story_tool(calls: ToolCalls, framework: FrameworkName) -> Callable[..., Awaitable[Any]]:
    async def generate_story(
        primary_character: str,
        secondary_character: str,
        ctx: Context,
        genre: str | None = None,
        length: Length | None = None,
        cache: bool | None = None,
    ) -> dict[str, Any]:
        request = _request(primary_character, secondary_character, genre, length)

        async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            brief = StoryBrief.of(StoryRequest.model_validate(request))
            progress = _Progress(ctx)
            return await write_story(runtime, principal, framework, brief, progress, cache=cache)

        return await calls.run(body, generation_cost=1)

    return generate_story


class _Progress:
    """Progress notifications: one per piece of text or step, counting up."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._count = 0

    async def report(self, message: str) -> None:
        self._count += 1
        await self._ctx.report_progress(self._count, None, message)


async def write_story(
    runtime: Runtime,
    principal: Principal,
    framework: FrameworkName,
    brief: StoryBrief,
    progress: _Progress,
    comparison_id: str | None = None,
    cache: bool | None = None,
) -> dict[str, Any]:
    written = 0
    events = runtime.stories.stream(principal.user_id, framework, brief, comparison_id, cache=cache)
    async for event in events:
        match event:
            case StreamStep(step=step):
                await progress.report(f"{framework.value}: {step}")
            case StreamText(text=text):
                written += len(text)
                await progress.report(f"{framework.value}: {written} characters")
            case StreamDone(story=story):
                return story_response(story).model_dump(mode="json")
    raise RuntimeError("a story stream ended without its story")  # pragma: no cover


def _request(primary: str, secondary: str, genre: str | None, length: str | None) -> dict[str, Any]:
    request: dict[str, Any] = {"primary_character": primary, "secondary_character": secondary}
    if genre is not None:
        request["genre"] = genre
    if length is not None:
        request["length"] = length
    return request
