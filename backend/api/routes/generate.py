"""POST /api/semantic-kernel | /api/langchain | /api/langgraph: one story, one framework."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter

from backend.api.deps import GENERATION_LIMIT, CurrentPrincipal, StoryServiceDep
from backend.api.framework_routes import add_per_framework
from backend.api.responses import GENERATION
from backend.core.names import FrameworkName
from backend.frameworks.stories.base import StoryBrief
from backend.schemas.stories import StoryRequest, StoryResponse, story_response

router = APIRouter(prefix="/api", tags=["stories"])


def _endpoint(
    framework: FrameworkName,
) -> Callable[[StoryRequest, CurrentPrincipal, StoryServiceDep], Awaitable[StoryResponse]]:
    async def generate(
        body: StoryRequest, principal: CurrentPrincipal, stories: StoryServiceDep
    ) -> StoryResponse:
        story = await stories.generate(
            principal.user_id, framework, StoryBrief.of(body), cache=body.cache
        )
        return story_response(story)

    generate.__name__ = f"generate_story_{framework.value}"
    generate.__doc__ = f"Generate a story about two characters with {framework.value}."
    return generate


add_per_framework(
    router,
    _endpoint,
    operation_id="generate_story_{framework}",
    summary="Generate a story with {name}",
    response_model=StoryResponse,
    responses=GENERATION,
    dependencies=GENERATION_LIMIT,
)
