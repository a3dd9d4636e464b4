"""SQLAlchemy tables. Importing this package registers every table on `Base.metadata`."""

from backend.models.budget import SpendReservation
from backend.models.chat import ChatMessage, Conversation
from backend.models.document import ContextExecution, Document
from backend.models.evaluation import EvaluationItem, EvaluationRun
from backend.models.instance import AppInstance
from backend.models.llm_call import LLMCall
from backend.models.llm_call_day import LLMCallDay
from backend.models.log_entry import LogEntry
from backend.models.response_cache import ResponseCacheEntry
from backend.models.story import Story
from backend.models.user import ApiKey, AuthSession, Invite, ServerSecret, User
from backend.models.verdict import ComparisonVerdict

__all__ = [
    "ApiKey",
    "AppInstance",
    "AuthSession",
    "ChatMessage",
    "ComparisonVerdict",
    "ContextExecution",
    "Conversation",
    "Document",
    "EvaluationItem",
    "EvaluationRun",
    "Invite",
    "LLMCall",
    "LLMCallDay",
    "LogEntry",
    "ResponseCacheEntry",
    "ServerSecret",
    "SpendReservation",
    "Story",
    "User",
]
