"""Uploaded documents (their extracted text lives here, not on disk) and the prompt runs over
them, failures included."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, Money, UTCDateTime, utcnow


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_user_id_created_at", "user_id", "created_at"),
        {"sqlite_autoincrement": True},  # a deleted document's id is never reused
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # "ctx_..." in the API
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(8))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    characters: Mapped[int] = mapped_column(Integer)
    tokens: Mapped[int] = mapped_column(Integer)  # estimated
    pages: Mapped[int | None] = mapped_column(Integer)
    processing_time_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContextExecution(Base):
    __tablename__ = "context_executions"
    __table_args__ = (Index("ix_context_executions_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    file_ids: Mapped[str] = mapped_column(String(500))  # comma-separated public ids
    framework: Mapped[str] = mapped_column(String(32))
    system_prompt: Mapped[str] = mapped_column(Text)
    user_prompt: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # completed | failed | cancelled
    strategy: Mapped[str] = mapped_column(String(16))  # single | map_reduce
    chunks: Mapped[int] = mapped_column(Integer, default=1)
    response: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(String(500))
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    estimated_cost_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    file_processing_time_ms: Mapped[float] = mapped_column(Float, default=0.0)
    llm_execution_time_ms: Mapped[float] = mapped_column(Float, default=0.0)
    total_execution_time_ms: Mapped[float] = mapped_column(Float, default=0.0)
    transaction_guid: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
