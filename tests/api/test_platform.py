"""Health, provider info, migrations, logs and the served web app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import command
from backend.db.migrate import alembic_config
from backend.db.session import create_engine
from tests.utils.app import AppClient, SettingsFactory, open_client
from tests.utils.errors import assert_error_shape
from tests.utils.provider import ProviderControl
from tests.utils.stories import generate


async def test_health_checks_the_database(client: AppClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["checks"] == {"database": "ok"}
    assert body["request_id"] == response.headers["x-request-id"]


async def test_health_is_503_when_the_database_is_down(client: AppClient, tmp_path: Path) -> None:
    runtime = client.runtime
    working = runtime.engine
    (tmp_path / "y.db").mkdir()  # a directory where the database file should be
    runtime.engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'y.db'}")
    try:
        response = await client.get("/health")
    finally:
        await runtime.engine.dispose()
        runtime.engine = working
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["checks"]["database"].startswith("error")


async def test_provider_info_never_shows_the_key(client: AppClient) -> None:
    response = await client.get("/api/provider")
    assert response.status_code == 200
    body = response.json()
    assert body["provider"] == "test-provider"
    assert body["model"] == "gpt-4o-mini"
    assert body["embedded"] is False
    assert body["frameworks"] == ["semantic_kernel", "langchain", "langgraph"]
    assert "sk-test-secret-key" not in response.text


async def test_migrations_create_everything_and_match_the_models(database_url: str) -> None:
    config = alembic_config(database_url)
    await _in_thread(command.upgrade, config, "head")
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"stories", "llm_calls", "alembic_version"} <= tables
    await _in_thread(command.check, config)  # models and migrations agree
    await _in_thread(command.downgrade, config, "base")
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    assert tables <= {"alembic_version"}


async def _in_thread(fn: object, *args: object) -> None:
    import asyncio

    await asyncio.to_thread(fn, *args)  # type: ignore[arg-type]


async def test_log_lines_are_json_with_ids_and_no_secrets(
    client: AppClient, provider_control: ProviderControl, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    response = await generate(client, "langchain", "Alice", "Bob")
    output = capfd.readouterr().out
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    by_name = {event["event"]: event for event in events}
    guid = response.headers["x-transaction-guid"]
    for name in ("provider_call", "story_generated", "request"):
        assert by_name[name]["transaction_guid"] == guid
        assert by_name[name]["request_id"] == response.headers["x-request-id"]
    assert "sk-test-secret-key" not in output
    assert "Alice" not in output  # prompts stay out of INFO logs


async def test_built_web_app_is_served_without_hiding_api_404s(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html><body>app</body></html>")
    (dist / "assets" / "app.js").write_text("console.log('x')")
    async with open_client(make_settings(serve_frontend=True, frontend_dist=dist)) as client:
        assert (await client.get("/")).text.startswith("<html>")
        assert (await client.get("/history")).text.startswith("<html>")
        assert (await client.get("/assets/app.js")).status_code == 200
        assert_error_shape(await client.get("/api/unknown"), 404, "NOT_FOUND")
        escaped = await client.get("/..%2f..%2fetc/passwd")
        assert "root:" not in escaped.text


async def test_the_frameworks_own_http_errors_take_the_codes_of_the_exception_tree(
    client: AppClient,
) -> None:
    """An unknown path and a wrong method are raised by the framework, not by our code; they
    still answer in the one shape, with the type and code of core/errors.py's classes."""
    unknown = assert_error_shape(await client.get("/api/no-such-thing"), 404, "NOT_FOUND")
    assert unknown["type"] == "NotFoundError"
    wrong = assert_error_shape(await client.delete("/api/provider"), 405, "METHOD_NOT_ALLOWED")
    assert wrong["type"] == "MethodNotAllowedError"
