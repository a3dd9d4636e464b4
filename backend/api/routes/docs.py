"""The interactive API docs (/docs), served entirely by the app: FastAPI's default page loads
Swagger UI from a CDN and is blank without the internet. Swagger UI's files come from the
`swagger-ui-bundle-v2` package; the page runs no inline script, so its CSP allows only 'self'.
ReDoc has no packaged copy here, so /redoc is not offered rather than served half-broken."""

from __future__ import annotations

import json

from fastapi import FastAPI, Response
from fastapi.openapi.docs import swagger_ui_default_parameters
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs-assets"
INIT_PATH = "/docs-assets/init.js"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - API docs</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{init}"></script>
</body>
</html>
"""

_INIT = """window.ui = SwaggerUIBundle(Object.assign({parameters}, {{
  url: {openapi_url},
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
}}));
"""


def mount_docs(app: FastAPI) -> None:
    """Serve /docs and its assets. Create the app with docs_url=None and redoc_url=None."""
    openapi_url = app.openapi_url or "/openapi.json"
    page = _PAGE.format(title=app.title, assets=ASSETS_PATH, init=INIT_PATH)
    init = _INIT.format(
        parameters=json.dumps(swagger_ui_default_parameters), openapi_url=json.dumps(openapi_url)
    )

    async def docs() -> HTMLResponse:
        return HTMLResponse(page)

    async def docs_init() -> Response:
        return Response(init, media_type="text/javascript")

    # The route before the mount: the mount would otherwise answer 404 for init.js.
    app.add_api_route(INIT_PATH, docs_init, methods=["GET"], include_in_schema=False)
    app.add_api_route(DOCS_PATH, docs, methods=["GET"], include_in_schema=False)
    app.mount(ASSETS_PATH, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
