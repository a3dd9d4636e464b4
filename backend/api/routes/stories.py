"""Story history: list, read, search by character, delete all."""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import GENERAL_LIMIT, CurrentPrincipal, SessionDep, StoryServiceDep
from backend.api.params import CharacterQuery, IdPath, Limit, OriginQuery, Skip
from backend.api.responses import errors
from backend.core.names import FrameworkName
from backend.schemas.stories import (
    DeleteStoriesResponse,
    StoryDetail,
    StoryFields,
    StoryListResponse,
    story_fields,
    story_response,
)

router = APIRouter(
    prefix="/api/stories",
    tags=["stories"],
    dependencies=GENERAL_LIMIT,
    responses=errors(401, 429),
)


@router.get(
    "", response_model=StoryListResponse, responses=errors(422), operation_id="list_stories"
)
async def list_stories(
    principal: CurrentPrincipal,
    session: SessionDep,
    stories: StoryServiceDep,
    skip: Skip = 0,
    limit: Limit = 10,
    framework: FrameworkName | None = None,
    origin: OriginQuery = None,
) -> StoryListResponse:
    """Newest first, optionally for one framework, or only the stories an evaluation run wrote
    (`origin=evaluation`) or only the others (`origin=written`)."""
    rows, total = await stories.list_page(
        session, principal.user_id, skip=skip, limit=limit, framework=framework, origin=origin
    )
    return StoryListResponse(
        stories=[StoryFields.model_validate(story_fields(row)) for row in rows],
        total=total,
        skip=skip,
        limit=limit,
    )


@router.get(
    "/search/characters",
    responses=errors(422),
)
async def search_stories_by_character(
    principal: CurrentPrincipal,
    session: SessionDep,
    stories: StoryServiceDep,
    character: CharacterQuery,
    limit: Limit = 50,
    origin: OriginQuery = None,
) -> list[StoryFields]:
    """An array of the stories whose primary or secondary character contains the text
    (case-insensitive, newest first), as the API contract specifies; `origin` as in the list."""
    rows = await stories.search_characters(
        session, principal.user_id, character.strip(), limit=limit, origin=origin
    )
    return [StoryFields.model_validate(story_fields(row)) for row in rows]


@router.get(
    "/{story_id}",
    responses=errors(404, 422),
)
async def get_story(
    principal: CurrentPrincipal,
    session: SessionDep,
    stories: StoryServiceDep,
    story_id: IdPath,
) -> StoryDetail:
    story = await stories.get(session, principal.user_id, story_id)
    return StoryDetail.model_validate(story_response(story).model_dump())


@router.delete("")
async def delete_all_stories(
    principal: CurrentPrincipal, session: SessionDep, stories: StoryServiceDep
) -> DeleteStoriesResponse:
    """Delete all of the caller's stories. Their ledger rows stay: the spend happened."""
    deleted = await stories.delete_all(session, principal.user_id)
    return DeleteStoriesResponse(message="All stories deleted successfully", deleted_count=deleted)
