"""Every event a stream sends is one the OpenAPI document describes for that route: each kind
of stream is run over real HTTP and every event, its data parsed, is validated against the
route's 200 `text/event-stream` schema in the served document (the one the web client's
types are generated from)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from tests.utils.provider import ProviderControl
from tests.utils.sse import Events, stream_events

STORY = {"primary_character": "Ada", "secondary_character": "Grace"}


async def assert_documented(client: httpx.AsyncClient, path: str, events: Events) -> str:
    """Validate each event as it travels (`data` a JSON string) against the route's documented
    event schema, and its parsed data against the schema the document gives that event's
    data; the event schema's name."""
    document = (await client.get("/openapi.json")).json()
    components = document["components"]

    def validator(schema: dict[str, Any]) -> Draft202012Validator:
        # the components beside the schema, so references resolve as in the document
        return Draft202012Validator({**schema, "components": components})

    content = document["paths"][path]["post"]["responses"]["200"]["content"]
    reference = str(content["text/event-stream"]["schema"]["$ref"])
    name = reference.rsplit("/", 1)[-1]
    data_schemas = {}
    for variant in components["schemas"][name]["oneOf"]:
        message = components["schemas"][variant["$ref"].rsplit("/", 1)[-1]]["properties"]
        assert message["data"]["contentMediaType"] == "application/json"
        data_schemas[message["event"]["const"]] = message["data"]["contentSchema"]

    on_the_wire = validator({"$ref": reference})
    assert events, "the stream sent nothing"
    for event, data in events:
        sent = {"event": event, "data": json.dumps(data)}
        assert [e.message for e in on_the_wire.iter_errors(sent)] == [], sent
        assert [e.message for e in validator(data_schemas[event]).iter_errors(data)] == [], (
            event,
            data,
        )
    # the schemas are not so loose that anything passes
    assert list(on_the_wire.iter_errors({"event": "gossip", "data": "{}"}))
    assert list(validator(data_schemas["token"]).iter_errors({"framework": "x"}))
    return name


async def test_story_and_comparison_streams_send_only_documented_events(
    live_api: httpx.AsyncClient,
) -> None:
    events = await stream_events(live_api, "/api/langgraph/stream", STORY)
    assert {name for name, _ in events} == {"start", "step", "token", "done"}
    assert await assert_documented(live_api, "/api/langgraph/stream", events) == "StoryStreamEvent"

    events = await stream_events(live_api, "/api/compare", STORY)
    assert [name for name, _ in events].count("done") == 3
    assert events[-1][0] == "end"
    assert await assert_documented(live_api, "/api/compare", events) == "ComparisonStreamEvent"


async def test_a_failed_stream_ends_with_a_documented_error_event(
    live_api: httpx.AsyncClient, provider_control: ProviderControl
) -> None:
    provider_control.faults(*({"kind": "400"} for _ in range(3)))
    events = await stream_events(live_api, "/api/langchain/stream", STORY)
    assert events[-1][0] == "error"
    assert events[-1][1]["status"] == 502
    await assert_documented(live_api, "/api/langchain/stream", events)


async def test_chat_streams_send_only_documented_events(live_api: httpx.AsyncClient) -> None:
    events = await stream_events(live_api, "/api/chat/langchain/stream", {"message": "Hello"})
    assert events[-1][0] == "done"
    assert await assert_documented(live_api, "/api/chat/langchain/stream", events) == (
        "ChatStreamEvent"
    )
    conversation = events[-1][1]["chat"]["conversation_id"]
    path = "/api/chat/conversations/{conversation_id}/regenerate/stream"
    events = await stream_events(live_api, path.replace("{conversation_id}", str(conversation)))
    assert events[-1][0] == "done"
    await assert_documented(live_api, path, events)


async def test_document_run_streams_send_only_documented_events(
    live_api: httpx.AsyncClient,
) -> None:
    files = {"file": ("notes.txt", b"Ada met Grace at the engine.", "text/plain")}
    file_id = (await live_api.post("/api/context/upload", files=files)).json()["file_id"]
    body = {
        "file_id": file_id,
        "framework": "langgraph",
        "system_prompt": "Summarise.",
        "user_prompt": "Who met?",
    }
    events = await stream_events(live_api, "/api/context/execute/stream", body)
    assert events[-1][0] == "done"
    assert await assert_documented(live_api, "/api/context/execute/stream", events) == (
        "ExecutionStreamEvent"
    )
