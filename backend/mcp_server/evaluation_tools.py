"""Evaluation runs as MCP tools: plan a suite (its worst-case cost comes back), start it to
confirm that cost, follow it, cancel it, read its report. The run is worked by the task queue
of whichever process takes it (this one, or the web app's when this one exits)."""

from __future__ import annotations

from typing import Any, Literal

from fastmcp import FastMCP

from backend.frameworks.stories.base import StoryBrief
from backend.mcp_server.calls import ToolCalls
from backend.runtime import Runtime
from backend.schemas.evaluations import EvaluationRequest, report_out, run_out
from backend.services.accounts import Principal
from backend.services.evaluation_report import build_report
from backend.services.evaluations import RunRequest

Framework = Literal["semantic_kernel", "langchain", "langgraph"]


async def _run(runtime: Runtime, principal: Principal, run_id: int) -> dict[str, Any]:
    run = await runtime.evaluations.get(principal.user_id, run_id)
    progress = await runtime.evaluations.progress([run])
    return run_out(run, progress[run.id]).model_dump(mode="json")


def register_evaluation_tools(mcp: FastMCP, calls: ToolCalls) -> None:
    @mcp.tool
    async def plan_evaluation(
        briefs: list[dict[str, str]],
        frameworks: list[Framework] | None = None,
        repetitions: int = 1,
        judge: bool = True,
        name: str = "Evaluation",
    ) -> dict[str, Any]:
        """Plan an evaluation run: every brief (`primary_character`, `secondary_character`,
        optional `genre` and `length`) written by each framework (default: all three),
        `repetitions` times, each brief's stories then scored by the judge. Nothing is spent
        yet: the run comes back with `planned_cost_usd` (its worst case); call
        `start_evaluation` with its `id` to confirm and start it."""

        async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            request = EvaluationRequest.model_validate(
                {
                    "briefs": briefs,
                    "repetitions": repetitions,
                    "judge": judge,
                    "name": name,
                    **({"frameworks": frameworks} if frameworks else {}),
                }
            )
            run = await runtime.evaluations.plan(
                principal.user_id,
                RunRequest(
                    name=request.name,
                    briefs=[StoryBrief.of(brief) for brief in request.briefs],
                    frameworks=request.frameworks,
                    repetitions=request.repetitions,
                    concurrency=request.concurrency,
                    judge=request.judge,
                ),
            )
            return await _run(runtime, principal, run.id)

        return await calls.run(body)

    @mcp.tool
    async def start_evaluation(run_id: int) -> dict[str, Any]:
        """Confirm a planned run's cost and start it; it runs in the background. Follow it
        with `get_evaluation`, read the result with `evaluation_report`."""

        async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            await runtime.evaluations.start(principal.user_id, run_id)
            return await _run(runtime, principal, run_id)

        return await calls.run(body)

    @mcp.tool
    async def get_evaluation(run_id: int) -> dict[str, Any]:
        """A run's state and progress: stories done, failed, running and pending; spend so far."""

        async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            return await _run(runtime, principal, run_id)

        return await calls.run(body)

    @mcp.tool
    async def cancel_evaluation(run_id: int) -> dict[str, Any]:
        """Stop a queued or running run; the stories written stay in its report."""

        async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            await runtime.evaluations.cancel(principal.user_id, run_id)
            return await _run(runtime, principal, run_id)

        return await calls.run(body)

    @mcp.tool
    async def evaluation_report(run_id: int) -> dict[str, Any]:
        """Per framework: latency and time to first token (median, p90), tokens and cost (the
        ledger's sums), failure rate, the judge's scores (mean, spread) and win rates; and
        which framework leads on quality, speed and cost."""

        async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            run = await runtime.evaluations.get(principal.user_id, run_id)
            async with runtime.sessions() as session:
                report = await build_report(session, run)
            progress = await runtime.evaluations.progress([run])
            return report_out(report, progress[run.id]).model_dump(mode="json")

        return await calls.run(body)
