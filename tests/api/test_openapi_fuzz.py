"""Schemathesis against the app's own OpenAPI document, over real HTTP, signed in: no 5xx and
no response that breaks the documented schema, for a bounded number of examples each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from backend.core.config import Settings
from backend.main import create_app
from backend.testprovider import RunningProvider
from tests.utils.app import PASSWORD
from tests.utils.live import live_app as running_app
from tests.utils.provider import TEST_MODEL


@pytest.fixture(scope="session")
def live_app(
    provider: RunningProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    database = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    settings = Settings(
        _env_file=None,
        provider_api_base_url=provider.base_url,
        provider_model=TEST_MODEL,
        provider_name="test-provider",
        database_url=f"sqlite+aiosqlite:///{database}",
        provider_backoff_base_seconds=0.01,
        provider_backoff_max_seconds=0.02,
        story_max_tokens=16,
        rate_limit_enabled=False,
        # The bounds that measure the machine (the loop's delay, the wait before the provider)
        # are tested in test_backpressure. Here, on a busy 2-core machine, they refused a
        # request without credentials with 503 before it could be told 401, failing
        # schemathesis's authentication check for a reason that is not the contract's.
        max_loop_lag_ms=0,
        max_wait_before_provider_ms=0,
        serve_frontend=False,
        log_level="WARNING",
    )
    with running_app(settings) as base:
        registered = httpx.post(
            f"{base}/api/auth/register", json={"email": "fuzz@example.com", "password": PASSWORD}
        )
        assert registered.status_code == 201
        yield base, registered.json()["access_token"]


# The document comes from the app itself; requests go to the live server above.
SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings(_env_file=None, serve_frontend=False)).openapi()
)
# Signing out or changing the password would end the session the rest of the run uses.
EXCLUDED = {"POST /api/auth/logout", "POST /api/auth/password"}
OPERATIONS: list[Any] = [
    operation
    for operation in (result.ok() for result in SCHEMA.get_all_operations())  # type: ignore[union-attr]
    if operation.label not in EXCLUDED
]
# Two rules JSON Schema cannot state: password strength (zxcvbn), and a name that is all
# markup (stripped to nothing). For those operations a schema-valid request may get a 422,
# but only for that rule: the check below asserts each detail precisely.
MARKUP_RULE = "must contain text other than markup"
STORY_OPERATIONS = {
    f"POST /api/{path}{suffix}"
    for path in ("semantic-kernel", "langchain", "langgraph")
    for suffix in ("", "/stream")
} | {"POST /api/compare", "POST /api/evaluations"}


def _allowed_422(label: str, detail: dict[str, Any]) -> bool:
    if label == UPLOAD:
        return bool(detail["type"] == "unreadable_file")
    if label == "POST /api/auth/register":
        return detail["type"] in {"weak_password", "value_error"}
    if label == BRIEFS_FILE:  # what the file holds: each row is checked like a story request
        return bool(detail["field"].startswith("row ") or detail["type"] in {"csv", "file"})
    return label in STORY_OPERATIONS and MARKUP_RULE in detail["message"]


# Whether random bytes are a readable PDF, DOCX or UTF-8 text is not a schema matter either:
# an upload may get 415 (not that type) or 422 (unreadable_file) for it, and for nothing else.
UPLOAD = "POST /api/context/upload"
BRIEFS_FILE = "POST /api/evaluations/briefs"  # CSV or JSON, read the same way
SEMANTIC_RULES = {"POST /api/auth/register", UPLOAD, BRIEFS_FILE} | STORY_OPERATIONS


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_api_honours_its_openapi_document(operation: Any, live_app: tuple[str, str]) -> None:
    base, token = live_app
    excluded = [positive_data_acceptance] if operation.label in SEMANTIC_RULES else []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def check(case: Any) -> None:
        response = case.call_and_validate(
            base_url=base,
            headers={"Authorization": f"Bearer {token}"},
            excluded_checks=excluded,
        )
        if excluded and operation.label in {UPLOAD, BRIEFS_FILE} and response.status_code >= 400:
            assert response.status_code in {413, 415, 422}, response.text
        if excluded and response.status_code == 422 and _schema_valid(operation, case):
            details = response.json()["error"]["details"]
            assert all(_allowed_422(operation.label, d) for d in details), details

    check()


def _schema_valid(operation: Any, case: Any) -> bool:
    """Whether the drawn body conforms to the documented request schema."""
    import jsonschema_rs

    if not isinstance(case.body, dict):
        return False
    content = operation.definition.raw["requestBody"]["content"]
    if "application/json" not in content:  # multipart: the file rules are checked above
        return True
    body_schema = content["application/json"]["schema"]
    resolved = SCHEMA.raw_schema
    validator = jsonschema_rs.validator_for({**body_schema, "components": resolved["components"]})
    valid: bool = validator.is_valid(case.body)
    return valid


def test_the_fuzzed_document_is_the_committed_one(live_app: tuple[str, str]) -> None:
    base, _ = live_app
    committed = Path(__file__).resolve().parents[2] / "frontendReact" / "openapi.json"
    import json

    assert httpx.get(f"{base}/openapi.json").json() == json.loads(committed.read_text())
