"""Names the whole platform shares: which orchestration framework ran a task, and which use
case a ledger row belongs to.

In the core, not beside the frameworks, because schemas, routes, services and the MCP server
all name a framework without needing any framework's code.
"""

from __future__ import annotations

from enum import StrEnum


class FrameworkName(StrEnum):
    SEMANTIC_KERNEL = "semantic_kernel"
    LANGCHAIN = "langchain"
    LANGGRAPH = "langgraph"


class Operation(StrEnum):
    """The use case a provider call served (the ledger's `operation`)."""

    STORY = "story_generation"
    COMPARISON = "comparison"  # a story written as one of a comparison's three
    CHAT = "chat"
    DOCUMENT_RUN = "document_run"
    JUDGE = "judge"  # a judge model scoring a comparison's stories
    EVALUATION = "evaluation"  # a story written as one item of an evaluation run


class StoryOrigin(StrEnum):
    """Where a story came from (History's filter)."""

    WRITTEN = "written"  # asked for: a story, a comparison, an MCP tool, a cache hit
    EVALUATION = "evaluation"  # written as an item of an evaluation run


class RunStatus(StrEnum):
    """An evaluation run's state. `planned` waits for its cost to be confirmed; `stopped`
    ended early (a budget, or every framework failing) and can be resumed like `cancelled`."""

    PLANNED = "planned"
    QUEUED = "queued"
    RUNNING = "running"
    CANCELLED = "cancelled"
    STOPPED = "stopped"
    DONE = "done"


class ItemStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# What a judge scores each story on (1 to 5, with a reason); the rubric says what each means.
JUDGE_CRITERIA = ("adherence", "coherence", "creativity", "length_fit")
