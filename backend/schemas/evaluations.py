"""Evaluation runs: the request that plans one, the run with its progress, and its report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field, StrictBool, field_validator

from backend.core.names import FrameworkName
from backend.frameworks.stories.base import StoryBrief
from backend.models import EvaluationItem, EvaluationRun
from backend.schemas.common import NOT_BLANK, StrictModel, from_record
from backend.schemas.stories import StoryBriefFields
from backend.services.evaluation_report import FrameworkReport, RunReport, Score
from backend.services.evaluations import Progress, RunRequest

MAX_BRIEFS = 100
MAX_REPETITIONS = 10


def exact(value: Decimal) -> str:
    return format(value.quantize(Decimal("1e-9")), "f")


class EvaluationRequest(StrictModel):
    name: str = Field(
        default="Evaluation", min_length=1, max_length=200, pattern=NOT_BLANK, examples=["Suite A"]
    )
    briefs: list[StoryBriefFields] = Field(min_length=1, max_length=MAX_BRIEFS)
    frameworks: list[FrameworkName] = Field(
        default_factory=lambda: list(FrameworkName),
        min_length=1,
        max_length=3,
        json_schema_extra={"uniqueItems": True},
    )
    repetitions: int = Field(default=1, ge=1, le=MAX_REPETITIONS)
    concurrency: int = Field(default=2, ge=1, le=8, description="stories written at once")
    judge: StrictBool = Field(
        default=True, description="judge each brief's stories (needs two frameworks or more)"
    )

    @field_validator("frameworks")
    @classmethod
    def _distinct(cls, value: list[FrameworkName]) -> list[FrameworkName]:
        if len(set(value)) != len(value):
            raise ValueError("each framework at most once")
        return value

    def run_request(self) -> RunRequest:
        """What the service plans: the same choices, each brief as the frameworks take it."""
        return RunRequest(
            name=self.name,
            briefs=[StoryBrief.of(brief) for brief in self.briefs],
            frameworks=self.frameworks,
            repetitions=self.repetitions,
            concurrency=self.concurrency,
            judge=self.judge,
        )


class BriefList(BaseModel):
    briefs: list[StoryBriefFields]


class RunProgress(BaseModel):
    total: int
    done: int
    failed: int
    running: int
    pending: int
    spent_usd: float = Field(description="the ledger's rows under the run's GUID so far")
    spent_exact: str


class EvaluationRunOut(BaseModel):
    id: int
    name: str
    status: str = Field(description="planned, queued, running, cancelled, stopped, done")
    briefs: list[StoryBriefFields]
    frameworks: list[FrameworkName]
    repetitions: int
    concurrency: int
    judge: bool
    planned_cost_usd: float = Field(description="the worst case, confirmed by starting the run")
    planned_cost_exact: str
    model: str
    transaction_guid: str = Field(description="every ledger row of the run carries it")
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: RunProgress


class EvaluationRunList(BaseModel):
    runs: list[EvaluationRunOut]
    total: int
    skip: int
    limit: int


class EvaluationItemOut(BaseModel):
    id: int
    brief_index: int
    repetition: int
    framework: FrameworkName
    comparison_id: str
    status: str = Field(description="pending, running, done, failed")
    story_id: int | None
    error: str | None
    latency_ms: float | None
    time_to_first_token_ms: float | None
    attempts: int


class SpreadOut(BaseModel):
    count: int
    median: float | None
    p90: float | None


class ScoreOut(BaseModel):
    mean: float | None
    stdev: float | None
    count: int


class FrameworkReportOut(BaseModel):
    framework: FrameworkName
    stories: int = Field(description="stories written")
    failed: int
    pending: int
    failure_rate: float | None
    latency_ms: SpreadOut = Field(description="request to stored story")
    time_to_first_token_ms: SpreadOut
    calls: int = Field(description="provider calls in the ledger, failed attempts included")
    input_tokens: int
    output_tokens: int
    cost_usd: float
    cost_exact: str
    cost_per_story_usd: float | None
    scores: dict[str, ScoreOut] = Field(description="per criterion, 1 to 5")
    total_score: ScoreOut = Field(description="the four criteria summed, 4 to 20")
    win_rates: dict[str, float | None] = Field(
        description="the share of judged briefs this framework ranked above each other one"
    )


class EvaluationReport(BaseModel):
    run: EvaluationRunOut
    frameworks: list[FrameworkReportOut]
    verdicts: int
    failed_verdicts: int
    judge_cost_usd: float
    total_cost_usd: float
    total_cost_exact: str
    leaders: dict[str, FrameworkName | None] = Field(
        description="the framework that leads on quality (judge), speed (median latency) "
        "and cost (per story); null when nothing was measured or the best figure is shared"
    )


def run_out(run: EvaluationRun, progress: Progress) -> EvaluationRunOut:
    return from_record(
        EvaluationRunOut,
        run,
        planned_cost_usd=float(run.planned_cost_usd),
        planned_cost_exact=exact(run.planned_cost_usd),
        progress=from_record(
            RunProgress,
            progress,
            spent_usd=float(progress.spent_usd),
            spent_exact=exact(progress.spent_usd),
        ),
    )


def item_out(item: EvaluationItem) -> EvaluationItemOut:
    return EvaluationItemOut.model_validate(item, from_attributes=True)


def _framework(report: FrameworkReport) -> FrameworkReportOut:
    per_story = report.cost_per_story
    return from_record(
        FrameworkReportOut,
        report,
        latency_ms=SpreadOut.model_validate(report.latency_ms, from_attributes=True),
        time_to_first_token_ms=SpreadOut.model_validate(
            report.time_to_first_token_ms, from_attributes=True
        ),
        cost_usd=float(report.cost_usd),
        cost_exact=exact(report.cost_usd),
        cost_per_story_usd=float(per_story) if per_story is not None else None,
        scores={name: _score(score) for name, score in report.scores.items()},
        total_score=_score(report.total_score),
    )


def _score(score: Score) -> ScoreOut:
    return ScoreOut.model_validate(score, from_attributes=True)


def report_out(report: RunReport, progress: Progress) -> EvaluationReport:
    return from_record(
        EvaluationReport,
        report,
        run=run_out(report.run, progress),
        frameworks=[_framework(framework) for framework in report.frameworks],
        judge_cost_usd=float(report.judge_cost_usd),
        total_cost_usd=float(report.total_cost_usd),
        total_cost_exact=exact(report.total_cost_usd),
        leaders={
            key: FrameworkName(value) if value else None for key, value in report.leaders.items()
        },
    )
