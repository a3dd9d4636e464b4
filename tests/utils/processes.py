"""The platform as real processes (`python -m backend` and friends) on local ports."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.utils.provider import TEST_MODEL

ROOT = Path(__file__).resolve().parents[2]


# Generous: two workers importing three frameworks on a loaded 2-core machine took over 60 s.
# The wait ends as soon as the server answers.
START_SECONDS = 180


def _wait_until_up(
    url: str, process: subprocess.Popen[bytes], seconds: float = START_SECONDS
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(
    args: list[str], env: dict[str, str], health_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    started = subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    try:
        _wait_until_up(health_url, started)
        yield started
    finally:
        if started.poll() is None:
            started.terminate()
            try:
                started.wait(timeout=10)
            except subprocess.TimeoutExpired:
                started.kill()
                started.wait()  # reaped, not left running to the garbage collector


def backend_env(database_url: str, provider_port: int, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PROVIDER_")}
    env.update(
        PORT=str(port),
        HOST="127.0.0.1",
        DATABASE_URL=database_url,
        PROVIDER_API_BASE_URL=f"http://127.0.0.1:{provider_port}/v1",
        PROVIDER_MODEL=TEST_MODEL,
        PROVIDER_NAME="test-provider",
        SERVE_FRONTEND="false",
        RATE_LIMIT_ENABLED="false",
        # As in make_settings: these tests are not about the machine's load.
        MAX_LOOP_LAG_MS="0",
        MAX_WAIT_BEFORE_PROVIDER_MS="0",
        LOG_LEVEL="WARNING",
    )
    return env
