"""Who an MCP call is from: the platform's own API keys (`fapi_...`), over HTTP as a bearer
token and over stdio from the environment (FASTAPILLM_API_KEY). Every tool call is checked
again, so a revoked key or a disabled account stops working at once."""

from __future__ import annotations

from fastmcp.server.auth import AccessToken, TokenVerifier
from fastmcp.server.dependencies import get_access_token

from backend.core.errors import AppError, AuthenticationError
from backend.core.security import looks_like_api_key
from backend.runtime import Runtime
from backend.services.accounts import Principal

API_KEY_ENV = "FASTAPILLM_API_KEY"


class RuntimeHolder:
    """The runtime the server's lifespan starts; the verifier exists before it does."""

    runtime: Runtime | None = None

    def get(self) -> Runtime:
        if self.runtime is None:
            raise RuntimeError("the MCP server has not started")
        return self.runtime


async def principal_for(runtime: Runtime, key: str | None) -> Principal:
    """The account behind an API key; only API keys (never browser tokens) are accepted."""
    if not key or not looks_like_api_key(key):
        raise AuthenticationError("An API key (fapi_...) is required.")
    async with runtime.sessions() as session:
        principal = await runtime.accounts.authenticate(session, key)
        await session.commit()  # the key's last use
    return principal


class ApiKeyVerifier(TokenVerifier):
    """HTTP: a request without a valid key is answered 401 before any tool runs."""

    def __init__(self, holder: RuntimeHolder) -> None:
        super().__init__()
        self._holder = holder

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            principal = await principal_for(self._holder.get(), token)
        except AppError:
            return None
        return AccessToken(token=token, client_id=f"user:{principal.user_id}", scopes=[])


def request_key(stdio_key: str | None) -> str | None:
    """The key of the current call: the bearer token over HTTP, else the stdio key."""
    access = get_access_token()
    return access.token if access is not None else stdio_key
