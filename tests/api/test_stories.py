"""Story generation through each framework, its ledger rows, and the history endpoints."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.models import LLMCall
from tests.utils.app import AppClient
from tests.utils.errors import assert_error_shape
from tests.utils.provider import TEST_MODEL, ProviderControl
from tests.utils.stories import FRAMEWORK_PATHS, generate

FRAMEWORKS = list(FRAMEWORK_PATHS)


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_generate_story_returns_contract_fields_and_ledger_rows(
    client: AppClient, provider_control: ProviderControl, framework: str
) -> None:
    response = await generate(client, framework, "Alice", "Bob", genre="mystery")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["method"] == framework
    assert body["combined_characters"] == "Alice and Bob"
    assert body["story"].startswith("Reply to:")
    assert body["provider"] == "test-provider"
    assert body["model"] == TEST_MODEL
    assert body["transaction_guid"] == response.headers["x-transaction-guid"]
    assert body["request_id"] == response.headers["x-request-id"]
    uuid.UUID(body["transaction_guid"])

    calls = body["calls"]
    expected_steps = [None] if framework != "langgraph" else ["storyteller", "editor"]
    assert [call["step"] for call in calls] == expected_steps
    assert all(call["status"] == "ok" and call["attempt"] == 1 for call in calls)
    # The story's totals are the sums of its ledger rows, and equal what the provider reported.
    assert body["input_tokens"] == sum(call["input_tokens"] for call in calls)
    assert body["output_tokens"] == sum(call["output_tokens"] for call in calls)
    assert body["total_tokens"] == body["input_tokens"] + body["output_tokens"]
    received = provider_control.requests()
    assert len(received) == len(calls)
    assert body["estimated_cost_usd"] > 0
    assert body["estimated_cost_usd"] == pytest.approx(sum(c["cost_usd"] for c in calls))

    async with client.runtime.sessions() as session:
        rows = (await session.execute(select(LLMCall).order_by(LLMCall.id))).scalars().all()
    assert len(rows) == len(calls)
    assert {row.transaction_guid for row in rows} == {body["transaction_guid"]}
    assert all(row.story_id == body["id"] and row.framework == framework for row in rows)
    assert sum((row.cost_usd for row in rows), Decimal(0)) > 0
    assert all(row.price_source == "genai-prices" for row in rows)


async def test_langgraph_editor_receives_the_storytellers_draft(
    client: AppClient, provider_control: ProviderControl
) -> None:
    response = await generate(client, "langgraph", "Ada", "Grace")
    assert response.status_code == 200
    storyteller, editor = provider_control.requests()
    draft = "Reply to:"
    editor_prompt = "\n".join(message["content"] for message in editor["messages"])
    assert draft in editor_prompt
    assert "editor" in editor["messages"][0]["content"].lower()
    assert "Ada" in storyteller["messages"][-1]["content"]


async def test_names_with_apostrophes_and_ampersands_reach_the_model_intact(
    client: AppClient, provider_control: ProviderControl
) -> None:
    for framework in FRAMEWORKS:
        provider_control.reset()
        response = await generate(client, framework, "O'Brien", "Tom & Jerry")
        assert response.status_code == 200, response.text
        assert response.json()["combined_characters"] == "O'Brien and Tom & Jerry"
        user_message = provider_control.requests()[0]["messages"][-1]["content"]
        assert "O'Brien" in user_message, user_message
        assert "Tom & Jerry" in user_message, user_message


async def test_html_is_stripped_from_names(client: AppClient) -> None:
    response = await generate(client, "langchain", "<b>Alice</b>", "<script>x</script>Bob")
    assert response.status_code == 200
    assert response.json()["primary_character"] == "Alice"
    assert response.json()["secondary_character"] == "xBob"


async def test_a_story_may_mention_sql(client: AppClient) -> None:
    response = await generate(client, "langchain", "Robert'); DROP TABLE stories;--", "Bobby")
    assert response.status_code == 200
    listed = await client.get("/api/stories")
    assert listed.json()["stories"][0]["primary_character"] == "Robert'); DROP TABLE stories;--"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"primary_character": "", "secondary_character": "Bob"}, "primary_character"),
        ({"primary_character": "<i></i>", "secondary_character": "Bob"}, "primary_character"),
        ({"primary_character": "A" * 101, "secondary_character": "Bob"}, "primary_character"),
        ({"primary_character": "Alice"}, "secondary_character"),
        ({"primary_character": 5, "secondary_character": "Bob"}, "primary_character"),
        ({"primary_character": "A", "secondary_character": "B", "colour": "red"}, "colour"),
        ({"primary_character": "A", "secondary_character": "B", "length": "epic"}, "length"),
    ],
)
async def test_invalid_story_requests_get_422_in_the_error_shape(
    client: AppClient, provider_control: ProviderControl, payload: dict[str, object], field: str
) -> None:
    response = await client.post("/api/langchain", json=payload)
    error = assert_error_shape(response, 422, "VALIDATION_ERROR")
    assert field in [detail["field"] for detail in error["details"]]
    assert provider_control.requests() == []


async def test_malformed_json_gets_422(client: AppClient) -> None:
    response = await client.post(
        "/api/langgraph", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error_shape(response, 422, "VALIDATION_ERROR")


async def test_history_lists_filters_paginates_and_reads(client: AppClient) -> None:
    ids = {}
    for framework in FRAMEWORKS:
        response = await generate(client, framework, f"Hero-{framework}", "Sidekick")
        ids[framework] = response.json()["id"]

    listed = (await client.get("/api/stories", params={"limit": 2})).json()
    assert listed["total"] == 3
    assert listed["limit"] == 2
    assert listed["skip"] == 0
    assert [story["id"] for story in listed["stories"]] == [ids["langgraph"], ids["langchain"]]
    page_two = (await client.get("/api/stories", params={"limit": 2, "skip": 2})).json()
    assert [story["id"] for story in page_two["stories"]] == [ids["semantic_kernel"]]

    only = (await client.get("/api/stories", params={"framework": "langchain"})).json()
    assert only["total"] == 1
    assert only["stories"][0]["method"] == "langchain"

    detail = (await client.get(f"/api/stories/{ids['langgraph']}")).json()
    assert detail["id"] == ids["langgraph"]
    assert [call["step"] for call in detail["calls"]] == ["storyteller", "editor"]


async def test_search_by_character_is_case_insensitive_and_literal(client: AppClient) -> None:
    await generate(client, "langchain", "Alice", "Bob")
    await generate(client, "langchain", "Carol", "alicia")
    await generate(client, "langchain", "100% Dan", "Eve")
    found = await client.get("/api/stories/search/characters", params={"character": "ALIC"})
    assert found.status_code == 200
    assert {s["primary_character"] for s in found.json()} == {"Alice", "Carol"}
    percent = await client.get("/api/stories/search/characters", params={"character": "0%"})
    assert [s["primary_character"] for s in percent.json()] == ["100% Dan"]
    none = await client.get("/api/stories/search/characters", params={"character": "_"})
    assert none.json() == []


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/stories/999999", 404, "NOT_FOUND"),
        ("/api/stories/0", 422, "VALIDATION_ERROR"),
        ("/api/stories/abc", 422, "VALIDATION_ERROR"),
        ("/api/stories/99999999999999999999", 422, "VALIDATION_ERROR"),
        ("/api/stories?limit=0", 422, "VALIDATION_ERROR"),
        ("/api/stories?limit=101", 422, "VALIDATION_ERROR"),
        ("/api/stories?skip=-1", 422, "VALIDATION_ERROR"),
        ("/api/stories?framework=crewai", 422, "VALIDATION_ERROR"),
        ("/api/stories/search/characters", 422, "VALIDATION_ERROR"),
        ("/api/nothing-here", 404, "NOT_FOUND"),
    ],
)
async def test_bad_reads_get_clear_errors(
    client: AppClient, path: str, status: int, code: str
) -> None:
    assert_error_shape(await client.get(path), status, code)


async def test_delete_all_removes_stories_but_keeps_the_ledger(client: AppClient) -> None:
    await generate(client, "langchain")
    await generate(client, "langgraph")
    response = await client.delete("/api/stories")
    assert response.status_code == 200
    assert response.json() == {"message": "All stories deleted successfully", "deleted_count": 2}
    assert (await client.get("/api/stories")).json()["total"] == 0
    transactions = (await client.get("/api/cost/transactions")).json()
    assert transactions["total"] == 3
    assert all(row["story_id"] is None for row in transactions["transactions"])


async def test_every_response_carries_request_and_transaction_ids(client: AppClient) -> None:
    ok = await client.get("/api/stories")
    missing = await client.get("/api/stories/12345")
    for response in (ok, missing):
        assert response.headers["x-request-id"].startswith("req_")
        uuid.UUID(response.headers["x-transaction-guid"])
    assert ok.headers["x-request-id"] != missing.headers["x-request-id"]
    assert ok.headers["x-transaction-guid"] != missing.headers["x-transaction-guid"]
