"""What the provider layer tells the ledger about each attempt, while it happens.

The transport announces an attempt before its request leaves (`attempt_started`, so a crash
can never lose it) and reports how it ended (`attempt_finished`), or that it never reached the
provider (`attempt_unreached`: a refused connection, or a failure or cancellation before
the request was written in full). The observer is whatever unit of work is
active in the caller's context: services open one around a story, a chat turn or a document run.
Context variables carry the observer and the current step (e.g. a LangGraph node) down to the
transport, whichever framework made the call. This module names no database: it is the seam.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from backend.llm.usage import TokenUsage


class CallStatus(StrEnum):
    """How an attempt ended. `http_<code>` statuses are built from the provider's answer."""

    IN_FLIGHT = "in_flight"  # written before the request leaves; replaced when it ends
    OK = "ok"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    STREAM_ERROR = "stream_error"
    CANCELLED = "cancelled"  # the caller went away before the provider finished
    INTERRUPTED = "interrupted"  # the process died mid-call (set at the next start-up)
    CACHED = "cached"  # no call: answered from the response cache, at $0

    @staticmethod
    def http(code: int) -> str:
        """The status of an attempt the provider answered with an HTTP error."""
        return f"http_{code}"


@dataclass(frozen=True)
class AttemptStart:
    attempt: int
    model: str
    step: str | None
    # Tokens estimated from the request: what a crash leaves behind is not $0.
    estimate: TokenUsage
    streaming: bool
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    provider: str | None = None  # which provider (None: the primary, before fallbacks existed)


@dataclass
class ProviderCall:
    attempt: int
    status: str  # a CallStatus value or "http_<code>"
    http_status: int | None
    model: str
    usage: TokenUsage
    latency_ms: float
    time_to_first_token_ms: float | None = None
    step: str | None = None
    error_message: str | None = None
    retry_after_seconds: float | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    provider: str | None = None


AttemptHandle = int | None


class CallObserver(Protocol):
    async def attempt_started(self, start: AttemptStart) -> AttemptHandle: ...

    async def attempt_finished(self, handle: AttemptHandle, call: ProviderCall) -> None: ...

    async def attempt_unreached(self, handle: AttemptHandle) -> None: ...


_observer_var: ContextVar[CallObserver | None] = ContextVar("call_observer", default=None)
_step_var: ContextVar[str | None] = ContextVar("call_step", default=None)


def bind_observer(observer: CallObserver) -> object:
    """Make `observer` see the provider calls made from this context on; returns the token
    that `unbind_observer` takes."""
    return _observer_var.set(observer)


def unbind_observer(token: object) -> None:
    """Undo `bind_observer`. A unit closed from another context (an abandoned async
    generator finalised elsewhere) has nothing to undo there."""
    if not isinstance(token, Token):
        return
    with suppress(ValueError):
        _observer_var.reset(token)


@contextmanager
def call_step(name: str) -> Iterator[None]:
    """Label the provider calls made inside this block (e.g. the LangGraph node running)."""
    token = _step_var.set(name)
    try:
        yield
    finally:
        _step_var.reset(token)


def current_observer() -> CallObserver | None:
    return _observer_var.get()


def current_step() -> str | None:
    return _step_var.get()
