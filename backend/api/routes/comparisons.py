"""A comparison after the fact: its three stories with the judge's verdict, and judging it
(again) on demand. The comparison itself streams from `POST /api/compare`."""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import GENERAL_LIMIT, GENERATION_LIMIT, CurrentPrincipal, RuntimeDep
from backend.api.params import ComparisonId
from backend.api.responses import GENERATION, errors
from backend.schemas.judging import (
    ComparisonResponse,
    VerdictResponse,
    comparison_response,
    verdict_response,
)

router = APIRouter(prefix="/api/compare", tags=["comparisons"])


@router.get(
    "/{comparison_id}",
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def get_comparison(
    comparison_id: ComparisonId, principal: CurrentPrincipal, runtime: RuntimeDep
) -> ComparisonResponse:
    """The comparison's stories (each framework's, as stored) and its verdict, if judged."""
    stories = await runtime.judging.stories(principal.user_id, str(comparison_id))
    verdict = await runtime.judging.verdict(principal.user_id, str(comparison_id))
    return comparison_response(str(comparison_id), stories, verdict)


@router.post(
    "/{comparison_id}/judge",
    responses={**GENERATION, **errors(400, 404, 409)},
    dependencies=GENERATION_LIMIT,
)
async def judge_comparison(
    comparison_id: ComparisonId, principal: CurrentPrincipal, runtime: RuntimeDep
) -> VerdictResponse:
    """Score the comparison's stories with the judge model now, replacing any verdict. A
    verdict whose answer was malformed twice comes back with status `failed`."""
    return verdict_response(await runtime.judging.judge(principal.user_id, str(comparison_id)))
