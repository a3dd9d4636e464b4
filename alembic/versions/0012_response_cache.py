"""The response cache: a story answered from the cache is a story (and a ledger row with status
`cached`, at $0) that names the generation it came from. The cache's database store points at
the original story, so deleting the story forgets the entry.

The day sums learn that a `cached` row is neither a provider request nor a failure: they count
it in `cache_hits`. The triggers of 0009 are replaced by the same triggers with that one change
(this file repeats their generator on purpose: a migration is a snapshot and must not change
when application code does).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ("day", "user_key", "framework", "model", "provider", "operation")
BEFORE = (
    "requests",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cost_nanos",
    "failed_requests",
    "estimated_requests",
    "unpriced_requests",
)
SUMS = (*BEFORE, "cache_hits")
SHARES = {
    "requests": "{sign} * CAST({row}status <> 'cached' AS INTEGER)",
    "input_tokens": "{sign} * {row}input_tokens",
    "output_tokens": "{sign} * {row}output_tokens",
    "cached_tokens": "{sign} * {row}cached_tokens",
    "cost_nanos": "{sign} * {row}cost_usd",
    "failed_requests": "{sign} * CAST({row}status NOT IN ('ok', 'in_flight', 'cached') AS INTEGER)",
    "estimated_requests": "{sign} * CAST({row}tokens_estimated AS INTEGER)",
    "unpriced_requests": "{sign} * CAST({row}price_source = 'unknown' AS INTEGER)",
    "cache_hits": "{sign} * CAST({row}status = 'cached' AS INTEGER)",
}
# The 0009 shares, for the downgrade.
OLD_SHARES = {
    **SHARES,
    "requests": "{sign}",
    "failed_requests": "{sign} * CAST({row}status NOT IN ('ok', 'in_flight') AS INTEGER)",
}
WATCHED = (
    "created_at",
    "user_id",
    "framework",
    "model",
    "provider",
    "operation",
    "status",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "tokens_estimated",
    "cost_usd",
    "price_source",
)
EVENTS = ("insert", "update", "delete")


def _day(dialect: str, row: str = "") -> str:
    if dialect == "postgresql":
        return f"CAST({row}created_at AT TIME ZONE 'UTC' AS DATE)"
    return f"date({row}created_at)"


def _add(sums: Sequence[str]) -> str:
    return ", ".join(f"{column} = llm_call_days.{column} + excluded.{column}" for column in sums)


def _shares(shares: dict[str, str], sums: Sequence[str], source: str, sign: str) -> str:
    keys = [_day("postgresql"), "coalesce(user_id, 0)", "framework", "model", "provider"]
    values = [*keys, "operation", *(shares[name].format(sign=sign, row="") for name in sums)]
    named = [f"{value} AS {name}" for value, name in zip(values, KEYS + tuple(sums), strict=True)]
    return f"SELECT {', '.join(named)} FROM {source}"  # noqa: S608 (constant text)


def _postgres_upsert(shares: str, sums: Sequence[str]) -> str:
    keys = ", ".join(KEYS)
    total = ", ".join(f"sum({name})" for name in sums)
    changed = " OR ".join(f"sum({name}) <> 0" for name in sums)
    return (
        f"INSERT INTO llm_call_days ({keys}, {', '.join(sums)}) "  # noqa: S608 (constant text)
        f"SELECT {keys}, {total} FROM ({shares}) AS shares "
        f"GROUP BY {keys} HAVING {changed} ORDER BY {keys} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {_add(sums)}"
    )


def _postgres_events(
    shares: dict[str, str], sums: Sequence[str]
) -> dict[str, tuple[str, str, str]]:
    new = _shares(shares, sums, "new_rows", "1")
    old = _shares(shares, sums, "old_rows", "-1")
    return {
        "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows", new),
        "update": (
            "UPDATE",
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            f"{new} UNION ALL {old}",
        ),
        "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows", old),
    }


def _sqlite_row(shares: dict[str, str], sums: Sequence[str], row: str, sign: str) -> str:
    values = [_day("sqlite", row), f"coalesce({row}user_id, 0)"]
    values += [f"{row}{name}" for name in KEYS[2:]]
    values += [shares[name].format(sign=sign, row=row) for name in sums]
    return (
        f"INSERT INTO llm_call_days ({', '.join(KEYS + tuple(sums))}) "  # noqa: S608
        f"VALUES ({', '.join(values)}) "
        f"ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET {_add(sums)};"
    )


def _sqlite_events(shares: dict[str, str], sums: Sequence[str]) -> dict[str, tuple[str, str]]:
    return {
        "insert": ("INSERT", _sqlite_row(shares, sums, "NEW.", "1")),
        "update": (
            f"UPDATE OF {', '.join(WATCHED)}",
            _sqlite_row(shares, sums, "OLD.", "-1") + _sqlite_row(shares, sums, "NEW.", "1"),
        ),
        "delete": ("DELETE", _sqlite_row(shares, sums, "OLD.", "-1")),
    }


def _drop_triggers(dialect: str) -> None:
    for event in EVENTS:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS llm_call_days_on_{event} ON llm_calls")
            op.execute(f"DROP FUNCTION IF EXISTS llm_call_days_on_{event}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS llm_call_days_on_{event}")


def _create_triggers(dialect: str, shares: dict[str, str], sums: Sequence[str]) -> None:
    if dialect == "postgresql":
        for event, (verb, transition, rows) in _postgres_events(shares, sums).items():
            op.execute(
                f"CREATE FUNCTION llm_call_days_on_{event}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN {_postgres_upsert(rows, sums)}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER llm_call_days_on_{event} AFTER {verb} ON llm_calls "
                f"{transition} FOR EACH STATEMENT EXECUTE FUNCTION llm_call_days_on_{event}()"
            )
    else:
        for event, (verb, body) in _sqlite_events(shares, sums).items():
            op.execute(
                f"CREATE TRIGGER llm_call_days_on_{event} AFTER {verb} ON llm_calls "
                f"FOR EACH ROW BEGIN {body} END"
            )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("llm_calls", sa.Column("cached_from_guid", sa.String(length=36), nullable=True))
    op.add_column("stories", sa.Column("cached_from_guid", sa.String(length=36), nullable=True))
    # No `cached` rows exist yet, so the sums so far stay right with the new column at 0.
    op.add_column(
        "llm_call_days",
        sa.Column("cache_hits", sa.BigInteger(), nullable=False, server_default="0"),
    )
    _drop_triggers(dialect)
    _create_triggers(dialect, SHARES, SUMS)
    op.create_table(
        "response_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_response_cache_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name=op.f("fk_response_cache_story_id_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_response_cache")),
    )
    op.create_index("ix_response_cache_expires_at", "response_cache", ["expires_at"])
    op.create_index("ix_response_cache_story_id", "response_cache", ["story_id"])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table("response_cache")
    _drop_triggers(dialect)
    op.execute("DELETE FROM llm_calls WHERE status = 'cached'")
    for table in ("llm_call_days", "stories", "llm_calls"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("cache_hits" if table == "llm_call_days" else "cached_from_guid")
    # After the batch operations: on SQLite they rebuild `llm_calls` without its triggers.
    _create_triggers(dialect, OLD_SHARES, BEFORE)
