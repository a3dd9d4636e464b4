"""The one place provider calls are retried, bounded in time and observed.

An httpx transport sits under the pooled `AsyncOpenAI` client that all three frameworks use.
It runs the only retry loop (tenacity: exponential backoff with full jitter, `Retry-After`
honoured, never on 4xx other than 408/429), bounds all attempts of a call by one deadline, and
tells the active `CallObserver` about every attempt: before its request leaves, and when it
ends. The OpenAI SDK's own retries are switched off so loops never stack.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import anyio
import httpx2 as httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_result,
    stop_after_attempt,
)
from tenacity.wait import wait_random_exponential

from backend.core.logging import get_logger
from backend.llm.calls import (
    AttemptStart,
    CallStatus,
    ProviderCall,
    current_observer,
    current_step,
)
from backend.llm.delivery import Delivery
from backend.llm.fallback import CircuitBreakers, retarget
from backend.llm.plain_answer import read_plain_answer
from backend.llm.provider import ProviderConfig
from backend.llm.recording_stream import RecordingStream, report
from backend.llm.retry import (
    Outcome,
    RetryPolicy,
    as_timeout,
    bound_timeouts,
    release_once,
    request_payload,
)
from backend.llm.usage import estimate_usage

log = get_logger(__name__)


def _worth_falling_back(outcome: Outcome) -> bool:
    """Retries ended on what another provider may not have: 429, 5xx, a timeout, a dropped
    connection. A 200 (a stream included) or a refusal of the request itself (400) ends it."""
    return outcome.retryable


class ProviderTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy,
        *,
        max_concurrency: int | None = None,
        providers: Sequence[ProviderConfig] = (),
        breakers: CircuitBreakers | None = None,
    ) -> None:
        self._inner = inner
        self._policy = policy
        # The primary first, then its fallbacks (llm/fallback.py); empty: only the client's URL.
        self._providers = tuple(providers)
        self._breakers = breakers
        # A model that serves one request at a time (the embedded one) queues here, where
        # the wait can be told apart from the model's own time.
        self._gate = anyio.Semaphore(max_concurrency) if max_concurrency else None

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        payload = request_payload(request)
        if not self._providers:
            outcome = await self._call(request, payload, None)
        else:
            outcome = await self._call_with_fallback(request, payload)
        if outcome.error is not None:
            raise outcome.error
        assert outcome.response is not None
        return outcome.response

    async def _call_with_fallback(self, request: httpx.Request, payload: dict[str, Any]) -> Outcome:
        """Each provider in turn, while the last one's retries ended on a failure worth
        retrying (or its circuit is open)."""
        primary = self._providers[0]
        outcome: Outcome | None = None
        for provider in self._providers:
            target, body = (
                (request, payload)
                if provider is primary
                else retarget(request, payload, primary, provider)
            )

            def attempt(
                target: httpx.Request = target,
                body: dict[str, Any] = body,
                name: str = provider.name,
            ) -> Awaitable[Outcome]:
                return self._call(target, body, name)

            if self._breakers is None:
                tried: Outcome | None = await attempt()
            else:
                tried = await self._breakers.call(provider.name, attempt, _worth_falling_back)
            if tried is None:
                log.warning("provider_circuit_open", provider=provider.name)
                continue
            outcome = tried
            if not _worth_falling_back(outcome):
                return outcome
            log.warning("provider_fallback", provider=provider.name)
        if outcome is None:  # every circuit was open: nothing was sent
            return Outcome(None, httpx.ConnectError("every provider's circuit is open"), True)
        return outcome

    async def _call(
        self, request: httpx.Request, payload: dict[str, Any], provider: str | None
    ) -> Outcome:
        """One provider: its retries, bounded by one deadline."""
        attempt = 0
        deadline: float | None = None  # starts when the first attempt leaves, not in a queue

        async def one_attempt() -> Outcome:
            nonlocal attempt, deadline
            attempt += 1
            release = None
            if self._gate is not None:
                await self._gate.acquire()
                release = release_once(self._gate.release)
            deadline = deadline or time.monotonic() + self._policy.deadline_seconds
            try:
                outcome = await self._attempt(
                    request, payload, attempt, deadline, release, provider
                )
            except BaseException:
                if release is not None:
                    release()
                raise
            if release is not None and not outcome.streaming:
                release()  # a stream keeps its place until it has been read to the end
            return outcome

        def should_retry(outcome: Outcome) -> bool:
            assert deadline is not None
            return self._should_retry(outcome, deadline)

        def wait(state: RetryCallState) -> float:
            assert deadline is not None
            return min(self._wait(state), max(0.0, deadline - time.monotonic()))

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._policy.max_attempts),
            wait=wait,
            retry=retry_if_result(should_retry),
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
            before_sleep=self._log_retry,
        )
        outcome: Outcome = await retrying(one_attempt)
        return outcome

    def _should_retry(self, outcome: Outcome, deadline: float) -> bool:
        if not outcome.retryable:
            return False
        remaining = deadline - time.monotonic()
        if outcome.retry_after is not None:
            limit = min(self._policy.retry_after_max_seconds, remaining)
            return outcome.retry_after < limit
        return remaining > self._policy.backoff_base_seconds

    def _wait(self, state: RetryCallState) -> float:
        outcome: Outcome | None = state.outcome.result() if state.outcome else None
        if outcome is not None and outcome.retry_after is not None:
            return outcome.retry_after
        backoff = wait_random_exponential(
            multiplier=self._policy.backoff_base_seconds, max=self._policy.backoff_max_seconds
        )
        return float(backoff(state))

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        outcome: Outcome | None = state.outcome.result() if state.outcome else None
        log.warning(
            "provider_retry",
            attempt=state.attempt_number,
            wait_seconds=round(state.upcoming_sleep, 3),
            status=outcome.response.status_code if outcome and outcome.response else None,
            error=type(outcome.error).__name__ if outcome and outcome.error else None,
        )

    async def _attempt(
        self,
        request: httpx.Request,
        payload: dict[str, Any],
        attempt: int,
        deadline: float,
        release: Callable[[], None] | None,
        provider: str | None = None,
    ) -> Outcome:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Outcome(None, httpx.ReadTimeout("deadline reached", request=request), False)
        streaming = bool(payload.get("stream"))
        idle = self._policy.stream_idle_seconds
        bound_timeouts(request, min(idle, remaining) if streaming else remaining)
        model = str(payload.get("model", ""))
        observer = current_observer()
        step = current_step()
        start = AttemptStart(
            attempt=attempt,
            model=model,
            step=step,
            estimate=estimate_usage(payload, ""),
            streaming=streaming,
            provider=provider,
        )
        handle = await observer.attempt_started(start) if observer is not None else None
        started = time.perf_counter()

        def call(status: str, **fields: Any) -> ProviderCall:
            usage = fields.pop("usage", None) or start.estimate
            return ProviderCall(
                attempt=attempt,
                status=status,
                model=fields.pop("model", model),
                usage=usage,
                latency_ms=(time.perf_counter() - started) * 1000,
                step=step,
                started_at=start.started_at,
                http_status=fields.pop("http_status", None),
                provider=provider,
                **fields,
            )

        delivery = Delivery(request)

        async def failed(status: str, **fields: Any) -> None:
            """Record a failed attempt, or drop its row if the request never left."""
            if not delivery.sent:
                if observer is not None:
                    await observer.attempt_unreached(handle)
                return
            await report(observer, handle, call(status, **fields))

        try:
            with anyio.fail_after(remaining):  # the answer starts within the deadline
                response = await self._inner.handle_async_request(request)
        except (httpx.TimeoutException, TimeoutError) as exc:
            await failed(CallStatus.TIMEOUT, error_message="timeout")
            return Outcome(None, as_timeout(exc, request), retryable=True)
        except httpx.TransportError as exc:  # a refused connection included: worth a retry
            await failed(CallStatus.CONNECTION_ERROR, error_message=type(exc).__name__)
            return Outcome(None, exc, retryable=True)
        except BaseException:
            await failed(CallStatus.CANCELLED)
            raise

        if response.status_code == 200 and "text/event-stream" in response.headers.get(
            "content-type", ""
        ):
            stream = RecordingStream(
                response, call, observer, handle, request_payload=payload, on_end=release
            )
            return Outcome(
                httpx.Response(
                    200,
                    headers=response.headers,
                    stream=stream,
                    extensions=response.extensions,
                    request=request,
                ),
                None,
                retryable=False,
                streaming=True,
            )
        return await read_plain_answer(request, response, payload, call, observer, handle, deadline)
