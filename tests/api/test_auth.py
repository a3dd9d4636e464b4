"""Accounts: registration, sign-in, refresh, sign-out, passwords, tokens, API keys, admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from backend.core.security import create_access_token
from tests.utils.app import PASSWORD, AppClient, SettingsFactory, bearer, open_client, sign_up
from tests.utils.errors import assert_error_shape
from tests.utils.stories import generate

# 64 bytes or more: the forged HS512 token below is signed with it too, and PyJWT warns
# (InsecureKeyLengthWarning) about shorter HS512 keys.
SIGNING_KEY = "test-signing-key-long-enough-for-hs512-too-0123456789abcdef012345"


@pytest.fixture
async def anon(make_settings: SettingsFactory) -> AsyncIterator[AppClient]:
    async with open_client(make_settings(secret_key=SIGNING_KEY), email=None) as client:
        yield client


async def test_first_account_is_admin_and_later_ones_are_not(anon: AppClient) -> None:
    first = await sign_up(anon, "First@Example.com")
    second = await sign_up(anon, "second@example.com")
    me_first = (await anon.get("/api/auth/me", headers=bearer(first))).json()
    me_second = (await anon.get("/api/auth/me", headers=bearer(second))).json()
    assert me_first["email"] == "first@example.com"
    assert me_first["is_admin"] is True
    assert me_second["is_admin"] is False


async def test_registration_answers_tokens_and_sets_a_safe_refresh_cookie(anon: AppClient) -> None:
    response = await anon.post(
        "/api/auth/register", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_at"}
    assert body["token_type"] == "bearer"
    cookie = response.headers["set-cookie"].lower()
    for attribute in ("httponly", "samesite=strict", "path=/api/auth"):
        assert attribute in cookie


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, 422, "email"),
        ({"email": "a@example.com", "password": "short"}, 422, "password"),
        ({"email": "a@example.com", "password": "password1234"}, 422, "password"),
        ({"email": "a@example.com", "password": "a@example.com1"}, 422, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "admin": True}, 422, "admin"),
    ],
)
async def test_bad_registrations_are_refused(
    anon: AppClient, payload: dict[str, object], status: int, field: str
) -> None:
    response = await anon.post("/api/auth/register", json=payload)
    error = assert_error_shape(response, status, "VALIDATION_ERROR")
    assert field in [detail["field"] for detail in error["details"]]
    assert PASSWORD not in response.text


async def test_duplicate_email_is_409_whatever_the_case(anon: AppClient) -> None:
    await sign_up(anon, "ada@example.com")
    response = await anon.post(
        "/api/auth/register", json={"email": "ADA@example.com", "password": PASSWORD}
    )
    assert_error_shape(response, 409, "CONFLICT")


async def test_login_and_failures_look_the_same(anon: AppClient) -> None:
    await sign_up(anon, "ada@example.com")
    ok = await anon.post("/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert ok.status_code == 200
    wrong = await anon.post("/api/auth/login", json={"email": "ada@example.com", "password": "x"})
    unknown = await anon.post("/api/auth/login", json={"email": "who@example.com", "password": "x"})
    for response in (wrong, unknown):
        error = assert_error_shape(response, 401, "UNAUTHORIZED")
        assert error["message"] == "Invalid email or password."


async def test_refresh_rotates_and_a_replayed_cookie_ends_the_session(anon: AppClient) -> None:
    await sign_up(anon, "ada@example.com")
    stolen = anon.cookies.get("fastapillm_refresh")
    assert stolen
    first = await anon.post("/api/auth/refresh")
    assert first.status_code == 200
    rotated = anon.cookies.get("fastapillm_refresh")
    assert rotated != stolen
    token = first.json()["access_token"]
    assert (await anon.get("/api/auth/me", headers=bearer(token))).status_code == 200

    anon.cookies.set("fastapillm_refresh", stolen, path="/api/auth")
    replay = await anon.post("/api/auth/refresh")
    assert_error_shape(replay, 401, "UNAUTHORIZED")
    # The whole session is gone: the rotated cookie and its access token stop working too.
    anon.cookies.set("fastapillm_refresh", rotated or "", path="/api/auth")
    assert (await anon.post("/api/auth/refresh")).status_code == 401
    assert (await anon.get("/api/auth/me", headers=bearer(token))).status_code == 401


async def test_logout_ends_access_and_refresh_at_once(anon: AppClient) -> None:
    token = await sign_up(anon, "ada@example.com")
    response = await anon.post("/api/auth/logout", headers=bearer(token))
    assert response.status_code == 204
    assert (await anon.get("/api/auth/me", headers=bearer(token))).status_code == 401
    assert (await anon.post("/api/auth/refresh")).status_code == 401


async def test_change_password_signs_out_other_sessions(anon: AppClient) -> None:
    here = await sign_up(anon, "ada@example.com")
    elsewhere = (
        await anon.post("/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    ).json()["access_token"]
    new_password = "a different horse staple 77"
    wrong = await anon.post(
        "/api/auth/password",
        headers=bearer(here),
        json={"current_password": "nope", "new_password": new_password},
    )
    assert_error_shape(wrong, 422, "VALIDATION_ERROR")
    weak = await anon.post(
        "/api/auth/password",
        headers=bearer(here),
        json={"current_password": PASSWORD, "new_password": "1234567890"},
    )
    assert_error_shape(weak, 422, "VALIDATION_ERROR")
    changed = await anon.post(
        "/api/auth/password",
        headers=bearer(here),
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert changed.status_code == 204
    assert (await anon.get("/api/auth/me", headers=bearer(here))).status_code == 200
    assert (await anon.get("/api/auth/me", headers=bearer(elsewhere))).status_code == 401
    old = await anon.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert old.status_code == 401
    new = {"email": "ada@example.com", "password": new_password}
    assert (await anon.post("/api/auth/login", json=new)).status_code == 200


def _forged(claims: dict[str, object], key: str = SIGNING_KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


async def test_bad_tokens_get_401(anon: AppClient) -> None:
    token = await sign_up(anon, "ada@example.com")
    good = jwt.decode(token, SIGNING_KEY, algorithms=["HS256"], issuer="fastapillm")
    header, payload, signature = token.split(".")
    tampered_payload = jwt.utils.base64url_encode(
        b'{"sub":"1","sid":"x","type":"access","iss":"fastapillm","iat":1,"exp":9999999999}'
    ).decode()
    expired, _ = create_access_token(
        user_id=good["sub"],
        session_id=good["sid"],
        key=SIGNING_KEY,
        lifetime=timedelta(minutes=15),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    cases = {
        "tampered signature": f"{header}.{payload}.{signature[:-4]}AAAA",
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "expired": expired,
        "alg none": jwt.encode(good, key="", algorithm="none"),
        "other algorithm": _forged(good, algorithm="HS512"),
        "other key": _forged(good, key="another-key-another-key-another-key-1234"),
        "garbage": "not.a.token",
    }
    for name, bad in cases.items():
        response = await anon.get("/api/stories", headers=bearer(bad))
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer"
    missing = await anon.get("/api/stories")
    assert_error_shape(missing, 401, "UNAUTHORIZED")
    basic = await anon.get("/api/stories", headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401


async def test_api_keys_work_like_tokens_until_revoked(anon: AppClient) -> None:
    token = await sign_up(anon, "ada@example.com")
    created = await anon.post("/api/auth/api-keys", headers=bearer(token), json={"name": "cli"})
    assert created.status_code == 201
    body = created.json()
    key = body["key"]
    assert key.startswith("fapi_")
    assert key.startswith(body["prefix"])
    listed = (await anon.get("/api/auth/api-keys", headers=bearer(token))).json()
    assert [(k["id"], k["name"], k["last_used_at"]) for k in listed] == [(body["id"], "cli", None)]
    assert "key" not in listed[0]

    generated = await generate(anon, "langchain", headers=bearer(key))
    assert generated.status_code == 200, generated.text
    listed = (await anon.get("/api/auth/api-keys", headers=bearer(token))).json()
    assert listed[0]["last_used_at"] is not None
    stories = (await anon.get("/api/stories", headers=bearer(token))).json()
    assert stories["total"] == 1  # the key acts as its owner

    revoked = await anon.delete(f"/api/auth/api-keys/{body['id']}", headers=bearer(token))
    assert revoked.status_code == 204
    assert (await anon.get("/api/stories", headers=bearer(key))).status_code == 401
    assert (await anon.get("/api/auth/api-keys", headers=bearer(token))).json() == []
    again = await anon.delete(f"/api/auth/api-keys/{body['id']}", headers=bearer(token))
    assert_error_shape(again, 404, "NOT_FOUND")


async def test_admin_disables_and_enables_a_user(anon: AppClient) -> None:
    admin = await sign_up(anon, "admin@example.com")
    user = await sign_up(anon, "user@example.com")
    user_key = (
        await anon.post("/api/auth/api-keys", headers=bearer(user), json={"name": "k"})
    ).json()["key"]
    user_id = (await anon.get("/api/auth/me", headers=bearer(user))).json()["id"]

    forbidden = await anon.get("/api/admin/users", headers=bearer(user))
    assert_error_shape(forbidden, 403, "FORBIDDEN")
    listed = (await anon.get("/api/admin/users", headers=bearer(admin))).json()
    assert [u["email"] for u in listed["users"]] == ["admin@example.com", "user@example.com"]

    disabled = await anon.post(f"/api/admin/users/{user_id}/disable", headers=bearer(admin))
    assert disabled.json()["is_active"] is False
    assert (await anon.get("/api/stories", headers=bearer(user))).status_code == 401
    assert (await anon.get("/api/stories", headers=bearer(user_key))).status_code == 401
    login = await anon.post(
        "/api/auth/login", json={"email": "user@example.com", "password": PASSWORD}
    )
    assert_error_shape(login, 401, "UNAUTHORIZED")

    await anon.post(f"/api/admin/users/{user_id}/enable", headers=bearer(admin))
    assert (await anon.get("/api/stories", headers=bearer(user_key))).status_code == 200
    self_disable = await anon.post("/api/admin/users/1/disable", headers=bearer(admin))
    assert_error_shape(self_disable, 409, "CONFLICT")
    unknown = await anon.post("/api/admin/users/999/disable", headers=bearer(admin))
    assert_error_shape(unknown, 404, "NOT_FOUND")


async def test_tokens_from_one_replica_work_on_another(make_settings: SettingsFactory) -> None:
    """No SECRET_KEY: the signing key is created once in the shared database."""
    settings = make_settings()
    async with open_client(settings, email="ada@example.com") as first:
        token = first.headers["authorization"]
        async with open_client(settings, email=None) as second:
            response = await second.get("/api/auth/me", headers={"Authorization": token})
            assert response.status_code == 200
            assert isinstance(second, httpx.AsyncClient)
