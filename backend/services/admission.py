"""Back-pressure: how much generation work this process takes on.

Four bounds, each answering 503 `OVERLOADED` with Retry-After instead of letting a request
queue behind the others until it times out:

- generations in flight (`MAX_IN_FLIGHT_GENERATIONS`): a slot is held for the whole request, a
  stream until its last event;
- the event loop's delay (`MAX_LOOP_LAG_MS`): when the loop is already that far behind while
  generations are running, the process has more work than CPU, and every request it admits
  would wait on the others at each step. Refusing new work keeps the admitted requests fast and
  the overloaded answer fast. With no generation running the bound does not apply: the delay
  then comes from elsewhere (another program on a busy laptop), and refusing the one request
  would relieve nothing;
- generations doing the platform's own work (`MAX_WORKING_GENERATIONS`; a request whose
  provider call is under way does not count): more at once would only queue for the CPU;
- the wait before the provider (`MAX_WAIT_BEFORE_PROVIDER_MS`): each metered unit, as it
  starts and before anything is spent, tells the gate how long its request has waited since it
  arrived (the loop, the database pool, SQLite's write lock: every queue at once). A request
  that has waited longer than the bound is refused there; while the requests reaching their
  provider have waited more than a quarter of it, new ones are refused at the door, until the
  backlog drains (or nothing has been measured for a second).

The bounds are per process (each replica or worker protects itself; a load balancer or the
client's retry after Retry-After spreads the work).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from backend.core.context import request_started_var
from backend.core.errors import ServiceUnavailableError
from backend.core.loop_lag import LoopLag

# A measured wait counts for this long; past it the door opens again (nothing measured means
# nothing is queued behind it).
FRESH_SECONDS = 1.0
# New requests are refused while the requests reaching their provider waited this share of
# MAX_WAIT_BEFORE_PROVIDER_MS.
BACKLOG_SHARE = 0.25


class OverloadedError(ServiceUnavailableError):
    code = "OVERLOADED"
    error_type = "OverloadedError"


class _Place:
    """One admitted request, and how many of its provider calls are under way: with none, it
    is doing the platform's own work (reading, writing, rendering) and counts as working."""

    __slots__ = ("calls", "gate", "left")

    def __init__(self, gate: GenerationGate) -> None:
        self.gate = gate
        self.calls = 0
        self.left = False


_place: ContextVar[_Place | None] = ContextVar("generation_place", default=None)


def provider_call_started() -> None:
    """The metering unit's hook: this request now waits on a provider."""
    place = _place.get()
    if place is not None and not place.left:
        place.calls += 1
        if place.calls == 1:
            place.gate._release_working()


def provider_call_ended() -> None:
    """The metering unit's hook: the provider answered; the platform works again."""
    place = _place.get()
    if place is not None and not place.left and place.calls > 0:
        place.calls -= 1
        if place.calls == 0:
            place.gate._working += 1


class GenerationGate:
    def __init__(
        self,
        limit: int,
        *,
        retry_after_seconds: int = 1,
        loop_lag: LoopLag | None = None,
        max_loop_lag_seconds: float | None = None,
        max_wait_seconds: float | None = None,
        max_working: int | None = None,
    ) -> None:
        self.limit = limit
        self.max_working = max_working
        self._working = 0
        self.retry_after_seconds = retry_after_seconds
        self._loop_lag = loop_lag
        self._max_loop_lag = max_loop_lag_seconds
        self._max_wait = max_wait_seconds
        self._recent_wait = 0.0  # the smaller of the two latest requests' waits
        self._latest_wait = 0.0
        self._recent_at = float("-inf")
        self._in_flight = 0
        self.refused = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def working(self) -> int:
        return self._working

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one place while the body runs, or refuse now. No await between the checks and
        the counts: one event loop cannot interleave them. (A queue for working places was
        measured and dropped: it made the admitted requests wait as well, 200/s open loop p99
        8.2 s against 3.9 s refusing at once.)"""
        if self._in_flight >= self.limit:
            raise self._refusal(
                f"The server is running {self.limit} generations, its limit. Try again shortly.",
                {"limit": self.limit},
            )
        if self._in_flight and self._loop_lag is not None and self._max_loop_lag is not None:
            lag = self._loop_lag.seconds()
            if lag > self._max_loop_lag:
                raise self._refusal(
                    "The server is too busy to start this now. Try again shortly.",
                    {
                        "loop_lag_ms": round(lag * 1000),
                        "max_loop_lag_ms": round(self._max_loop_lag * 1000),
                    },
                )
        if self._backlogged():
            raise self._refusal(
                "The server has a backlog of work. Try again shortly.",
                {
                    "waited_ms": round(self._recent_wait * 1000),
                    "max_wait_ms": round((self._max_wait or 0) * 1000),
                },
            )
        self._take_working_place()
        self._in_flight += 1
        place = _Place(self)
        token = _place.set(place)
        try:
            yield
        finally:
            place.left = True
            if place.calls == 0:
                self._release_working()
            self._in_flight -= 1
            _place.reset(token)

    def _take_working_place(self) -> None:
        if self.max_working is not None and self._working >= self.max_working:
            raise self._refusal(
                "The server is too busy to start this now. Try again shortly.",
                {"working": self._working, "max_working": self.max_working},
            )
        self._working += 1

    def _release_working(self) -> None:
        self._working -= 1

    def check_wait(self) -> None:
        """Called as a unit of work starts, before anything is spent: note how long this
        request has waited since it arrived, and refuse it if that is past the bound."""
        started = request_started_var.get()
        if started is None or self._max_wait is None:
            return
        waited = time.monotonic() - started
        self._observe(waited)
        if waited > self._max_wait:
            raise self._refusal(
                "The server could not start this in time. Try again shortly.",
                {"waited_ms": round(waited * 1000), "max_wait_ms": round(self._max_wait * 1000)},
            )

    def finished(self, provider_seconds: float) -> None:
        """Called as a unit of work ends: the time its request spent in the platform counts
        as waiting too (a backlog after the provider answered slows every request as surely
        as one before). `provider_seconds` is left out: from its first attempt leaving to its
        last ending, retries and their Retry-After waits included."""
        started = request_started_var.get()
        if started is not None and self._max_wait is not None:
            self._observe(max(0.0, time.monotonic() - started - provider_seconds))

    def _observe(self, waited: float) -> None:
        """The two latest waits stand for the queue as it is now: the smaller of them, so one
        slow request (a cold start) is not taken for a backlog, and an average would remember
        a backlog that has drained."""
        self._recent_wait = min(self._latest_wait, waited)
        self._latest_wait = waited
        self._recent_at = time.monotonic()

    def _backlogged(self) -> bool:
        """Recent requests waited long, and some are still at the platform's own work (with
        none working, whatever queue there was has drained)."""
        return (
            self._max_wait is not None
            and self._working > 0
            and time.monotonic() - self._recent_at < FRESH_SECONDS
            and self._recent_wait > self._max_wait * BACKLOG_SHARE
        )

    def _refusal(self, message: str, detail: dict[str, int]) -> OverloadedError:
        self.refused += 1
        return OverloadedError(
            message,
            details=[{**detail, "retry_after_seconds": self.retry_after_seconds}],
            headers={"Retry-After": str(self.retry_after_seconds)},
        )
