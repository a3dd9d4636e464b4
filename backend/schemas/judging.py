"""Comparisons and their judge's verdicts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from backend.core.names import JUDGE_CRITERIA
from backend.models import ComparisonVerdict, Story
from backend.schemas.common import spend_fields
from backend.schemas.stories import StoryRequest, StoryResponse, story_response


class CompareRequest(StoryRequest):
    judge: StrictBool | None = Field(
        default=None,
        description="score the stories with the judge model when they are done "
        "(default: the server's JUDGE_COMPARISONS, on unless switched off)",
    )


class CriterionScore(BaseModel):
    score: int = Field(ge=1, le=5)
    reason: str


class FrameworkScores(BaseModel):
    framework: str
    label: str = Field(description="the neutral label the judge saw this story under")
    adherence: CriterionScore
    coherence: CriterionScore
    creativity: CriterionScore
    length_fit: CriterionScore
    total: int = Field(description="the four scores summed (4 to 20)")


class VerdictResponse(BaseModel):
    comparison_id: str
    status: Literal["ok", "failed"]
    judge_model: str
    winner: str | None = Field(description="the framework ranked first; null when failed")
    ranking: list[str] = Field(description="frameworks, best first")
    scores: list[FrameworkScores] = Field(description="in ranking order")
    labels: dict[str, str] = Field(description="label → framework: the order the judge saw")
    error: str | None = Field(description="why there is no verdict (a malformed answer twice)")
    attempts: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    estimated_cost_usd: float
    transaction_guid: str | None
    judge_time_ms: float
    created_at: datetime


class ComparisonResponse(BaseModel):
    comparison_id: str
    stories: list[StoryResponse]
    verdict: VerdictResponse | None = Field(description="null until the comparison is judged")


def verdict_response(verdict: ComparisonVerdict) -> VerdictResponse:
    by_label = {framework: label for label, framework in verdict.labels.items()}
    scores = [
        FrameworkScores(
            framework=framework,
            label=by_label.get(framework, ""),
            total=sum(verdict.scores[framework][name]["score"] for name in JUDGE_CRITERIA),
            **{name: CriterionScore(**verdict.scores[framework][name]) for name in JUDGE_CRITERIA},
        )
        for framework in verdict.ranking
        if framework in verdict.scores
    ]
    return VerdictResponse(
        comparison_id=verdict.comparison_id,
        status="ok" if verdict.status == "ok" else "failed",
        judge_model=verdict.judge_model,
        winner=verdict.ranking[0] if verdict.status == "ok" and verdict.ranking else None,
        ranking=list(verdict.ranking),
        scores=scores,
        labels=dict(verdict.labels),
        error=verdict.error,
        attempts=verdict.attempts,
        judge_time_ms=verdict.judge_time_ms,
        created_at=verdict.created_at,
        **spend_fields(verdict),
    )


def comparison_response(
    comparison_id: str, stories: list[Story], verdict: ComparisonVerdict | None
) -> ComparisonResponse:
    return ComparisonResponse(
        comparison_id=comparison_id,
        stories=[story_response(story) for story in stories],
        verdict=verdict_response(verdict) if verdict is not None else None,
    )
