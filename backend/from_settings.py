"""What the settings configure, as the objects the runtime is built from: the provider and its
fallbacks, price overrides, the retry and circuit policies; and `preflight`, which checks them
all before a server starts."""

from __future__ import annotations

import json
from collections.abc import Sequence

from openai import AsyncOpenAI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.errors import ConfigurationError
from backend.frameworks.judge import JudgeSettings, StoryJudge
from backend.llm.embedded import locate_model_file
from backend.llm.fallback import CircuitBreakers
from backend.llm.provider import EMBEDDED_PROVIDER_NAME, ProviderConfig
from backend.llm.retry import RetryPolicy
from backend.pricing import ModelPrice, parse_overrides
from backend.services.judging import JudgeService
from backend.services.metering import Meter
from backend.services.response_cache import (
    CacheStore,
    DatabaseCacheStore,
    RedisCacheStore,
    ResponseCache,
    Sampling,
)


def provider_from_settings(settings: Settings) -> ProviderConfig:
    assert settings.provider_api_base_url is not None
    if not settings.provider_model:
        raise ConfigurationError("PROVIDER_MODEL is required when PROVIDER_API_BASE_URL is set")
    return _provider(
        str(settings.provider_api_base_url),
        settings.provider_name,
        settings.provider_model,
        settings.provider_api_key,
        settings.provider_headers,
    )


def judge_service_from_settings(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    meter: Meter,
    client: AsyncOpenAI,
    provider: ProviderConfig,
    judge_provider: ProviderConfig | None,
) -> JudgeService:
    """The judge on `client` (its own provider's, or the generation one's); a local model's
    window bounds what it is shown."""
    local = (judge_provider or provider).is_local
    return JudgeService(
        sessions,
        meter,
        StoryJudge(
            client,
            JudgeSettings(
                model=settings.judge_model or provider.model,
                max_tokens=settings.judge_max_tokens,
                local_provider=local,
            ),
        ),
        context_tokens=(
            min(settings.judge_context_tokens, settings.embedded_model_context)
            if local
            else settings.judge_context_tokens
        ),
        max_tokens=settings.judge_max_tokens,
        provider=judge_provider,
    )


def response_cache_from_settings(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], provider: ProviderConfig
) -> ResponseCache:
    """The response cache in Redis when REDIS_URL is set (shared by every replica), else in
    the database."""
    store: CacheStore = (
        RedisCacheStore(settings.redis_url, settings.rate_limit_key_prefix)
        if settings.redis_url
        else DatabaseCacheStore(sessions)
    )
    sampling = Sampling(
        provider=provider.name,
        model=provider.model,
        temperature=settings.story_temperature,
        max_tokens=settings.story_max_tokens,
    )
    return ResponseCache(
        store,
        sampling,
        ttl_seconds=settings.response_cache_ttl_seconds,
        by_default=settings.response_cache_default,
    )


def fallbacks_from_settings(settings: Settings, primary_name: str) -> list[ProviderConfig]:
    """PROVIDER_FALLBACKS as providers; every name distinct (rows and circuits go by it)."""
    fallbacks = []
    names = {primary_name}
    for fallback in settings.provider_fallbacks:
        provider = _provider(
            str(fallback.base_url),
            fallback.name,
            fallback.model,
            fallback.api_key,
            fallback.headers,
        )
        if provider.name in names:
            raise ConfigurationError(
                f"PROVIDER_FALLBACKS: the name {provider.name!r} is used twice; "
                "give each a distinct name"
            )
        names.add(provider.name)
        fallbacks.append(provider)
    return fallbacks


def judge_provider_from_settings(settings: Settings, taken: Sequence[str]) -> ProviderConfig | None:
    """JUDGE_API_BASE_URL as a provider of its own (None: the judge uses the generation
    provider); its name must differ from the others' (rows and prices go by it)."""
    if settings.judge_api_base_url is None:
        return None
    if not settings.judge_model:
        raise ConfigurationError("JUDGE_MODEL is required when JUDGE_API_BASE_URL is set")
    provider = _provider(
        str(settings.judge_api_base_url),
        settings.judge_provider_name,
        settings.judge_model,
        settings.judge_api_key,
        {},
    )
    if provider.name in taken:
        raise ConfigurationError(
            f"JUDGE_PROVIDER_NAME: the name {provider.name!r} is taken by another provider; "
            "give the judge's a distinct name"
        )
    return provider


def _provider(
    base_url: str,
    name: str | None,
    model: str,
    api_key: SecretStr | None,
    headers: dict[str, str],
) -> ProviderConfig:
    base_url = base_url.rstrip("/")
    key = api_key.get_secret_value() if api_key else ""
    return ProviderConfig(
        name=name or base_url.split("://", 1)[-1].split("/", 1)[0],  # the host
        model=model,
        base_url=base_url,
        api_key=key or "not-needed",
        headers=headers,
    )


def retry_policy_from_settings(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.provider_max_attempts,
        backoff_base_seconds=settings.provider_backoff_base_seconds,
        backoff_max_seconds=settings.provider_backoff_max_seconds,
        retry_after_max_seconds=settings.provider_retry_after_max_seconds,
        deadline_seconds=settings.provider_deadline_seconds,
        stream_idle_seconds=settings.provider_stream_idle_seconds,
    )


def breakers_from_settings(settings: Settings) -> CircuitBreakers:
    return CircuitBreakers(
        failures=settings.provider_circuit_failures,
        open_seconds=settings.provider_circuit_open_seconds,
        failure_rate=settings.provider_circuit_failure_rate,
        min_calls=settings.provider_circuit_min_calls,
        window_seconds=settings.provider_circuit_window_seconds,
        redis_url=settings.redis_url,
        key_prefix=settings.rate_limit_key_prefix,
    )


def load_price_overrides(settings: Settings) -> dict[str, ModelPrice]:
    if settings.price_overrides_file is None:
        return {}
    try:
        data = json.loads(settings.price_overrides_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"PRICE_OVERRIDES_FILE cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError("PRICE_OVERRIDES_FILE must hold a JSON object")
    try:
        return parse_overrides(data)
    except ValueError as exc:
        raise ConfigurationError(f"PRICE_OVERRIDES_FILE: {exc}") from exc


def preflight(settings: Settings) -> None:
    """Fail fast, before the server starts, on settings that cannot work."""
    load_price_overrides(settings)
    if settings.metrics_enabled and settings.metrics_token is None:
        raise ConfigurationError(
            "METRICS_ENABLED needs METRICS_TOKEN: /metrics is never served without one"
        )
    if settings.workers > 1 and not settings.redis_url:
        raise ConfigurationError(
            "WORKERS above 1 needs REDIS_URL: the workers share rate limits through Redis"
        )
    if settings.uses_embedded_model:
        locate_model_file()
        primary = EMBEDDED_PROVIDER_NAME
    else:
        primary = provider_from_settings(settings).name
    fallbacks = fallbacks_from_settings(settings, primary)
    judge_provider_from_settings(settings, [primary, *(fallback.name for fallback in fallbacks)])
