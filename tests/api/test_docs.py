"""The API docs page works without the internet: every asset it loads is served by the app."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from tests.utils.app import AppClient


async def test_docs_page_loads_only_same_origin_assets(client: AppClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert len(scripts) >= 2  # Swagger UI itself and its start-up script
    assert styles
    assert "<script>" not in page.text  # nothing inline: the CSP allows only 'self'

    for reference in references:
        url = urljoin("http://testserver/docs", reference)
        assert urlsplit(url).netloc == "testserver", reference
        asset = await client.get(url)
        assert asset.status_code == 200, reference
    for reference in scripts:
        asset = await client.get(urljoin("http://testserver/docs", reference))
        assert "javascript" in asset.headers["content-type"], reference
    for reference in styles:
        asset = await client.get(urljoin("http://testserver/docs", reference))
        assert asset.headers["content-type"].startswith("text/css"), reference

    start_up = await client.get(urljoin("http://testserver/docs", scripts[-1]))
    assert '"/openapi.json"' in start_up.text
    assert (await client.get("/openapi.json")).status_code == 200


async def test_docs_csp_names_no_external_host_and_allows_no_inline_script(
    client: AppClient,
) -> None:
    for path in ("/docs", "/docs-assets/swagger-ui-bundle.js"):
        csp = (await client.get(path)).headers["content-security-policy"]
        assert "http" not in csp, csp  # no scheme, so no other host
        directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["connect-src"] == "'self'"


async def test_redoc_is_not_offered_half_broken(client: AppClient) -> None:
    assert (await client.get("/redoc")).status_code == 404
