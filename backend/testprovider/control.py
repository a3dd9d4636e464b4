"""The test provider's control API (`/_control/...`): a test sets faults, scripted replies,
latency and the like, and reads back what the provider received."""

from __future__ import annotations

import random
from typing import Any

from fastapi import APIRouter, FastAPI

from backend.testprovider.state import (
    FaultQueue,
    ProviderConfigUpdate,
    ProviderState,
    ReplyQueue,
)


def control_router(app: FastAPI) -> APIRouter:
    """The routes, over the state in `app.state.provider` (replaced on reset)."""
    router = APIRouter()

    def provider_state() -> ProviderState:
        current: ProviderState = app.state.provider
        return current

    @router.post("/_control/faults")
    async def queue_faults(queue: FaultQueue) -> dict[str, int]:
        provider_state().faults.extend(queue.faults)
        return {"queued": len(provider_state().faults)}

    @router.post("/_control/replies")
    async def queue_replies(queue: ReplyQueue) -> dict[str, int]:
        provider_state().replies.extend(queue.replies)
        return {"queued": len(provider_state().replies)}

    @router.post("/_control/config")
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

    @router.get("/_control/streams")
    async def streams() -> dict[str, int]:
        state = provider_state()
        return {"started": state.streams_started, "abandoned": state.streams_abandoned}

    @router.get("/_control/requests")
    async def received() -> list[dict[str, Any]]:
        return provider_state().requests

    @router.get("/_control/concurrency")
    async def concurrency() -> dict[str, int]:
        state = provider_state()
        return {
            "in_flight": state.in_flight,
            "max_in_flight": state.max_in_flight,
            "random_faults": state.random_faults,
        }

    @router.get("/_control/usage")
    async def usages() -> list[dict[str, int] | None]:
        return provider_state().usages

    @router.post("/_control/reset")
    async def reset() -> dict[str, str]:
        app.state.provider = ProviderState()
        return {"status": "reset"}

    return router
