"""Schemathesis against the app's own OpenAPI document, over real HTTP, signed in: no 5xx and
no response that breaks the documented schema, for a bounded number of examples each."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from backend.core.config import Settings
from backend.main import create_app
from backend.testprovider import RunningProvider
from tests.conftest import PASSWORD, TEST_MODEL


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_app(
    provider: RunningProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    database = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    app = create_app(
        Settings(
            _env_file=None,
            provider_api_base_url=provider.base_url,
            provider_model=TEST_MODEL,
            provider_name="test-provider",
            database_url=f"sqlite+aiosqlite:///{database}",
            provider_backoff_base_seconds=0.01,
            provider_backoff_max_seconds=0.02,
            story_max_tokens=16,
            rate_limit_enabled=False,
            serve_frontend=False,
            log_level="WARNING",
        )
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "app did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    registered = httpx.post(
        f"{base}/api/auth/register", json={"email": "fuzz@example.com", "password": PASSWORD}
    )
    assert registered.status_code == 201
    try:
        yield base, registered.json()["access_token"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


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
# Password strength (zxcvbn) cannot be written in JSON Schema: the one 422 a schema-valid
# registration may get is a weak password, which the check below asserts precisely.
STRENGTH_CHECKED = {"POST /api/auth/register"}


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_api_honours_its_openapi_document(operation: Any, live_app: tuple[str, str]) -> None:
    base, token = live_app
    excluded = [positive_data_acceptance] if operation.label in STRENGTH_CHECKED else []

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
        if excluded and response.status_code == 422 and case.body is not None:
            details = response.json()["error"]["details"]
            schema_valid = isinstance(case.body, dict) and set(case.body) == {"email", "password"}
            if schema_valid and "@" in str(case.body.get("email")):
                assert {d["type"] for d in details} <= {"weak_password", "value_error"}, details

    check()


def test_the_fuzzed_document_is_the_committed_one(live_app: tuple[str, str]) -> None:
    base, _ = live_app
    committed = Path(__file__).resolve().parents[2] / "frontendReact" / "openapi.json"
    import json

    assert httpx.get(f"{base}/openapi.json").json() == json.loads(committed.read_text())
