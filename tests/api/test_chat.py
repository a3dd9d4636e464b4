"""Chat: continuity, framework switching, trimming by tokens, ownership, the conversation list,
regenerate, streaming, and failures that leave nothing half-written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.utils.app import AppClient, SettingsFactory, bearer, open_client, sign_up
from tests.utils.errors import assert_error_shape
from tests.utils.live import live_app
from tests.utils.provider import ProviderControl
from tests.utils.sse import sse_events
from tests.utils.stories import FRAMEWORK_PATHS

CHAT = {name: f"/api/chat/{path.removeprefix('/api/')}" for name, path in FRAMEWORK_PATHS.items()}


def contents(request: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in request["messages"]]


@pytest.mark.parametrize("framework", list(CHAT))
async def test_a_second_message_continues_the_conversation(
    client: AppClient, provider_control: ProviderControl, framework: str
) -> None:
    first = await client.post(CHAT[framework], json={"message": "My name is Ada."})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["method"] == framework
    assert body["total_tokens"] == body["input_tokens"] + body["output_tokens"] > 0
    second = await client.post(
        CHAT[framework],
        json={"message": "What is my name?", "conversation_id": body["conversation_id"]},
    )
    assert second.json()["conversation_id"] == body["conversation_id"]
    seen = contents(provider_control.requests()[-1])
    assert seen[0][0] == "system"
    assert seen[1:] == [
        ("user", "My name is Ada."),
        ("assistant", body["response"]),
        ("user", "What is my name?"),
    ]


async def test_switching_framework_mid_conversation(
    client: AppClient, provider_control: ProviderControl
) -> None:
    first = (await client.post(CHAT["semantic_kernel"], json={"message": "Hello there"})).json()
    conversation_id = first["conversation_id"]
    second = await client.post(
        CHAT["langgraph"], json={"message": "And again", "conversation_id": conversation_id}
    )
    assert second.json()["method"] == "langgraph"
    assert ("assistant", first["response"]) in contents(provider_control.requests()[-1])
    detail = (await client.get(f"/api/chat/conversations/{conversation_id}")).json()
    assert detail["method"] == "langgraph"
    assert [(m["role"], m["method"]) for m in detail["messages"]] == [
        ("user", None),
        ("assistant", "semantic_kernel"),
        ("user", None),
        ("assistant", "langgraph"),
    ]
    for message in detail["messages"]:
        if message["role"] == "assistant":
            assert len(message["calls"]) == 1
            assert message["estimated_cost_usd"] == pytest.approx(message["calls"][0]["cost_usd"])
            assert message["input_tokens"] == message["calls"][0]["input_tokens"]


@pytest.mark.parametrize("framework", list(CHAT))
async def test_history_is_trimmed_to_the_window_by_tokens(
    make_settings: SettingsFactory, provider_control: ProviderControl, framework: str
) -> None:
    settings = make_settings(chat_context_tokens=600, chat_max_tokens=100)
    provider_control.configure(reply_words=20)
    async with open_client(settings) as client:
        conversation_id = None
        for turn in range(6):
            response = await client.post(
                CHAT[framework],
                json={
                    "message": f"turn {turn} " + "word " * 60,
                    "conversation_id": conversation_id,
                },
            )
            assert response.status_code == 200, response.text
            conversation_id = response.json()["conversation_id"]
        seen = contents(provider_control.requests()[-1])
        assert seen[0][0] == "system"  # the system prompt always stays
        assert seen[-1][1].startswith("turn 5")  # and the new message
        assert not any(text.startswith("turn 0") for _, text in seen)  # the oldest went
        assert any(text.startswith("turn 4") for _, text in seen)  # the newest stayed
        assert seen[1][0] == "user"  # the kept window starts on a question
        assert sum(len(text) for _, text in seen) / 3 < 500


async def test_conversations_are_their_owners_alone(client: AppClient) -> None:
    mine = (await client.post(CHAT["langchain"], json={"message": "Private"})).json()
    cid = mine["conversation_id"]
    other = bearer(await sign_up(client, "other@example.com"))
    for method, path, body in (
        ("GET", f"/api/chat/conversations/{cid}", None),
        ("PATCH", f"/api/chat/conversations/{cid}", {"title": "Mine now"}),
        ("DELETE", f"/api/chat/conversations/{cid}", None),
        ("POST", f"/api/chat/conversations/{cid}/regenerate", None),
        ("POST", CHAT["langchain"], {"message": "hi", "conversation_id": cid}),
    ):
        response = await client.request(method, path, json=body, headers=other)
        assert_error_shape(response, 404, "NOT_FOUND")
    listed = (await client.get("/api/chat/conversations", headers=other)).json()
    assert listed["total"] == 0
    assert (await client.get(f"/api/chat/conversations/{cid}")).status_code == 200


async def test_the_list_is_newest_first_searchable_and_one_query(client: AppClient) -> None:
    ids = []
    for topic in ("apples", "bananas", "cherries", "dates"):
        reply = await client.post(CHAT["langchain"], json={"message": f"Tell me about {topic}"})
        ids.append(reply.json()["conversation_id"])
    await client.post(CHAT["langchain"], json={"message": "More", "conversation_id": ids[0]})

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = client.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        listed = (await client.get("/api/chat/conversations", params={"limit": 10})).json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 4  # session look-up, count, page: not one per conversation
    assert [c["id"] for c in listed["conversations"]] == [ids[0], ids[3], ids[2], ids[1]]
    first = listed["conversations"][0]
    assert first["message_count"] == 4
    assert first["title"] == "Tell me about apples"
    assert first["last_message_preview"]

    found = (await client.get("/api/chat/conversations", params={"q": "CHERR"})).json()
    assert [c["id"] for c in found["conversations"]] == [ids[2]]
    page = (await client.get("/api/chat/conversations", params={"limit": 2, "skip": 2})).json()
    assert page["total"] == 4
    assert len(page["conversations"]) == 2


async def test_rename_regenerate_and_delete(
    client: AppClient, provider_control: ProviderControl
) -> None:
    first = (await client.post(CHAT["langchain"], json={"message": "Question one"})).json()
    cid = first["conversation_id"]
    renamed = await client.patch(f"/api/chat/conversations/{cid}", json={"title": "  Renamed "})
    assert renamed.json()["title"] == "Renamed"

    provider_control.configure(reply="A different answer")
    again = await client.post(
        f"/api/chat/conversations/{cid}/regenerate", params={"framework": "langgraph"}
    )
    assert again.status_code == 200, again.text
    assert again.json()["response"] == "A different answer"
    detail = (await client.get(f"/api/chat/conversations/{cid}")).json()
    question, first_answer, second_answer = detail["messages"]
    # The earlier answer is kept: both are versions of the reply to the one question.
    assert (question["role"], question["content"], question["reply_to_id"]) == (
        "user",
        "Question one",
        None,
    )
    assert first_answer["content"] == first["response"]
    assert second_answer["content"] == "A different answer"
    assert first_answer["reply_to_id"] == second_answer["reply_to_id"] == question["id"]
    assert second_answer["method"] == "langgraph"
    assert again.json()["reply_to_id"] == question["id"]
    listed = (await client.get("/api/chat/conversations")).json()["conversations"]
    assert listed[0]["message_count"] == 2  # a question and its answer, however many versions
    assert contents(provider_control.requests()[-1])[-1] == ("user", "Question one")

    # The next turn sees the newest version as history, not both.
    provider_control.configure(reply=None)
    await client.post(CHAT["langchain"], json={"message": "Question two", "conversation_id": cid})
    sent = contents(provider_control.requests()[-1])
    assert ("assistant", "A different answer") in sent
    assert ("assistant", first["response"]) not in sent

    assert (await client.delete(f"/api/chat/conversations/{cid}")).status_code == 204
    assert_error_shape(await client.get(f"/api/chat/conversations/{cid}"), 404, "NOT_FOUND")
    ledger = (await client.get("/api/cost/transactions")).json()
    assert ledger["total"] == 3  # every answer's calls are still spend


async def test_a_failed_reply_saves_no_messages_but_keeps_its_spend(
    client: AppClient, provider_control: ProviderControl
) -> None:
    provider_control.faults({"kind": "500"}, {"kind": "500"}, {"kind": "500"})
    response = await client.post(CHAT["langchain"], json={"message": "Hello?"})
    assert_error_shape(response, 502, "PROVIDER_ERROR")
    assert (await client.get("/api/chat/conversations")).json()["total"] == 0
    ledger = (await client.get("/api/cost/transactions")).json()["transactions"]
    assert [(row["type"], row["status"]) for row in ledger] == [("chat", "http_500")] * 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 16_001}, "message"),
        ({"message": "hi", "conversation_id": 0}, "conversation_id"),
        ({"message": "hi", "extra": 1}, "extra"),
    ],
)
async def test_bad_chat_requests_get_422(
    client: AppClient, body: dict[str, Any], field: str
) -> None:
    error = assert_error_shape(
        await client.post(CHAT["langchain"], json=body), 422, "VALIDATION_ERROR"
    )
    assert field in [detail["field"] for detail in error["details"]]


@pytest.fixture
async def live(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[httpx.AsyncClient]:
    with live_app(make_settings()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            token = await sign_up(http, "ada@example.com")
            http.headers.update(bearer(token))
            yield http


async def test_a_streamed_chat_turn(live: httpx.AsyncClient) -> None:
    async with live.stream("POST", f"{CHAT['langgraph']}/stream", json={"message": "Hi"}) as r:
        events = [e async for e in sse_events(r)]
    names = [name for name, _ in events]
    assert names[0] == "start"
    assert names[-1] == "done"
    chat = events[-1][1]["chat"]
    assert "".join(d["text"] for n, d in events if n == "token") == chat["response"]
    async with live.stream(
        "POST",
        f"{CHAT['semantic_kernel']}/stream",
        json={"message": "Again", "conversation_id": chat["conversation_id"]},
    ) as r:
        events = [e async for e in sse_events(r)]
    assert events[-1][1]["chat"]["conversation_id"] == chat["conversation_id"]
    detail = (await live.get(f"/api/chat/conversations/{chat['conversation_id']}")).json()
    assert len(detail["messages"]) == 4
    async with live.stream(
        "POST", f"{CHAT['langchain']}/stream", json={"message": "x", "conversation_id": 999}
    ) as r:
        events = [e async for e in sse_events(r)]
    assert events[-1][0] == "error"
    assert events[-1][1]["status"] == 404
