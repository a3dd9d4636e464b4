"""An OpenAI-compatible chat completion server for tests and benchmarks.

Replies are deterministic (derived from the request), `usage` blocks are real counts of the
words sent and returned, streaming follows OpenAI's chunk format (with the usage chunk when
`stream_options.include_usage` is set), latency is adjustable, and faults can be queued:

    POST /_control/faults  {"faults": [{"kind": "429", "retry_after": 1}, {"kind": "500"},
                                       {"kind": "timeout", "seconds": 5}, {"kind": "drop"}]}
    POST /_control/config  {"latency_ms": 0, "omit_usage": false, "reply": null}
    POST /_control/replies {"replies": ["first answer", "second answer"]}
    GET  /_control/requests      every request body received, oldest first
    GET  /_control/usage         the usage block answered to each request (null if none)
    GET  /_control/concurrency   requests in their latency wait now, and the most at once
    POST /_control/reset

Each queued fault is used by exactly one request, in order; then requests succeed again. Each
queued reply is the content of exactly one successful answer, in order (a scripted judge
verdict, say); then replies are as configured again. This module answers completions; the
state is in `state.py`, the control API in `control.py`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from backend.testprovider.control import control_router
from backend.testprovider.state import (
    RANDOM_FAULTS,
    Fault,
    ProviderState,
)

WORDS = tuple(
    "lantern harbor quiet river map storm kettle violin orchard secret bridge clock "
    "meadow compass letter garden window thunder candle journey whisper mountain "
    "festival riddle ember willow signal feather market tide".split()
)


def count_tokens(text: str) -> int:
    """The test provider's 'tokenizer': whitespace-separated words."""
    return len(text.split())


def prompt_text(body: dict[str, Any]) -> str:
    messages = body.get("messages") or []
    return "\n".join(
        str(message.get("content", "")) for message in messages if isinstance(message, dict)
    )


def deterministic_reply(body: dict[str, Any], words: int) -> str:
    """The same request always gets the same reply; different prompts get different ones."""
    digest = hashlib.sha256(prompt_text(body).encode()).digest()
    last_user = ""
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "user":
            last_user = str(message.get("content", ""))
    opening = " ".join(last_user.split()[:8])
    chosen = [WORDS[(digest[i % len(digest)] + i) % len(WORDS)] for i in range(words)]
    return f"Reply to: {opening} :: " + " ".join(chosen)


def _max_tokens(body: dict[str, Any]) -> int | None:
    for key in ("max_tokens", "max_completion_tokens"):
        value = body.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return None


def create_provider_app(state: ProviderState | None = None) -> FastAPI:
    app = FastAPI(title="FASTAPILLM test provider")
    app.state.provider = state or ProviderState()

    def provider_state() -> ProviderState:
        current: ProviderState = app.state.provider
        return current

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": "test-model", "object": "model"}]}

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(request: Request) -> Response:
        state = provider_state()
        body = await request.json()
        state.requests.append(body)
        state.usages.append(None)
        index = len(state.usages) - 1
        fault = state.faults.pop(0) if state.faults else None
        if fault is None and state.fault_rate and state.chance.random() < state.fault_rate:
            state.random_faults += 1
            fault = Fault(kind=state.chance.choice(RANDOM_FAULTS))
        if fault is not None:
            faulted = await _fault_response(fault)
            if faulted is not None:
                return faulted
        if state.latency_ms:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            try:
                await asyncio.sleep(state.latency_ms / 1000)
            finally:
                state.in_flight -= 1
        if state.replies:
            text = state.replies.pop(0)
        elif state.reply is not None:
            text = state.reply
        else:
            text = deterministic_reply(body, state.reply_words)
        words = text.split(" ")
        limit = _max_tokens(body)
        finish_reason = "stop"
        if limit is not None and count_tokens(text) > limit:
            words = text.split()[:limit]
            text = " ".join(words)
            finish_reason = "length"
        usage = {
            "prompt_tokens": count_tokens(prompt_text(body)),
            "completion_tokens": count_tokens(text),
            "total_tokens": count_tokens(prompt_text(body)) + count_tokens(text),
        }
        model = str(body.get("model") or "test-model")
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            include_usage = include_usage and not state.omit_usage
            if include_usage:
                state.usages[index] = usage
            return StreamingResponse(
                _stream(model, text, finish_reason, usage if include_usage else None, state),
                media_type="text/event-stream",
            )
        payload: dict[str, Any] = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": finish_reason,
                }
            ],
        }
        if not state.omit_usage:
            payload["usage"] = usage
            state.usages[index] = usage
        return JSONResponse(payload)

    app.include_router(control_router(app))
    return app


async def _fault_response(fault: Fault) -> Response | None:
    if fault.kind == "ok":
        return None
    if fault.kind == "timeout":
        await asyncio.sleep(fault.seconds)
        return None
    if fault.kind == "drop":
        return StreamingResponse(_dropped_body(), media_type="application/json")
    status = int(fault.kind)
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = f"{fault.retry_after:g}"
    message = {429: "Rate limit reached", 401: "Invalid API key", 400: "Bad request"}.get(
        status, "Upstream failure"
    )
    return JSONResponse(
        {"error": {"message": message, "type": "test_fault", "code": status}},
        status_code=status,
        headers=headers,
    )


async def _dropped_body() -> AsyncIterator[bytes]:
    """Send part of a body, then break the connection (the server aborts the response)."""
    yield b'{"id": "chatcmpl-dropped", "choices": ['
    raise ConnectionAbortedError("test provider dropped the connection")


async def _stream(
    model: str,
    text: str,
    finish_reason: str,
    usage: dict[str, int] | None,
    state: ProviderState,
) -> AsyncIterator[bytes]:
    chunk_id = f"chatcmpl-{uuid.uuid4().hex[:12]}"

    def event(payload: dict[str, Any]) -> bytes:
        return f"data: {json.dumps(payload)}\n\n".encode()

    base = {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }
    state.streams_started += 1
    finished = False
    try:
        yield event({**base, "choices": [{"index": 0, "delta": {"role": "assistant"}}]})
        for index, word in enumerate(text.split(" ")):
            piece = word if index == 0 else f" {word}"
            yield event({**base, "choices": [{"index": 0, "delta": {"content": piece}}]})
            if state.stream_chunk_delay_ms:
                await asyncio.sleep(state.stream_chunk_delay_ms / 1000)
        yield event(
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason}]}
        )
        if usage is not None:
            yield event({**base, "choices": [], "usage": usage})
        yield b"data: [DONE]\n\n"
        finished = True
    finally:
        if not finished:
            state.streams_abandoned += 1
