"""What the provider layer observed about each call, collected per unit of work.

The transport appends a `ProviderCall` for every attempt that reached the provider; services
open a `CallRecorder` around a unit of work (one story, one chat turn) and write the ledger
from it. Context variables carry the recorder and the current step (e.g. a LangGraph node)
down to the transport, whichever framework made the call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime

from backend.llm.usage import TokenUsage


@dataclass
class ProviderCall:
    attempt: int
    status: str  # "ok", "http_<code>", "timeout", "connection_error", "stream_error", "cancelled"
    http_status: int | None
    model: str
    usage: TokenUsage
    latency_ms: float
    time_to_first_token_ms: float | None = None
    step: str | None = None
    error_message: str | None = None
    retry_after_seconds: float | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def succeeded(self) -> bool:
        return self.status == "ok"


@dataclass
class CallRecorder:
    calls: list[ProviderCall] = field(default_factory=list)

    def add(self, call: ProviderCall) -> None:
        self.calls.append(call)

    @property
    def last(self) -> ProviderCall | None:
        return self.calls[-1] if self.calls else None


_recorder_var: ContextVar[CallRecorder | None] = ContextVar("call_recorder", default=None)
_step_var: ContextVar[str | None] = ContextVar("call_step", default=None)


@contextmanager
def record_calls() -> Iterator[CallRecorder]:
    recorder = CallRecorder()
    token = _recorder_var.set(recorder)
    try:
        yield recorder
    finally:
        _recorder_var.reset(token)


@contextmanager
def call_step(name: str) -> Iterator[None]:
    """Label the provider calls made inside this block (e.g. the LangGraph node running)."""
    token = _step_var.set(name)
    try:
        yield
    finally:
        _step_var.reset(token)


def current_recorder() -> CallRecorder | None:
    return _recorder_var.get()


def current_step() -> str | None:
    return _step_var.get()
