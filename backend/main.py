"""create_app(): settings, logging, middleware, routers and the built web app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.routing import APIRoute

from backend.api import sse
from backend.api.armour import BodyLimitMiddleware, SecurityHeadersMiddleware
from backend.api.errors import UnhandledErrorMiddleware, install_error_handlers
from backend.api.middleware import HttpMetricsMiddleware, RequestContextMiddleware
from backend.api.routes import (
    admin,
    auth,
    chat,
    comparisons,
    cost,
    docs,
    documents,
    evaluations,
    generate,
    ledger,
    logs,
    spa,
    stories,
    streaming,
    system,
)
from backend.api.routes import metrics as metrics_route
from backend.core.config import Settings, get_settings
from backend.core.logging import configure_logging
from backend.core.metrics import Metrics
from backend.core.version import VERSION
from backend.runtime import Runtime

# In the order the OpenAPI document lists them.
ROUTERS = (
    system.router,
    metrics_route.router,
    auth.router,
    auth.account,
    admin.router,
    logs.router,
    generate.router,
    streaming.router,
    comparisons.router,
    chat.router,
    documents.router,
    evaluations.router,
    stories.router,
    cost.router,
    ledger.router,
    ledger.links,
)


def operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    metrics = Metrics() if settings.metrics_enabled else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await Runtime.start(settings, metrics)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="FASTAPILLM",
        version=VERSION,
        description=(
            "Run one creative task through Semantic Kernel, LangChain and LangGraph against any "
            "OpenAI-compatible model, and compare latency, tokens and cost."
        ),
        lifespan=lifespan,
        # A route's operationId (the generated client's function name) is its function's name.
        generate_unique_id_function=operation_id,
        # served from the app itself (routes/docs.py), not from a CDN
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    # Starlette runs the last-added middleware first: ids, then headers, then the body limit;
    # innermost, just outside the router, unexpected errors become a 500 that still passes
    # through all of them.
    app.add_middleware(UnhandledErrorMiddleware)
    # Level 5, not Starlette's 9: a gzipped CSV export of a million rows streams about twice
    # as fast for a file 3% larger (bench/cost_report.py).
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "X-Transaction-GUID", "Retry-After"],
        )
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_request_bytes,
        # multipart framing adds a little to the file itself
        path_limits={documents.UPLOAD_PATH: settings.max_upload_bytes + 65_536},
    )
    app.add_middleware(SecurityHeadersMiddleware)
    if metrics is not None:
        app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestContextMiddleware)
    for router in ROUTERS:
        app.include_router(router)
    sse.document_streams(app)
    docs.mount_docs(app)
    if settings.serve_frontend:
        spa.mount_spa(app, settings.frontend_dist)
    return app
