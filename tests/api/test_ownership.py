"""Users own their data: another user's story is 404, lists and spend are per user, and an
admin alone can look across users."""

from __future__ import annotations

import uuid
from decimal import Decimal

from backend.models import LLMCall, Story
from tests.utils.app import AppClient, SettingsFactory, bearer, open_client, sign_up
from tests.utils.errors import assert_error_shape
from tests.utils.stories import generate


async def test_a_second_user_sees_nothing_of_the_first(client: AppClient) -> None:
    story = (await generate(client, "langgraph", "Ada", "Grace")).json()
    other = bearer(await sign_up(client, "other@example.com"))

    assert_error_shape(
        await client.get(f"/api/stories/{story['id']}", headers=other), 404, "NOT_FOUND"
    )
    assert (await client.get("/api/stories", headers=other)).json()["total"] == 0
    found = await client.get(
        "/api/stories/search/characters", params={"character": "Ada"}, headers=other
    )
    assert found.json() == []
    deleted = await client.delete("/api/stories", headers=other)
    assert deleted.json()["deleted_count"] == 0
    assert (await client.get(f"/api/stories/{story['id']}")).status_code == 200

    usage = (await client.get("/api/cost/usage", headers=other)).json()
    assert usage["summary"]["total_requests"] == 0
    transactions = (await client.get("/api/cost/transactions", headers=other)).json()
    assert transactions["total"] == 0
    mine = (await client.get("/api/cost/transactions")).json()
    assert mine["total"] == 2
    assert {row["user_id"] for row in mine["transactions"]} == {1}


async def test_only_an_admin_sees_other_users_spend(client: AppClient) -> None:
    await generate(client, "langchain")  # the owner (first account: admin)
    other = bearer(await sign_up(client, "other@example.com"))
    await generate(client, "langgraph", headers=other)
    other_id = (await client.get("/api/auth/me", headers=other)).json()["id"]

    everyone = (await client.get("/api/cost/usage", params={"all_users": True})).json()
    assert everyone["summary"]["total_requests"] == 3
    theirs = (await client.get("/api/cost/usage", params={"user_id": other_id})).json()
    assert theirs["summary"]["total_requests"] == 2
    assert list(theirs["by_framework"]) == ["langgraph"]
    rows = await client.get("/api/cost/transactions", params={"user_id": other_id})
    assert {row["user_id"] for row in rows.json()["transactions"]} == {other_id}

    for params in ({"all_users": True}, {"user_id": 1}):
        for path in ("/api/cost/usage", "/api/cost/transactions"):
            response = await client.get(path, params=params, headers=other)
            assert_error_shape(response, 403, "FORBIDDEN")
    own = await client.get("/api/cost/usage", params={"user_id": other_id}, headers=other)
    assert own.status_code == 200


async def test_another_users_api_key_is_404(client: AppClient) -> None:
    key_id = (await client.post("/api/auth/api-keys", json={"name": "mine"})).json()["id"]
    other = bearer(await sign_up(client, "other@example.com"))
    response = await client.delete(f"/api/auth/api-keys/{key_id}", headers=other)
    assert_error_shape(response, 404, "NOT_FOUND")
    assert len((await client.get("/api/auth/api-keys")).json()) == 1


async def test_the_first_account_claims_rows_made_before_accounts(
    make_settings: SettingsFactory,
) -> None:
    """Stories and ledger rows from before accounts existed go to the first admin."""
    async with open_client(make_settings(), email=None) as client:
        async with client.runtime.sessions() as session:
            story = Story(
                primary_character="Old",
                secondary_character="Timer",
                content="From before.",
                framework="langchain",
                model="m",
                provider="p",
                generation_time_ms=1.0,
                input_tokens=1,
                output_tokens=1,
                total_tokens=2,
                estimated_cost_usd=Decimal(0),
                transaction_guid=str(uuid.uuid4()),
            )
            session.add(story)
            await session.flush()
            session.add(
                LLMCall(
                    story_id=story.id,
                    transaction_guid=story.transaction_guid,
                    operation="story_generation",
                    framework="langchain",
                    provider="p",
                    model="m",
                    attempt=1,
                    status="ok",
                    cost_usd=Decimal("0.01"),
                    price_source="override",
                    latency_ms=1.0,
                )
            )
            await session.commit()
        admin = bearer(await sign_up(client, "first@example.com"))
        later = bearer(await sign_up(client, "second@example.com"))
        assert (await client.get("/api/stories", headers=admin)).json()["total"] == 1
        spend = (await client.get("/api/cost/usage", headers=admin)).json()["summary"]
        assert Decimal(spend["total_cost_exact"]) == Decimal("0.01")
        assert (await client.get("/api/stories", headers=later)).json()["total"] == 0
