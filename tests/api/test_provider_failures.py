"""Provider faults: retried where they should be, recorded in the ledger attempt by attempt,
answered with the right status, and never leaving a half-written story."""

from __future__ import annotations

from typing import Any

import pytest

from tests.utils.app import AppClient, SettingsFactory, open_client
from tests.utils.errors import assert_error_shape
from tests.utils.provider import ProviderControl
from tests.utils.stories import generate


async def _ledger(client: AppClient) -> list[dict[str, Any]]:
    body = (await client.get("/api/cost/transactions", params={"limit": 100})).json()
    return list(reversed(body["transactions"]))


async def test_transient_500_is_retried_and_every_attempt_is_a_ledger_row(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "500"}, {"kind": "503"})
    response = await generate(client, "langchain")
    assert response.status_code == 200
    assert len(provider_control.requests()) == 3
    rows = await _ledger(client)
    assert [(r["attempt"], r["status"]) for r in rows] == [
        (1, "http_500"),
        (2, "http_503"),
        (3, "ok"),
    ]
    assert [call["status"] for call in response.json()["calls"]] == ["http_500", "http_503", "ok"]
    assert all(r["transaction_guid"] == response.headers["x-transaction-guid"] for r in rows)


async def test_429_honours_retry_after_then_succeeds(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "429", "retry_after": 0.2})
    response = await generate(client, "semantic_kernel")
    assert response.status_code == 200, response.text
    rows = await _ledger(client)
    assert [r["status"] for r in rows] == ["http_429", "ok"]


async def test_exhausted_retries_give_502_and_no_story(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "500"}, {"kind": "500"}, {"kind": "500"})
    response = await generate(client, "langgraph")
    error = assert_error_shape(response, 502, "PROVIDER_ERROR")
    assert "3 attempts" in error["message"]
    assert (await client.get("/api/stories")).json()["total"] == 0
    rows = await _ledger(client)
    assert [r["status"] for r in rows] == ["http_500"] * 3
    assert all(r["story_id"] is None and r["step"] == "storyteller" for r in rows)


@pytest.mark.parametrize("framework", ["semantic_kernel", "langchain", "langgraph"])
async def test_retries_are_not_stacked(
    client: AppClient, provider_control: ProviderControl, framework: str
) -> None:
    """Three attempts in all: the frameworks' and SDK's own retry loops are off."""
    provider_control.faults(*[{"kind": "503"}] * 10)
    response = await generate(client, framework)
    assert_error_shape(response, 503, "PROVIDER_UNAVAILABLE")
    assert len(provider_control.requests()) == 3
    assert [r["attempt"] for r in await _ledger(client)] == [1, 2, 3]


@pytest.mark.parametrize("kind", ["400", "401"])
async def test_client_errors_from_the_provider_are_not_retried(
    client: AppClient, provider_control: ProviderControl, kind: str
) -> None:
    provider_control.faults({"kind": kind})
    response = await generate(client, "langchain")
    assert_error_shape(response, 502, "PROVIDER_ERROR")
    assert len(provider_control.requests()) == 1
    assert [r["status"] for r in await _ledger(client)] == [f"http_{kind}"]
    assert "sk-test-secret-key" not in response.text


async def test_long_retry_after_is_passed_back_as_429(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "429", "retry_after": 120})
    response = await generate(client, "langchain")
    assert_error_shape(response, 429, "PROVIDER_RATE_LIMITED")
    assert response.headers["retry-after"] == "120"
    assert len(provider_control.requests()) == 1


async def test_dropped_connection_is_retried(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "drop"})
    response = await generate(client, "semantic_kernel")
    assert response.status_code == 200, response.text
    assert [r["status"] for r in await _ledger(client)] == ["connection_error", "ok"]


async def test_timeouts_are_retried_then_reported_as_504(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    settings = make_settings(provider_timeout_seconds=0.3, provider_max_attempts=2)
    provider_control.faults({"kind": "timeout", "seconds": 2}, {"kind": "timeout", "seconds": 2})
    async with open_client(settings) as client:
        response = await generate(client, "langchain")
        assert_error_shape(response, 504, "PROVIDER_TIMEOUT")
        assert [r["status"] for r in await _ledger(client)] == ["timeout", "timeout"]


async def test_unreachable_provider_is_503_without_ledger_rows(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(provider_api_base_url="http://127.0.0.1:9/v1")
    async with open_client(settings) as client:
        response = await generate(client, "langgraph")
        assert_error_shape(response, 503, "PROVIDER_UNAVAILABLE")
        assert await _ledger(client) == []
        assert (await client.get("/api/stories")).json()["total"] == 0


async def test_missing_usage_is_estimated_and_marked(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.configure(omit_usage=True)
    response = await generate(client, "langchain")
    assert response.status_code == 200
    (row,) = await _ledger(client)
    assert row["tokens_estimated"] is True
    assert row["output_tokens"] > 0
    assert row["input_tokens"] > 0
