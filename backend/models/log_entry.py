"""The structured log, kept for the administrators' log viewer: one row per log line at or
above LOG_STORE_LEVEL, from every replica (they share the database), newest LOG_STORE_ROWS
kept. Written in batches off the request path (services/log_store.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, UTCDateTime


class LogEntry(Base):
    __tablename__ = "log_entries"
    __table_args__ = (
        Index("ix_log_entries_request_id", "request_id"),
        Index("ix_log_entries_transaction_guid", "transaction_guid"),
        Index("ix_log_entries_created_at", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[str] = mapped_column(String(10))
    level_number: Mapped[int] = mapped_column(Integer)  # 10 debug ... 50 critical
    logger: Mapped[str] = mapped_column(String(120))
    event: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    transaction_guid: Mapped[str | None] = mapped_column(String(36))
    instance_id: Mapped[str | None] = mapped_column(String(36))
    fields: Mapped[str] = mapped_column(Text)  # the line's other keys, as JSON
