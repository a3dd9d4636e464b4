"""A non-streamed answer: read in full, reported as one attempt (streamed answers are
`recording_stream`'s)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx2 as httpx

from backend.llm.calls import AttemptHandle, CallObserver, CallStatus, ProviderCall
from backend.llm.recording_stream import report
from backend.llm.retry import (
    RETRYABLE_STATUS,
    Outcome,
    as_timeout,
    error_message,
    parse_retry_after,
)
from backend.llm.usage import completion_text, estimate_usage, usage_from_payload


async def read_plain_answer(
    request: httpx.Request,
    response: httpx.Response,
    payload: dict[str, Any],
    call: Callable[..., ProviderCall],
    observer: CallObserver | None,
    handle: AttemptHandle,
    deadline: float,
) -> Outcome:
    """Read a non-streamed answer within the deadline and report its one ledger record: `ok`
    with the provider's usage (estimated when it gave none), or what went wrong."""
    status = response.status_code
    try:
        with anyio.fail_after(max(0.001, deadline - time.monotonic())):
            body = await response.aread()
    except (httpx.TimeoutException, TimeoutError) as exc:
        timed_out = call(CallStatus.TIMEOUT, http_status=status, error_message="read timeout")
        await report(observer, handle, timed_out)
        return Outcome(None, as_timeout(exc, request), retryable=True)
    except httpx.TransportError as exc:
        dropped = call(
            CallStatus.CONNECTION_ERROR, http_status=status, error_message=type(exc).__name__
        )
        await report(observer, handle, dropped)
        return Outcome(None, exc, retryable=True)
    except BaseException:
        await report(observer, handle, call(CallStatus.CANCELLED, http_status=status))
        raise
    finally:
        await response.aclose()

    rebuilt = httpx.Response(
        status, headers=response.headers, content=body, extensions=response.extensions
    )
    rebuilt.request = request
    if status >= 400:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        failed = call(
            CallStatus.http(status),
            http_status=status,
            error_message=error_message(body),
            retry_after_seconds=retry_after,
        )
        await report(observer, handle, failed)
        return Outcome(rebuilt, None, status in RETRYABLE_STATUS, retry_after=retry_after)

    try:
        result = json.loads(body)
    except ValueError:
        result = {}
    result = result if isinstance(result, dict) else {}
    usage = usage_from_payload(result) or estimate_usage(payload, completion_text(result))
    model = str(result.get("model") or payload.get("model", ""))
    await report(observer, handle, call(CallStatus.OK, http_status=200, model=model, usage=usage))
    return Outcome(rebuilt, None, retryable=False)
