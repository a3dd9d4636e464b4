"""Documents: uploads of every kind and every failure, runs that fit, runs that map-reduce,
refusals with the limit, failures recorded, ownership, and streamed runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.utils.app import AppClient, SettingsFactory, bearer, open_client, sign_up
from tests.utils.errors import assert_error_shape
from tests.utils.files import encrypt_pdf, make_docx, make_docx_bomb, make_pdf
from tests.utils.live import live_app
from tests.utils.provider import ProviderControl
from tests.utils.sse import sse_events

PDF = make_pdf(["Hello PDF world about lighthouses", "Second page on harbours"])


async def upload(client: httpx.AsyncClient, name: str, content: bytes, **kw: Any) -> httpx.Response:
    return await client.post("/api/context/upload", files={"file": (name, content)}, **kw)


def prompt_texts(provider_control: ProviderControl) -> list[str]:
    return [
        "\n".join(str(m["content"]) for m in request["messages"])
        for request in provider_control.requests()
    ]


@pytest.mark.parametrize(
    ("name", "content", "file_type", "expected_text"),
    [
        ("report.pdf", PDF, "pdf", "lighthouses"),
        ("notes.docx", make_docx(["Docx paragraph about owls"]), "docx", "owls"),
        ("plain.txt", b"Plain text about otters", "txt", "otters"),
        ("readme.md", b"# Title\n\nMarkdown about *badgers*", "md", "badgers"),
    ],
)
async def test_each_format_uploads_and_its_text_is_kept(
    client: AppClient,
    name: str,
    content: bytes,
    file_type: str,
    expected_text: str,
    provider_control: ProviderControl,
) -> None:
    response = await upload(client, name, content)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["file_id"].startswith("ctx_")
    assert body["file_type"] == file_type
    assert body["file_size_bytes"] == len(content)
    assert body["processed_content_length"] > 0
    if file_type == "pdf":
        assert body["pages"] == 2
    run = await client.post(
        "/api/context/execute",
        json={
            "file_id": body["file_id"],
            "system_prompt": "You analyse documents.",
            "user_prompt": "What animal or thing is this about?",
            "framework": "langchain",
        },
    )
    assert run.status_code == 200, run.text
    assert expected_text in prompt_texts(provider_control)[-1]
    listed = (await client.get("/api/context/files")).json()
    assert [f["file_id"] for f in listed["files"]] == [body["file_id"]]


@pytest.mark.parametrize(
    ("name", "content", "status", "words"),
    [
        ("empty.txt", b"", 422, "empty"),
        ("corrupt.pdf", b"%PDF-1.4\nthis is not really a pdf at all\n%%EOF", 422, "PDF"),
        ("locked.pdf", encrypt_pdf(PDF), 422, "encrypted"),
        ("bomb.docx", make_docx_bomb(), 422, "zip bomb"),
        ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, 415, "not PDF"),
        ("actually-pdf.txt", PDF, 415, "not TXT"),
        ("program.exe", b"MZ\x90\x00", 415, "Unsupported"),
        ("latin1.txt", "caf\xe9".encode("latin-1"), 422, "UTF-8"),
        ("blank.md", b"   \n\n  ", 422, "no text"),
    ],
)
async def test_bad_files_are_refused_and_nothing_is_stored(
    client: AppClient, name: str, content: bytes, status: int, words: str
) -> None:
    response = await upload(client, name, content)
    code = "UNSUPPORTED_MEDIA_TYPE" if status == 415 else "VALIDATION_ERROR"
    error = assert_error_shape(response, status, code)
    assert words in error["message"], error["message"]
    assert (await client.get("/api/context/files")).json()["total"] == 0


async def test_oversized_uploads_get_413(make_settings: SettingsFactory) -> None:
    async with open_client(make_settings(max_upload_bytes=4096)) as client:
        response = await upload(client, "big.txt", b"a" * 20_000)
        assert_error_shape(response, 413, "PAYLOAD_TOO_LARGE")
        assert (await client.get("/api/context/files")).json()["total"] == 0
        small = await upload(client, "small.txt", b"small enough")
        assert small.status_code == 201


@pytest.fixture
async def small_window(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[AppClient]:
    provider_control.configure(reply_words=15)
    async with open_client(make_settings(chat_context_tokens=600, chat_max_tokens=60)) as client:
        yield client


LONG_TEXT = "\n\n".join(f"Section {i}. " + "The tide turns at the harbour. " * 20 for i in range(8))
RUN = {"system_prompt": "You summarise.", "user_prompt": "Summarise the document."}


@pytest.mark.parametrize("framework", ["langchain", "langgraph"])
async def test_long_documents_are_map_reduced(
    small_window: AppClient, provider_control: ProviderControl, framework: str
) -> None:
    file_id = (await upload(small_window, "long.txt", LONG_TEXT.encode())).json()["file_id"]
    run = await small_window.post(
        "/api/context/execute", json={"file_id": file_id, "framework": framework, **RUN}
    )
    assert run.status_code == 200, run.text
    body = run.json()
    assert body["strategy"] == "map_reduce"
    assert body["chunks"] > 1
    prompts = prompt_texts(provider_control)
    asks = [str(r["messages"][-1]["content"]) for r in provider_control.requests()]
    maps = [ask for ask in asks if ask.startswith("This is part")]
    assert len(maps) == body["chunks"]
    assert "Section 7" in "".join(maps)  # every part was read: nothing silently cut
    assert asks[-1].startswith("These are answers to the same request")  # the last call reduced
    ledger = (await small_window.get("/api/cost/transactions", params={"limit": 100})).json()
    assert ledger["total"] == len(prompts)
    assert body["total_tokens"] == sum(row["total_tokens"] for row in ledger["transactions"])


@pytest.mark.parametrize("framework", ["langchain", "langgraph"])
async def test_the_map_fan_out_is_capped(
    make_settings: SettingsFactory, provider_control: ProviderControl, framework: str
) -> None:
    """A long document's map calls run at most MAP_CONCURRENCY (4) at a time, not all at
    once: one run cannot flood the provider."""
    provider_control.configure(reply_words=15)
    settings = make_settings(
        chat_context_tokens=600, chat_max_tokens=60, rate_limit_generation="100/minute"
    )
    text = "\n\n".join(f"Section {i}. " + "The tide turns at the harbour. " * 20 for i in range(16))
    async with open_client(settings) as client:
        file_id = (await upload(client, "long.txt", text.encode())).json()["file_id"]
        provider_control.configure(latency_ms=200)
        run = await client.post(
            "/api/context/execute", json={"file_id": file_id, "framework": framework, **RUN}
        )
        assert run.status_code == 200, run.text
        assert run.json()["chunks"] > 4
    assert 2 <= provider_control.max_in_flight() <= 4


async def test_a_run_counts_its_planned_calls_against_the_generation_budget(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    """One map-reduce run is many provider calls: it spends that many generations (all of a
    window's budget at most), and a run the budget cannot cover is refused before any call."""
    settings = make_settings(
        chat_context_tokens=600, chat_max_tokens=60, rate_limit_generation="4/minute"
    )
    async with open_client(settings) as client:
        long_id = (await upload(client, "long.txt", LONG_TEXT.encode())).json()["file_id"]
        short_id = (await upload(client, "short.txt", b"Otters.")).json()["file_id"]
        short = {"file_id": short_id, "framework": "langchain", **RUN}
        assert (await client.post("/api/context/execute", json=short)).status_code == 200
        long_run = {"file_id": long_id, "framework": "langchain", **RUN}
        refused = await client.post("/api/context/execute", json=long_run)
        assert_error_shape(refused, 429, "RATE_LIMITED")  # 3 left; it needs all 4
        assert len(provider_control.requests()) == 1
    async with open_client(settings, email="second@example.com") as client:
        long_id = (await upload(client, "long.txt", LONG_TEXT.encode())).json()["file_id"]
        long_run = {"file_id": long_id, "framework": "langchain", **RUN}
        run = await client.post("/api/context/execute", json=long_run)
        assert run.status_code == 200, run.text  # larger than the budget: it takes all of it
        assert run.json()["chunks"] + 1 > 4
        again = await client.post("/api/context/execute", json=long_run)
        assert_error_shape(again, 429, "RATE_LIMITED")


async def test_semantic_kernel_refuses_long_documents_with_the_limit(
    small_window: AppClient, provider_control: ProviderControl
) -> None:
    file_id = (await upload(small_window, "long.txt", LONG_TEXT.encode())).json()["file_id"]
    run = await small_window.post(
        "/api/context/execute", json={"file_id": file_id, "framework": "semantic_kernel", **RUN}
    )
    error = assert_error_shape(run, 422, "VALIDATION_ERROR")
    assert "tokens" in error["message"]
    assert "LangChain or LangGraph" in error["message"]
    assert provider_control.requests() == []
    executions = (await small_window.get("/api/context/executions")).json()["executions"]
    assert [(e["status"], e["error_code"]) for e in executions] == [("failed", "VALIDATION_ERROR")]


async def test_runs_over_several_files_and_failures_are_kept(
    client: AppClient, provider_control: ProviderControl
) -> None:
    first = (await upload(client, "a.txt", b"Alpha document text")).json()["file_id"]
    second = (await upload(client, "b.md", b"Beta document text")).json()["file_id"]
    ok = await client.post(
        "/api/context/execute",
        json={"file_ids": [first, second], "framework": "semantic_kernel", **RUN},
    )
    assert ok.status_code == 200, ok.text
    assert "Alpha" in prompt_texts(provider_control)[-1]
    assert "Beta" in prompt_texts(provider_control)[-1]
    provider_control.faults({"kind": "500"}, {"kind": "500"}, {"kind": "500"})
    failed = await client.post(
        "/api/context/execute", json={"file_id": first, "framework": "langgraph", **RUN}
    )
    assert_error_shape(failed, 502, "PROVIDER_ERROR")
    executions = (await client.get("/api/context/executions")).json()["executions"]
    assert [e["status"] for e in executions] == ["failed", "completed"]
    detail = (await client.get(f"/api/context/executions/{executions[0]['execution_id']}")).json()
    assert detail["error_code"] == "PROVIDER_ERROR"
    assert detail["response"] is None


async def test_documents_are_their_owners_alone(client: AppClient) -> None:
    file_id = (await upload(client, "a.txt", b"Mine")).json()["file_id"]
    await client.post(
        "/api/context/execute", json={"file_id": file_id, "framework": "langchain", **RUN}
    )
    execution_id = (await client.get("/api/context/executions")).json()["executions"][0][
        "execution_id"
    ]
    other = bearer(await sign_up(client, "other@example.com"))
    for method, path, body in (
        ("GET", f"/api/context/files/{file_id}", None),
        ("DELETE", f"/api/context/files/{file_id}", None),
        ("GET", f"/api/context/executions/{execution_id}", None),
        ("POST", "/api/context/execute", {"file_id": file_id, "framework": "langchain", **RUN}),
    ):
        response = await client.request(method, path, json=body, headers=other)
        assert_error_shape(response, 404, "NOT_FOUND")
    assert (await client.get("/api/context/files", headers=other)).json()["total"] == 0
    assert (await client.delete(f"/api/context/files/{file_id}")).status_code == 204
    assert_error_shape(await client.get(f"/api/context/files/{file_id}"), 404, "NOT_FOUND")


async def test_a_streamed_run(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    with live_app(make_settings()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            http.headers.update(bearer(await sign_up(http, "ada@example.com")))
            file_id = (await upload(http, "a.pdf", PDF)).json()["file_id"]
            body = {"file_id": file_id, "framework": "langgraph", **RUN}
            async with http.stream("POST", "/api/context/execute/stream", json=body) as response:
                events = [event async for event in sse_events(response)]
    names = [name for name, _ in events]
    assert names[0] == "start"
    assert names[-1] == "done"
    execution = events[-1][1]["execution"]
    assert "".join(d["text"] for n, d in events if n == "token") == execution["response"]
    assert execution["status"] == "completed"
