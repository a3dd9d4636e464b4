"""Open spend reservations: the worst-case cost of units of work still running, counted
against budgets until their ledger rows settle them (`backend.services.spend_caps`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, Money, UTCDateTime, utcnow


class SpendReservation(Base):
    __tablename__ = "spend_reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    transaction_guid: Mapped[str] = mapped_column(String(36))
    framework: Mapped[str] = mapped_column(String(32))
    amount_usd: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A reservation its process never released (it crashed) stops counting after this.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
