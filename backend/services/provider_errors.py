"""Explain a failed unit of work to the client from what the provider layer recorded."""

from __future__ import annotations

import math

from backend.core.errors import (
    ProviderError,
    ProviderRateLimitedError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)
from backend.frameworks.base import EmptyOutputError
from backend.llm.calls import CallRecorder


def provider_error(recorder: CallRecorder, exc: BaseException) -> ProviderError:
    """Pick the status that tells the truth: 429, 504, 503 or 502. Never leaks the provider's
    request or credentials: only its status and short error message."""
    last = recorder.last
    attempts = len(recorder.calls)
    if isinstance(exc, EmptyOutputError):
        return ProviderError("The model returned an empty answer.")
    if last is None:
        return ProviderUnavailableError(
            "The model provider could not be reached.",
            details=[{"message": type(exc).__name__, "type": "connection_error"}],
        )
    details = [{"message": last.error_message or last.status, "type": last.status}]
    if last.status == "http_429":
        headers = {}
        if last.retry_after_seconds is not None:
            headers["Retry-After"] = str(max(1, math.ceil(last.retry_after_seconds)))
        return ProviderRateLimitedError(
            f"The model provider is rate limiting requests (after {attempts} attempts).",
            details=details,
            headers=headers,
        )
    if last.status == "timeout":
        return ProviderTimeoutError(
            f"The model provider did not answer in time (after {attempts} attempts).",
            details=details,
        )
    if last.status in {"connection_error", "http_502", "http_503"}:
        return ProviderUnavailableError(
            f"The model provider is unavailable (after {attempts} attempts).", details=details
        )
    return ProviderError(
        f"The model provider failed ({last.status}, after {attempts} attempts).", details=details
    )
