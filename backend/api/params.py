"""Query parameter types shared by routes, so a rule on free text is stated once, in the
OpenAPI document too: PostgreSQL cannot compare text holding a NUL (it answers an error, which
would be a 500), so such a query is a 422 before anything runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from backend.schemas.common import NO_NUL

MAX_SEARCH_CHARS = 200

# Optional free text to search for, e.g. GET /api/chat/conversations?q=...
SearchText = Annotated[
    str | None,
    Query(max_length=MAX_SEARCH_CHARS, pattern=NO_NUL, description="search titles and messages"),
]

# A character's name (or part of one) to search stories for.
CharacterQuery = Annotated[str, Query(min_length=1, max_length=100, pattern=NO_NUL)]
