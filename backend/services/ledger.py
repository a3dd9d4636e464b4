"""The ledger: one row per provider attempt, written before the request leaves.

A row is inserted `in_flight` (tokens estimated from the request, priced) in its own short
transaction, then completed with what the attempt really did. A crash therefore leaves rows
that the next start-up marks `interrupted`, never missing ones. The metered unit runs these
writes so that a cancelled caller cannot interrupt them (`backend.core.aio.finish_anyway`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from backend.core.metrics import Metrics
from backend.core.text import storable
from backend.llm.calls import AttemptStart, CallStatus, ProviderCall
from backend.llm.provider import ProviderConfig
from backend.llm.usage import TokenUsage
from backend.models import AppInstance, LLMCall
from backend.pricing import ModelPrice, PriceQuote, price_call

# Statuses an attempt's real outcome may still replace.
OPEN_STATUSES = (CallStatus.IN_FLIGHT.value, CallStatus.INTERRUPTED.value)

# The hot path's statements are Core statements built once, run with parameters: the ORM's
# bulk machinery and a fresh cache key per call cost more CPU than the database work itself
# (a profile under load put the ORM at about 40% of the event loop's time).
_CALLS: Table = LLMCall.__table__  # type: ignore[assignment]
_OPEN = insert(_CALLS).returning(_CALLS.c.id)
_CLOSE = update(_CALLS).where(
    _CALLS.c.id == bindparam("row_id"), _CALLS.c.status.in_(OPEN_STATUSES)
)
_DROP = delete(_CALLS).where(
    _CALLS.c.id == bindparam("row_id"), _CALLS.c.status == CallStatus.IN_FLIGHT.value
)


@dataclass(frozen=True)
class CallPricer:
    provider: ProviderConfig
    overrides: Mapping[str, ModelPrice]
    fallbacks: Sequence[ProviderConfig] = ()

    def provider_named(self, name: str | None) -> ProviderConfig:
        """The provider that served a call (the primary unless a fallback did)."""
        for fallback in self.fallbacks:
            if fallback.name == name:
                return fallback
        return self.provider

    def quote(self, model: str, usage: TokenUsage, provider: str | None = None) -> PriceQuote:
        served_by = self.provider_named(provider)
        return price_call(
            model=model or served_by.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_tokens=usage.cached_tokens,
            is_local=served_by.is_local,
            provider_base_url=served_by.base_url,
            overrides=self.overrides,
        )


@dataclass(frozen=True)
class LedgerScope:
    """Who and what a unit of work's rows belong to (fixed when the unit opens)."""

    operation: str
    framework: str
    user_id: int | None
    transaction_guid: str
    request_id: str | None

    def columns(self) -> dict[str, Any]:
        """The scope as the columns of each row it owns (the fields are named after them). A
        shallow copy: `asdict` deep-copies, and this runs for every provider call."""
        return dict(vars(self))


class Ledger:
    def __init__(
        self,
        engine: AsyncEngine,
        pricer: CallPricer,
        instance_id: str,
        metrics: Metrics | None = None,
    ) -> None:
        self._engine = engine
        self.pricer = pricer
        self.instance_id = instance_id
        self._metrics = metrics

    @property
    def provider(self) -> ProviderConfig:
        return self.pricer.provider

    async def open(self, scope: LedgerScope, start: AttemptStart) -> int:
        """The row for an attempt about to be sent: in flight, input estimated and priced."""
        served_by = self.pricer.provider_named(start.provider)
        model = start.model or served_by.model
        estimate = TokenUsage(input_tokens=start.estimate.input_tokens, estimated=True)
        quote = self.pricer.quote(model, estimate, served_by.name)
        values: dict[str, Any] = {
            **scope.columns(),
            "step": start.step,
            "provider": served_by.name,
            "model": model,
            "attempt": start.attempt,
            "status": CallStatus.IN_FLIGHT.value,
            "input_tokens": estimate.input_tokens,
            "output_tokens": 0,
            "cached_tokens": 0,
            "tokens_estimated": True,
            "cost_usd": quote.cost_usd,
            "price_source": quote.source,
            "latency_ms": 0.0,
            "created_at": start.started_at,
            "instance_id": self.instance_id,
        }
        async with self._engine.begin() as connection:
            inserted = await connection.execute(_OPEN, values)
            return int(inserted.scalar_one())

    async def close(
        self, row_id: int, call: ProviderCall, quote: PriceQuote, scope: LedgerScope
    ) -> None:
        """Complete an in-flight row with what happened. A row already completed (e.g. by a
        unit of work closing early) keeps its first outcome; one a sweep wrongly marked
        `interrupted` (its live process missed heartbeats) gets the real one. The metrics
        count the same completion, so they agree with the ledger."""
        values: dict[str, Any] = {
            "status": call.status,
            "http_status": call.http_status,
            "model": call.model or self.pricer.provider_named(call.provider).model,
            "input_tokens": call.usage.input_tokens,
            "output_tokens": call.usage.output_tokens,
            "cached_tokens": call.usage.cached_tokens,
            "tokens_estimated": call.usage.estimated,
            "cost_usd": quote.cost_usd,
            "price_source": quote.source,
            "latency_ms": call.latency_ms,
            "time_to_first_token_ms": call.time_to_first_token_ms,
            "error_message": storable(call.error_message)[:500] if call.error_message else None,
        }
        async with self._engine.begin() as connection:
            completed = await connection.execute(_CLOSE, {"row_id": row_id, **values})
        if self._metrics is not None and completed.rowcount:
            self._metrics.provider_call(
                framework=scope.framework,
                operation=scope.operation,
                provider=self.pricer.provider_named(call.provider).name,
                model=values["model"],
                status=call.status,
                attempt=call.attempt,
                input_tokens=call.usage.input_tokens,
                output_tokens=call.usage.output_tokens,
                cached_tokens=call.usage.cached_tokens,
                cost_usd=quote.cost_usd,
                latency_ms=call.latency_ms,
            )

    async def record_cached(
        self,
        session: AsyncSession,
        scope: LedgerScope,
        *,
        provider: str,
        model: str,
        latency_ms: float,
        cached_from_guid: str,
        **owner: int,
    ) -> LLMCall:
        """An answer from the response cache: no provider call, $0, status `cached`, naming the
        transaction it repeats; written in the caller's transaction with what it answered. The
        row comes back as written (not read again: a hit is worth one round trip less)."""
        values: dict[str, Any] = {
            **scope.columns(),
            "step": None,
            "provider": provider,
            "model": model,
            "attempt": 1,
            "status": CallStatus.CACHED.value,
            "input_tokens": 0,
            "output_tokens": 0,
            "cached_tokens": 0,
            "tokens_estimated": False,
            "cost_usd": Decimal(0),
            "price_source": "cache",
            "latency_ms": latency_ms,
            "created_at": datetime.now(UTC),
            "instance_id": self.instance_id,
            "cached_from_guid": cached_from_guid,
            **owner,
        }
        inserted = await session.execute(_OPEN, values)
        return LLMCall(id=int(inserted.scalar_one()), **values)

    async def drop(self, row_id: int) -> None:
        """The attempt never reached the provider (connection refused): nothing was spent."""
        async with self._engine.begin() as connection:
            await connection.execute(_DROP, {"row_id": row_id})

    @staticmethod
    async def load_into(session: AsyncSession, owner: Any, row_ids: Sequence[int]) -> None:
        """Read a unit's rows back (what the ledger now says, not what the unit remembers) into
        `owner.calls`, in one query: cheaper than refreshing the relationship, which reloads
        the owner too."""
        found = await session.scalars(
            select(LLMCall).where(LLMCall.id.in_(row_ids)).order_by(LLMCall.id)
        )
        set_committed_value(owner, "calls", list(found) if row_ids else [])

    @staticmethod
    async def attach(session: AsyncSession, row_ids: Sequence[int], **owner: int) -> None:
        """Point a unit's rows at what it produced (a story, a message, a run), inside the
        caller's transaction."""
        if row_ids:
            await session.execute(update(_CALLS).where(_CALLS.c.id.in_(row_ids)).values(**owner))

    async def interrupt_orphans(self) -> int:
        """Rows left in flight by processes that are gone (no entry in `app_instances`):
        their spend is kept, estimated from the request."""
        live = select(AppInstance.id)
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(LLMCall)
                .where(
                    LLMCall.status == CallStatus.IN_FLIGHT.value,
                    or_(LLMCall.instance_id.is_(None), LLMCall.instance_id.not_in(live)),
                )
                .values(
                    status=CallStatus.INTERRUPTED.value,
                    error_message="The platform stopped before the provider answered.",
                )
            )
        count: int = result.rowcount
        return count


def escape_like(text: str) -> str:
    """Make user text literal inside a LIKE pattern (with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
