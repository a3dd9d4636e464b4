"""Text no database can store (a NUL; a lone surrogate sent as a JSON escape) is refused with a
422 in the one error shape before anything runs: no provider call, no 500 on PostgreSQL.
Every test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from backend.schemas.common import NO_NUL, NOT_BLANK, StrictModel
from tests.utils.app import OWNER_EMAIL, PASSWORD, AppClient
from tests.utils.errors import assert_error_shape
from tests.utils.files import make_pdf
from tests.utils.provider import ProviderControl

NUL = "\u0000"
FILE_ID = "ctx_0123456789abcdef"
RUN = {"framework": "langchain"}

# (method, path, JSON body) with a NUL in one text field.
NUL_IN_JSON: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/auth/login", {"email": f"owner{NUL}@example.com", "password": PASSWORD}),
    ("POST", "/api/chat/langchain", {"message": f"Hello{NUL}there"}),
    ("POST", "/api/chat/langchain/stream", {"message": f"Hello{NUL}there"}),
    ("PATCH", "/api/chat/conversations/1", {"title": f"Trip{NUL}plans"}),
    ("POST", "/api/auth/api-keys", {"name": f"laptop{NUL}"}),
    (
        "POST",
        "/api/context/execute",
        {"file_id": FILE_ID, "system_prompt": f"Be{NUL}brief", "user_prompt": "Sum", **RUN},
    ),
    (
        "POST",
        "/api/context/execute",
        {"file_id": FILE_ID, "system_prompt": "Be brief", "user_prompt": f"Sum{NUL}", **RUN},
    ),
    ("POST", "/api/langchain", {"primary_character": f"Al{NUL}ice", "secondary_character": "Bob"}),
    (
        "POST",
        "/api/langchain",
        {"primary_character": "Alice", "secondary_character": "Bob", "genre": f"noir{NUL}"},
    ),
]

# The same kind of request with a lone surrogate, as the raw JSON escape a client can send.
SURROGATE_IN_JSON: list[tuple[str, str, str]] = [
    ("POST", "/api/auth/login", '{"email": "owner\\ud800@example.com", "password": "x"}'),
    ("POST", "/api/auth/login", '{"email": "owner@example.com", "password": "pass\\udfff"}'),
    ("POST", "/api/chat/langchain", '{"message": "Hello \\ud800"}'),
    ("POST", "/api/chat/langchain/stream", '{"message": "Hello \\ud800"}'),
    ("PATCH", "/api/chat/conversations/1", '{"title": "Trip \\udc00"}'),
    ("POST", "/api/auth/api-keys", '{"name": "laptop \\ud800"}'),
    (
        "POST",
        "/api/context/execute",
        '{"file_id": "' + FILE_ID + '", "system_prompt": "\\ud800", "user_prompt": "Sum", '
        '"framework": "langchain"}',
    ),
    ("POST", "/api/langchain", '{"primary_character": "A\\ud800", "secondary_character": "B"}'),
]


def _refused(response: Any) -> dict[str, Any]:
    return assert_error_shape(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize(("method", "path", "body"), NUL_IN_JSON)
async def test_a_nul_in_json_text_is_a_422_before_anything_runs(
    client: AppClient,
    provider_control: ProviderControl,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    response = await client.request(method, path, json=body)
    error = _refused(response)
    assert {detail["type"] for detail in error["details"]} == {"unstorable_text"}
    assert provider_control.requests() == []


@pytest.mark.parametrize(("method", "path", "raw"), SURROGATE_IN_JSON)
async def test_a_lone_surrogate_in_json_text_is_a_422(
    client: AppClient, provider_control: ProviderControl, method: str, path: str, raw: str
) -> None:
    response = await client.request(
        method, path, content=raw.encode(), headers={"Content-Type": "application/json"}
    )
    error = _refused(response)
    assert {detail["type"] for detail in error["details"]} == {"unstorable_text"}
    assert provider_control.requests() == []


async def test_sign_in_refuses_unstorable_text_and_still_works(
    client: AppClient, provider_control: ProviderControl
) -> None:
    """The refusal is about the text, not the account: the real address still signs in."""
    refused = await client.post(
        "/api/auth/login", json={"email": OWNER_EMAIL, "password": f"{PASSWORD}{NUL}"}
    )
    _refused(refused)
    ok = await client.post("/api/auth/login", json={"email": OWNER_EMAIL, "password": PASSWORD})
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/stories/search/characters?character=%00",
        "/api/stories/search/characters?character=Al%00ice",
        "/api/chat/conversations?q=%00",
    ],
)
async def test_a_nul_in_a_query_is_a_422(
    client: AppClient, provider_control: ProviderControl, path: str
) -> None:
    _refused(await client.get(path))
    assert provider_control.requests() == []


async def test_a_text_upload_with_a_nul_after_the_sniffed_head_is_refused(
    client: AppClient, provider_control: ProviderControl
) -> None:
    content = b"plain text about otters\n" * 500 + b"\x00 and then some more text"
    assert len(content) > 8192
    response = await client.post("/api/context/upload", files={"file": ("notes.txt", content)})
    error = _refused(response)
    assert error["details"][0]["type"] == "unreadable_file"
    assert (await client.get("/api/context/files")).json()["total"] == 0
    assert provider_control.requests() == []


async def test_a_file_name_with_a_nul_is_refused(
    client: AppClient, provider_control: ProviderControl
) -> None:
    # Built by hand: httpx would percent-encode the NUL in the file name.
    boundary = "unstorable-boundary"
    body = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="not{NUL}es.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
        "plain text about otters\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    response = await client.post(
        "/api/context/upload",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    error = _refused(response)
    assert error["details"][0]["type"] == "unstorable_text"
    assert (await client.get("/api/context/files")).json()["total"] == 0
    assert provider_control.requests() == []


async def test_text_extracted_from_a_pdf_is_made_storable(client: AppClient) -> None:
    """A NUL inside a PDF comes from the file, not the user: it is dropped, the upload kept."""
    response = await client.post(
        "/api/context/upload",
        files={"file": ("report.pdf", make_pdf(["Light\x00houses and harbours"]))},
    )
    assert response.status_code == 201, response.text
    listed = (await client.get("/api/context/files")).json()
    assert listed["total"] == 1
    assert listed["files"][0]["processed_content_length"] == len("Lighthouses and harbours")


class _Sample(StrictModel):
    names: list[str]
    tags: dict[str, str] = {}


@pytest.mark.parametrize(
    "value",
    [
        {"names": ["fine", f"bad{NUL}"]},
        {"names": ["\ud800"]},
        {"names": ["fine"], "tags": {"k": f"v{NUL}"}},
        {"names": ["fine"], "tags": {f"k{NUL}": "v"}},
    ],
)
def test_every_request_model_refuses_unstorable_text_inside_lists_and_maps(
    value: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError) as raised:
        _Sample.model_validate(value)
    assert [error["type"] for error in raised.value.errors()] == ["unstorable_text"]
    assert _Sample.model_validate({"names": ["fine", "text ✓ 😀"]}).names[1] == "text ✓ 😀"


async def test_the_openapi_document_states_the_rule_as_a_pattern(client: AppClient) -> None:
    """The fuzz test and generated clients only see the schema, so the rule must be in it."""
    schema = client.app.openapi()
    chat = schema["components"]["schemas"]["ChatRequest"]["properties"]["message"]
    assert chat["pattern"] == NOT_BLANK
    login = schema["components"]["schemas"]["Credentials"]["properties"]
    assert login["email"]["pattern"] == NO_NUL
    search = schema["paths"]["/api/stories/search/characters"]["get"]["parameters"]
    [character] = [p for p in search if p["name"] == "character"]
    assert character["schema"]["pattern"] == NO_NUL
