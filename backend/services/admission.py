"""Back-pressure: how much generation work this process takes on.

Two bounds, each refusing at once (503 `OVERLOADED` with Retry-After) instead of letting a
request queue behind the others until it times out:

- generations in flight (`MAX_IN_FLIGHT_GENERATIONS`): a slot is held for the whole request, a
  stream until its last event;
- the event loop's delay (`MAX_LOOP_LAG_MS`): when the loop is already that far behind, the
  process has more work than CPU, and every request it admits would wait on the others at each
  step. Refusing new work keeps the admitted requests fast and the overloaded answer fast.

The bounds are per process (each replica or worker protects itself; a load balancer or the
client's retry after Retry-After spreads the work).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from backend.core.errors import ServiceUnavailableError
from backend.core.loop_lag import LoopLag


class OverloadedError(ServiceUnavailableError):
    code = "OVERLOADED"
    error_type = "OverloadedError"


class GenerationGate:
    def __init__(
        self,
        limit: int,
        *,
        retry_after_seconds: int = 1,
        loop_lag: LoopLag | None = None,
        max_loop_lag_seconds: float | None = None,
    ) -> None:
        self.limit = limit
        self.retry_after_seconds = retry_after_seconds
        self._loop_lag = loop_lag
        self._max_loop_lag = max_loop_lag_seconds
        self._in_flight = 0
        self.refused = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one place while the body runs, or refuse now. No await between the check and
        the count: one event loop cannot interleave them."""
        if self._in_flight >= self.limit:
            raise self._refusal(
                f"The server is running {self.limit} generations, its limit. Try again shortly.",
                {"limit": self.limit},
            )
        if self._loop_lag is not None and self._max_loop_lag is not None:
            lag = self._loop_lag.seconds()
            if lag > self._max_loop_lag:
                raise self._refusal(
                    "The server is too busy to start this now. Try again shortly.",
                    {
                        "loop_lag_ms": round(lag * 1000),
                        "max_loop_lag_ms": round(self._max_loop_lag * 1000),
                    },
                )
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1

    def _refusal(self, message: str, detail: dict[str, int]) -> OverloadedError:
        self.refused += 1
        return OverloadedError(
            message,
            details=[{**detail, "retry_after_seconds": self.retry_after_seconds}],
            headers={"Retry-After": str(self.retry_after_seconds)},
        )
