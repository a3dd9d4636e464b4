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
verdict, say); then replies are as configured again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

WORDS = tuple(
    "lantern harbor quiet river map storm kettle violin orchard secret bridge clock "
    "meadow compass letter garden window thunder candle journey whisper mountain "
    "festival riddle ember willow signal feather market tide".split()
)

DEFAULT_REPLY_WORDS = 60


class Fault(BaseModel):
    # "ok" answers normally: a place in the queue, so a fault can be aimed at a later request
    kind: Literal["ok", "429", "500", "502", "503", "400", "401", "timeout", "drop"]
    retry_after: float | None = None
    seconds: float = 30.0


class FaultQueue(BaseModel):
    faults: list[Fault]


class ReplyQueue(BaseModel):
    replies: list[str]


class ProviderConfigUpdate(BaseModel):
    latency_ms: float | None = Field(default=None, ge=0)
    omit_usage: bool | None = None
    reply: str | None = None
    reply_words: int | None = Field(default=None, ge=1, le=5000)
    stream_chunk_delay_ms: float | None = Field(default=None, ge=0, le=10_000)
    # Chaos: this share of requests (0..1) fails at random with a 429, 500, 502 or 503, or a
    # dropped connection; the seed makes a run repeatable.
    fault_rate: float | None = Field(default=None, ge=0, le=1)
    fault_seed: int | None = None


RANDOM_FAULTS = ("429", "500", "502", "503", "drop")


@dataclass
class ProviderState:
    latency_ms: float = 0.0
    omit_usage: bool = False
    reply: str | None = None
    reply_words: int = DEFAULT_REPLY_WORDS
    stream_chunk_delay_ms: float = 0.0
    streams_started: int = 0
    streams_abandoned: int = 0  # the client went away before the end: its call was cancelled
    faults: list[Fault] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    usages: list[dict[str, int] | None] = field(default_factory=list)
    in_flight: int = 0  # requests being answered now
    max_in_flight: int = 0  # the most answered at once since the last reset
    fault_rate: float = 0.0
    chance: random.Random = field(default_factory=lambda: random.Random(0))
    random_faults: int = 0  # how many requests the fault rate failed


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

    @app.post("/_control/faults")
    async def queue_faults(queue: FaultQueue) -> dict[str, int]:
        provider_state().faults.extend(queue.faults)
        return {"queued": len(provider_state().faults)}

    @app.post("/_control/replies")
    async def queue_replies(queue: ReplyQueue) -> dict[str, int]:
        provider_state().replies.extend(queue.replies)
        return {"queued": len(provider_state().replies)}

    @app.post("/_control/config")
    async def configure(update: ProviderConfigUpdate) -> dict[str, Any]:
        state = provider_state()
        if update.latency_ms is not None:
            state.latency_ms = update.latency_ms
        if update.omit_usage is not None:
            state.omit_usage = update.omit_usage
        if "reply" in update.model_fields_set:
            state.reply = update.reply
        if update.reply_words is not None:
            state.reply_words = update.reply_words
        if update.stream_chunk_delay_ms is not None:
            state.stream_chunk_delay_ms = update.stream_chunk_delay_ms
        if update.fault_rate is not None:
            state.fault_rate = update.fault_rate
        if update.fault_seed is not None:
            state.chance = random.Random(update.fault_seed)
        return {"latency_ms": state.latency_ms, "omit_usage": state.omit_usage}

    @app.get("/_control/streams")
    async def streams() -> dict[str, int]:
        state = provider_state()
        return {"started": state.streams_started, "abandoned": state.streams_abandoned}

    @app.get("/_control/requests")
    async def received() -> list[dict[str, Any]]:
        return provider_state().requests

    @app.get("/_control/concurrency")
    async def concurrency() -> dict[str, int]:
        state = provider_state()
        return {
            "in_flight": state.in_flight,
            "max_in_flight": state.max_in_flight,
            "random_faults": state.random_faults,
        }

    @app.get("/_control/usage")
    async def usages() -> list[dict[str, int] | None]:
        return provider_state().usages

    @app.post("/_control/reset")
    async def reset() -> dict[str, str]:
        app.state.provider = ProviderState()
        return {"status": "reset"}

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
