"""Settings read from the environment (and `.env`), validated once at start-up."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, HttpUrl, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/fastapillm.db"


def async_database_url(value: str) -> str:
    """Accept the usual URL spellings and pick the async driver for them."""
    for plain, async_form in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if value.startswith(plain):
            return async_form + value[len(plain) :]
    if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        raise ValueError("use a sqlite:/// or postgresql:// URL")
    return value


class Settings(BaseSettings):
    """Every knob of the platform. Unknown `PROVIDER_*` typos are not silently ignored:
    values are type-checked and a bad one stops start-up with one clear line."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_name: str = "FASTAPILLM"
    environment: str = "development"

    # Provider. With no base URL, the embedded SmolLM2 model serves generation.
    provider_api_base_url: HttpUrl | None = None
    provider_api_key: SecretStr | None = None
    provider_model: str | None = None
    provider_name: str | None = None
    provider_headers: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    provider_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    provider_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    provider_max_attempts: int = Field(default=3, ge=1, le=10)
    provider_backoff_base_seconds: float = Field(default=0.5, ge=0, le=30)
    provider_backoff_max_seconds: float = Field(default=8.0, ge=0, le=120)
    provider_retry_after_max_seconds: float = Field(default=30.0, ge=0, le=600)
    provider_max_connections: int = Field(default=50, ge=1, le=1000)

    # Generation.
    story_max_tokens: int = Field(default=400, ge=16, le=8192)
    story_temperature: float = Field(default=0.8, ge=0, le=2)

    # Embedded model (llama.cpp server started as a child process).
    embedded_model_port: int = Field(default=0, ge=0, le=65535)
    embedded_model_threads: int = Field(default=2, ge=1, le=64)
    embedded_model_context: int = Field(default=2048, ge=256, le=8192)
    embedded_model_start_timeout_seconds: float = Field(default=60.0, gt=0)

    # Pricing overrides for models genai-prices does not know (JSON file, see README).
    price_overrides_file: Path | None = None

    database_url: str = DEFAULT_DATABASE_URL
    database_echo: bool = False

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    serve_frontend: bool = True
    frontend_dist: Path = Path(__file__).resolve().parents[2] / "frontendReact" / "dist"

    @field_validator("provider_headers", mode="before")
    @classmethod
    def _parse_headers(cls, value: object) -> object:
        """Accept a JSON object (`{"X-Team": "ai"}`) or `Name: value; Name2: value2`."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            return {}
        if text.startswith("{"):
            return json.loads(text)
        headers: dict[str, str] = {}
        for part in text.split(";"):
            if not part.strip():
                continue
            name, sep, header_value = part.partition(":")
            if not sep or not name.strip():
                raise ValueError("expected 'Name: value; Name2: value2' or a JSON object")
            headers[name.strip()] = header_value.strip()
        return headers

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @property
    def uses_embedded_model(self) -> bool:
        return self.provider_api_base_url is None


@lru_cache
def get_settings() -> Settings:
    return Settings()
