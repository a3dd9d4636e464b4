"""One metered unit of work: the only way a use case calls a model.

    async with meter.unit(Operation.STORY, framework, user_id, plan) as unit:
        text = await framework.write_story(brief)      # every attempt lands in the ledger
        ...save the story, then `await unit.attach(session, story_id=story.id)`

Entering binds the unit as the provider layer's observer: each attempt is written `in_flight`
before it is sent and completed when it ends. Leaving, on any path (success, provider error,
cancellation, an unexpected exception), completes whatever is still open, so no attempt is
ever missing from the ledger. The unit also knows the totals and turns a failure into the
right API error.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.aio import finish_anyway
from backend.core.context import current_request_id, current_transaction_guid
from backend.core.errors import AppError
from backend.core.logging import get_logger
from backend.core.names import Operation
from backend.db.session import busy_error
from backend.llm.calls import (
    AttemptHandle,
    AttemptStart,
    CallStatus,
    ProviderCall,
    bind_observer,
    unbind_observer,
)
from backend.llm.usage import TokenUsage
from backend.pricing import PriceQuote
from backend.services.admission import (
    GenerationGate,
    provider_call_ended,
    provider_call_started,
)
from backend.services.ledger import Ledger, LedgerScope
from backend.services.provider_errors import provider_error
from backend.services.spend_caps import SpendCaps, SpendPlan

log = get_logger(__name__)

# How long a unit that ends with attempts still open waits for their readers' own reports.
READER_REPORT_SECONDS = 1.0


@dataclass(frozen=True)
class Totals:
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    cost_usd: Decimal
    model_time_ms: float  # the provider's own time: the sum of the attempts' latencies
    model: str

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class UnitClosedError(RuntimeError):
    """A provider call was attempted after its unit of work had ended."""


class Meter:
    """Opens metered units; built once per process around the ledger and the budgets."""

    def __init__(
        self, ledger: Ledger, caps: SpendCaps | None = None, gate: GenerationGate | None = None
    ) -> None:
        self.ledger = ledger
        self.caps = caps
        self.gate = gate

    def unit(
        self, operation: Operation, framework: str, user_id: int | None, plan: SpendPlan
    ) -> MeteredUnit:
        """A unit that may spend at most what `plan` says; entering it reserves that much
        against the budgets (or refuses, before any provider call)."""
        scope = self.scope(operation, framework, user_id)
        return MeteredUnit(self.ledger, scope, self.caps, self.worst_case_usd(plan), self.gate)

    @staticmethod
    def scope(operation: Operation, framework: str, user_id: int | None) -> LedgerScope:
        """The current request's rows for one use case and framework."""
        return LedgerScope(
            operation=operation,
            framework=framework,
            user_id=user_id,
            transaction_guid=current_transaction_guid(),
            request_id=current_request_id(),
        )

    async def admit(self, user_id: int | None, plans: Sequence[SpendPlan]) -> None:
        """Refuse now (429 `BUDGET_EXCEEDED`, or 503 `OVERLOADED` for a request that has
        waited too long) work that could not start; the units reserve when they start."""
        if self.gate is not None:
            self.gate.check_wait()
        if self.caps is not None:
            total = sum((self.worst_case_usd(plan) for plan in plans), Decimal(0))
            await self.caps.check(user_id, total)

    def worst_case_usd(self, plan: SpendPlan) -> Decimal:
        """The plan's tokens at the configured model's price."""
        usage = TokenUsage(input_tokens=plan.input_tokens, output_tokens=plan.output_tokens)
        served_by = plan.provider or self.ledger.provider
        return self.ledger.pricer.quote(served_by.model, usage, served_by.name).cost_usd


class MeteredUnit:
    def __init__(
        self,
        ledger: Ledger,
        scope: LedgerScope,
        caps: SpendCaps | None = None,
        worst_case_usd: Decimal | None = None,
        gate: GenerationGate | None = None,
    ) -> None:
        self._ledger = ledger
        self._gate = gate
        self.scope = scope
        self._caps = caps
        self._worst_case_usd = worst_case_usd
        self._reservation: int | None = None
        self.calls: list[ProviderCall] = []
        self._quotes: list[PriceQuote] = []
        self.row_ids: list[int] = []
        self._open: dict[int, AttemptStart] = {}
        self._unsent: set[int] = set()
        self._settled = asyncio.Event()  # set whenever no attempt is open
        self._closed = False
        self._token: object | None = None
        self.started = time.perf_counter()
        # From the first attempt leaving to the last one ending: the provider's time, with
        # its retries' backoff and Retry-After waits, none of which is the platform's backlog.
        self._first_sent: float | None = None
        self._last_answered: float | None = None

    async def __aenter__(self) -> MeteredUnit:
        if self._gate is not None:
            self._gate.check_wait()  # nothing is spent yet: a request that waited too long goes
        if self._caps is not None and self._worst_case_usd is not None:
            self._reservation = await self._caps.reserve(
                self.scope.user_id,
                self.scope.transaction_guid,
                self.scope.framework,
                self._worst_case_usd,
            )
        self._token = bind_observer(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closed = True
        if self._gate is not None and exc is None:
            self._gate.finished(self._provider_span())
        try:
            if self._open:
                await finish_anyway(self._close_abandoned())
        finally:
            unbind_observer(self._token)
            if self._caps is not None and self._reservation is not None:
                # Every attempt is in the ledger now: it settles what was reserved.
                await finish_anyway(self._caps.release(self._reservation))
        if exc is not None and not isinstance(exc, AppError | GeneratorExit):
            log.warning("unit_failed", operation=self.scope.operation, error=type(exc).__name__)

    def _provider_span(self) -> float:
        if self._first_sent is None or self._last_answered is None:
            return 0.0
        return max(0.0, self._last_answered - self._first_sent)

    async def _close_abandoned(self) -> None:
        """Rows still open when the unit ends: their readers are being torn down (a client
        left). Give them a moment to report what they saw, then record the rest as cancelled
        with what the request alone tells."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), READER_REPORT_SECONDS)
        await self._close_remaining()

    async def _close_remaining(self) -> None:
        for row_id, start in list(self._open.items()):
            if row_id in self._unsent:
                self._open.pop(row_id, None)
                self.row_ids.remove(row_id)
                await self._ledger.drop(row_id)
            else:
                await self._finish(row_id, self._abandoned(start))

    @staticmethod
    def _abandoned(start: AttemptStart) -> ProviderCall:
        return ProviderCall(
            attempt=start.attempt,
            status=CallStatus.CANCELLED,
            http_status=None,
            model=start.model,
            usage=start.estimate,
            latency_ms=(datetime.now(UTC) - start.started_at).total_seconds() * 1000,
            step=start.step,
            started_at=start.started_at,
        )

    # -- the provider layer's observer -------------------------------------------------------

    # Every ledger write finishes even if the caller is cancelled meanwhile (`finish_anyway`).

    async def attempt_started(self, start: AttemptStart) -> AttemptHandle:
        if self._closed:
            # A framework task outliving its unit (a LangGraph node still being torn down
            # after the client left) must not spend more: its result has no one to go to.
            raise UnitClosedError(f"the {self.scope.operation} this call belonged to has ended")
        opening = asyncio.ensure_future(self._ledger.open(self.scope, start))
        try:
            await finish_anyway(opening)
        except BaseException:
            # Cancelled while the row was being written: the request is never sent.
            if opening.done() and not opening.cancelled() and opening.exception() is None:
                if self._closed:
                    await finish_anyway(self._ledger.drop(opening.result()))
                else:
                    self._register(opening.result(), start)
                    self._unsent.add(opening.result())
            raise
        if self._closed:  # the unit ended while the row was being written: never send it
            await finish_anyway(self._ledger.drop(opening.result()))
            raise UnitClosedError(f"the {self.scope.operation} this call belonged to has ended")
        self._register(opening.result(), start)
        return opening.result()

    def _register(self, row_id: int, start: AttemptStart) -> None:
        self.row_ids.append(row_id)
        self._open[row_id] = start
        self._settled.clear()
        if self._first_sent is None:
            self._first_sent = time.perf_counter()
        provider_call_started()

    async def attempt_finished(self, handle: AttemptHandle, call: ProviderCall) -> None:
        await finish_anyway(self._finish(handle, call))

    async def _finish(self, handle: AttemptHandle, call: ProviderCall) -> None:
        if handle is None or self._open.pop(handle, None) is None:
            return
        self._ended_call()
        quote = self._ledger.pricer.quote(call.model, call.usage, call.provider)
        self.calls.append(call)
        self._quotes.append(quote)
        await self._ledger.close(handle, call, quote, self.scope)

    def _ended_call(self) -> None:
        self._last_answered = time.perf_counter()
        provider_call_ended()
        if not self._open:
            self._settled.set()

    async def attempt_unreached(self, handle: AttemptHandle) -> None:
        if handle is None or self._open.pop(handle, None) is None:
            return
        self._ended_call()
        self.row_ids.remove(handle)
        await finish_anyway(self._ledger.drop(handle))

    # -- what the use case reads ---------------------------------------------------------------

    @property
    def provider_name(self) -> str:
        """The provider that answered (a fallback, when the primary failed)."""
        answered = [call for call in self.calls if call.status == CallStatus.OK]
        served_by = answered[-1].provider if answered else None
        return self._ledger.pricer.provider_named(served_by).name

    @property
    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def totals(self) -> Totals:
        succeeded = [call for call in self.calls if call.status == CallStatus.OK]
        input_tokens = sum(call.usage.input_tokens for call in self.calls)
        output_tokens = sum(call.usage.output_tokens for call in self.calls)
        return Totals(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=sum(call.usage.cached_tokens for call in self.calls),
            cost_usd=sum((quote.cost_usd for quote in self._quotes), Decimal(0)),
            model_time_ms=sum(call.latency_ms for call in self.calls),
            model=succeeded[-1].model if succeeded else self._ledger.provider.model,
        )

    async def attach(self, session: AsyncSession, **owner: int) -> None:
        await self._ledger.attach(session, self.row_ids, **owner)

    async def load_rows(self, session: AsyncSession, owner: object) -> None:
        """After the owner's transaction commits: its `calls` as the ledger holds them."""
        await self._ledger.load_into(session, owner, self.row_ids)

    def failure(self, exc: BaseException) -> AppError:
        """The API error for a failed unit; an `AppError` raised inside passes unchanged."""
        if isinstance(exc, AppError):
            return exc
        busy = busy_error(exc)  # the database, not the provider, was short of connections
        if busy is not None:
            return busy
        log.warning("generation_failed", operation=self.scope.operation, error=type(exc).__name__)
        return provider_error(self.calls, exc)
