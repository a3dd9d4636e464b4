"""Pydantic request and response shapes of the HTTP API (and, later, MCP tools)."""
