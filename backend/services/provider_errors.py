"""Which API error tells the truth about a failed provider call: 429, 504, 503 or 502, from the
last attempt's status. Never the provider's request or credentials: only its status and short
error message."""

from __future__ import annotations

import math
from collections.abc import Sequence

from backend.core.errors import (
    ProviderError,
    ProviderRateLimitedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from backend.frameworks.base import EmptyOutputError
from backend.llm.calls import CallStatus, ProviderCall


def provider_error(calls: Sequence[ProviderCall], exc: BaseException) -> ProviderError:
    """The error for a unit whose calls ended in `exc`."""
    last = calls[-1] if calls else None
    attempts = len(calls)
    if isinstance(exc, EmptyOutputError):
        return ProviderError("The model returned an empty answer.")
    if last is None:
        return ProviderUnavailableError(
            "The model provider could not be reached.",
            details=[{"message": type(exc).__name__, "type": "connection_error"}],
        )
    details = [{"message": last.error_message or last.status, "type": last.status}]
    if last.status == CallStatus.http(429):
        headers = {}
        if last.retry_after_seconds is not None:
            headers["Retry-After"] = str(max(1, math.ceil(last.retry_after_seconds)))
        return ProviderRateLimitedError(
            f"The model provider is rate limiting requests (after {attempts} attempts).",
            details=details,
            headers=headers,
        )
    if last.status == CallStatus.TIMEOUT:
        return ProviderTimeoutError(
            f"The model provider did not answer in time (after {attempts} attempts).",
            details=details,
        )
    if last.status in {CallStatus.CONNECTION_ERROR, CallStatus.http(502), CallStatus.http(503)}:
        return ProviderUnavailableError(
            f"The model provider is unavailable (after {attempts} attempts).", details=details
        )
    return ProviderError(
        f"The model provider failed ({last.status}, after {attempts} attempts).", details=details
    )
