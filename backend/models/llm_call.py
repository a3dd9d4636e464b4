"""The ledger: one row per call that reached a model provider, successful or not."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db.base import Base, Money, UTCDateTime, utcnow

if TYPE_CHECKING:
    from backend.models.story import Story


class LLMCall(Base):
    __tablename__ = "llm_calls"
    __table_args__ = (
        Index("ix_llm_calls_created_at", "created_at"),
        Index("ix_llm_calls_framework_created_at", "framework", "created_at"),
        Index("ix_llm_calls_status", "status"),
        # A user's spend this month (budgets) and their ledger pages.
        Index("ix_llm_calls_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Null only for rows made before accounts existed and before the first account claimed them.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    transaction_guid: Mapped[str] = mapped_column(String(36), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(32))  # story_generation, chat, ...
    framework: Mapped[str] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(64))  # e.g. a LangGraph node
    provider: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200))
    attempt: Mapped[int] = mapped_column(Integer)
    # in_flight while the call runs; then ok, http_429, timeout, cancelled, interrupted, ...
    status: Mapped[str] = mapped_column(String(32))
    http_status: Mapped[int | None] = mapped_column(Integer)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    tokens_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    cost_usd: Mapped[Decimal] = mapped_column(Money)
    price_source: Mapped[str] = mapped_column(String(32))  # genai-prices, override, local, unknown
    latency_ms: Mapped[float] = mapped_column(Float)
    time_to_first_token_ms: Mapped[float | None] = mapped_column(Float)
    error_message: Mapped[str | None] = mapped_column(String(500))
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), index=True
    )
    chat_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="SET NULL"), index=True
    )
    context_execution_id: Mapped[int | None] = mapped_column(
        ForeignKey("context_executions.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The process that made the call, so a row it left in flight when it died can be told
    # apart from one a live replica is still working on.
    instance_id: Mapped[str | None] = mapped_column(String(36))
    # Status `cached`: the transaction whose generation this answer was taken from.
    cached_from_guid: Mapped[str | None] = mapped_column(String(36))

    story: Mapped[Story | None] = relationship(back_populates="calls")
