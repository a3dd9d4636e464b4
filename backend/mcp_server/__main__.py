"""`python -m backend.mcp_server`: the MCP server over stdio (for desktop clients; the API key
comes from FASTAPILLM_API_KEY) or, with `--http`, over streamable HTTP on MCP_HOST:MCP_PORT
(127.0.0.1:9999; each request brings `Authorization: Bearer fapi_...`). Over stdio nothing but
the protocol is written to stdout: logs go to stderr."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pydantic import ValidationError

# Desktop clients start servers in a directory of their own choosing (some ignore a configured
# `cwd`, some use `/`), so the server works from the project, as `make run` does: `.env` and
# relative paths such as the default `./data` database mean the same as for the web app.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.mcp_server")
    parser.add_argument("--http", action="store_true", help="serve streamable HTTP, not stdio")
    args = parser.parse_args(argv)
    os.chdir(PROJECT_ROOT)

    from backend.core.config import get_settings
    from backend.core.logging import configure_logging
    from backend.mcp_server.auth import API_KEY_ENV

    try:
        settings = get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]).upper() or "settings"
        print(f"fastapillm-mcp: invalid setting {field}: {first['msg']}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format, to_stderr=True)

    from backend.db.migrate import upgrade_to_head
    from backend.mcp_server.server import build_server

    upgrade_to_head(settings.database_url)
    if args.http:
        server = build_server(settings)
        print(
            f"fastapillm-mcp: streamable HTTP on http://{settings.mcp_host}:{settings.mcp_port}/mcp",
            file=sys.stderr,
        )
        server.run(
            transport="http", host=settings.mcp_host, port=settings.mcp_port, show_banner=False
        )
        return 0
    key = os.environ.get(API_KEY_ENV, "").strip()
    if not key:
        print(f"fastapillm-mcp: set {API_KEY_ENV} to one of your API keys", file=sys.stderr)
        return 2
    build_server(settings, stdio_key=key).run(transport="stdio", show_banner=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
