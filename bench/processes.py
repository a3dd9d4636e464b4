"""Child processes for the benchmarks: each measured party runs in its own interpreter, so
one's work never shares a GIL with another's measurement."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def process(
    args: list[str], env: dict[str, str], ready_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    errors = tempfile.TemporaryFile()  # noqa: SIM115 (a file, not a pipe that could fill up)
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(ready_url, timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    told = errors.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"{args[2]} did not start: {told}") from None
                time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        errors.close()


@contextmanager
def test_provider(port: int, env: dict[str, str]) -> Iterator[str]:
    """The project's test provider on `port`; yields its OpenAI-compatible base URL."""
    root = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "backend.testprovider", "--port", str(port)]
    with process(command, env, f"{root}/v1/models"):
        yield f"{root}/v1"
