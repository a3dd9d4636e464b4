"""`python -m backend`: start the platform (HOST and PORT override 127.0.0.1:8000)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
    from backend.core.config import Settings


def main() -> int:
    from backend.core.config import get_settings

    try:
        get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]).upper() or "settings"
        print(f"fastapillm: invalid setting {field}: {first['msg']}", file=sys.stderr)
        return 2
    import uvicorn
    from sqlalchemy.engine import make_url

    from backend.core.errors import ConfigurationError
    from backend.db.migrate import upgrade_to_head
    from backend.from_settings import preflight
    from backend.main import create_app

    host = os.environ.get("HOST", "127.0.0.1")
    try:
        port = int(os.environ.get("PORT", "8000"))
    except ValueError:
        print("fastapillm: invalid setting PORT: not a number", file=sys.stderr)
        return 2
    try:
        preflight(get_settings())
    except ConfigurationError as exc:
        print(f"fastapillm: {exc}", file=sys.stderr)
        return 2
    try:
        upgrade_to_head(get_settings().database_url)
    except Exception as exc:  # any failure here is a setting or an outage, told in one line
        where = make_url(get_settings().database_url).render_as_string(hide_password=True)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        print(f"fastapillm: the database at {where} cannot be used: {reason}", file=sys.stderr)
        return 2
    settings = get_settings()
    workers = settings.workers
    print(
        f"fastapillm: starting on http://{host}:{port}"
        + (f" with {workers} worker processes" if workers > 1 else ""),
        file=sys.stderr,
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": None,
        "access_log": False,
        "proxy_headers": True,
    }
    if workers == 1:
        uvicorn.run(create_app(), **options)
        return 0
    with embedded_model_for_workers(settings):
        # each worker builds its own app from the same environment
        uvicorn.run("backend.main:create_app", factory=True, workers=workers, **options)
    return 0


@contextmanager
def embedded_model_for_workers(settings: Settings) -> Iterator[None]:
    """Start the embedded model once, here, and tell the workers where it runs: one model in
    memory, not one per worker."""
    if not settings.uses_embedded_model or settings.embedded_model_url:
        yield
        return
    from backend.llm.embedded import EmbeddedModelServer

    server = EmbeddedModelServer(
        port=settings.embedded_model_port,
        threads=settings.embedded_model_threads,
        context=settings.embedded_model_context,
    )
    runner = asyncio.Runner()
    runner.run(server.start(settings.embedded_model_start_timeout_seconds))
    os.environ["EMBEDDED_MODEL_URL"] = server.base_url
    try:
        yield
    finally:
        runner.run(server.stop())
        runner.close()


if __name__ == "__main__":
    sys.exit(main())
