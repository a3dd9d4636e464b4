"""Settings read from the environment (and `.env`), validated once at start-up."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, HttpUrl, SecretStr, field_validator
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


class FallbackProvider(BaseModel):
    """Another OpenAI-compatible provider to use when the ones before it fail."""

    base_url: HttpUrl
    model: str = Field(min_length=1)
    api_key: SecretStr | None = None
    name: str | None = Field(default=None, min_length=1, max_length=64)
    headers: dict[str, str] = Field(default_factory=dict)


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
    # Time limits (README "Time limits"): one attempt; one call with all its retries; the
    # longest pause allowed between two chunks of a streamed answer.
    provider_timeout_seconds: float = Field(default=45.0, gt=0, le=600)
    provider_deadline_seconds: float = Field(default=60.0, gt=0, le=1800)
    provider_stream_idle_seconds: float = Field(default=30.0, gt=0, le=600)
    provider_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    provider_max_attempts: int = Field(default=3, ge=1, le=10)
    provider_backoff_base_seconds: float = Field(default=0.5, ge=0, le=30)
    provider_backoff_max_seconds: float = Field(default=8.0, ge=0, le=120)
    provider_retry_after_max_seconds: float = Field(default=30.0, ge=0, le=600)
    # Open connections to the provider, kept alive between calls: enough not to cap a busy
    # server (each waiting call holds one).
    provider_max_connections: int = Field(default=1000, ge=1, le=100_000)
    # Calls sent at once; more wait their turn here (the embedded model serves one at a time).
    provider_max_concurrency: int | None = Field(default=None, ge=1, le=10_000)
    # Fallbacks, in order (a JSON list of {"base_url", "model", "api_key", "name", "headers"}),
    # and each provider's circuit breaker: open after this many failed calls in a row, one
    # probe let through after this long. Breakers are used when there are fallbacks.
    provider_fallbacks: Annotated[list[FallbackProvider], NoDecode] = Field(default_factory=list)
    provider_circuit_failures: int = Field(default=5, ge=1, le=1000)
    provider_circuit_open_seconds: float = Field(default=30.0, gt=0, le=3600)
    # ...or when this share of its calls over the window failed (0 turns the rate off), once
    # the window holds at least PROVIDER_CIRCUIT_MIN_CALLS calls.
    provider_circuit_failure_rate: float = Field(default=0.5, ge=0, le=1)
    provider_circuit_min_calls: int = Field(default=20, ge=1, le=100_000)
    provider_circuit_window_seconds: float = Field(default=60.0, gt=0, le=3600)

    # Generation.
    story_max_tokens: int = Field(default=400, ge=16, le=8192)
    story_temperature: float = Field(default=0.8, ge=0, le=2)
    # Chat history is trimmed to fit this window (tokens), keeping CHAT_MAX_TOKENS for replies.
    chat_context_tokens: int = Field(default=2048, ge=512, le=2_000_000)
    chat_max_tokens: int = Field(default=400, ge=16, le=16_384)
    # The judge of comparisons: a model scoring the three stories against a rubric (its calls
    # are ledger rows with operation `judge`). JUDGE_MODEL: by default the generation model, on
    # the same provider. JUDGE_COMPARISONS: whether a comparison is judged unless its request
    # says otherwise.
    judge_model: str | None = Field(default=None, max_length=200)
    # The judge on a provider of its own (an OpenAI-compatible endpoint; JUDGE_MODEL required).
    judge_api_base_url: HttpUrl | None = None
    judge_api_key: SecretStr | None = None
    judge_provider_name: str | None = Field(default=None, max_length=100)
    judge_max_tokens: int = Field(default=800, ge=64, le=8192)
    # The judge model's window: stories are cut to fit it with the rubric and the verdict (the
    # embedded model's own window is smaller, and wins).
    judge_context_tokens: int = Field(default=16_384, ge=1024, le=2_000_000)
    judge_comparisons: bool = True
    # The response cache: a story request with `cache: true` is answered with the story an
    # identical request (same user, framework, model, prompts, inputs and sampling settings)
    # got within RESPONSE_CACHE_TTL_SECONDS (0: no cache at all). RESPONSE_CACHE_DEFAULT: what
    # a request that does not say gets (off: a story generator is expected to vary). Kept in
    # Redis when REDIS_URL is set, else in the database.
    response_cache_ttl_seconds: int = Field(default=86_400, ge=0, le=365 * 86_400)
    response_cache_default: bool = False
    # Documents: upload size, and how many chunks a map-reduce run may take.
    max_upload_bytes: int = Field(default=10 * 1_048_576, ge=1024, le=1024 * 1_048_576)
    document_max_chunks: int = Field(default=24, ge=1, le=1000)

    # Embedded model (llama.cpp server started as a child process).
    embedded_model_port: int = Field(default=0, ge=0, le=65535)
    embedded_model_threads: int = Field(default=2, ge=1, le=64)
    embedded_model_context: int = Field(default=2048, ge=256, le=8192)
    embedded_model_start_timeout_seconds: float = Field(default=60.0, gt=0)

    # Pricing overrides for models genai-prices does not know (JSON file, see README).
    price_overrides_file: Path | None = None

    # Accounts. SECRET_KEY signs access tokens; when unset, a random key is created once and
    # kept in the database, so replicas sharing the database share it.
    secret_key: SecretStr | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=14, ge=1, le=365)

    # Armour.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    redis_url: str | None = None
    rate_limit_enabled: bool = True
    rate_limit_generation: str = "15/minute"
    # Every other request. The web app's own pages read several endpoints each (the Cost page
    # eight) and follow live views every few seconds (logs every 2 s, a run every 4 s): at 60 a
    # minute a user going from the log viewer to an evaluation run was refused for a minute.
    rate_limit_general: str = "300/minute"
    rate_limit_login_failures_per_account: str = "5/15 minutes"
    rate_limit_login_failures_per_ip: str = "20/15 minutes"
    # Accounts created from one address: sign-ups multiply every per-user budget.
    rate_limit_signups_per_ip: str = "10/hour"
    # open: anyone may sign up; invite: only with an administrator's invite code;
    # closed: only the first account (the administrator) may.
    registration: Literal["open", "invite", "closed"] = "open"
    # Budgets (US dollars). A new account's monthly budget (unset: none; an administrator
    # can set each user's), and a cap on everyone's spend per UTC day (unset: none).
    default_monthly_budget_usd: Decimal | None = Field(default=None, ge=0, le=10**9)
    global_daily_budget_usd: Decimal | None = Field(default=None, ge=0, le=10**9)
    rate_limit_key_prefix: str = "fastapillm"
    max_request_bytes: int = Field(default=1_048_576, ge=1024, le=100 * 1_048_576)
    # The MCP server over streamable HTTP (`python -m backend.mcp_server --http`).
    mcp_host: str = "127.0.0.1"
    mcp_port: int = Field(default=9999, ge=1, le=65535)
    # Heartbeat comments on server-sent event streams, so proxies keep them open.
    sse_ping_seconds: float = Field(default=15.0, gt=0, le=300)
    # Each process heartbeats in the database; rows in flight of one silent for 4 beats (or
    # whose pid is gone on this host) are marked interrupted.
    instance_heartbeat_seconds: float = Field(default=15.0, gt=0, le=3600)

    # Back-pressure: generations (stories, comparisons, chat turns, document runs; streamed
    # or not) in flight in this process. Past it, a request is refused at once with a 503 and
    # Retry-After instead of queueing until it times out.
    max_in_flight_generations: int = Field(default=1000, ge=1, le=1_000_000)
    overloaded_retry_after_seconds: int = Field(default=1, ge=1, le=600)
    # ...and refused the same way while the event loop runs this far behind (the process has
    # more work than CPU; admitting more would slow every request it holds). 0 turns it off.
    max_loop_lag_ms: int = Field(default=100, ge=0, le=60_000)
    # ...and refused when it has already waited this long (since it arrived) by the time its
    # first provider call would leave; new ones too while those reaching it waited a quarter
    # of this. 0 turns it off.
    max_wait_before_provider_ms: int = Field(default=5000, ge=0, le=600_000)
    # ...and refused while this many admitted generations are doing the platform's own work
    # (not waiting on a provider): more would only queue for the CPU. 0 turns it off.
    max_working_generations: int = Field(default=32, ge=0, le=100_000)

    # Server processes (`python -m backend`). More than one needs REDIS_URL: rate limits are
    # shared through it. The embedded model is started once, by the parent, for all of them.
    workers: int = Field(default=1, ge=1, le=64)
    # Set by that parent for its workers: the embedded model already running there.
    embedded_model_url: str | None = None

    # Prometheus metrics at /metrics: off unless enabled, and then only for a scraper that
    # sends `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_enabled: bool = False
    metrics_token: SecretStr | None = None

    database_url: str = DEFAULT_DATABASE_URL
    database_echo: bool = False
    # The database connection pool of each process. A request that waits longer than the
    # timeout for a connection gets a 503 with Retry-After, not a 500.
    database_pool_size: int = Field(default=10, ge=1, le=1000)
    database_max_overflow: int = Field(default=20, ge=0, le=1000)
    database_pool_timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The log viewer's store (in the database, shared by replicas): lines at or above this
    # level, the newest LOG_STORE_ROWS of them.
    log_store_enabled: bool = True
    log_store_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_store_rows: int = Field(default=100_000, ge=100, le=100_000_000)
    log_format: Literal["json", "console"] = "json"

    serve_frontend: bool = True
    frontend_dist: Path = Path(__file__).resolve().parents[2] / "frontendReact" / "dist"

    @field_validator("provider_fallbacks", mode="before")
    @classmethod
    def _parse_fallbacks(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else []
        return value

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

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: object) -> object:
        """A comma-separated list or a JSON array; never "*" (credentials are allowed)."""
        if isinstance(value, str):
            text = value.strip()
            value = (
                json.loads(text)
                if text.startswith("[")
                else [origin.strip() for origin in text.split(",") if origin.strip()]
            )
        if isinstance(value, list) and "*" in value:
            raise ValueError("'*' cannot be used: list the allowed origins")
        return value

    @field_validator(
        "rate_limit_generation",
        "rate_limit_general",
        "rate_limit_login_failures_per_account",
        "rate_limit_login_failures_per_ip",
        "rate_limit_signups_per_ip",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError("use a rate like '15/minute' or '5/15 minutes'") from exc
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://")):
            raise ValueError("use a redis:// or rediss:// URL")
        return value or None

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
