"""Budgets: a user's monthly budget and the platform's daily cap hold exactly, under
concurrency too, and a refused request reaches no provider."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, cast, func, select

from backend.core.names import FrameworkName
from backend.frameworks.stories.base import StoryBrief
from backend.models import LLMCall, SpendReservation
from backend.services.metering import Meter
from backend.services.spend_caps import next_month_start
from tests.utils.app import AppClient, SettingsFactory, bearer, open_client, sign_up
from tests.utils.errors import assert_error_shape
from tests.utils.provider import ProviderControl
from tests.utils.stories import generate

NANO = Decimal("1e-9")


def story_worst_case(client: AppClient, framework: str = "langchain") -> Decimal:
    """What one story by `generate` (Alice and Bob) reserves."""
    runtime = client.runtime
    plan = runtime.stories.plan(FrameworkName(framework), StoryBrief("Alice", "Bob"))
    return Meter(runtime.ledger).worst_case_usd(plan)


async def user_spend(client: AppClient, user_id: int) -> Decimal:
    async with client.runtime.sessions() as session:
        nanos = (
            await session.execute(
                select(func.coalesce(func.sum(cast(LLMCall.cost_usd, BigInteger)), 0)).where(
                    LLMCall.user_id == user_id
                )
            )
        ).scalar_one()
    return Decimal(int(nanos)) * NANO


async def open_reservations(client: AppClient) -> int:
    async with client.runtime.sessions() as session:
        return int((await session.execute(select(func.count(SpendReservation.id)))).scalar_one())


async def new_user(client: AppClient, email: str) -> tuple[dict[str, str], int]:
    headers = bearer(await sign_up(client, email))
    me = (await client.get("/api/auth/me", headers=headers)).json()
    return headers, int(me["id"])


async def set_budget(client: AppClient, user_id: int, amount: Decimal | None) -> None:
    body = {"monthly_budget_usd": None if amount is None else format(amount, "f")}
    response = await client.put(f"/api/admin/users/{user_id}/budget", json=body)
    assert response.status_code == 200, response.text
    expected = None if amount is None else amount
    got = response.json()["monthly_budget_usd"]
    assert (None if got is None else Decimal(got)) == expected


@pytest.fixture
async def unlimited(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> AsyncIterator[AppClient]:
    """The app with rate limits off, so only budgets refuse; signed in as the administrator."""
    async with open_client(make_settings(rate_limit_enabled=False)) as opened:
        yield opened


async def test_a_budget_refuses_exactly_at_its_limit_with_no_provider_call(
    unlimited: AppClient, provider_control: ProviderControl
) -> None:
    client = unlimited
    worst = story_worst_case(client)
    assert worst > 0
    headers, user_id = await new_user(client, "spender@example.com")

    await set_budget(client, user_id, worst - NANO)  # one nano-dollar short of one story
    refused = await generate(client, "langchain", headers=headers)
    error = assert_error_shape(refused, 429, "BUDGET_EXCEEDED")
    detail = error["details"][0]
    assert detail["scope"] == "user_monthly"
    assert Decimal(detail["limit_usd"]) == worst - NANO
    assert Decimal(detail["spent_usd"]) == 0
    assert Decimal(detail["request_usd"]) == worst
    resets = next_month_start(datetime.now(UTC))
    assert detail["resets_at"] == resets.isoformat()
    assert int(refused.headers["retry-after"]) > 0
    assert provider_control.requests() == []

    await set_budget(client, user_id, worst)  # exactly one story's worst case
    assert (await generate(client, "langchain", headers=headers)).status_code == 200
    assert len(provider_control.requests()) == 1
    spent = await user_spend(client, user_id)
    assert 0 < spent < worst  # settled from the ledger: the real cost, not the reservation
    again = await generate(client, "langchain", headers=headers)
    detail = assert_error_shape(again, 429, "BUDGET_EXCEEDED")["details"][0]
    assert Decimal(detail["spent_usd"]) == spent
    assert Decimal(detail["reserved_usd"]) == 0
    assert len(provider_control.requests()) == 1
    assert await open_reservations(client) == 0

    state = (await client.get("/api/cost/budget", headers=headers)).json()
    monthly = next(b for b in state["budgets"] if b["scope"] == "user_monthly")
    assert Decimal(monthly["limit_usd"]) == worst
    assert Decimal(monthly["spent_usd"]) == spent
    assert monthly["resets_at"].startswith(resets.date().isoformat())
    assert monthly["warning"] is (spent / worst >= Decimal("0.8"))

    await set_budget(client, user_id, None)  # no budget: no limit
    assert (await generate(client, "langchain", headers=headers)).status_code == 200


async def test_twenty_concurrent_requests_cannot_overshoot_a_budget_for_five(
    unlimited: AppClient, provider_control: ProviderControl
) -> None:
    client = unlimited
    headers, user_id = await new_user(client, "burst@example.com")
    await set_budget(client, user_id, story_worst_case(client) * 5)
    provider_control.configure(latency_ms=300)  # all twenty overlap

    responses = await asyncio.gather(
        *(generate(client, "langchain", headers=headers) for _ in range(20))
    )

    statuses = sorted(response.status_code for response in responses)
    made = len(provider_control.requests())
    # Five reservations fit at once and no more. On a loaded machine some requests arrive
    # after earlier stories have settled below their worst case, so more than five may be
    # made in all; what can never happen is a sixth at once, or spend past the budget.
    assert made >= 5
    assert provider_control.max_in_flight() <= 5
    assert statuses.count(200) == made
    assert await user_spend(client, user_id) <= story_worst_case(client) * 5
    for response in responses:
        if response.status_code != 200:
            assert_error_shape(response, 429, "BUDGET_EXCEEDED")
    assert await open_reservations(client) == 0


async def test_the_daily_cap_holds_across_users_exactly_at_its_limit(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    async with open_client(make_settings(rate_limit_enabled=False)) as probe:
        worst = story_worst_case(probe)
        assert (await generate(probe, "langchain")).status_code == 200
        one_story = await user_spend(probe, 1)  # the test provider answers the same each time
    provider_control.reset()
    # The same database, today: the probe's story counts. Room for a first story, then
    # exactly a second one's worst case; then none.
    cap = one_story * 2 + worst
    settings = make_settings(rate_limit_enabled=False, global_daily_budget_usd=cap)
    async with open_client(settings, email=None) as client:
        first_headers, first_id = await new_user(client, "first@example.com")
        second_headers, second_id = await new_user(client, "second@example.com")
        assert (await generate(client, "langchain", headers=first_headers)).status_code == 200
        assert (await generate(client, "langchain", headers=second_headers)).status_code == 200
        assert await user_spend(client, first_id) == await user_spend(client, second_id)
        spent = one_story * 3

        refused = await generate(client, "langchain", headers=first_headers)
        detail = assert_error_shape(refused, 429, "BUDGET_EXCEEDED")["details"][0]
        assert detail["scope"] == "global_daily"
        assert Decimal(detail["spent_usd"]) == spent
        assert detail["resets_at"].endswith("T00:00:00+00:00")
        assert len(provider_control.requests()) == 2
        state = (await client.get("/api/cost/budget", headers=first_headers)).json()
        daily = next(b for b in state["budgets"] if b["scope"] == "global_daily")
        assert Decimal(daily["limit_usd"]) == cap
        assert Decimal(daily["spent_usd"]) == spent


async def test_every_kind_of_request_is_refused_by_a_zero_budget(
    unlimited: AppClient, provider_control: ProviderControl
) -> None:
    client = unlimited
    headers, user_id = await new_user(client, "zero@example.com")
    await set_budget(client, user_id, Decimal(0))

    assert_error_shape(await generate(client, "langgraph", headers=headers), 429, "BUDGET_EXCEEDED")
    chat = await client.post("/api/chat/langchain", json={"message": "Hi"}, headers=headers)
    assert_error_shape(chat, 429, "BUDGET_EXCEEDED")
    uploaded = await client.post(
        "/api/context/upload", files={"file": ("a.txt", b"Cats purr.")}, headers=headers
    )
    assert uploaded.status_code == 201, uploaded.text
    run = await client.post(
        "/api/context/execute",
        json={
            "file_id": uploaded.json()["file_id"],
            "system_prompt": "You analyse documents.",
            "user_prompt": "What is this about?",
            "framework": "langchain",
        },
        headers=headers,
    )
    assert_error_shape(run, 429, "BUDGET_EXCEEDED")
    # Streams are refused before they start: a plain 429, not an event in a 200 stream.
    story = {"primary_character": "Ada", "secondary_character": "Grace"}
    for path, body in (
        ("/api/compare", story),
        ("/api/semantic-kernel/stream", story),
        ("/api/chat/langgraph/stream", {"message": "Hi"}),
    ):
        streamed = await client.post(path, json=body, headers=headers)
        assert_error_shape(streamed, 429, "BUDGET_EXCEEDED")
    assert provider_control.requests() == []
    assert await user_spend(client, user_id) == 0
    assert await open_reservations(client) == 0


async def test_a_failed_request_releases_its_reservation_and_counts_what_it_spent(
    unlimited: AppClient, provider_control: ProviderControl
) -> None:
    client = unlimited
    headers, user_id = await new_user(client, "unlucky@example.com")
    await set_budget(client, user_id, story_worst_case(client) * 3)
    provider_control.faults({"kind": "500"}, {"kind": "500"}, {"kind": "500"})
    failed = await generate(client, "langchain", headers=headers)
    assert failed.status_code == 502
    assert await open_reservations(client) == 0
    state = (await client.get("/api/cost/budget", headers=headers)).json()
    monthly = next(b for b in state["budgets"] if b["scope"] == "user_monthly")
    assert Decimal(monthly["spent_usd"]) == await user_spend(client, user_id)
    assert Decimal(monthly["reserved_usd"]) == 0


async def test_new_accounts_get_the_default_budget_and_only_admins_set_budgets(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    async with open_client(make_settings(default_monthly_budget_usd="2.50")) as client:
        me = (await client.get("/api/auth/me")).json()
        assert me["monthly_budget_usd"] is None  # the administrator
        headers, user_id = await new_user(client, "newcomer@example.com")
        listed = (await client.get("/api/admin/users")).json()["users"]
        newcomer = next(u for u in listed if u["id"] == user_id)
        assert Decimal(newcomer["monthly_budget_usd"]) == Decimal("2.50")
        denied = await client.put(
            f"/api/admin/users/{user_id}/budget",
            json={"monthly_budget_usd": "100"},
            headers=headers,
        )
        assert_error_shape(denied, 403, "FORBIDDEN")
        negative = await client.put(
            f"/api/admin/users/{user_id}/budget", json={"monthly_budget_usd": "-1"}
        )
        assert_error_shape(negative, 422, "VALIDATION_ERROR")
        missing = await client.put("/api/admin/users/9999/budget", json={"monthly_budget_usd": 1})
        assert_error_shape(missing, 404, "NOT_FOUND")
        other = await client.get("/api/cost/budget", params={"user_id": 1}, headers=headers)
        assert_error_shape(other, 403, "FORBIDDEN")
