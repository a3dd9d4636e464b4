"""Briefs for an evaluation run from a file: CSV with a header row (`primary_character`,
`secondary_character`, optional `genre` and `length`), or JSON (a list of such objects, or
`{"briefs": [...]}`). Each row is then validated like any story request."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from backend.core.errors import UnprocessableError, UnsupportedMediaTypeError

COLUMNS = ("primary_character", "secondary_character", "genre", "length")


def parse_briefs(name: str, data: bytes) -> list[dict[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnprocessableError(
            "The file is not UTF-8 text.",
            details=[{"field": "file", "message": "not UTF-8", "type": "file"}],
        ) from exc
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix == "csv":
        return _csv_rows(text)
    if suffix == "json":
        return _json_rows(text)
    raise UnsupportedMediaTypeError("Briefs come as a .csv or a .json file.")


def _csv_rows(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [column.strip() for column in reader.fieldnames or []]
    missing = [column for column in COLUMNS[:2] if column not in header]
    if missing:
        raise UnprocessableError(
            f"The CSV's header row needs {', '.join(missing)}.",
            details=[{"field": "file", "message": f"columns found: {header}", "type": "csv"}],
        )
    rows = []
    for row in reader:
        cleaned = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        rows.append({column: cleaned[column] for column in COLUMNS if cleaned.get(column)})
    return rows


def _json_rows(text: str) -> list[dict[str, Any]]:
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnprocessableError(
            f"The JSON is malformed: {exc.msg} (line {exc.lineno}).",
            details=[{"field": "file", "message": exc.msg, "type": "file"}],
        ) from exc
    rows = loaded.get("briefs") if isinstance(loaded, dict) else loaded
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise UnprocessableError(
            'The JSON must be a list of briefs, or {"briefs": [...]}.',
            details=[{"field": "file", "message": "not a list of objects", "type": "file"}],
        )
    return rows
