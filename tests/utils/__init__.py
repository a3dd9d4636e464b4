"""Helpers shared by the tests (the fixtures stay in the conftest files)."""
