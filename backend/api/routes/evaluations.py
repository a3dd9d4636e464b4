"""Evaluation runs: plan one (its worst-case cost comes back), start it to confirm that cost,
follow its progress, cancel and resume it, read its report as JSON or CSV."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status
from fastapi.responses import Response
from pydantic import ValidationError

from backend.api.deps import GENERAL_LIMIT, CurrentPrincipal, RuntimeDep
from backend.api.params import IdPath, Limit, Skip
from backend.api.responses import errors
from backend.core.errors import UnprocessableError
from backend.runtime import Runtime
from backend.schemas.evaluations import (
    MAX_BRIEFS,
    BriefList,
    EvaluationItemOut,
    EvaluationReport,
    EvaluationRequest,
    EvaluationRunList,
    EvaluationRunOut,
    item_out,
    report_out,
    run_out,
)
from backend.schemas.stories import StoryBriefFields
from backend.services.evaluation_briefs import parse_briefs
from backend.services.evaluation_report import build_report, report_rows

router = APIRouter(
    prefix="/api/evaluations",
    tags=["evaluations"],
    dependencies=GENERAL_LIMIT,
    responses=errors(401, 429),
)

STATE_CHANGE = errors(404, 409, 422)


async def _out(runtime: Runtime, owner_id: int, run_id: int) -> EvaluationRunOut:
    run = await runtime.evaluations.get(owner_id, run_id)
    progress = await runtime.evaluations.progress([run])
    return run_out(run, progress[run.id])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=errors(422),
)
async def plan_evaluation(
    body: EvaluationRequest, principal: CurrentPrincipal, runtime: RuntimeDep
) -> EvaluationRunOut:
    """Plan a run: each brief, by each framework, as many times as asked. Nothing is spent
    until it is started; `planned_cost_usd` is its worst case, for the user to confirm."""
    run = await runtime.evaluations.plan(principal.user_id, body.run_request())
    return await _out(runtime, principal.user_id, run.id)


@router.post(
    "/briefs",
    responses=errors(413, 415, 422),
)
async def read_evaluation_briefs(
    file: Annotated[UploadFile, File(description="CSV (with a header row) or JSON")],
    principal: CurrentPrincipal,
) -> BriefList:
    """Read briefs from a file, each checked like a story request; nothing is stored."""
    rows = parse_briefs(file.filename or "", await file.read())
    if not 1 <= len(rows) <= MAX_BRIEFS:
        raise UnprocessableError(
            f"A run takes 1 to {MAX_BRIEFS} briefs; the file has {len(rows)}.",
            details=[{"field": "file", "message": f"{len(rows)} briefs", "type": "file"}],
        )
    briefs, problems = [], []
    for number, row in enumerate(rows, start=1):
        try:
            briefs.append(StoryBriefFields.model_validate(row))
        except ValidationError as exc:
            for error in exc.errors(include_url=False, include_input=False):
                field = ".".join(str(part) for part in error["loc"])
                problems.append(
                    {
                        "field": f"row {number}: {field}",
                        "message": error["msg"],
                        "type": error["type"],
                    }
                )
    if problems:
        raise UnprocessableError("Some briefs are not valid.", details=problems)
    return BriefList(briefs=briefs)


@router.get(
    "", response_model=EvaluationRunList, responses=errors(422), operation_id="list_evaluations"
)
async def list_evaluations(
    principal: CurrentPrincipal, runtime: RuntimeDep, skip: Skip = 0, limit: Limit = 20
) -> EvaluationRunList:
    """Newest first, each with its progress."""
    runs, total = await runtime.evaluations.list_page(principal.user_id, skip=skip, limit=limit)
    progress = await runtime.evaluations.progress(runs)
    return EvaluationRunList(
        runs=[run_out(run, progress[run.id]) for run in runs], total=total, skip=skip, limit=limit
    )


@router.get(
    "/{run_id}",
    responses=errors(404, 422),
)
async def get_evaluation(
    run_id: IdPath, principal: CurrentPrincipal, runtime: RuntimeDep
) -> EvaluationRunOut:
    """The run and its progress: items done, failed, running and pending, and the spend so far."""
    return await _out(runtime, principal.user_id, run_id)


@router.get(
    "/{run_id}/items",
    responses=errors(404, 422),
)
async def list_evaluation_items(
    run_id: IdPath, principal: CurrentPrincipal, runtime: RuntimeDep
) -> list[EvaluationItemOut]:
    """Every story of the run: its state, its story's id, its timings (the evidence)."""
    return [item_out(item) for item in await runtime.evaluations.items(principal.user_id, run_id)]


@router.post("/{run_id}/start", status_code=status.HTTP_202_ACCEPTED, responses=STATE_CHANGE)
async def start_evaluation(
    run_id: IdPath, principal: CurrentPrincipal, runtime: RuntimeDep
) -> EvaluationRunOut:
    """Confirm the planned cost and start (409 unless the run is planned)."""
    await runtime.evaluations.start(principal.user_id, run_id)
    return await _out(runtime, principal.user_id, run_id)


@router.post("/{run_id}/cancel", responses=STATE_CHANGE)
async def cancel_evaluation(
    run_id: IdPath, principal: CurrentPrincipal, runtime: RuntimeDep
) -> EvaluationRunOut:
    """Stop a queued or running run; what is written stays, the rest can be resumed."""
    await runtime.evaluations.cancel(principal.user_id, run_id)
    return await _out(runtime, principal.user_id, run_id)


@router.post("/{run_id}/resume", status_code=status.HTTP_202_ACCEPTED, responses=STATE_CHANGE)
async def resume_evaluation(
    run_id: IdPath, principal: CurrentPrincipal, runtime: RuntimeDep
) -> EvaluationRunOut:
    """Carry on with a cancelled or stopped run's unwritten stories."""
    await runtime.evaluations.resume(principal.user_id, run_id)
    return await _out(runtime, principal.user_id, run_id)


@router.get(
    "/{run_id}/report",
    responses=errors(404, 422),
)
async def get_evaluation_report(
    run_id: IdPath, principal: CurrentPrincipal, runtime: RuntimeDep
) -> EvaluationReport:
    """Per framework: latency and time to first token (median, p90), tokens, cost (the
    ledger's sums), failure rate, judge scores (mean, spread) and win rates; and the leaders."""
    run = await runtime.evaluations.get(principal.user_id, run_id)
    async with runtime.sessions() as session:
        report = await build_report(session, run)
    progress = await runtime.evaluations.progress([run])
    return report_out(report, progress[run.id])


@router.get(
    "/{run_id}/report.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **errors(404, 422)},
)
async def export_evaluation_report(
    run_id: IdPath, principal: CurrentPrincipal, runtime: RuntimeDep
) -> Response:
    """The report's figures, one row per framework."""
    run = await runtime.evaluations.get(principal.user_id, run_id)
    async with runtime.sessions() as session:
        rows = report_rows(await build_report(session, run))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["framework"])
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="evaluation-{run_id}.csv"'},
    )
