"""The parts of a provider call that are not the transport itself: the retry policy and what
it allows, `Retry-After`, time limits on a request, and reading a provider's error."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2 as httpx

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 8.0
    retry_after_max_seconds: float = 30.0
    # One provider call, all its attempts and waits included, ends by this deadline.
    deadline_seconds: float = 90.0
    # A streamed answer may pause this long between chunks (first chunk included).
    stream_idle_seconds: float = 30.0


@dataclass
class Outcome:
    response: httpx.Response | None
    error: Exception | None
    retryable: bool
    retry_after: float | None = None
    streaming: bool = False  # the response is a stream still to be read


def release_once(release: Callable[[], None]) -> Callable[[], None]:
    """A gate's release that may be called from several places but acts once."""
    done = False

    def release_once() -> None:
        nonlocal done
        if not done:
            done = True
            release()

    return release_once


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def request_payload(request: httpx.Request) -> dict[str, Any]:
    try:
        payload = json.loads(request.content or b"{}")
    except (ValueError, httpx.RequestNotRead):
        return {}
    return payload if isinstance(payload, dict) else {}


def error_message(body: bytes) -> str:
    """The provider's error message, shortened; never the request (it may hold secrets)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        return str(error["message"])[:200]
    return str(payload)[:200]


def bound_timeouts(request: httpx.Request, read_seconds: float) -> None:
    """Cap how long one read may wait: the time left before the deadline, or the idle limit
    between chunks of a stream."""
    current = dict(request.extensions.get("timeout") or {})
    configured = current.get("read")
    read = read_seconds if configured is None else min(float(configured), read_seconds)
    current["read"] = max(0.001, read)
    request.extensions["timeout"] = current


def as_timeout(exc: BaseException, request: httpx.Request) -> Exception:
    if isinstance(exc, httpx.TimeoutException):
        return exc
    return httpx.ReadTimeout("the provider call reached its deadline", request=request)
