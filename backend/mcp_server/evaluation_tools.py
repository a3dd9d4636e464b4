"""Evaluation runs as MCP tools: plan a suite (its worst-case cost comes back), start it to
confirm that cost, follow it, cancel it, read its report. The run is worked by the task queue
of whichever process takes it (this one, or the web app's when this one exits)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastmcp import FastMCP

from backend.mcp_server.calls import ToolCalls
from backend.runtime import Runtime
from backend.schemas.evaluations import EvaluationRequest, report_out, run_out
from backend.services.accounts import Principal
from backend.services.evaluation_report import build_report
from backend.services.evaluations import EvaluationService, RunChange

Framework = Literal["semantic_kernel", "langchain", "langgraph"]


async def _run(runtime: Runtime, principal: Principal, run_id: int) -> dict[str, Any]:
    run = await runtime.evaluations.get(principal.user_id, run_id)
    progress = await runtime.evaluations.progress([run])
    return run_out(run, progress[run.id]).model_dump(mode="json")


def _run_after(
    run_id: int, change: RunChange | None = None
) -> Callable[[Runtime, Principal], Awaitable[dict[str, Any]]]:
    """A tool's body: the change, if any, then the run as it now is."""

    async def body(runtime: Runtime, principal: Principal) -> dict[str, Any]:
        if change is not None:
            await change(runtime.evaluations, principal.user_id, run_id)
        return await _run(runtime, principal, run_id)

    return body


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
            run = await runtime.evaluations.plan(principal.user_id, request.run_request())
            return await _run(runtime, principal, run.id)

        return await calls.run(body)

    @mcp.tool
    async def start_evaluation(run_id: int) -> dict[str, Any]:
        """Confirm a planned run's cost and start it; it runs in the background. Follow it
        with `get_evaluation`, read the result with `evaluation_report`."""
        return await calls.run(_run_after(run_id, EvaluationService.start))

    @mcp.tool
    async def get_evaluation(run_id: int) -> dict[str, Any]:
        """A run's state and progress: stories done, failed, running and pending; spend so far."""
        return await calls.run(_run_after(run_id))

    @mcp.tool
    async def cancel_evaluation(run_id: int) -> dict[str, Any]:
        """Stop a queued or running run; the stories written stay in its report."""
        return await calls.run(_run_after(run_id, EvaluationService.cancel))

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
