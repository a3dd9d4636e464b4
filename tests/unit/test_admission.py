"""The generation gate's bounds beyond the count in flight: requests doing the platform's own
work (not waiting on a provider), who queues for a place and for how long, and the time
requests waited before their provider call."""

from __future__ import annotations

import asyncio
import time

import pytest

from backend.core.context import request_started_var
from backend.services.admission import (
    FRESH_SECONDS,
    GenerationGate,
    OverloadedError,
    provider_call_ended,
    provider_call_started,
)


async def test_only_requests_doing_the_platforms_work_count_against_the_working_bound() -> None:
    gate = GenerationGate(10, max_working=1, max_wait_seconds=0.05)
    async with gate.slot():
        assert gate.working == 1
        with pytest.raises(OverloadedError) as refused:  # no place came free in time
            async with gate.slot():
                pass
        (detail,) = refused.value.details
        assert detail["working"] == 1
        assert detail["max_working"] == 1
        assert detail["waited_ms"] == 50
        assert gate.in_flight == 1
        provider_call_started()  # this request now waits on its provider
        assert gate.working == 0
        async with gate.slot():  # so another may start at once
            assert gate.working == 1
            assert gate.in_flight == 2
        provider_call_ended()  # the answer is back: working again
        assert gate.working == 1
    assert gate.working == 0
    assert gate.in_flight == 0


async def test_a_queued_request_takes_the_first_place_that_comes_free() -> None:
    gate = GenerationGate(10, max_working=1, max_wait_seconds=5)
    order: list[str] = []

    async def request(name: str, hold: float) -> None:
        async with gate.slot():
            order.append(name)
            await asyncio.sleep(hold)

    first = asyncio.create_task(request("first", 0.1))
    await asyncio.sleep(0)
    queued = [asyncio.create_task(request(name, 0)) for name in ("second", "third")]
    await asyncio.sleep(0)
    assert gate.in_flight == 3
    assert gate.working == 1  # the others wait for its place
    await asyncio.gather(first, *queued)
    assert order == ["first", "second", "third"]
    assert gate.working == 0
    assert gate.in_flight == 0


async def test_a_request_that_leaves_while_queued_or_mid_call_gives_everything_back() -> None:
    gate = GenerationGate(10, max_working=1, max_wait_seconds=5)
    async with gate.slot():
        waiting = asyncio.create_task(gate.slot().__aenter__())
        await asyncio.sleep(0)
        waiting.cancel()  # its client left while it queued
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert gate.in_flight == 1
        provider_call_started()
        provider_call_started()  # two calls at once (a comparison's frameworks)
        provider_call_ended()
        assert gate.working == 0
    assert gate.working == 0
    assert gate.in_flight == 0
    provider_call_ended()  # a straggler after the request ended changes nothing
    assert gate.working == 0
    async with gate.slot():  # and the place is free
        assert gate.working == 1


async def test_a_request_that_waited_too_long_is_refused_and_new_ones_wait_for_the_backlog() -> (
    None
):
    gate = GenerationGate(10, max_wait_seconds=0.4)
    token = request_started_var.set(time.monotonic() - 0.5)
    try:
        with pytest.raises(OverloadedError) as refused:
            gate.check_wait()
        assert refused.value.details[0]["max_wait_ms"] == 400
        assert refused.value.details[0]["waited_ms"] >= 500
    finally:
        request_started_var.reset(token)
    async with gate.slot():  # a request still at work
        # the requests reaching their provider waited more than a quarter of the bound: the
        # door refuses new ones ...
        with pytest.raises(OverloadedError) as backlog:
            async with gate.slot():
                pass
        assert "backlog" in backlog.value.message
        # ... until what reaches the provider has waited little again
        for _ in range(10):
            token = request_started_var.set(time.monotonic())
            try:
                gate.check_wait()
            finally:
                request_started_var.reset(token)
        async with gate.slot():
            assert gate.in_flight == 2


async def test_with_nothing_at_work_the_door_is_open_whatever_was_measured() -> None:
    gate = GenerationGate(10, max_wait_seconds=0.4)
    token = request_started_var.set(time.monotonic() - 0.3)
    try:
        gate.check_wait()  # a long wait, just measured ...
    finally:
        request_started_var.reset(token)
    async with gate.slot():  # ... but nothing is queued behind it any more
        assert gate.in_flight == 1


async def test_a_backlog_measured_long_ago_does_not_close_the_door(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = GenerationGate(10, max_wait_seconds=0.4)
    token = request_started_var.set(time.monotonic() - 0.3)
    try:
        gate.check_wait()  # under the bound, over a quarter of it
    finally:
        request_started_var.reset(token)
    async with gate.slot():  # a request still at work
        with pytest.raises(OverloadedError):
            async with gate.slot():
                pass
        later = time.monotonic() + FRESH_SECONDS + 0.1
        monkeypatch.setattr(time, "monotonic", lambda: later)
        async with gate.slot():  # nothing measured for a while: the door opens again
            assert gate.in_flight == 2
