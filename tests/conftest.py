"""Shared fixtures: the OpenAI-compatible test provider on a real port, a fresh database per
test (SQLite always; PostgreSQL too when TEST_DATABASE_URL is set), and the real app. The
helpers they use are in tests/utils/."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.core.config import Settings, async_database_url
from backend.testprovider import RunningProvider, start_provider
from tests.utils.app import AppClient, SettingsFactory, open_client
from tests.utils.database import DATABASE_BACKENDS, TEST_DATABASE_URL, reset_postgres
from tests.utils.provider import TEST_MODEL, ProviderControl


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
    control.close()


@pytest.fixture(params=DATABASE_BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / f'test-{uuid.uuid4().hex[:8]}.db'}"
    assert TEST_DATABASE_URL is not None
    url = async_database_url(TEST_DATABASE_URL)
    await reset_postgres(url)
    return url


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
            # The event loop's delay and the wait before the provider measure the machine as
            # much as this process: on a loaded 2-core test machine they passed their bounds
            # and refused requests of tests that are not about back-pressure (CI: nine of ten
            # concurrent stories in the fallback chaos test got 503). The tests about them
            # (test_backpressure, test_admission, test_judge) set them themselves.
            "max_loop_lag_ms": 0,
            "max_wait_before_provider_ms": 0,
            "serve_frontend": False,
            "log_level": "INFO",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return factory


@pytest.fixture
async def client(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[AppClient]:
    async with open_client(make_settings()) as opened:
        yield opened
