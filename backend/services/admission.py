"""Back-pressure: how many generations this process runs at once.

Past the bound a request is refused at once (503 with Retry-After) instead of queueing behind
the others until it times out, so an overloaded server answers fast and stays small. A slot is
held for the whole request, a stream until its last event; the bound is per process (each
replica or worker protects itself; a load balancer spreads the retries).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from backend.core.errors import ServiceUnavailableError


class OverloadedError(ServiceUnavailableError):
    code = "OVERLOADED"
    error_type = "OverloadedError"


class GenerationGate:
    def __init__(self, limit: int, *, retry_after_seconds: int = 1) -> None:
        self.limit = limit
        self.retry_after_seconds = retry_after_seconds
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one place while the body runs, or refuse now. No await between the check and
        the count: one event loop cannot interleave them."""
        if self._in_flight >= self.limit:
            raise OverloadedError(
                f"The server is running {self.limit} generations, its limit. Try again shortly.",
                details=[{"limit": self.limit, "retry_after_seconds": self.retry_after_seconds}],
                headers={"Retry-After": str(self.retry_after_seconds)},
            )
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
