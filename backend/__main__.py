"""`python -m backend`: start the platform (HOST and PORT override 127.0.0.1:8000)."""

from __future__ import annotations

import os
import sys

from pydantic import ValidationError


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
    from backend.main import create_app
    from backend.runtime import preflight

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
    print(f"fastapillm: starting on http://{host}:{port}", file=sys.stderr)
    uvicorn.run(
        create_app(), host=host, port=port, log_config=None, access_log=False, proxy_headers=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
