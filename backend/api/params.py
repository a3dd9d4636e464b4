"""Parameter types shared by routes, so each rule is stated once, in the OpenAPI document too:
database ids in paths (larger than the keys hold is a 422, not a 500), list paging (each list
keeps its own default page size at its route), and free text (PostgreSQL cannot compare text
holding a NUL: it answers an error, which would be a 500, so such a query is a 422 before
anything runs)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path, Query

from backend.core.names import StoryOrigin
from backend.schemas.common import MAX_DB_ID, NO_NUL

MAX_SEARCH_CHARS = 200

IdPath = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
Skip = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=100)]

# Optional free text to search for, e.g. GET /api/chat/conversations?q=...
SearchText = Annotated[
    str | None,
    Query(max_length=MAX_SEARCH_CHARS, pattern=NO_NUL, description="search titles and messages"),
]

# A character's name (or part of one) to search stories for.
CharacterQuery = Annotated[str, Query(min_length=1, max_length=100, pattern=NO_NUL)]
OriginQuery = Annotated[
    StoryOrigin | None,
    Query(description="`evaluation`: only stories evaluation runs wrote; `written`: the others"),
]

# A comparison's id (a UUID the server minted), in any case: it is kept in lower case.
ComparisonId = Annotated[uuid.UUID, Path()]
