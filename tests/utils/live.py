"""Run the real app under uvicorn on a free local port in a background thread: for what needs
a real socket (streaming, client disconnects, schema fuzzing)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from backend.core.config import Settings
from backend.main import create_app

# The app behind each live base URL, for tests that look inside it (its connection pool).
running_apps: dict[str, FastAPI] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def live_app(settings: Settings) -> Iterator[str]:
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous for a loaded machine; ends once it starts
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    running_apps[base] = app
    try:
        yield base
    finally:
        running_apps.pop(base, None)
        server.should_exit = True
        thread.join(timeout=15)


@asynccontextmanager
async def signed_in(base: str, email: str = "ada@example.com") -> AsyncIterator[httpx.AsyncClient]:
    """A client of the live app at `base`, signed up as a new account."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        registered = await client.post(
            "/api/auth/register",
            json={"email": email, "password": "correct horse battery staple 42"},
        )
        assert registered.status_code == 201, registered.text
        client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"
        yield client
