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


def test_only_requests_doing_the_platforms_work_count_against_the_working_bound() -> None:
    gate = GenerationGate(10, max_working=1)
    with gate.slot():
        assert gate.working == 1
        with pytest.raises(OverloadedError) as refused, gate.slot():
            pass
        assert refused.value.details == [{"working": 1, "max_working": 1, "retry_after_seconds": 1}]
        provider_call_started()  # this request now waits on its provider
        assert gate.working == 0
        with gate.slot():  # so another may start
            assert gate.working == 1
            assert gate.in_flight == 2
        provider_call_ended()  # the answer is back: working again
        assert gate.working == 1
    assert gate.working == 0
    assert gate.in_flight == 0


def test_a_request_that_leaves_while_its_provider_call_is_open_gives_everything_back() -> None:
    gate = GenerationGate(10, max_working=1)
    with gate.slot():
        provider_call_started()
        provider_call_started()  # two calls at once (a comparison's frameworks)
        provider_call_ended()
        assert gate.working == 0
    assert gate.working == 0
    assert gate.in_flight == 0
    provider_call_ended()  # a straggler after the request ended changes nothing
    assert gate.working == 0


def test_a_request_that_waited_too_long_is_refused_and_new_ones_wait_for_the_backlog() -> None:
    gate = GenerationGate(10, max_wait_seconds=0.4)
    token = request_started_var.set(time.monotonic() - 0.5)
    try:
        with pytest.raises(OverloadedError) as refused:
            gate.check_wait()
        assert refused.value.details[0]["max_wait_ms"] == 400
        assert refused.value.details[0]["waited_ms"] >= 500
    finally:
        request_started_var.reset(token)
    # the requests reaching their provider waited more than a quarter of the bound: the door
    # refuses new ones ...
    with pytest.raises(OverloadedError) as backlog, gate.slot():
        pass
    assert "backlog" in backlog.value.message
    # ... until what reaches the provider has waited little again
    for _ in range(10):
        token = request_started_var.set(time.monotonic())
        try:
            gate.check_wait()
        finally:
            request_started_var.reset(token)
    with gate.slot():
        assert gate.in_flight == 1


def test_a_backlog_measured_long_ago_does_not_close_the_door(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = GenerationGate(10, max_wait_seconds=0.4)
    token = request_started_var.set(time.monotonic() - 0.3)
    try:
        gate.check_wait()  # under the bound, over a quarter of it
    finally:
        request_started_var.reset(token)
    with pytest.raises(OverloadedError), gate.slot():
        pass
    later = time.monotonic() + FRESH_SECONDS + 0.1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    with gate.slot():  # nothing measured for a while: nothing is queued behind it
        assert gate.in_flight == 1
