"""A judge's verdict on a comparison: each framework's scores with reasons, the ranking, and
how the stories were shown (the shuffled labels), or why judging failed. One per comparison;
judging again replaces it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, Money, UTCDateTime, utcnow


class ComparisonVerdict(Base):
    __tablename__ = "comparison_verdicts"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comparison_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # ok or failed
    judge_model: Mapped[str] = mapped_column(String(200))
    # The label each framework's story was shown under, e.g. {"A": "langgraph", ...}.
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    # {framework: {criterion: {"score": 1..5, "reason": "..."}}}; empty when failed.
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    ranking: Mapped[list[str]] = mapped_column(JSON)  # frameworks, best first (the winner first)
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer)
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    estimated_cost_usd: Mapped[Decimal] = mapped_column(Money)
    judge_time_ms: Mapped[float] = mapped_column(Float)
    transaction_guid: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
