"""Who leads a report: the one best figure per measure, and nobody on a tie (a local model's
$0 stories lead nobody on cost) or with nothing measured."""

from __future__ import annotations

from decimal import Decimal

from backend.services.evaluation_report import FrameworkReport, Score, Spread, leaders


def report(name: str, *, score: float | None, latency: float | None, cost: str) -> FrameworkReport:
    return FrameworkReport(
        name,
        stories=3,
        latency_ms=Spread(3, latency, latency),
        cost_usd=Decimal(cost),
        total_score=Score(score, 0.0, 3 if score is not None else 0),
    )


def test_each_measure_names_its_one_best_framework() -> None:
    figures = [
        report("semantic_kernel", score=9.0, latency=900.0, cost="0.003"),
        report("langchain", score=11.5, latency=1200.0, cost="0.006"),
        report("langgraph", score=10.0, latency=2500.0, cost="0.009"),
    ]
    assert leaders(figures) == {
        "quality": "langchain",
        "speed": "semantic_kernel",
        "cost": "semantic_kernel",
    }


def test_a_shared_best_figure_or_none_at_all_leads_nobody() -> None:
    figures = [
        report("semantic_kernel", score=None, latency=900.0, cost="0"),
        report("langchain", score=None, latency=900.0, cost="0"),
        report("langgraph", score=None, latency=2500.0, cost="0"),
    ]
    assert leaders(figures) == {"quality": None, "speed": None, "cost": None}
    # A tie for second place does not matter: the best is alone.
    figures[2].latency_ms = Spread(3, 400.0, 400.0)
    assert leaders(figures)["speed"] == "langgraph"
