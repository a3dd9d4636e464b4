"""SQLAlchemy tables. Importing this package registers every table on `Base.metadata`."""

from backend.models.llm_call import LLMCall
from backend.models.story import Story

__all__ = ["LLMCall", "Story"]
