"""Settings parse what operators write, and bad ones stop start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from backend.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_headers_accept_json_and_semicolon_forms() -> None:
    assert make(provider_headers='{"X-Team": "ai"}').provider_headers == {"X-Team": "ai"}
    parsed = make(provider_headers="X-Team: ai; X-Env: prod").provider_headers
    assert parsed == {"X-Team": "ai", "X-Env": "prod"}
    with pytest.raises(ValidationError):
        make(provider_headers="no colon here")


def test_database_urls_get_async_drivers() -> None:
    assert make(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"
    pg = make(database_url="postgresql://u@h/db").database_url
    assert pg == "postgresql+asyncpg://u@h/db"
    with pytest.raises(ValidationError):
        make(database_url="mysql://u@h/db")


def test_api_key_never_appears_in_repr() -> None:
    settings = make(provider_api_key="sk-very-secret")
    assert "sk-very-secret" not in repr(settings)


def _run_backend(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PROVIDER_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "backend"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PROVIDER_TIMEOUT_SECONDS": "soon"}, "invalid setting PROVIDER_TIMEOUT_SECONDS"),
        ({"PROVIDER_API_BASE_URL": "not a url"}, "invalid setting PROVIDER_API_BASE_URL"),
        ({"PROVIDER_API_BASE_URL": "http://127.0.0.1:1/v1"}, "PROVIDER_MODEL is required"),
        ({"PORT": "eighty"}, "invalid setting PORT"),
        (
            {"DATABASE_URL": "postgresql://someone:hunter2@127.0.0.1:1/none"},
            "the database at postgresql+asyncpg://someone:***@127.0.0.1:1/none cannot be used",
        ),
    ],
)
def test_bad_settings_fail_with_one_line(env: dict[str, str], expected: str) -> None:
    result = _run_backend(env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr
