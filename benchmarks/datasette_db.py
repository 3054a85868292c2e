"""The Datasette side of the API benchmark: a plain SQLite file with the same rows as a headkg store
(papers, head types, paper–head links), the indexes a Datasette user would add (dates, years, links
by head, full-text search as `sqlite-utils enable-fts` makes it), and the canned queries that answer
what headkg's requests ask.

The file is built from a headkg SQLite store with plain SQL (ATTACH + INSERT … SELECT), so both
serve exactly the same rows. Only the columns listed here are read from the store; a column the
store no longer has is left out (the required ones fail with a clear message).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

REQUIRED = {"papers": ["id", "title", "authors", "year", "date"], "head_types": ["slug", "name", "stage_code"]}
OPTIONAL = {
    "papers": ["venue", "arxiv_id", "doi", "urls", "bib_keys", "topics", "heads", "summary", "sources"],
    "head_types": ["sub_category", "aliases", "model_families", "description"],
}
DATABASE = "headkg"  # the file's stem, which names it in Datasette's URLs


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    present = {row[1] for row in conn.execute(f"PRAGMA store.table_info({table})")}
    missing = [c for c in REQUIRED[table] if c not in present]
    if missing:
        raise SystemExit(f"the headkg store has no column {', '.join(missing)} in {table}: update datasette_db.py")
    return REQUIRED[table] + [c for c in OPTIONAL[table] if c in present]


def build(store: Path, out: Path) -> None:
    """Write `out` (replaced atomically) from the headkg SQLite store `store`."""
    tmp = out.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.execute("ATTACH DATABASE ? AS store", (str(store),))
        papers, heads = _columns(conn, "papers"), _columns(conn, "head_types")
        typed = {"year": "INTEGER", "id": "TEXT PRIMARY KEY", "slug": "TEXT PRIMARY KEY"}
        for table, cols in (("papers", papers), ("head_types", heads)):
            declared = ", ".join(f"{c} {typed.get(c, 'TEXT')}" for c in cols)
            conn.execute(f"CREATE TABLE {table} ({declared})")
            conn.execute(f"INSERT INTO {table} SELECT {', '.join(cols)} FROM store.{table}")
        conn.execute(
            "CREATE TABLE paper_heads (paper_id TEXT REFERENCES papers(id), "
            "head_slug TEXT REFERENCES head_types(slug), PRIMARY KEY (paper_id, head_slug))"
        )
        conn.execute("INSERT INTO paper_heads SELECT DISTINCT paper_id, head_slug FROM store.paper_heads")
        conn.executescript(
            """
            CREATE INDEX papers_date ON papers(date DESC, id);
            CREATE INDEX papers_year ON papers(year);
            CREATE INDEX paper_heads_head ON paper_heads(head_slug, paper_id);
            CREATE INDEX head_types_stage ON head_types(stage_code);
            CREATE VIRTUAL TABLE papers_fts USING fts5(title, authors, content='papers', content_rowid='rowid');
            INSERT INTO papers_fts(papers_fts) VALUES ('rebuild');
            ANALYZE;
            """
        )
        conn.commit()
    finally:
        conn.close()
    tmp.replace(out)


def canned_queries(conn: sqlite3.Connection) -> dict[str, str]:
    """The SQL a Datasette user would write for each headkg request, by canned-query name."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(papers)")}
    cols = ", ".join(f"p.{c}" for c in REQUIRED["papers"] + OPTIONAL["papers"] if c in present)
    newest = "ORDER BY p.date DESC, p.id LIMIT 50"
    return {
        "papers_of_head": f"SELECT {cols} FROM paper_heads ph JOIN papers p ON p.id = ph.paper_id "
        f"WHERE ph.head_slug = :head {newest} OFFSET CAST(:offset AS INTEGER)",
        "papers_newest": f"SELECT {cols} FROM papers p {newest}",
        "papers_of_stage_years": f"SELECT {cols} FROM papers p "
        "WHERE p.year BETWEEN CAST(:year_from AS INTEGER) AND CAST(:year_to AS INTEGER) AND p.id IN "
        "(SELECT ph.paper_id FROM paper_heads ph JOIN head_types h ON h.slug = ph.head_slug "
        f"WHERE h.stage_code = :stage) {newest}",
        "papers_search": f"SELECT {cols} FROM papers_fts f JOIN papers p ON p.rowid = f.rowid "
        f"WHERE papers_fts MATCH :q {newest}",
        "head_detail": "SELECT h.*, (SELECT count(*) FROM paper_heads c WHERE c.head_slug = h.slug) AS paper_count, "
        "p.id AS paper_id, p.title AS paper_title, p.date AS paper_date, p.year AS paper_year "
        "FROM head_types h JOIN paper_heads ph ON ph.head_slug = h.slug JOIN papers p ON p.id = ph.paper_id "
        "WHERE h.slug = :slug ORDER BY p.date, p.id LIMIT 50",
        "heads": "SELECT h.*, count(ph.paper_id) AS paper_count FROM head_types h "
        "LEFT JOIN paper_heads ph ON ph.head_slug = h.slug GROUP BY h.slug ORDER BY h.name",
        "stats": "SELECT 'papers' AS what, count(*) AS n FROM papers "
        "UNION ALL SELECT 'head types', count(*) FROM head_types "
        "UNION ALL SELECT 'paper-head links', count(*) FROM paper_heads "
        "UNION ALL SELECT 'year ' || coalesce(year, 'unknown'), count(*) FROM papers GROUP BY year "
        "UNION ALL SELECT 'stage ' || h.stage_code, count(DISTINCT ph.paper_id) FROM paper_heads ph "
        "JOIN head_types h ON h.slug = ph.head_slug WHERE h.stage_code IS NOT NULL GROUP BY h.stage_code "
        "UNION ALL SELECT 'head ' || head_slug, count(*) FROM paper_heads GROUP BY head_slug",
    }


def metadata(db: Path) -> dict:
    """Datasette metadata (0.x `--metadata`, 1.x `--config`) declaring the canned queries."""
    with sqlite3.connect(db) as conn:
        queries = canned_queries(conn)
    return {"databases": {DATABASE: {"queries": {name: {"sql": sql} for name, sql in queries.items()}}}}


def write_metadata(db: Path, out: Path) -> None:
    out.write_text(json.dumps(metadata(db), indent=2), encoding="utf-8")
