"""A generated story. Its tokens and cost are the sums of its ledger rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db.base import Base, Money, UTCDateTime, utcnow

if TYPE_CHECKING:
    from backend.models.llm_call import LLMCall


class Story(Base):
    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_framework_created_at", "framework", "created_at"),
        Index("ix_stories_created_at", "created_at"),
        {"sqlite_autoincrement": True},  # a deleted story's id is never given to another
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Null only for rows made before accounts existed and before the first account claimed them.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    primary_character: Mapped[str] = mapped_column(String(100))
    secondary_character: Mapped[str] = mapped_column(String(100))
    genre: Mapped[str | None] = mapped_column(String(50))
    length: Mapped[str | None] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    framework: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(100))
    generation_time_ms: Mapped[float] = mapped_column(Float)
    # The provider's own time (the sum of the ledger rows' latencies); the rest was waiting.
    model_time_ms: Mapped[float | None] = mapped_column(Float)
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    total_tokens: Mapped[int] = mapped_column(Integer)
    estimated_cost_usd: Mapped[Decimal] = mapped_column(Money)
    request_id: Mapped[str | None] = mapped_column(String(64))
    transaction_guid: Mapped[str] = mapped_column(String(36), index=True)
    # Set when the story was one of a side-by-side comparison of the three frameworks.
    comparison_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # Set when the story was answered from the response cache: the generation it repeats.
    cached_from_guid: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    calls: Mapped[list[LLMCall]] = relationship(back_populates="story", order_by="LLMCall.id")
