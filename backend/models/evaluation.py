"""Evaluation runs: a suite of briefs written by several frameworks, several times each, then
judged and reported. The run and each of its items live here, so progress and results survive
a restart; the work itself goes through the task queue (`backend.services.task_queue`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, Money, UTCDateTime, utcnow


class EvaluationRun(Base):
    __tablename__ = "evaluation_runs"
    __table_args__ = (
        Index("ix_evaluation_runs_user_id_created_at", "user_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)  # RunStatus
    # [{"primary_character", "secondary_character", "genre", "length"}, ...]
    briefs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    frameworks: Mapped[list[str]] = mapped_column(JSON)
    repetitions: Mapped[int] = mapped_column(Integer)
    concurrency: Mapped[int] = mapped_column(Integer)
    judge: Mapped[bool] = mapped_column(Boolean)
    # The worst case of every item and verdict, shown before the run starts.
    planned_cost_usd: Mapped[Decimal] = mapped_column(Money)
    model: Mapped[str] = mapped_column(String(200))  # the generation model when planned
    # Every ledger row of the run carries it: the report's sums are the ledger's.
    transaction_guid: Mapped[str] = mapped_column(String(36), index=True)
    error: Mapped[str | None] = mapped_column(String(500))
    # The process working on it, so a run left `running` by a dead process is picked up again.
    instance_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EvaluationItem(Base):
    """One story of a run: a brief, a framework, a repetition. The items of one brief and
    repetition share a comparison id, so the judge scores them together."""

    __tablename__ = "evaluation_items"
    __table_args__ = (Index("ix_evaluation_items_run_id_status", "run_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("evaluation_runs.id", ondelete="CASCADE"))
    brief_index: Mapped[int] = mapped_column(Integer)
    repetition: Mapped[int] = mapped_column(Integer)
    framework: Mapped[str] = mapped_column(String(32))
    comparison_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(16))  # ItemStatus
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), index=True
    )
    error: Mapped[str | None] = mapped_column(String(500))
    latency_ms: Mapped[float | None] = mapped_column(Float)  # request to stored story
    time_to_first_token_ms: Mapped[float | None] = mapped_column(Float)  # to the first text
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
