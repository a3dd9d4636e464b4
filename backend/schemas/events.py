"""What each server-sent event of a stream carries, so the OpenAPI document describes the
streams as exactly as the plain endpoints and the web client's types are generated from it.

On the wire each event is `event: <name>` and `data: <JSON>`; a stream's response schema is
the union of `{event, data}` messages below, `data` shown parsed. Which messages a stream sends:

- a story (`/api/{framework}/stream`): start, step, token, done (`story`), error;
- a comparison (`/api/compare`): the same for each framework, then `verdict` when it is
  judged, then `end`;
- a chat turn or regeneration: start, token, done (`chat`), error;
- a document run (`/api/context/execute/stream`): start, step, token, done (`execution`), error.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, RootModel

from backend.schemas.chat import ChatResponse
from backend.schemas.common import ErrorBody
from backend.schemas.documents import ExecutionResponse
from backend.schemas.judging import VerdictResponse
from backend.schemas.stories import StoryResponse


class StreamStart(BaseModel):
    """The first event: the request's ids, and what the stream is about."""

    transaction_guid: str
    request_id: str
    framework: str | None = None
    frameworks: list[str] | None = None  # a comparison
    comparison_id: str | None = None  # a comparison
    conversation_id: int | None = None  # a chat turn (None: a new conversation)
    judge: bool | None = None  # a comparison: whether a verdict will follow the stories


class StreamStep(BaseModel):
    """A step of the framework's work begins (a LangGraph node, a map-reduce part)."""

    framework: str | None = None
    step: str


class StreamToken(BaseModel):
    """A piece of the answer as the model writes it."""

    framework: str | None = None
    text: str


class StoryDone(BaseModel):
    framework: str | None = None
    story: StoryResponse


class ChatDone(BaseModel):
    framework: str | None = None
    chat: ChatResponse


class ExecutionDone(BaseModel):
    framework: str | None = None
    execution: ExecutionResponse


class StreamError(BaseModel):
    """The stream's work failed: the standard error shape, with the status a plain request
    would have answered."""

    framework: str | None = None
    status: int
    error: ErrorBody
    execution_id: int | None = None  # a failed document run is kept: its record


class ComparisonVerdictEvent(BaseModel):
    """The judge's verdict on the comparison's stories (`verdict`, whose status may be
    `failed`), or why there is none (`error` and `status`: a provider failure, a budget)."""

    comparison_id: str
    verdict: VerdictResponse | None = None
    status: int | None = None
    error: ErrorBody | None = None


class ComparisonEnd(BaseModel):
    """The last event of a comparison, after every framework's done or error."""

    comparison_id: str


class StartMessage(BaseModel):
    event: Literal["start"]
    data: StreamStart


class StepMessage(BaseModel):
    event: Literal["step"]
    data: StreamStep


class TokenMessage(BaseModel):
    event: Literal["token"]
    data: StreamToken


class StoryDoneMessage(BaseModel):
    event: Literal["done"]
    data: StoryDone


class ChatDoneMessage(BaseModel):
    event: Literal["done"]
    data: ChatDone


class ExecutionDoneMessage(BaseModel):
    event: Literal["done"]
    data: ExecutionDone


class ErrorMessage(BaseModel):
    event: Literal["error"]
    data: StreamError


class VerdictMessage(BaseModel):
    event: Literal["verdict"]
    data: ComparisonVerdictEvent


class EndMessage(BaseModel):
    event: Literal["end"]
    data: ComparisonEnd


class StoryStreamEvent(
    RootModel[
        Annotated[
            StartMessage | StepMessage | TokenMessage | StoryDoneMessage | ErrorMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """One event of a story stream."""


class ComparisonStreamEvent(
    RootModel[
        Annotated[
            StartMessage
            | StepMessage
            | TokenMessage
            | StoryDoneMessage
            | ErrorMessage
            | VerdictMessage
            | EndMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """One event of a comparison: every framework's story stream, interleaved, then the
    verdict (when judged) and `end`."""


class ChatStreamEvent(
    RootModel[
        Annotated[
            StartMessage | TokenMessage | ChatDoneMessage | ErrorMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """One event of a streamed chat turn or regeneration."""


class ExecutionStreamEvent(
    RootModel[
        Annotated[
            StartMessage | StepMessage | TokenMessage | ExecutionDoneMessage | ErrorMessage,
            Field(discriminator="event"),
        ]
    ]
):
    """One event of a streamed document run."""


# The `{event, data}` messages: on the wire their `data` is JSON text (see `api/sse.py`).
MESSAGES = frozenset(
    model.__name__
    for model in (
        StartMessage,
        StepMessage,
        TokenMessage,
        StoryDoneMessage,
        ChatDoneMessage,
        ExecutionDoneMessage,
        ErrorMessage,
        VerdictMessage,
        EndMessage,
    )
)
