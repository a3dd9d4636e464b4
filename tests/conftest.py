"""Shared fixtures: the OpenAI-compatible test provider on a real port, a fresh database per
test (SQLite always; PostgreSQL too when TEST_DATABASE_URL is set), and the real app."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.core.config import Settings, async_database_url
from backend.main import create_app
from backend.runtime import Runtime
from backend.testprovider import RunningProvider, start_provider

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
DATABASE_BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
TEST_MODEL = "gpt-4o-mini"  # priced by genai-prices, so costs are non-zero and checkable


@pytest.fixture(scope="session")
def provider() -> Iterator[RunningProvider]:
    running = start_provider()
    yield running
    running.stop()


@pytest.fixture
def provider_control(provider: RunningProvider) -> Iterator[ProviderControl]:
    control = ProviderControl(provider)
    control.reset()
    yield control
    control.reset()


class ProviderControl:
    """Drive the test provider: queue faults, set latency, read what reached it."""

    def __init__(self, provider: RunningProvider) -> None:
        self.provider = provider
        self._http = httpx.Client(base_url=provider.root_url, timeout=10)

    def reset(self) -> None:
        self._http.post("/_control/reset").raise_for_status()

    def faults(self, *faults: dict[str, Any]) -> None:
        self._http.post("/_control/faults", json={"faults": list(faults)}).raise_for_status()

    def configure(self, **config: Any) -> None:
        self._http.post("/_control/config", json=config).raise_for_status()

    def streams(self) -> dict[str, int]:
        counts: dict[str, int] = self._http.get("/_control/streams").json()
        return counts

    def requests(self) -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = self._http.get("/_control/requests").json()
        return received

    def max_in_flight(self) -> int:
        """The most requests the provider was answering at once (with latency set)."""
        counts: dict[str, int] = self._http.get("/_control/concurrency").json()
        return counts["max_in_flight"]

    def usages(self) -> list[dict[str, int] | None]:
        """The usage block the provider answered to each request, in order."""
        sent: list[dict[str, int] | None] = self._http.get("/_control/usage").json()
        return sent


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=DATABASE_BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / f'test-{uuid.uuid4().hex[:8]}.db'}"
    assert TEST_DATABASE_URL is not None
    url = async_database_url(TEST_DATABASE_URL)
    await _reset_postgres(url)
    return url


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(provider: RunningProvider, database_url: str) -> SettingsFactory:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "provider_api_base_url": provider.base_url,
            "provider_api_key": "sk-test-secret-key",
            "provider_model": TEST_MODEL,
            "provider_name": "test-provider",
            "database_url": database_url,
            "provider_backoff_base_seconds": 0.01,
            "provider_backoff_max_seconds": 0.05,
            "provider_timeout_seconds": 5,
            "story_max_tokens": 64,
            "serve_frontend": False,
            "log_level": "INFO",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return factory


class AppClient(httpx.AsyncClient):
    app: FastAPI

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime


PASSWORD = "correct horse battery staple 42"
OWNER_EMAIL = "owner@example.com"


async def sign_up(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Register an account and return its access token."""
    response = await client.post("/api/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def open_client(
    settings: Settings, *, email: str | None = OWNER_EMAIL
) -> AsyncIterator[AppClient]:
    """The real app with its lifespan; signed in as a new account unless `email` is None."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        client = AppClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        client.app = app
        async with client:
            if email is not None:
                client.headers.update(bearer(await sign_up(client, email)))
            yield client


@pytest.fixture
async def client(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[AppClient]:
    async for opened in open_client(make_settings()):
        yield opened
