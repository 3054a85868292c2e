"""Whose database is this? headkg writes only to an empty database or to a store it marked as its own.

The mark: SQLite's `PRAGMA application_id` set to `APPLICATION_ID`, and on every engine a `meta` row
`application = headkg` beside `schema_version`. A store written before the mark existed is still
recognised by its shape (every table one of headkg's, a `meta` row with the schema version). Any
other database that holds tables is someone else's: `build` refuses it and touches nothing.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Connection, select
from sqlalchemy.exc import DatabaseError

from headkg.db import models as m
from headkg.db.engine import column_names, store_schema, table_names
from headkg.db.fulltext import FTS_TABLE
from headkg.schema.exceptions import StoreError

APPLICATION_ID = 0x484B4731  # "HKG1": `PRAGMA application_id` of a headkg SQLite store
APPLICATION = "headkg"  # the `meta` row `application` of every headkg store
OWN_TABLES = frozenset(table.name for table in m.Base.metadata.sorted_tables)

Ownership = Literal["empty", "ours", "foreign"]


def _meta(conn: Connection, key: str) -> str | None:
    if not {"key", "value"} <= column_names(conn, m.MetaRow.__tablename__):
        return None
    return conn.execute(select(m.MetaRow.value).where(m.MetaRow.key == key)).scalar()


def _own(table: str) -> bool:
    """One of headkg's tables: its models' and the full-text index's (SQLite's FTS5 and its shadow tables)."""
    return table in OWN_TABLES or table == FTS_TABLE or table.startswith(f"{FTS_TABLE}_")


def ownership(conn: Connection) -> Ownership:
    """ "empty" (no tables: free to write), "ours" (a headkg store) or "foreign" (anything else).

    A SQLite file that is not a database at all is a StoreError.
    """
    try:
        tables = table_names(conn)
        if not tables:
            return "empty"
        if conn.dialect.name == "sqlite" and conn.exec_driver_sql("PRAGMA application_id").scalar() == APPLICATION_ID:
            return "ours"
        if m.MetaRow.__tablename__ in tables:
            if _meta(conn, "application") == APPLICATION:
                return "ours"
            if all(_own(table) for table in tables) and _meta(conn, "schema_version"):
                return "ours"  # written before the mark existed
    except DatabaseError as exc:
        raise StoreError(f"{_where(conn)} is not a SQLite database ({exc.orig or exc}); pass another --db") from exc
    return "foreign"


def refuse_foreign(conn: Connection) -> None:
    """StoreError unless the database is empty or a headkg store: never touch someone else's tables."""
    if ownership(conn) != "foreign":
        return
    tables = sorted(table_names(conn))
    listed = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
    raise StoreError(
        f"{_where(conn)} holds tables that are not a headkg store ({listed}); headkg writes only to an empty "
        "database or to a store it built: pass another --db (nothing was changed)"
    )


def mark(conn: Connection) -> None:
    """Mark a SQLite file as headkg's (the `meta` rows mark every engine: see writer._meta_rows)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")


def _where(conn: Connection) -> str:
    schema = store_schema(conn)
    url = conn.engine.url.render_as_string(hide_password=True)
    return f'the schema "{schema}" of {url}' if schema else url
