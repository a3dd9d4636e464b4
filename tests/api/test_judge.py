"""The judge of comparisons, against the test provider with scripted verdicts: a valid verdict
mapped back from the shuffled labels to the frameworks, a malformed answer asked for again, a
second malformed one recorded as failed (never guessed), the order shown shuffled, judging
switched off, provider failures, and the judge's calls as `judge` ledger rows."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastmcp import Client

from backend.core.errors import ConfigurationError
from backend.core.names import JUDGE_CRITERIA
from backend.from_settings import preflight
from backend.testprovider import RunningProvider, start_provider
from tests.utils.app import AppClient, SettingsFactory
from tests.utils.errors import assert_error_shape
from tests.utils.live import live_app, running_apps, signed_in
from tests.utils.mcp import STORY, stdio_transport
from tests.utils.provider import ProviderControl
from tests.utils.sse import sse_events

BRIEF = {"primary_character": "Ada", "secondary_character": "Grace", "genre": "mystery"}
STORY_CALLS = 4  # Semantic Kernel 1, LangChain 1, LangGraph 2 (storyteller, editor)


def verdict_json(scores: dict[str, int], ranking: list[str]) -> str:
    """A judge's answer giving each label `scores[label]` on every criterion."""
    return json.dumps(
        {
            "scores": {
                label: {
                    c: {"score": score, "reason": f"{label} {c} is {score}."}
                    for c in JUDGE_CRITERIA
                }
                for label, score in scores.items()
            },
            "ranking": ranking,
        }
    )


VALID = verdict_json({"A": 2, "B": 5, "C": 3}, ["B", "C", "A"])


async def compare(
    client: httpx.AsyncClient, **body: Any
) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    async with client.stream("POST", "/api/compare", json={**BRIEF, **body}) as response:
        assert response.status_code == 200, await response.aread()
        events = [event async for event in sse_events(response)]
    assert [name for name, _ in events].count("done") == 3, events
    return events[0][1]["comparison_id"], events


async def judge_rows(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    page = (await client.get("/api/cost/transactions", params={"limit": 100})).json()
    return [row for row in page["transactions"] if row["type"] == "judge"]


def judge_requests(provider_control: ProviderControl) -> list[dict[str, Any]]:
    return [
        body
        for body in provider_control.requests()
        if "response_format" in body and "judge" in body["messages"][0]["content"]
    ]


async def test_a_streamed_comparison_ends_with_a_verdict_mapped_back_to_the_frameworks(
    live_api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    provider_control.replies(*(f"Story number {n} of Ada and Grace." for n in range(4)), VALID)
    comparison_id, events = await compare(live_api)
    names = [name for name, _ in events]
    assert names[-2:] == ["verdict", "end"]
    assert events[0][1]["judge"] is True
    verdict = events[-2][1]["verdict"]
    assert verdict["status"] == "ok"
    labels: dict[str, str] = verdict["labels"]
    assert sorted(labels) == ["A", "B", "C"]
    assert sorted(labels.values()) == ["langchain", "langgraph", "semantic_kernel"]
    # the judge ranked B, C, A: in frameworks, whatever order they were shown in
    assert verdict["ranking"] == [labels["B"], labels["C"], labels["A"]]
    assert verdict["winner"] == labels["B"]
    by_framework = {entry["framework"]: entry for entry in verdict["scores"]}
    assert by_framework[labels["B"]]["total"] == 20
    assert by_framework[labels["A"]]["coherence"] == {"score": 2, "reason": "A coherence is 2."}
    assert by_framework[labels["C"]]["label"] == "C"

    # the judge saw each framework's story under that framework's label
    (request,) = judge_requests(provider_control)
    shown = request["messages"][1]["content"]
    stories = (await live_api.get(f"/api/compare/{comparison_id}")).json()["stories"]
    text = {story["method"]: story["story"] for story in stories}
    for label, framework in labels.items():
        assert f"Story {label}:\n{text[framework]}" in shown
    schema = request["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["ranking"]["items"]["enum"] == ["A", "B", "C"]
    assert schema["properties"]["scores"]["required"] == ["A", "B", "C"]

    (row,) = await judge_rows(live_api)
    assert row["status"] == "ok"
    usage = (await live_api.get("/api/cost/usage", params={"operation": "judge"})).json()
    assert usage["summary"]["total_requests"] == 1
    assert list(usage["by_framework"]) == ["judge"]
    assert row["framework"] == "judge"
    assert row["transaction_guid"] == events[0][1]["transaction_guid"]
    assert verdict["input_tokens"] == row["input_tokens"]

    stored = (await live_api.get(f"/api/compare/{comparison_id}")).json()
    assert stored["verdict"] == verdict
    assert len(stored["stories"]) == 3


async def test_a_malformed_verdict_is_asked_for_once_more(
    live_api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    comparison_id, events = await compare(live_api, judge=False)
    assert "verdict" not in [name for name, _ in events]
    assert (await live_api.get(f"/api/compare/{comparison_id}")).json()["verdict"] is None

    provider_control.replies("Story B is the best, clearly.", VALID)
    judged = await live_api.post(f"/api/compare/{comparison_id}/judge")
    assert judged.status_code == 200, judged.text
    verdict = judged.json()
    assert verdict["status"] == "ok"
    assert verdict["attempts"] == 2
    assert [row["status"] for row in await judge_rows(live_api)] == ["ok", "ok"]
    assert len(judge_requests(provider_control)) == 2


async def test_a_verdict_malformed_twice_is_recorded_as_failed_never_guessed(
    live_api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    comparison_id, _ = await compare(live_api, judge=False)
    wrong_labels = verdict_json({"A": 3, "B": 3, "D": 3}, ["A", "B", "D"])
    provider_control.replies(wrong_labels, '{"scores": {}, "ranking": []}')
    verdict = (await live_api.post(f"/api/compare/{comparison_id}/judge")).json()
    assert verdict["status"] == "failed"
    assert verdict["winner"] is None
    assert verdict["scores"] == []
    assert verdict["ranking"] == []
    assert verdict["attempts"] == 2
    assert "scored" in verdict["error"]
    assert (await live_api.get(f"/api/compare/{comparison_id}")).json()["verdict"] == verdict
    assert len(await judge_rows(live_api)) == 2  # both calls were made and paid for

    # judging again replaces the failed verdict
    provider_control.replies(VALID)
    again = (await live_api.post(f"/api/compare/{comparison_id}/judge")).json()
    assert again["status"] == "ok"
    assert (await live_api.get(f"/api/compare/{comparison_id}")).json()["verdict"] == again


async def test_the_stories_are_shown_in_a_shuffled_order(
    live_api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    comparison_id, _ = await compare(live_api, judge=False)
    orders = set()
    for _ in range(6):  # all six the same: a chance of 1 in 7,776
        provider_control.replies(VALID)
        verdict = (await live_api.post(f"/api/compare/{comparison_id}/judge")).json()
        orders.add(tuple(verdict["labels"][label] for label in "ABC"))
    assert len(orders) > 1
    for request in judge_requests(provider_control):
        shown = request["messages"][1]["content"]
        assert re.findall(r"^Story ([A-Z]):$", shown, flags=re.MULTILINE) == ["A", "B", "C"]


async def test_judging_refuses_what_it_cannot_judge(
    live_api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_error_shape(await live_api.get(f"/api/compare/{unknown}"), 404, "NOT_FOUND")
    assert_error_shape(await live_api.post(f"/api/compare/{unknown}/judge"), 404, "NOT_FOUND")
    assert_error_shape(await live_api.get("/api/compare/not-a-uuid"), 422, "VALIDATION_ERROR")
    for loose in ("yes", 1, "no"):  # a switch is a boolean, not anything that looks like one
        refused = await live_api.post("/api/compare", json={**BRIEF, "judge": loose})
        assert_error_shape(refused, 422, "VALIDATION_ERROR")

    comparison_id, _ = await compare(live_api, judge=False)
    shouted = await live_api.get(f"/api/compare/{comparison_id.upper()}")  # the same UUID
    assert shouted.status_code == 200, shouted.text
    assert shouted.json()["comparison_id"] == comparison_id
    base = str(live_api.base_url)
    async with signed_in(base, "eve@example.com") as eve:  # someone else's comparison
        assert_error_shape(await eve.get(f"/api/compare/{comparison_id}"), 404, "NOT_FOUND")
        refused = await eve.post(f"/api/compare/{comparison_id}/judge")
        assert_error_shape(refused, 404, "NOT_FOUND")

    provider_control.faults({"kind": "400"})
    failed = await live_api.post(f"/api/compare/{comparison_id}/judge")
    assert_error_shape(failed, 502, "PROVIDER_ERROR")
    assert (await live_api.get(f"/api/compare/{comparison_id}")).json()["verdict"] is None
    assert [row["status"] for row in await judge_rows(live_api)] == ["http_400"]


async def test_a_judge_failure_in_a_stream_is_its_own_event(
    live_api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    # the judge runs once all three stories are done: the four story calls, then the judge's
    provider_control.faults(*([{"kind": "ok"}] * STORY_CALLS), {"kind": "400"})
    comparison_id, events = await compare(live_api)
    assert [name for name, _ in events][-2:] == ["verdict", "end"]
    verdict_event = events[-2][1]
    assert verdict_event["verdict"] is None
    assert verdict_event["status"] == 502
    assert verdict_event["error"]["code"] == "PROVIDER_ERROR"
    assert [name for name, _ in events].count("error") == 0  # no framework failed
    assert (await live_api.get(f"/api/compare/{comparison_id}")).json()["verdict"] is None


async def test_an_mcp_comparison_comes_back_judged(
    platform: tuple[AppClient, str, str],
    provider: RunningProvider,
    provider_control: ProviderControl,
) -> None:
    client, database_url, key = platform
    transport = stdio_transport(database_url, provider, key)
    provider_control.replies(*(f"Story {n} of Ada and Grace." for n in range(STORY_CALLS)), VALID)
    async with Client(transport) as mcp:
        result = (await mcp.call_tool("compare_frameworks", STORY)).structured_content
    assert result is not None
    verdict = result["verdict"]
    assert verdict["status"] == "ok"
    assert verdict["winner"] == verdict["labels"]["B"]
    assert {story["method"] for story in result["stories"]} == {
        "semantic_kernel",
        "langchain",
        "langgraph",
    }
    stored = (await client.get(f"/api/compare/{result['comparison_id']}")).json()
    assert stored["verdict"] == verdict


async def test_the_judge_can_have_a_provider_of_its_own(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    judge_provider = start_provider()
    judge_control = ProviderControl(judge_provider)
    try:
        settings = make_settings(
            rate_limit_enabled=False,
            judge_api_base_url=judge_provider.base_url,
            judge_api_key="sk-judge-secret",
            judge_model="gpt-4o",
            judge_provider_name="judge-provider",
        )
        judge_control.replies(VALID)
        with live_app(settings) as base:
            async with signed_in(base) as client:
                comparison_id, events = await compare(client)
                verdict = events[-2][1]["verdict"]
                assert verdict["status"] == "ok"
                assert verdict["judge_model"] == "gpt-4o"
                (row,) = await judge_rows(client)
                stories = (await client.get(f"/api/compare/{comparison_id}")).json()["stories"]
        assert row["provider"] == "judge-provider"
        assert row["model"] == "gpt-4o"
        assert row["price_source"] == "genai-prices"  # priced as the judge's model
        assert row["estimated_cost_usd"] > 0
        assert {story["provider"] for story in stories} == {"test-provider"}
        assert judge_requests(provider_control) == []  # the generation provider: stories only
        assert len(provider_control.requests()) == STORY_CALLS
        (sent,) = judge_control.requests()
        assert sent["model"] == "gpt-4o"
    finally:
        judge_control.close()
        judge_provider.stop()


def test_a_judge_provider_without_a_model_or_with_a_taken_name_is_refused(
    make_settings: SettingsFactory,
) -> None:
    with pytest.raises(ConfigurationError, match="JUDGE_MODEL is required"):
        preflight(make_settings(judge_api_base_url="http://127.0.0.1:9/v1"))
    with pytest.raises(ConfigurationError, match="taken by another provider"):
        preflight(
            make_settings(
                judge_api_base_url="http://127.0.0.1:9/v1",
                judge_model="gpt-4o",
                judge_provider_name="test-provider",
            )
        )


async def test_judging_counts_against_the_budget(
    live_api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    comparison_id, _ = await compare(live_api, judge=False)
    me = (await live_api.get("/api/auth/me")).json()
    spent = Decimal((await live_api.get("/api/cost/usage")).json()["summary"]["total_cost_exact"])
    budget = {"monthly_budget_usd": format(spent + Decimal("0.000001"), "f")}
    assert (
        await live_api.put(f"/api/admin/users/{me['id']}/budget", json=budget)
    ).status_code == 200
    refused = await live_api.post(f"/api/compare/{comparison_id}/judge")
    detail = assert_error_shape(refused, 429, "BUDGET_EXCEEDED")["details"][0]
    assert Decimal(detail["request_usd"]) > Decimal("0.000001")  # the judge's worst case
    assert judge_requests(provider_control) == []  # refused before any call
    assert await judge_rows(live_api) == []
    assert (await live_api.get(f"/api/compare/{comparison_id}")).json()["verdict"] is None


async def test_the_judge_after_long_stories_is_not_refused_as_a_backlog(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    """The stories take longer than MAX_WAIT_BEFORE_PROVIDER_MS: the judge, which starts only
    then, has not waited in a queue for that long (its clock starts when the stories end)."""
    provider_control.configure(latency_ms=700)  # LangGraph's two calls: 1.4 s of stories
    settings = make_settings(rate_limit_enabled=False, max_wait_before_provider_ms=1000)
    with live_app(settings) as base:
        async with signed_in(base) as client:
            provider_control.replies(*(f"Story {n}." for n in range(STORY_CALLS)), VALID)
            _, events = await compare(client)
            gate = running_apps[base].state.runtime.gate
            assert gate.refused == 0
    assert events[-2][0] == "verdict"
    assert events[-2][1]["verdict"]["status"] == "ok", events[-2][1]
