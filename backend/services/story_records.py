"""A story row as every path that writes one starts it (a generation, a cache hit): its owner,
framework and brief, the request it answers, and the comparison it belongs to."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from backend.core.context import current_request_id, current_transaction_guid
from backend.core.names import FrameworkName
from backend.frameworks.stories.base import StoryBrief
from backend.models import Story


def new_story(
    owner_id: int,
    framework: FrameworkName,
    brief: StoryBrief,
    comparison_id: str | None,
    **figures: Any,
) -> Story:
    """`figures`: the text, model, provider, timings, tokens and cost of this answer."""
    return Story(
        user_id=owner_id,
        framework=framework.value,
        **asdict(brief),
        request_id=current_request_id(),
        transaction_guid=current_transaction_guid(),
        comparison_id=comparison_id,
        **figures,
    )
