"""Turn what the provider layer observed into priced ledger rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.context import current_request_id, current_transaction_guid
from backend.llm.calls import ProviderCall
from backend.llm.provider import ProviderConfig
from backend.models import LLMCall
from backend.pricing import ModelPrice, price_call


@dataclass(frozen=True)
class CallPricer:
    provider: ProviderConfig
    overrides: Mapping[str, ModelPrice]

    def row(
        self, call: ProviderCall, *, operation: str, framework: str, user_id: int | None
    ) -> LLMCall:
        quote = price_call(
            model=call.model or self.provider.model,
            input_tokens=call.usage.input_tokens,
            output_tokens=call.usage.output_tokens,
            cached_tokens=call.usage.cached_tokens,
            is_local=self.provider.is_local,
            provider_base_url=self.provider.base_url,
            overrides=self.overrides,
        )
        return LLMCall(
            user_id=user_id,
            transaction_guid=current_transaction_guid(),
            request_id=current_request_id(),
            operation=operation,
            framework=framework,
            step=call.step,
            provider=self.provider.name,
            model=call.model or self.provider.model,
            attempt=call.attempt,
            status=call.status,
            http_status=call.http_status,
            input_tokens=call.usage.input_tokens,
            output_tokens=call.usage.output_tokens,
            cached_tokens=call.usage.cached_tokens,
            tokens_estimated=call.usage.estimated,
            cost_usd=quote.cost_usd,
            price_source=quote.source,
            latency_ms=call.latency_ms,
            time_to_first_token_ms=call.time_to_first_token_ms,
            error_message=call.error_message,
            created_at=call.started_at,
        )

    def rows(
        self,
        calls: Sequence[ProviderCall],
        *,
        operation: str,
        framework: str,
        user_id: int | None,
    ) -> list[LLMCall]:
        return [
            self.row(call, operation=operation, framework=framework, user_id=user_id)
            for call in calls
        ]

    async def save_failed(
        self,
        session: AsyncSession,
        calls: Sequence[ProviderCall],
        *,
        operation: str,
        framework: str,
        user_id: int,
    ) -> None:
        """A unit of work failed: drop what it half-wrote, keep what it spent."""
        if not calls:
            return
        await session.rollback()
        session.add_all(self.rows(calls, operation=operation, framework=framework, user_id=user_id))
        await session.commit()


def escape_like(text: str) -> str:
    """Make user text literal inside a LIKE pattern (with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
