"""`python -m backend.openapi [PATH]`: write the OpenAPI document the web client is generated
from (to stdout without PATH). Built without starting the runtime: no model, no database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from backend.core.config import Settings
from backend.main import create_app


def openapi_document() -> dict[str, Any]:
    app = create_app(Settings(_env_file=None, serve_frontend=False))
    return app.openapi()


def render() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    text = render()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
