"""GET /metrics: Prometheus's text format, for a scraper holding METRICS_TOKEN. Not in the
OpenAPI document (it is not part of the product's API) and never public: a 404 when metrics
are off, a 401 without the token."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from backend.api.deps import RuntimeDep
from backend.core.errors import AuthenticationError, NotFoundError

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    settings = runtime.settings
    if runtime.metrics is None or settings.metrics_token is None:
        raise NotFoundError("Metrics are off (METRICS_ENABLED).")
    sent = request.headers.get("authorization", "")
    expected = f"Bearer {settings.metrics_token.get_secret_value()}"
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise AuthenticationError("The metrics need the scraper's token.")
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
