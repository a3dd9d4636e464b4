"""The real app in process (its lifespan run, requests through ASGI), and accounts on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from backend.core.config import Settings
from backend.main import create_app
from backend.runtime import Runtime

SettingsFactory = Callable[..., Settings]

PASSWORD = "correct horse battery staple 42"
OWNER_EMAIL = "owner@example.com"


class AppClient(httpx.AsyncClient):
    app: FastAPI

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime


async def sign_up(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Register an account and return its access token."""
    response = await client.post("/api/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def open_client(
    settings: Settings, *, email: str | None = OWNER_EMAIL
) -> AsyncIterator[AppClient]:
    """The real app with its lifespan; signed in as a new account unless `email` is None."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        client = AppClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        client.app = app
        async with client:
            if email is not None:
                client.headers.update(bearer(await sign_up(client, email)))
            yield client
