"""An evaluation run's report, per framework: speed (latency and time to first token, median
and p90, over the stories written), tokens and cost (sums over the ledger rows under the run's
GUID, failed attempts included: what was spent), failure rate, the judge's scores (mean and
spread per criterion) and win rates against each other framework; and which framework leads
on quality, speed and cost."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.names import JUDGE_CRITERIA, ItemStatus, Operation
from backend.db.base import nanos_to_usd
from backend.models import ComparisonVerdict, EvaluationItem, EvaluationRun, LLMCall
from backend.services.cost_performance import percentile


@dataclass(frozen=True)
class Spread:
    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        ordered = sorted(values)
        return cls(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9))


@dataclass(frozen=True)
class Score:
    mean: float | None
    stdev: float | None  # population standard deviation: how much the judge's scores spread
    count: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Score:
        if not values:
            return cls(None, None, 0)
        return cls(statistics.fmean(values), statistics.pstdev(values), len(values))


@dataclass
class FrameworkReport:
    framework: str
    stories: int = 0
    failed: int = 0
    pending: int = 0
    latency_ms: Spread = Spread(0, None, None)
    time_to_first_token_ms: Spread = Spread(0, None, None)
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    scores: dict[str, Score] = field(default_factory=dict)
    total_score: Score = Score(None, None, 0)
    win_rates: dict[str, float | None] = field(default_factory=dict)

    @property
    def failure_rate(self) -> float | None:
        ended = self.stories + self.failed
        return self.failed / ended if ended else None

    @property
    def cost_per_story(self) -> Decimal | None:
        return self.cost_usd / self.stories if self.stories else None


@dataclass(frozen=True)
class RunReport:
    run: EvaluationRun
    frameworks: list[FrameworkReport]
    verdicts: int
    failed_verdicts: int
    judge_cost_usd: Decimal
    total_cost_usd: Decimal
    leaders: dict[str, str | None]  # quality, speed, cost → the framework that leads


async def build_report(session: AsyncSession, run: EvaluationRun) -> RunReport:
    items = list(
        await session.scalars(select(EvaluationItem).where(EvaluationItem.run_id == run.id))
    )
    reports = {name: FrameworkReport(name) for name in run.frameworks}
    for name, report in reports.items():
        mine = [item for item in items if item.framework == name]
        done = [item for item in mine if item.status == ItemStatus.DONE.value]
        report.stories = len(done)
        report.failed = sum(item.status == ItemStatus.FAILED.value for item in mine)
        report.pending = len(mine) - report.stories - report.failed
        report.latency_ms = Spread.of([i.latency_ms for i in done if i.latency_ms is not None])
        report.time_to_first_token_ms = Spread.of(
            [i.time_to_first_token_ms for i in done if i.time_to_first_token_ms is not None]
        )
    judge_cost = Decimal(0)
    for operation, framework, calls, tokens_in, tokens_out, nanos in await _ledger_sums(
        session, run.transaction_guid
    ):
        if operation == Operation.JUDGE.value:
            judge_cost += nanos_to_usd(nanos)
        elif framework in reports:
            report = reports[framework]
            report.calls += int(calls)
            report.input_tokens += int(tokens_in)
            report.output_tokens += int(tokens_out)
            report.cost_usd += nanos_to_usd(nanos)
    verdicts = list(
        await session.scalars(
            select(ComparisonVerdict).where(
                ComparisonVerdict.comparison_id.in_({item.comparison_id for item in items})
            )
        )
    )
    judged = [verdict for verdict in verdicts if verdict.status == "ok"]
    _add_scores(reports, judged)
    frameworks = list(reports.values())
    return RunReport(
        run=run,
        frameworks=frameworks,
        verdicts=len(judged),
        failed_verdicts=len(verdicts) - len(judged),
        judge_cost_usd=judge_cost,
        total_cost_usd=judge_cost + sum((r.cost_usd for r in frameworks), Decimal(0)),
        leaders=leaders(frameworks),
    )


async def _ledger_sums(session: AsyncSession, transaction_guid: str) -> list[Any]:
    rows = await session.execute(
        select(
            LLMCall.operation,
            LLMCall.framework,
            func.count(),
            func.sum(LLMCall.input_tokens),
            func.sum(LLMCall.output_tokens),
            func.sum(cast(LLMCall.cost_usd, BigInteger)),
        )
        .where(LLMCall.transaction_guid == transaction_guid)
        .group_by(LLMCall.operation, LLMCall.framework)
    )
    return list(rows.all())


def _add_scores(reports: dict[str, FrameworkReport], verdicts: list[ComparisonVerdict]) -> None:
    for name, report in reports.items():
        scored = [v.scores[name] for v in verdicts if name in v.scores]
        report.scores = {
            criterion: Score.of([float(s[criterion]["score"]) for s in scored])
            for criterion in JUDGE_CRITERIA
        }
        report.total_score = Score.of(
            [float(sum(s[c]["score"] for c in JUDGE_CRITERIA)) for s in scored]
        )
        for other in reports:
            if other == name:
                continue
            both = [v.ranking for v in verdicts if name in v.ranking and other in v.ranking]
            wins = sum(ranking.index(name) < ranking.index(other) for ranking in both)
            report.win_rates[other] = wins / len(both) if both else None


def leaders(frameworks: list[FrameworkReport]) -> dict[str, str | None]:
    """The framework that leads on each measure; None when nothing was measured or the best
    figure is shared (every story at $0 on a local model leads nobody on cost)."""

    def best(values: dict[str, Any], highest: bool) -> str | None:
        known = {name: value for name, value in values.items() if value is not None}
        if not known:
            return None
        top = (max if highest else min)(known.values())
        leading = [name for name, value in known.items() if value == top]
        return leading[0] if len(leading) == 1 else None

    return {
        "quality": best({r.framework: r.total_score.mean for r in frameworks}, highest=True),
        "speed": best({r.framework: r.latency_ms.median for r in frameworks}, highest=False),
        "cost": best({r.framework: r.cost_per_story for r in frameworks}, highest=False),
    }


def report_rows(report: RunReport) -> list[dict[str, Any]]:
    """One row per framework, every figure in a column of its own (the CSV export)."""
    rows = []
    for framework in report.frameworks:
        row: dict[str, Any] = {
            "framework": framework.framework,
            "stories": framework.stories,
            "failed": framework.failed,
            "pending": framework.pending,
            "failure_rate": framework.failure_rate,
            "latency_median_ms": framework.latency_ms.median,
            "latency_p90_ms": framework.latency_ms.p90,
            "ttft_median_ms": framework.time_to_first_token_ms.median,
            "ttft_p90_ms": framework.time_to_first_token_ms.p90,
            "calls": framework.calls,
            "input_tokens": framework.input_tokens,
            "output_tokens": framework.output_tokens,
            "cost_usd": framework.cost_usd,
            "cost_per_story_usd": framework.cost_per_story,
        }
        for criterion in JUDGE_CRITERIA:
            score = framework.scores.get(criterion, Score(None, None, 0))
            row[f"{criterion}_mean"] = score.mean
            row[f"{criterion}_stdev"] = score.stdev
        row["total_score_mean"] = framework.total_score.mean
        row["total_score_stdev"] = framework.total_score.stdev
        for other in report.run.frameworks:  # every row has every column (its own is empty)
            row[f"win_rate_vs_{other}"] = framework.win_rates.get(other)
        rows.append(row)
    return rows
