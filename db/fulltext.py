"""Full-text search of papers (`q`): one tokeniser, two indexes, one answer.

Words are cut once, in Python (`words`): accents dropped, case folded, every run of letters and
digits one word ("2404.15574" is "2404 15574", "in-context" is "in context"). The store keeps them
in `papers.search_text`, so both databases index the same words the same way:

- SQLite: a contentless FTS5 table `paper_search` whose rowid is the paper's `search_key`, kept
  right by triggers on `papers` (a write that inserts, deletes or rewrites a paper updates it in
  the same transaction, full builds and incremental ones alike); ranked by bm25.
- PostgreSQL: a stored generated column `papers.search_vector` (`to_tsvector('simple', ...)`: no
  stemming, no stop words) with a GIN index; ranked by ts_rank.

A query matches a paper when every one of its words is a word of the paper, the last one as a
prefix ("path patch" finds "path patching"). An arXiv id or DOI typed as it is (`2404.15574`,
`arXiv:2404.15574v2`, `10.18653/v1/...`, a link to either) or a paper id finds that paper directly.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, String, Subquery, column, func, literal, literal_column, select, table, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from headkg.db import models as m
from headkg.schema.identifiers import PaperIds, query_identifier

_WORD = re.compile(r"[^\W_]+")
FTS_TABLE = "paper_search"
_FTS = table(FTS_TABLE, column("rowid"), column("search_text"))


def words(*texts: str | None) -> list[str]:
    """The searchable words of some texts: accents dropped, case folded, letters and digits only."""
    out: list[str] = []
    for value in texts:
        if value and value.isascii():  # most text: no accent to drop (NFKD leaves ASCII as it is)
            out += _WORD.findall(value.casefold())
        elif value:
            plain = unicodedata.normalize("NFKD", value)
            plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
            out += _WORD.findall(plain)
    return out


def search_text(
    title: str, authors: Iterable[str], summary: str | None, venue: str | None, arxiv_id: str | None, doi: str | None
) -> str:
    """What `q` searches in a paper, as the words the indexes store."""
    return " ".join(words(title, *authors, summary, venue, arxiv_id, doi))


def search_key(paper_id: str) -> int:
    """A paper's row in the FTS5 index: a 63-bit hash of its id, so a full build and an incremental
    one give a paper the same key (a rowid would change with every rewrite, and with VACUUM)."""
    return int.from_bytes(hashlib.sha256(paper_id.encode()).digest()[:8], "big") >> 1


_SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, content='', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS papers_search_insert AFTER INSERT ON papers BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.search_key, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS papers_search_delete AFTER DELETE ON papers BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.search_key, old.search_text); "
    "END",
    f"CREATE TRIGGER IF NOT EXISTS papers_search_update AFTER UPDATE OF search_key, search_text ON papers BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.search_key, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.search_key, new.search_text); END",
)
_INDEX_PAPERS = f"INSERT INTO {FTS_TABLE}(rowid, search_text) SELECT search_key, search_text FROM papers ORDER BY rowid"
_POSTGRES_DDL = (
    "ALTER TABLE papers ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_papers_search_vector ON papers USING gin (search_vector)",
)


def uninstall(conn: Connection) -> None:
    """Drop SQLite's full-text table before its store's tables are recreated (its triggers go with
    `papers`; PostgreSQL's index is a column of `papers`)."""
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))


def install(conn: Connection, *, index_rows: bool = False) -> None:
    """Create the full-text index of this database beside freshly created tables (before any paper
    is written: from then on every write to `papers` keeps it right). With `index_rows`, the papers
    already written are indexed first, in one statement (a new store is filled, then indexed)."""
    sqlite = conn.dialect.name == "sqlite"
    ddl = _SQLITE_DDL if sqlite else _POSTGRES_DDL
    for statement in ddl:
        conn.execute(text(statement))
        if sqlite and index_rows and statement is _SQLITE_DDL[0]:
            conn.execute(text(_INDEX_PAPERS))


@dataclass(frozen=True)
class Match:
    """The papers a `q` finds: `condition()` keeps them (a condition on `papers`), `order(stmt)` puts
    a query over `papers` in order of relevance, best first. Each call builds new clauses, so one
    statement can both filter on a match and order by it."""

    condition: Callable[[], ColumnElement[bool]]
    rank: Callable[[], Any] | None = None  # SQLite: a subquery (key, rank); PostgreSQL: an expression

    def ids(self) -> Select[Any]:
        return select(m.PaperRow.id).where(self.condition())

    def order(self, stmt: Select[Any]) -> Select[Any]:
        """`stmt` kept to the matches and ordered by relevance, best first (SQLite: joined to the
        FTS5 ranks, which keeps only the matches; PostgreSQL: filtered, then ordered by ts_rank)."""
        if self.rank is None:
            return stmt.where(self.condition())
        rank = self.rank()
        if isinstance(rank, Subquery):
            return stmt.join(rank, rank.c.key == m.PaperRow.search_key).order_by(rank.c.rank)
        return stmt.where(self.condition()).order_by(rank)


def match(q: str, *, session: Session, paper_id: str | None = None) -> Match | None:
    """The papers `q` finds, ranked; None when `q` has no word to look for (it filters nothing).

    `paper_id`: the current id of the paper `q` names by one of its ids, when it does (the
    caller resolves ids, former ones too)."""
    ids: PaperIds = query_identifier(q)
    if paper_id:
        return Match(lambda: m.PaperRow.id == paper_id)
    if ids.arxiv_id:
        return Match(lambda: m.PaperRow.arxiv_id == ids.arxiv_id)
    if ids.doi:
        return Match(lambda: m.PaperRow.doi == ids.doi)  # the store keeps DOIs normalised (lower case)
    found = words(q)
    if not found:
        return None
    if session.get_bind().dialect.name == "sqlite":
        expression = " ".join(f'"{w}"' for w in found) + "*"  # every word quoted, the last a prefix
        return Match(lambda: m.PaperRow.search_key.in_(_fts(expression, ranked=False)), lambda: _fts(expression))
    tsquery = " & ".join(f"'{w}'" for w in found) + ":*"
    return Match(lambda: _vector().op("@@")(_tsquery(tsquery)), lambda: -func.ts_rank(_vector(), _tsquery(tsquery)))


def _fts(expression: str, *, ranked: bool = True) -> Any:
    """FTS5's rows for a MATCH expression: their keys, and bm25 (lower is better) when `ranked`."""
    matching = literal_column(FTS_TABLE).op("MATCH")(literal(expression, String))
    if not ranked:
        return select(_FTS.c.rowid).where(matching)
    return (
        select(_FTS.c.rowid.label("key"), func.bm25(literal_column(FTS_TABLE)).label("rank")).where(matching).subquery()
    )


def _vector() -> Any:
    return literal_column("papers.search_vector")


def _tsquery(expression: str) -> Any:
    return func.to_tsquery(literal_column("'simple'::regconfig"), literal(expression, String))
