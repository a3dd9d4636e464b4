"""What a cost report or a ledger page is about: a period, a user, a framework, model, provider
or operation. The same filter reads the calls (`conditions`) and their daily sums
(`day_conditions`), and travels in a signed export link (`to_claims`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from backend.models import LLMCall, LLMCallDay

_TEXT_FIELDS = ("framework", "model", "provider", "operation")


@dataclass(frozen=True)
class UsageFilter:
    start_date: date | None = None
    end_date: date | None = None
    framework: str | None = None
    # One user's spend; None means everyone's (admins only: the API layer decides).
    user_id: int | None = None
    model: str | None = None
    provider: str | None = None
    operation: str | None = None

    def to_claims(self) -> dict[str, Any]:
        """The filter as JSON-safe values (for a signed link)."""
        claims: dict[str, Any] = {key: getattr(self, key) for key in _TEXT_FIELDS}
        claims["start_date"] = self.start_date.isoformat() if self.start_date else None
        claims["end_date"] = self.end_date.isoformat() if self.end_date else None
        claims["user_id"] = self.user_id
        return claims

    @classmethod
    def from_claims(cls, claims: Any) -> UsageFilter:
        """The inverse of `to_claims` (the link's signature vouches for the values)."""

        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            start_date=day(claims.get("start_date")),
            end_date=day(claims.get("end_date")),
            user_id=claims.get("user_id"),
            **{key: claims.get(key) for key in _TEXT_FIELDS},
        )

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.user_id is not None:
            conditions.append(LLMCall.user_id == self.user_id)
        if self.start_date is not None:
            conditions.append(
                LLMCall.created_at >= datetime.combine(self.start_date, time.min, tzinfo=UTC)
            )
        if self.end_date is not None and self.end_date < date.max:
            end = datetime.combine(self.end_date + timedelta(days=1), time.min, tzinfo=UTC)
            conditions.append(LLMCall.created_at < end)
        # A start after the end is an empty range, answered with zeros, not an error.
        for column, value in (
            (LLMCall.framework, self.framework),
            (LLMCall.model, self.model),
            (LLMCall.provider, self.provider),
            (LLMCall.operation, self.operation),
        ):
            if value is not None:
                conditions.append(column == value)
        return conditions

    def day_conditions(self) -> list[ColumnElement[bool]]:
        """The same filter over the daily sums: each filter is one of their columns."""
        conditions: list[ColumnElement[bool]] = []
        if self.user_id is not None:
            conditions.append(LLMCallDay.user_key == self.user_id)
        if self.start_date is not None:
            conditions.append(LLMCallDay.day >= self.start_date)
        if self.end_date is not None:
            conditions.append(LLMCallDay.day <= self.end_date)
        for column, value in (
            (LLMCallDay.framework, self.framework),
            (LLMCallDay.model, self.model),
            (LLMCallDay.provider, self.provider),
            (LLMCallDay.operation, self.operation),
        ):
            if value is not None:
                conditions.append(column == value)
        return conditions
