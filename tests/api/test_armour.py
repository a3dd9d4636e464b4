"""Rate limits, body limits, security headers, CORS, and what never reaches a response or log."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from pydantic import ValidationError

from backend.core.config import Settings
from tests.utils.app import PASSWORD, AppClient, SettingsFactory, bearer, open_client, sign_up
from tests.utils.errors import assert_error_shape
from tests.utils.provider import ProviderControl
from tests.utils.stories import generate

REDIS_URL = os.environ.get("TEST_REDIS_URL")
RATE_LIMIT_STORES = ["memory"] + (["redis"] if REDIS_URL else [])


def _limits(store: str, **values: object) -> dict[str, object]:
    values.update(rate_limit_key_prefix=f"test-{uuid.uuid4().hex[:8]}")
    if store == "redis":
        values["redis_url"] = REDIS_URL
    return values


@pytest.mark.parametrize("store", RATE_LIMIT_STORES)
async def test_generation_budget_is_per_user_with_retry_after(
    make_settings: SettingsFactory, store: str
) -> None:
    settings = make_settings(**_limits(store, rate_limit_generation="2/minute"))
    async with open_client(settings) as client:
        assert client.runtime.rate_limits.backend == store
        for _ in range(2):
            assert (await generate(client, "langchain")).status_code == 200
        limited = await generate(client, "langchain")
        error = assert_error_shape(limited, 429, "RATE_LIMITED")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert "generation" in error["message"]
        # Reading is a separate budget, and another user has their own generation budget.
        assert (await client.get("/api/stories")).status_code == 200
        other = bearer(await sign_up(client, "other@example.com"))
        assert (await generate(client, "langchain", headers=other)).status_code == 200


@pytest.mark.parametrize("store", RATE_LIMIT_STORES)
async def test_general_budget_and_health_is_exempt(
    make_settings: SettingsFactory, store: str
) -> None:
    settings = make_settings(**_limits(store, rate_limit_general="3/minute"))
    async with open_client(settings) as client:  # sign-up spends one anonymous request
        statuses = [(await client.get("/api/stories")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        for _ in range(10):
            assert (await client.get("/health")).status_code == 200


async def test_replicas_share_budgets_through_redis(make_settings: SettingsFactory) -> None:
    if REDIS_URL is None:
        pytest.fail("TEST_REDIS_URL is not set")  # pragma: no cover - listed only with Redis
    settings = make_settings(**_limits("redis", rate_limit_generation="2/minute"))
    async with open_client(settings) as first:
        token = first.headers["authorization"]
        async with open_client(settings, email=None) as second:
            assert (await generate(first, "langchain")).status_code == 200
            assert (
                await generate(second, "langchain", headers={"Authorization": token})
            ).status_code == 200
            third = await generate(first, "langchain")
            assert_error_shape(third, 429, "RATE_LIMITED")


if REDIS_URL is None:  # only collected where a Redis server is given
    del test_replicas_share_budgets_through_redis


async def test_failed_sign_ins_are_throttled_per_account_and_per_ip(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(
        rate_limit_login_failures_per_account="3/15 minutes",
        rate_limit_login_failures_per_ip="5/15 minutes",
    )
    async with open_client(settings, email="ada@example.com") as client:
        wrong = {"email": "ada@example.com", "password": "wrong password"}
        statuses = [
            (await client.post("/api/auth/login", json=wrong)).status_code for _ in range(3)
        ]
        assert statuses == [401, 401, 401]
        right = {"email": "ada@example.com", "password": PASSWORD}
        blocked = await client.post("/api/auth/login", json=right)
        assert_error_shape(blocked, 429, "RATE_LIMITED")
        assert int(blocked.headers["retry-after"]) > 0
        # Other accounts from the same address: two more failures spend the IP budget.
        for email in ("b@example.com", "c@example.com"):
            await client.post("/api/auth/login", json={"email": email, "password": "x"})
        other = await client.post(
            "/api/auth/login", json={"email": "d@example.com", "password": "x"}
        )
        assert_error_shape(other, 429, "RATE_LIMITED")


@pytest.fixture
async def small_body_client(make_settings: SettingsFactory) -> AsyncIterator[AppClient]:
    async with open_client(make_settings(max_request_bytes=2048)) as client:
        yield client


async def test_oversized_bodies_get_413(small_body_client: AppClient) -> None:
    big = {"primary_character": "A", "secondary_character": "B", "genre": "x" * 4000}
    response = await small_body_client.post("/api/langchain", json=big)
    assert_error_shape(response, 413, "PAYLOAD_TOO_LARGE")

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"primary_character": "A", "secondary_character": "B", "genre": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    streamed = await small_body_client.post(
        "/api/langchain", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413, streamed.text
    assert streamed.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_security_headers_on_api_errors_and_app(client: AppClient) -> None:
    for response in (await client.get("/api/stories"), await client.get("/api/stories/99")):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["cache-control"] == "no-store"


async def test_cors_allows_only_configured_origins(make_settings: SettingsFactory) -> None:
    settings = make_settings(cors_origins="http://localhost:3001")
    async with open_client(settings) as client:
        preflight = {"Access-Control-Request-Method": "POST"}
        allowed = await client.options(
            "/api/langchain", headers={"Origin": "http://localhost:3001", **preflight}
        )
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:3001"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        denied = await client.options(
            "/api/langchain", headers={"Origin": "https://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in denied.headers
    with pytest.raises(ValidationError, match="cannot be used"):
        Settings(_env_file=None, cors_origins="*")


async def test_secrets_stay_out_of_responses_and_logs(
    make_settings: SettingsFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    async with open_client(make_settings(), email=None) as client:
        capfd.readouterr()
        registered = await client.post(
            "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
        )
        token = registered.json()["access_token"]
        key = (
            await client.post("/api/auth/api-keys", json={"name": "k"}, headers=bearer(token))
        ).json()["key"]
        await client.get("/api/stories", headers=bearer(key))
        bad = await client.post("/api/auth/register", json={"email": "x", "password": PASSWORD})
        logged = capfd.readouterr().out
        for secret in (PASSWORD, token, key, "sk-test-secret-key"):
            assert secret not in logged
        assert PASSWORD not in bad.text
        assert all(json.loads(line) for line in logged.splitlines() if line.startswith("{"))


async def test_sign_ups_are_limited_per_address(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    """One address cannot mint accounts (each a fresh set of budgets) without limit."""
    async with open_client(make_settings(rate_limit_signups_per_ip="3/hour"), email=None) as client:
        for number in range(3):
            await sign_up(client, f"user{number}@example.com")
        refused = await client.post(
            "/api/auth/register", json={"email": "user3@example.com", "password": PASSWORD}
        )
        assert_error_shape(refused, 429, "RATE_LIMITED")
        assert int(refused.headers["retry-after"]) > 0
        admin = await client.post(
            "/api/auth/login", json={"email": "user0@example.com", "password": PASSWORD}
        )
        users = await client.get("/api/admin/users", headers=bearer(admin.json()["access_token"]))
        assert users.json()["total"] == 3


async def test_closed_registration_admits_only_the_first_account(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    async with open_client(make_settings(registration="closed"), email=None) as client:
        admin = await sign_up(client, "admin@example.com")
        refused = await client.post(
            "/api/auth/register", json={"email": "late@example.com", "password": PASSWORD}
        )
        assert_error_shape(refused, 403, "FORBIDDEN")
        users = await client.get("/api/admin/users", headers=bearer(admin))
        assert [user["email"] for user in users.json()["users"]] == ["admin@example.com"]


async def test_invite_only_registration_admits_one_account_per_unused_code(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    async with open_client(make_settings(registration="invite"), email=None) as client:
        options = await client.get("/api/auth/options")
        assert options.json() == {"registration": "invite"}
        admin = bearer(await sign_up(client, "admin@example.com"))  # the first needs none
        account = {"email": "guest@example.com", "password": PASSWORD}
        refused = await client.post("/api/auth/register", json=account)
        assert assert_error_shape(refused, 403, "FORBIDDEN")["details"][0]["field"] == "invite_code"
        wrong = await client.post("/api/auth/register", json={**account, "invite_code": "inv_x"})
        assert_error_shape(wrong, 403, "FORBIDDEN")

        created = await client.post("/api/admin/invites", headers=admin)
        assert created.status_code == 201
        code = created.json()["code"]
        welcomed = await client.post("/api/auth/register", json={**account, "invite_code": code})
        assert welcomed.status_code == 201, welcomed.text
        again = await client.post(
            "/api/auth/register",
            json={"email": "second@example.com", "password": PASSWORD, "invite_code": code},
        )
        assert_error_shape(again, 403, "FORBIDDEN")

        invites = (await client.get("/api/admin/invites", headers=admin)).json()
        assert invites["total"] == 1
        assert invites["invites"][0]["used_by"] is not None
        assert "code" not in invites["invites"][0]  # only its hash is kept
        users = (await client.get("/api/admin/users", headers=admin)).json()["users"]
        assert [user["email"] for user in users] == ["admin@example.com", "guest@example.com"]
        guest = bearer(welcomed.json()["access_token"])
        assert_error_shape(await client.post("/api/admin/invites", headers=guest), 403, "FORBIDDEN")
