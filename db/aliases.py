"""Paper id aliases: every id a store ever gave out keeps answering there.

A write computes the aliases of the new graph from the store it replaces (the same function for
a full and an incremental write, so both give the same redirects):

- derived: the other id forms of each paper's own data (arXiv, DOI, title hash), when exactly
  one paper has that form;
- carried: every id and alias of the replaced store, mapped to the paper it now is (the same id
  when it still exists, else the same-paper rule of ingest/paper_ids.py); carried ones win over
  derived ones, as they were given out by this store.

An alias never equals a current paper id, and never points at a paper the rule does not match:
the ids of removed papers, and those of papers the rule cannot place unambiguously, answer 404.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from headkg.db import models as m
from headkg.db.engine import column_names, table_names
from headkg.ingest.paper_ids import REASON_FORMER, FormerPaper, SamePaperIndex, id_forms
from headkg.schema.graph import KnowledgeGraph

log = logging.getLogger("headkg")
CHUNK = 5000  # ids per IN list
Target = tuple[str, str]  # (paper id, reason)
FORMER_COLUMNS = ("title", "year", "date", "arxiv_id", "doi", "bib_keys")


@dataclass
class Previous:
    """What the store being replaced said about paper ids."""

    ids: set[str] = field(default_factory=set)
    aliases: dict[str, Target] = field(default_factory=dict)
    vanished: dict[str, FormerPaper] = field(default_factory=dict)  # its papers whose id is not in the new graph


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def read_previous(conn: Connection, new_ids: set[str]) -> Previous:
    """The ids and aliases of the store at `conn` (any schema version that has papers); the
    identifiers only of its papers whose id the new graph lacks, as only those need matching."""
    tables = table_names(conn)
    if m.PaperRow.__tablename__ not in tables:
        return Previous()
    previous = Previous(ids=set(conn.execute(select(m.PaperRow.id)).scalars()))
    if m.PaperAliasRow.__tablename__ in tables:
        rows = conn.execute(select(m.PaperAliasRow.alias, m.PaperAliasRow.paper_id, m.PaperAliasRow.reason))
        previous.aliases = {alias: (pid, reason) for alias, pid, reason in rows}
    present = column_names(conn, m.PaperRow.__tablename__)
    columns = [m.PaperRow.__table__.c[name] for name in FORMER_COLUMNS if name in present]
    for chunk in _chunks(sorted(previous.ids - new_ids)):
        for row in conn.execute(select(m.PaperRow.id, *columns).where(m.PaperRow.id.in_(chunk))):
            values = {k: v for k, v in row._mapping.items() if v is not None}
            previous.vanished[row.id] = FormerPaper(**values)
    return previous


def read_previous_safely(conn: Connection, new_ids: set[str]) -> Previous:
    """`read_previous`, or nothing when the store there is not one headkg can read (logged)."""
    try:
        if conn.dialect.name == "sqlite":  # pysqlite's savepoints are unreliable; nothing else runs here
            return read_previous(conn, new_ids)
        with conn.begin_nested():  # a failed read must not abort the writing transaction
            return read_previous(conn, new_ids)
    except (SQLAlchemyError, TypeError, ValueError) as exc:
        log.warning("cannot read the former paper ids of the store (%s); old ids will not redirect", exc)
        return Previous()


def _derived(graph: KnowledgeGraph, current: set[str]) -> dict[str, Target]:
    """The other id forms of every paper; a form two papers share belongs to neither."""
    seen: dict[str, Target | None] = {}
    for paper in graph.papers:
        for reason, form in id_forms(paper).items():
            if form == paper.id or form in current:
                continue
            if form not in seen:
                seen[form] = (paper.id, reason)
            elif (held := seen[form]) is None or held[0] != paper.id:
                seen[form] = None
    return {form: target for form, target in seen.items() if target is not None}


def compute_aliases(graph: KnowledgeGraph, previous: Previous) -> dict[str, Target]:
    """alias -> (current paper id, reason) for the store that will hold `graph`."""
    current = {p.id for p in graph.papers}
    aliases = _derived(graph, current)
    index: SamePaperIndex | None = None
    now: dict[str, str | None] = {}  # former paper id -> the paper it is now

    def place(old_id: str) -> str | None:
        nonlocal index
        if old_id in current:
            return old_id
        if old_id not in now:
            former = previous.vanished.get(old_id)
            if former is None:
                now[old_id] = None
            else:
                index = index or SamePaperIndex(graph.papers)
                now[old_id] = index.match(former)
        return now[old_id]

    for alias, (old_id, reason) in sorted(previous.aliases.items()):
        target = place(old_id)
        if target and alias not in current:
            aliases[alias] = (target, reason)
    for old_id in sorted(previous.ids - current):
        target = place(old_id)
        if target:
            aliases[old_id] = (target, REASON_FORMER)
    return aliases


def alias_rows(aliases: dict[str, Target]) -> list[dict[str, str]]:
    return [{"alias": a, "paper_id": pid, "reason": reason} for a, (pid, reason) in sorted(aliases.items())]


@dataclass
class AliasUpdate:
    """The alias rows an incremental write changes: only those, not the whole table."""

    wanted: dict[str, Target]
    to_place: list[str]

    @classmethod
    def begin(cls, conn: Connection, graph: KnowledgeGraph, rewritten: set[str]) -> AliasUpdate:
        """Compute the new aliases and delete the rows no longer wanted or pointing at a paper
        about to be rewritten (before that paper's row goes: a foreign key points at it)."""
        previous = read_previous(conn, {p.id for p in graph.papers})
        wanted = compute_aliases(graph, previous)
        stale = [a for a, target in previous.aliases.items() if wanted.get(a) != target or target[0] in rewritten]
        for chunk in _chunks(sorted(stale)):
            conn.execute(delete(m.PaperAliasRow).where(m.PaperAliasRow.alias.in_(chunk)))
        kept = set(previous.aliases) - set(stale)
        return cls(wanted, sorted(set(wanted) - kept))

    def finish(self, conn: Connection) -> None:
        """Insert the new and rewritten alias rows, once their papers are written."""
        rows = alias_rows({a: self.wanted[a] for a in self.to_place})
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(m.PaperAliasRow), rows[start : start + CHUNK])
