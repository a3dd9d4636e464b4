"""The ledger summed per UTC day (`llm_call_days`), kept in step with `llm_calls` by triggers,
so cost reports over a million calls read thousands of rows instead.

Each insert, update and delete of ledger rows adds or takes away their share in the same
statement (PostgreSQL: one statement-level trigger per event over its transition tables, so a
bulk write costs one aggregate; SQLite: row triggers). The table starts as the sum of the rows
already there. A later migration that rebuilds `llm_calls` on SQLite (batch "recreate") drops
these triggers with the old table and must create them again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 20:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ("day", "user_key", "framework", "model", "provider", "operation")
SUMS = (
    "requests",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cost_nanos",
    "failed_requests",
    "estimated_requests",
    "unpriced_requests",
)
COLUMNS = ", ".join(KEYS + SUMS)
# A ledger row whose call ended and not with `ok` has failed; `unknown` is the price source of
# a model without a price.
SHARES = (
    "{sign}",
    "{sign} * {row}input_tokens",
    "{sign} * {row}output_tokens",
    "{sign} * {row}cached_tokens",
    "{sign} * {row}cost_usd",
    "{sign} * CAST({row}status NOT IN ('ok', 'in_flight') AS INTEGER)",
    "{sign} * CAST({row}tokens_estimated AS INTEGER)",
    "{sign} * CAST({row}price_source = 'unknown' AS INTEGER)",
)
# What the cost reports filter and group by; an update that changes none leaves the sums be.
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
ADD = ", ".join(f"{column} = llm_call_days.{column} + excluded.{column}" for column in SUMS)


def _day(dialect: str, row: str = "") -> str:
    if dialect == "postgresql":
        return f"CAST({row}created_at AT TIME ZONE 'UTC' AS DATE)"
    return f"date({row}created_at)"


def _shares(dialect: str, source: str, sign: str) -> str:
    """Each row of `source` as its signed share of its day's sums."""
    keys = [_day(dialect), "coalesce(user_id, 0)", "framework", "model", "provider", "operation"]
    values = [share.format(sign=sign, row="") for share in SHARES]
    named = [f"{value} AS {name}" for value, name in zip(keys + values, KEYS + SUMS, strict=True)]
    return f"SELECT {', '.join(named)} FROM {source}"  # noqa: S608 (constant text)


def _upsert(dialect: str, shares: str) -> str:
    """Add the shares to `llm_call_days`, one row per key, in key order (so concurrent writers
    lock the same rows in the same order)."""
    keys = ", ".join(KEYS)
    total = ", ".join(f"sum({name})" for name in SUMS)
    changed = " OR ".join(f"sum({name}) <> 0" for name in SUMS)
    where = "" if dialect == "postgresql" else "WHERE true "  # SQLite's upsert parsing needs it
    return (
        f"INSERT INTO llm_call_days ({COLUMNS}) "  # noqa: S608 (constant text)
        f"SELECT {keys}, {total} FROM ({shares}) AS shares {where}"
        f"GROUP BY {keys} HAVING {changed} ORDER BY {keys} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {ADD}"
    )


def _sqlite_row(row: str, sign: str) -> str:
    values = [_day("sqlite", row), f"coalesce({row}user_id, 0)"]
    values += [f"{row}{name}" for name in KEYS[2:]]
    values += [share.format(sign=sign, row=row) for share in SHARES]
    return (
        f"INSERT INTO llm_call_days ({COLUMNS}) VALUES ({', '.join(values)}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET {ADD};"
    )


POSTGRES_EVENTS = {
    "insert": (
        "INSERT",
        "REFERENCING NEW TABLE AS new_rows",
        _shares("postgresql", "new_rows", "1"),
    ),
    "update": (
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        _shares("postgresql", "new_rows", "1")
        + " UNION ALL "
        + _shares("postgresql", "old_rows", "-1"),
    ),
    "delete": (
        "DELETE",
        "REFERENCING OLD TABLE AS old_rows",
        _shares("postgresql", "old_rows", "-1"),
    ),
}
SQLITE_EVENTS = {
    "insert": ("INSERT", _sqlite_row("NEW.", "1")),
    "update": (
        f"UPDATE OF {', '.join(WATCHED)}",
        _sqlite_row("OLD.", "-1") + _sqlite_row("NEW.", "1"),
    ),
    "delete": ("DELETE", _sqlite_row("OLD.", "-1")),
}


def upgrade() -> None:
    op.create_table(
        "llm_call_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_key", sa.Integer(), nullable=False),
        sa.Column("framework", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in SUMS),
        sa.PrimaryKeyConstraint(*KEYS, name=op.f("pk_llm_call_days")),
    )
    dialect = op.get_bind().dialect.name
    op.execute(_upsert(dialect, _shares(dialect, "llm_calls", "1")))
    if dialect == "postgresql":
        for event, (verb, transition, shares) in POSTGRES_EVENTS.items():
            op.execute(
                f"CREATE FUNCTION llm_call_days_on_{event}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN {_upsert(dialect, shares)}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER llm_call_days_on_{event} AFTER {verb} ON llm_calls {transition} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION llm_call_days_on_{event}()"
            )
    else:
        for event, (verb, body) in SQLITE_EVENTS.items():
            op.execute(
                f"CREATE TRIGGER llm_call_days_on_{event} AFTER {verb} ON llm_calls "
                f"FOR EACH ROW BEGIN {body} END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for event in POSTGRES_EVENTS:
        op.execute(
            f"DROP TRIGGER IF EXISTS llm_call_days_on_{event}"
            + (" ON llm_calls" if dialect == "postgresql" else "")
        )
        if dialect == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS llm_call_days_on_{event}()")
    op.drop_table("llm_call_days")
