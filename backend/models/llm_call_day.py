"""The ledger summed per UTC day: what the cost reports read, so a report over 90 days and a
million calls sums a few thousand rows instead of scanning them all.

Database triggers keep it in step with `llm_calls` (migration 0009): every insert, update and
delete of a ledger row adds or takes away its share in the same statement, so the two cannot
diverge, whichever code writes the ledger. Nothing in the application writes this table.
Every report filter (UTC dates, user, framework, model, provider, operation) is a column
here, so every report is exact.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base

# The user key for ledger rows that belong to nobody (made before accounts existed).
NO_USER = 0


class LLMCallDay(Base):
    __tablename__ = "llm_call_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # UTC
    user_key: Mapped[int] = mapped_column(Integer, primary_key=True)  # user_id, or NO_USER
    framework: Mapped[str] = mapped_column(String(32), primary_key=True)
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    provider: Mapped[str] = mapped_column(String(100), primary_key=True)
    operation: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Provider requests: ledger rows, in flight ones included, answers from the cache not.
    requests: Mapped[int] = mapped_column(BigInteger)
    input_tokens: Mapped[int] = mapped_column(BigInteger)
    output_tokens: Mapped[int] = mapped_column(BigInteger)
    cached_tokens: Mapped[int] = mapped_column(BigInteger)
    cost_nanos: Mapped[int] = mapped_column(BigInteger)  # nano-dollars, as the ledger stores
    failed_requests: Mapped[int] = mapped_column(BigInteger)  # ended, and not `ok` or `cached`
    estimated_requests: Mapped[int] = mapped_column(BigInteger)  # tokens counted, not reported
    unpriced_requests: Mapped[int] = mapped_column(BigInteger)  # price_source `unknown`
    # Rows with status `cached`: answers from the response cache, at $0 (migration 0012).
    cache_hits: Mapped[int] = mapped_column(BigInteger, server_default="0")
