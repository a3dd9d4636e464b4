"""A streamed answer passed through untouched while its attempt is observed.

The attempt's status is what happened: `ok` once the provider said it was finished (`[DONE]`,
or a `finish_reason` followed by the end of the body), `cancelled` only when the reader went
away before that, `timeout` when the provider paused longer than the idle limit,
`stream_error` when the connection broke. Usage comes from the provider's final chunk when it
sends one; otherwise both directions are estimated and marked so.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import httpx2 as httpx

from backend.core.logging import get_logger
from backend.llm.calls import AttemptHandle, CallObserver, CallStatus, ProviderCall
from backend.llm.usage import TokenUsage, completion_text, estimate_usage, usage_from_payload

log = get_logger(__name__)

# After the model's last token, the usage chunk is a few bytes away: worth waiting this long
# for it when a reader stops early, rather than recording an estimate.
USAGE_DRAIN_SECONDS = 2.0


async def report(observer: CallObserver | None, handle: AttemptHandle, call: ProviderCall) -> None:
    """Log how an attempt ended and tell the observer (which records it even while the
    caller is being cancelled: the row saying what was spent must not be lost)."""
    log.info(
        "provider_call",
        attempt=call.attempt,
        status=call.status,
        model=call.model,
        step=call.step,
        input_tokens=call.usage.input_tokens,
        output_tokens=call.usage.output_tokens,
        latency_ms=round(call.latency_ms, 1),
    )
    if observer is not None:
        await observer.attempt_finished(handle, call)


class RecordingStream(httpx.AsyncByteStream):
    def __init__(
        self,
        response: httpx.Response,
        make_call: Callable[..., ProviderCall],
        observer: CallObserver | None,
        handle: AttemptHandle,
        *,
        request_payload: dict[str, Any],
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self._response = response
        self._make_call = make_call
        self._observer = observer
        self._handle = handle
        self._request_payload = request_payload
        self._started = time.perf_counter()
        self._ttft_ms: float | None = None
        self._usage: TokenUsage | None = None
        self._model: str | None = None
        self._text: list[str] = []
        self._buffer = b""
        self._done = False  # the provider sent [DONE]
        self._finish_reason: str | None = None
        self._reported = False
        self._raw: AsyncIterator[bytes] | None = None
        self._on_end = on_end  # e.g. give the concurrency gate's place to the next call

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._raw = self._response.aiter_raw()
        try:
            async for chunk in self._raw:
                self._observe(chunk)
                if self._done:
                    await self._report(CallStatus.OK)
                yield chunk
        except httpx.TimeoutException:
            await self._report(CallStatus.TIMEOUT, "no data from the provider within the limit")
            raise
        except httpx.TransportError as exc:
            await self._report(CallStatus.STREAM_ERROR, type(exc).__name__)
            raise
        if self._finish_reason is not None:
            await self._report(CallStatus.OK)
        else:
            await self._report(CallStatus.STREAM_ERROR, "the stream ended before the answer did")

    def _observe(self, chunk: bytes) -> None:
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                self._done = True
                continue
            try:
                event = json.loads(data)
            except ValueError:
                continue
            if isinstance(event, dict):
                self._observe_event(event)

    def _observe_event(self, event: dict[str, Any]) -> None:
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
        for choice in event.get("choices") or []:
            if isinstance(choice, dict) and choice.get("finish_reason"):
                self._finish_reason = str(choice["finish_reason"])

    async def aclose(self) -> None:
        """The reader is done with the stream. If the model had finished, the call is `ok`
        (and the usage chunk, a few bytes on, is read if it has not been); otherwise the
        reader left early and the call was cancelled."""
        try:
            if not self._reported:
                if self._finish_reason is not None and self._usage is None:
                    await self._drain_for_usage()
                finished = self._done or self._finish_reason is not None
                await self._report(CallStatus.OK if finished else CallStatus.CANCELLED)
        finally:
            with anyio.CancelScope(shield=True):
                await self._response.aclose()

    async def _drain_for_usage(self) -> None:
        with anyio.move_on_after(USAGE_DRAIN_SECONDS, shield=True):
            raw = self._raw or self._response.aiter_raw()
            try:
                async for chunk in raw:
                    self._observe(chunk)
                    if self._usage is not None or self._done:
                        break
            except (httpx.TransportError, httpx.StreamError, RuntimeError):
                return

    async def _report(self, status: str, error: str | None = None) -> None:
        if self._reported:
            return
        self._reported = True
        if self._on_end is not None:
            self._on_end()
        usage = self._usage or estimate_usage(self._request_payload, "".join(self._text))
        call = self._make_call(
            status,
            http_status=200,
            usage=usage,
            time_to_first_token_ms=self._ttft_ms,
            error_message=error,
            **({"model": self._model} if self._model else {}),
        )
        await report(self._observer, self._handle, call)
