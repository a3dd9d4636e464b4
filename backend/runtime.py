"""The long-lived objects of a running platform, built at start-up and closed at shutdown:
database engine, embedded model (when no provider is configured), the pooled provider client,
the three frameworks and the services that use them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import timedelta

from openai import AsyncOpenAI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.core.config import Settings
from backend.core.logging import get_logger
from backend.core.loop_lag import LoopLag
from backend.core.metrics import Metrics
from backend.db.migrate import upgrade_to_head
from backend.db.session import create_engine, create_session_factory
from backend.frameworks import (
    ContextWindow,
    GenerationSettings,
    build_chat_frameworks,
    build_document_frameworks,
    build_frameworks,
)
from backend.from_settings import (
    breakers_from_settings,
    fallbacks_from_settings,
    judge_provider_from_settings,
    judge_service_from_settings,
    load_price_overrides,
    provider_from_settings,
    response_cache_from_settings,
    retry_policy_from_settings,
)
from backend.llm.client import build_openai_client
from backend.llm.embedded import (
    EmbeddedModelServer,
    embedded_provider_config,
)
from backend.llm.fallback import CircuitBreakers
from backend.llm.provider import ProviderConfig
from backend.services.accounts import AccountService
from backend.services.admission import GenerationGate
from backend.services.chat import ChatService
from backend.services.documents import DocumentService
from backend.services.evaluation_state import RunRows
from backend.services.evaluation_tasks import EvaluationTasks
from backend.services.evaluation_worker import EvaluationWorker
from backend.services.evaluations import EvaluationService
from backend.services.instances import InstanceRegistry
from backend.services.judging import JudgeService
from backend.services.ledger import CallPricer, Ledger
from backend.services.log_store import LogStore
from backend.services.metering import Meter
from backend.services.rate_limits import RateLimits, RateLimitSettings
from backend.services.response_cache import ResponseCache
from backend.services.signing_key import resolve_signing_key
from backend.services.spend_caps import SpendCaps
from backend.services.stories import StoryService
from backend.services.task_queue import TaskQueue

log = get_logger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    provider: ProviderConfig
    client: AsyncOpenAI
    judge_client: AsyncOpenAI | None  # the judge's own provider, when it has one
    stories: StoryService
    chat: ChatService
    judging: JudgeService
    documents: DocumentService
    accounts: AccountService
    rate_limits: RateLimits
    embedded: EmbeddedModelServer | None
    started_at: float
    ledger: Ledger
    caps: SpendCaps
    instances: InstanceRegistry
    heartbeat: asyncio.Task[None]
    gate: GenerationGate
    loop_lag: LoopLag
    metrics: Metrics | None
    fallbacks: list[ProviderConfig]
    breakers: CircuitBreakers | None
    log_store: LogStore | None
    response_cache: ResponseCache
    evaluations: EvaluationService
    evaluation_tasks: EvaluationTasks

    @classmethod
    async def start(cls, settings: Settings, metrics: Metrics | None = None) -> Runtime:
        overrides = load_price_overrides(settings)
        await asyncio.to_thread(upgrade_to_head, settings.database_url)
        engine = create_engine(
            settings.database_url,
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pool_timeout=settings.database_pool_timeout_seconds,
        )
        embedded: EmbeddedModelServer | None = None
        try:
            if settings.uses_embedded_model and settings.embedded_model_url:
                provider = embedded_provider_config(settings.embedded_model_url)
            elif settings.uses_embedded_model:
                embedded = EmbeddedModelServer(
                    port=settings.embedded_model_port,
                    threads=settings.embedded_model_threads,
                    context=settings.embedded_model_context,
                )
                await embedded.start(settings.embedded_model_start_timeout_seconds)
                provider = embedded.provider_config()
            else:
                provider = provider_from_settings(settings)
        except BaseException:
            await engine.dispose()
            raise
        fallbacks = fallbacks_from_settings(settings, provider.name)
        breakers = breakers_from_settings(settings) if fallbacks else None
        client = build_openai_client(
            provider,
            retry_policy_from_settings(settings),
            timeout_seconds=settings.provider_timeout_seconds,
            connect_timeout_seconds=settings.provider_connect_timeout_seconds,
            max_connections=settings.provider_max_connections,
            max_concurrency=settings.provider_max_concurrency
            or (1 if settings.uses_embedded_model else None),
            fallbacks=fallbacks,
            breakers=breakers,
        )
        generation = GenerationSettings(
            model=provider.model,
            max_tokens=settings.story_max_tokens,
            temperature=settings.story_temperature,
            send_legacy_max_tokens=not provider.honours_max_completion_tokens,
        )
        frameworks = build_frameworks(client, generation)
        window = ContextWindow(
            context_tokens=(
                min(settings.chat_context_tokens, settings.embedded_model_context)
                if provider.is_local
                else settings.chat_context_tokens
            ),
            max_answer_tokens=settings.chat_max_tokens,
        )
        chat_frameworks = build_chat_frameworks(client, generation, window)
        document_frameworks = build_document_frameworks(client, generation, window)
        rate_limits = RateLimits(
            RateLimitSettings(
                enabled=settings.rate_limit_enabled,
                generation=settings.rate_limit_generation,
                general=settings.rate_limit_general,
                login_failures_per_account=settings.rate_limit_login_failures_per_account,
                login_failures_per_ip=settings.rate_limit_login_failures_per_ip,
                signups_per_ip=settings.rate_limit_signups_per_ip,
                redis_url=settings.redis_url,
                key_prefix=settings.rate_limit_key_prefix,
            )
        )
        sessions = create_session_factory(engine)
        response_cache = response_cache_from_settings(settings, sessions, provider)
        instances = InstanceRegistry(
            sessions, heartbeat_seconds=settings.instance_heartbeat_seconds
        )
        judge_provider = judge_provider_from_settings(
            settings, [provider.name, *(fallback.name for fallback in fallbacks)]
        )
        judge_client = (
            build_openai_client(
                judge_provider,
                retry_policy_from_settings(settings),
                timeout_seconds=settings.provider_timeout_seconds,
                connect_timeout_seconds=settings.provider_connect_timeout_seconds,
                max_connections=settings.provider_max_connections,
                name_every_call=True,
            )
            if judge_provider is not None
            else None
        )
        priced = (*fallbacks, judge_provider) if judge_provider is not None else tuple(fallbacks)
        pricer = CallPricer(provider, overrides, priced)
        ledger = Ledger(engine, pricer, instances.id, metrics)
        await instances.register()
        await instances.recover(ledger)
        caps = SpendCaps(
            sessions,
            global_daily_usd=settings.global_daily_budget_usd,
            # Longer than any unit of work can run; only a crashed process's reservation
            # ever lives this long.
            reservation_seconds=settings.provider_deadline_seconds
            * (settings.document_max_chunks + 2)
            + 60,
        )
        loop_lag = LoopLag()
        loop_lag.start()
        gate = GenerationGate(
            settings.max_in_flight_generations,
            retry_after_seconds=settings.overloaded_retry_after_seconds,
            loop_lag=loop_lag,
            max_loop_lag_seconds=(settings.max_loop_lag_ms / 1000) or None,
            max_wait_seconds=(settings.max_wait_before_provider_ms / 1000) or None,
            max_working=settings.max_working_generations or None,
        )
        meter = Meter(ledger, caps, gate)
        async with sessions() as session:
            configured = settings.secret_key.get_secret_value() if settings.secret_key else None
            signing_key = await resolve_signing_key(session, configured)
        accounts = AccountService(
            signing_key=signing_key,
            access_lifetime=timedelta(minutes=settings.access_token_minutes),
            refresh_lifetime=timedelta(days=settings.refresh_token_days),
            rate_limits=rate_limits,
            registration=settings.registration,
            default_monthly_budget_usd=settings.default_monthly_budget_usd,
        )
        log.info(
            "runtime_started",
            provider=provider.name,
            model=provider.model,
            rate_limits=rate_limits.backend,
        )
        log_store: LogStore | None = None
        if settings.log_store_enabled:
            log_store = LogStore(
                create_engine(settings.database_url, pool_size=1, max_overflow=1),
                instance_id=instances.id,
                level=settings.log_store_level,
                keep_rows=settings.log_store_rows,
            )
            log_store.start()
        if metrics is not None:
            pool = engine.pool
            metrics.watch_load(
                pool_checked_out=lambda: float(pool.checkedout()),  # type: ignore[attr-defined]
                in_flight=lambda: float(gate.in_flight),
                working=lambda: float(gate.working),
            )
        stories = StoryService(
            sessions, meter, frameworks, settings.story_max_tokens, response_cache
        )
        judging = judge_service_from_settings(
            settings, sessions, meter, judge_client or client, provider, judge_provider
        )
        evaluations = EvaluationService(
            sessions, meter, stories, judging, settings.story_max_tokens, provider.model
        )
        evaluation_tasks = await EvaluationTasks.start(
            evaluations,
            EvaluationWorker(RunRows(sessions, instances.id), stories, judging, rate_limits),
            TaskQueue(settings.redis_url, settings.rate_limit_key_prefix),
            sweep_seconds=settings.instance_heartbeat_seconds * 4,
        )
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            provider=provider,
            client=client,
            judge_client=judge_client,
            stories=stories,
            response_cache=response_cache,
            evaluations=evaluations,
            evaluation_tasks=evaluation_tasks,
            chat=ChatService(sessions, meter, chat_frameworks, window),
            judging=judging,
            documents=DocumentService(
                sessions,
                meter,
                document_frameworks,
                window,
                settings.document_max_chunks,
                rate_limits,
            ),
            ledger=ledger,
            caps=caps,
            instances=instances,
            heartbeat=asyncio.create_task(instances.run(ledger), name="instance-heartbeat"),
            gate=gate,
            loop_lag=loop_lag,
            metrics=metrics,
            fallbacks=fallbacks,
            breakers=breakers,
            log_store=log_store,
            accounts=accounts,
            rate_limits=rate_limits,
            embedded=embedded,
            started_at=time.time(),
        )

    async def stop(self) -> None:
        await self.evaluation_tasks.stop()  # runs in progress resume at the next start
        await self.loop_lag.stop()
        if self.log_store is not None:
            await self.log_store.stop()
        self.heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.heartbeat
        await self.instances.retire(self.ledger)
        await self.client.close()
        await self.response_cache.store.close()
        if self.judge_client is not None:
            await self.judge_client.close()
        if self.breakers is not None:
            await self.breakers.close()
        if self.embedded is not None:
            await self.embedded.stop()
        await self.engine.dispose()
