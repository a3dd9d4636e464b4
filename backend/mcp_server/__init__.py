"""The platform as an MCP server (FastMCP): `python -m backend.mcp_server`."""
