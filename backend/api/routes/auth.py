"""Sign-up, sign-in, refresh, sign-out, the caller's account, and personal API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response, status

from backend.api.deps import (
    ANONYMOUS_LIMIT,
    GENERAL_LIMIT,
    SIGNUP_LIMIT,
    CurrentPrincipal,
    RuntimeDep,
    SessionDep,
    client_ip,
)
from backend.api.params import IdPath
from backend.api.responses import errors
from backend.schemas.auth import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    Credentials,
    PasswordChange,
    Registration,
    RegistrationOptions,
    TokenResponse,
    UserOut,
)
from backend.services import api_keys
from backend.services.accounts import IssuedTokens
from backend.services.users import get_user

router = APIRouter(prefix="/api/auth", tags=["auth"])
# The signed-in caller's own account: under the general limit like the rest of the API.
account = APIRouter(
    prefix="/api/auth", tags=["auth"], dependencies=GENERAL_LIMIT, responses=errors(401, 429)
)

REFRESH_COOKIE = "fastapillm_refresh"
COOKIE_PATH = "/api/auth"


def _with_refresh_cookie(
    request: Request, response: Response, tokens: IssuedTokens
) -> TokenResponse:
    """The refresh secret lives only in an HttpOnly, SameSite=Strict cookie that is sent
    nowhere but /api/auth: scripts cannot read it and other sites cannot send it."""
    max_age = int((tokens.refresh_expires_at - tokens.expires_at).total_seconds())
    response.set_cookie(
        REFRESH_COOKIE,
        tokens.refresh_cookie,
        max_age=max(max_age, 60),
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return TokenResponse(access_token=tokens.access_token, expires_at=tokens.expires_at)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 409, 422, 429),
    dependencies=SIGNUP_LIMIT,
)
async def register(
    body: Registration,
    request: Request,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
) -> TokenResponse:
    """Create an account and sign in. The first account becomes the administrator. At most
    RATE_LIMIT_SIGNUPS_PER_IP accounts per address; with REGISTRATION=closed only the first
    account may sign up (403 for the rest), with REGISTRATION=invite the rest need an unused
    `invite_code` (403 without one)."""
    _, tokens = await runtime.accounts.register(
        session, body.email, body.password, body.invite_code
    )
    return _with_refresh_cookie(request, response, tokens)


@router.get(
    "/options",
    dependencies=ANONYMOUS_LIMIT,
    responses=errors(429),
)
async def get_registration_options(runtime: RuntimeDep) -> RegistrationOptions:
    """How sign-up works here, so a sign-up form can ask for an invite code."""
    return RegistrationOptions(registration=runtime.accounts.registration)


@router.post(
    "/login",
    responses=errors(401, 422, 429),
    dependencies=ANONYMOUS_LIMIT,
)
async def login(
    body: Credentials,
    request: Request,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
) -> TokenResponse:
    _, tokens = await runtime.accounts.login(session, body.email, body.password, client_ip(request))
    return _with_refresh_cookie(request, response, tokens)


@router.post(
    "/refresh",
    responses=errors(401, 429),
    dependencies=ANONYMOUS_LIMIT,
)
async def refresh_token(
    request: Request,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
    fastapillm_refresh: Annotated[str | None, Cookie(max_length=200)] = None,
) -> TokenResponse:
    """A new access token from the refresh cookie (which is rotated)."""
    tokens = await runtime.accounts.refresh(session, fastapillm_refresh)
    return _with_refresh_cookie(request, response, tokens)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401),
)
async def logout(principal: CurrentPrincipal, session: SessionDep, runtime: RuntimeDep) -> Response:
    """End this session: its access and refresh tokens stop working at once."""
    await runtime.accounts.logout(session, principal)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


@account.get("/me")
async def get_me(principal: CurrentPrincipal, session: SessionDep) -> UserOut:
    return UserOut.model_validate(await get_user(session, principal.user_id))


@account.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(422),
)
async def change_password(
    body: PasswordChange, principal: CurrentPrincipal, session: SessionDep, runtime: RuntimeDep
) -> None:
    """Other sessions are signed out; this one stays signed in."""
    await runtime.accounts.change_password(
        session, principal, body.current_password, body.new_password
    )


@account.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    responses=errors(409, 422),
)
async def create_api_key(
    body: ApiKeyCreate, principal: CurrentPrincipal, session: SessionDep
) -> ApiKeyCreated:
    """The key is in this response only: it is stored hashed."""
    api_key, key = await api_keys.create_api_key(session, principal.user_id, body.name)
    return ApiKeyCreated.model_validate(
        {**ApiKeyOut.model_validate(api_key).model_dump(), "key": key}
    )


@account.get("/api-keys")
async def list_api_keys(principal: CurrentPrincipal, session: SessionDep) -> list[ApiKeyOut]:
    keys = await api_keys.list_api_keys(session, principal.user_id)
    return [ApiKeyOut.model_validate(key) for key in keys]


@account.delete(
    "/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(404, 422),
)
async def revoke_api_key(
    key_id: IdPath,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> None:
    await api_keys.revoke_api_key(session, principal.user_id, key_id)
