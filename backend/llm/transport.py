"""The one place provider calls are retried and observed.

An httpx transport sits under the pooled `AsyncOpenAI` client that all three frameworks use.
It runs the only retry loop (tenacity: exponential backoff with full jitter, `Retry-After`
honoured, never on 4xx other than 408/429) and reports every attempt that reached the provider
to the active `CallRecorder`, with its status, usage and latency. The OpenAI SDK's own retries
are switched off so loops never stack.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2 as httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt
from tenacity.wait import wait_random_exponential

from backend.core.logging import get_logger
from backend.llm.calls import ProviderCall, current_recorder, current_step
from backend.llm.usage import (
    TokenUsage,
    completion_text,
    estimate_usage,
    usage_from_payload,
)

log = get_logger(__name__)

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 8.0
    retry_after_max_seconds: float = 30.0


@dataclass
class _Outcome:
    response: httpx.Response | None
    error: Exception | None
    retryable: bool
    retry_after: float | None = None


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


def _request_payload(request: httpx.Request) -> dict[str, Any]:
    try:
        payload = json.loads(request.content or b"{}")
    except (ValueError, httpx.RequestNotRead):
        return {}
    return payload if isinstance(payload, dict) else {}


def _error_message(body: bytes) -> str:
    """The provider's error message, shortened; never the request (it may hold secrets)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        return str(error["message"])[:200]
    return str(payload)[:200]


class ProviderTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy) -> None:
        self._inner = inner
        self._policy = policy

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        payload = _request_payload(request)
        attempt = 0

        async def one_attempt() -> _Outcome:
            nonlocal attempt
            attempt += 1
            return await self._attempt(request, payload, attempt)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._policy.max_attempts),
            wait=self._wait,
            retry=retry_if_result(self._should_retry),
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
            before_sleep=self._log_retry,
        )
        outcome: _Outcome = await retrying(one_attempt)
        if outcome.error is not None:
            raise outcome.error
        assert outcome.response is not None
        return outcome.response

    def _should_retry(self, outcome: _Outcome) -> bool:
        if not outcome.retryable:
            return False
        if outcome.retry_after is not None:
            return outcome.retry_after <= self._policy.retry_after_max_seconds
        return True

    def _wait(self, state: RetryCallState) -> float:
        outcome: _Outcome | None = state.outcome.result() if state.outcome else None
        if outcome is not None and outcome.retry_after is not None:
            return outcome.retry_after
        backoff = wait_random_exponential(
            multiplier=self._policy.backoff_base_seconds, max=self._policy.backoff_max_seconds
        )
        return float(backoff(state))

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        outcome: _Outcome | None = state.outcome.result() if state.outcome else None
        log.warning(
            "provider_retry",
            attempt=state.attempt_number,
            wait_seconds=round(state.upcoming_sleep, 3),
            status=outcome.response.status_code if outcome and outcome.response else None,
            error=type(outcome.error).__name__ if outcome and outcome.error else None,
        )

    async def _attempt(
        self, request: httpx.Request, payload: dict[str, Any], attempt: int
    ) -> _Outcome:
        model = str(payload.get("model", ""))
        started = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.ConnectError as exc:
            # Never reached the provider: no ledger row, but worth another try.
            return _Outcome(None, exc, retryable=True)
        except httpx.TimeoutException as exc:
            _record(attempt, "timeout", None, model, started, error=str(exc) or "timeout")
            return _Outcome(None, exc, retryable=True)
        except httpx.TransportError as exc:
            _record(attempt, "connection_error", None, model, started, error=type(exc).__name__)
            return _Outcome(None, exc, retryable=True)

        if response.status_code == 200 and "text/event-stream" in response.headers.get(
            "content-type", ""
        ):
            stream = _RecordingStream(response, attempt, model, started, payload)
            return _Outcome(
                httpx.Response(
                    200,
                    headers=response.headers,
                    stream=stream,
                    extensions=response.extensions,
                    request=request,
                ),
                None,
                retryable=False,
            )

        try:
            body = await response.aread()
        except httpx.TimeoutException as exc:
            _record(attempt, "timeout", response.status_code, model, started, error="read timeout")
            return _Outcome(None, exc, retryable=True)
        except httpx.TransportError as exc:
            _record(
                attempt,
                "connection_error",
                response.status_code,
                model,
                started,
                error=type(exc).__name__,
            )
            return _Outcome(None, exc, retryable=True)
        finally:
            await response.aclose()

        rebuilt = httpx.Response(
            response.status_code,
            headers=response.headers,
            content=body,
            extensions=response.extensions,
            request=request,
        )
        if response.status_code >= 400:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            _record(
                attempt,
                f"http_{response.status_code}",
                response.status_code,
                model,
                started,
                error=_error_message(body),
                retry_after=retry_after,
            )
            return _Outcome(
                rebuilt, None, response.status_code in RETRYABLE_STATUS, retry_after=retry_after
            )

        try:
            result = json.loads(body)
        except ValueError:
            result = {}
        result = result if isinstance(result, dict) else {}
        usage = usage_from_payload(result) or estimate_usage(payload, completion_text(result))
        _record(attempt, "ok", 200, str(result.get("model") or model), started, usage=usage)
        return _Outcome(rebuilt, None, retryable=False)


def _record(
    attempt: int,
    status: str,
    http_status: int | None,
    model: str,
    started: float,
    *,
    usage: TokenUsage | None = None,
    error: str | None = None,
    retry_after: float | None = None,
    ttft_ms: float | None = None,
) -> None:
    call = ProviderCall(
        attempt=attempt,
        status=status,
        http_status=http_status,
        model=model,
        usage=usage or TokenUsage(),
        latency_ms=(time.perf_counter() - started) * 1000,
        time_to_first_token_ms=ttft_ms,
        step=current_step(),
        error_message=error,
        retry_after_seconds=retry_after,
    )
    recorder = current_recorder()
    if recorder is not None:
        recorder.add(call)
    log.info(
        "provider_call",
        attempt=attempt,
        status=status,
        model=model,
        step=call.step,
        input_tokens=call.usage.input_tokens,
        output_tokens=call.usage.output_tokens,
        latency_ms=round(call.latency_ms, 1),
    )


class _RecordingStream(httpx.AsyncByteStream):
    """Pass a server-sent-event stream through, noting first-token time and the usage chunk."""

    def __init__(
        self,
        response: httpx.Response,
        attempt: int,
        model: str,
        started: float,
        request_payload: dict[str, Any],
    ) -> None:
        self._response = response
        self._request_payload = request_payload
        self._attempt = attempt
        self._model = model
        self._started = started
        self._ttft_ms: float | None = None
        self._usage: TokenUsage | None = None
        self._text: list[str] = []
        self._buffer = b""
        self._finished = False
        self._status = "cancelled"
        self._error: str | None = None
        self._step = current_step()
        self._recorder = current_recorder()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_raw():
                self._observe(chunk)
                yield chunk
            self._status = "ok"
        except httpx.TransportError as exc:
            self._status, self._error = "stream_error", type(exc).__name__
            raise

    def _observe(self, chunk: bytes) -> None:
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                continue
            try:
                event = json.loads(data)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            text = completion_text(event)
            if text:
                if self._ttft_ms is None:
                    self._ttft_ms = (time.perf_counter() - self._started) * 1000
                self._text.append(text)
            usage = usage_from_payload(event)
            if usage is not None:
                self._usage = usage
            if isinstance(event.get("model"), str) and event["model"]:
                self._model = event["model"]

    async def aclose(self) -> None:
        """Record first, then close: on cancellation (a client gone mid-stream) any await here
        may raise again, and the row saying "cancelled" must not be lost."""
        if self._finished:
            return
        self._finished = True
        self._record()
        await self._response.aclose()

    def _record(self) -> None:
        usage = self._usage or estimate_usage(self._request_payload, "".join(self._text))
        call = ProviderCall(
            attempt=self._attempt,
            status=self._status,
            http_status=200,
            model=self._model,
            usage=usage,
            latency_ms=(time.perf_counter() - self._started) * 1000,
            time_to_first_token_ms=self._ttft_ms,
            step=self._step,
            error_message=self._error,
        )
        if self._recorder is not None:
            self._recorder.add(call)
