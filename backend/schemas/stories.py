"""Story generation and history shapes (field names follow the API contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from backend.core.names import FrameworkName
from backend.models import Story
from backend.schemas.common import NO_NUL, NOT_BLANK, StrictModel, clean_text, spend_fields

StoryLength = Literal["short", "medium", "long"]


class StoryBriefFields(StrictModel):
    """What a story is about: the brief, as a request and as an evaluation run's row."""

    primary_character: str = Field(
        min_length=1, max_length=100, pattern=NOT_BLANK, examples=["Alice"]
    )
    secondary_character: str = Field(
        min_length=1, max_length=100, pattern=NOT_BLANK, examples=["Bob"]
    )
    genre: str | None = Field(default=None, max_length=50, pattern=NO_NUL, examples=["mystery"])
    length: StoryLength | None = Field(default=None, examples=["short"])

    @field_validator("primary_character", "secondary_character")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        cleaned = clean_text(value)
        if not cleaned:
            raise ValueError("must contain text other than markup")
        return cleaned

    @field_validator("genre")
    @classmethod
    def _clean_genre(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return clean_text(value) or None


class StoryRequest(StoryBriefFields):
    cache: StrictBool | None = Field(
        default=None,
        description="answer with the story an identical earlier request got, if it is still "
        "cached (no provider call, $0), and cache this one otherwise; default: the server's "
        "RESPONSE_CACHE_DEFAULT (off)",
    )


class LedgerCallOut(BaseModel):
    """One provider call behind a story."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    step: str | None
    attempt: int
    status: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    tokens_estimated: bool
    cost_usd: float
    latency_ms: float
    cached_from_guid: str | None = Field(
        default=None, description="status `cached`: the transaction this answer repeats"
    )


class StoryFields(BaseModel):
    id: int
    primary_character: str
    secondary_character: str
    combined_characters: str
    genre: str | None
    length: str | None
    story: str
    method: FrameworkName
    generation_time_ms: float
    model_time_ms: float | None = Field(
        description="the provider's own time (the sum of the story's ledger rows' latencies); "
        "the rest of generation_time_ms was waiting (e.g. queued behind other stories)",
    )
    input_tokens: int
    output_tokens: int
    total_tokens: int
    estimated_cost_usd: float = Field(description="US dollars; the sum of the story's ledger rows")
    provider: str
    model: str
    created_at: datetime
    transaction_guid: str
    comparison_id: str | None = None
    cached: bool = Field(
        default=False, description="answered from the response cache: no provider call, $0"
    )
    cached_from_guid: str | None = Field(
        default=None, description="when cached: the transaction whose story this repeats"
    )


class StoryResponse(StoryFields):
    """A newly generated story, as returned by POST /api/{framework}."""

    request_id: str | None
    calls: list[LedgerCallOut]


class StoryDetail(StoryResponse):
    pass


class StoryListResponse(BaseModel):
    stories: list[StoryFields]
    total: int
    skip: int
    limit: int


class DeleteStoriesResponse(BaseModel):
    message: str
    deleted_count: int


def story_fields(story: Story) -> dict[str, object]:
    """Map a stored story onto the contract's field names."""
    return {
        "id": story.id,
        "primary_character": story.primary_character,
        "secondary_character": story.secondary_character,
        "combined_characters": f"{story.primary_character} and {story.secondary_character}",
        "genre": story.genre,
        "length": story.length,
        "story": story.content,
        "method": story.framework,
        "generation_time_ms": story.generation_time_ms,
        "model_time_ms": story.model_time_ms,
        **spend_fields(story),
        "provider": story.provider,
        "model": story.model,
        "created_at": story.created_at,
        "comparison_id": story.comparison_id,
        "cached": story.cached_from_guid is not None,
        "cached_from_guid": story.cached_from_guid,
    }


def story_response(story: Story) -> StoryResponse:
    """A story with its ledger rows (they must be loaded)."""
    return StoryResponse.model_validate(
        {
            **story_fields(story),
            "request_id": story.request_id,
            "calls": [LedgerCallOut.model_validate(call) for call in story.calls],
        }
    )
