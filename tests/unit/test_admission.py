"""The generation gate's bounds beyond the count in flight: requests doing the platform's own
work (not waiting on a provider), and the time requests waited before their provider call."""

from __future__ import annotations

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


def observe(gate: GenerationGate, waited: float) -> None:
    """A request that has waited `waited` seconds reaches its provider."""
    token = request_started_var.set(time.monotonic() - waited)
    try:
        gate.check_wait()
    except OverloadedError:
        pass
    finally:
        request_started_var.reset(token)


async def test_only_requests_doing_the_platforms_work_count_against_the_working_bound() -> None:
    gate = GenerationGate(10, max_working=1)
    async with gate.slot():
        assert gate.working == 1
        with pytest.raises(OverloadedError) as refused:
            async with gate.slot():
                pass
        assert refused.value.details == [{"working": 1, "max_working": 1, "retry_after_seconds": 1}]
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


async def test_a_request_that_ends_mid_call_gives_everything_back() -> None:
    gate = GenerationGate(10, max_working=1)
    async with gate.slot():
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
        async with gate.slot():  # one long wait alone (a cold start) closes nothing
            pass
        observe(gate, 0.3)
        # the two latest requests reaching their provider waited more than a quarter of the
        # bound: the door refuses new ones ...
        with pytest.raises(OverloadedError) as backlog:
            async with gate.slot():
                pass
        assert "backlog" in backlog.value.message
        # ... until what reaches the provider has waited little again
        observe(gate, 0)
        async with gate.slot():
            assert gate.in_flight == 2


async def test_with_nothing_at_work_the_door_is_open_whatever_was_measured() -> None:
    gate = GenerationGate(10, max_wait_seconds=0.4)
    observe(gate, 0.3)  # long waits, just measured ...
    observe(gate, 0.3)
    async with gate.slot():  # ... but nothing is queued behind them any more
        assert gate.in_flight == 1


async def test_a_backlog_measured_long_ago_does_not_close_the_door(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = GenerationGate(10, max_wait_seconds=0.4)
    observe(gate, 0.3)  # under the bound, over a quarter of it, twice
    observe(gate, 0.3)
    async with gate.slot():  # a request still at work
        with pytest.raises(OverloadedError):
            async with gate.slot():
                pass
        later = time.monotonic() + FRESH_SECONDS + 0.1
        monkeypatch.setattr(time, "monotonic", lambda: later)
        async with gate.slot():  # nothing measured for a while: the door opens again
            assert gate.in_flight == 2
