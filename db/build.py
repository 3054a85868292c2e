"""Building the store from the list: locate it, parse and resolve it, write the store, report.

Over an existing store the build is incremental: nothing happens when no input changed, README
sections and bib files that did not change are not parsed again, and only changed papers are
rewritten. `HeadKG.build` is the door; progress goes to an optional callback (the CLI draws it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from headkg.db import models as m
from headkg.db.engine import shown
from headkg.db.models import SCHEMA_VERSION
from headkg.ingest.fingerprint import INPUT_GLOBS, Fingerprint, InputHashes, input_fingerprint
from headkg.ingest.source import Upstream, locate
from headkg.schema.exceptions import BuildRefusedError
from headkg.schema.findings import Finding
from headkg.schema.table import plural

if TYPE_CHECKING:
    from headkg.db.store import HeadKG
    from headkg.db.writer import Layout
    from headkg.ingest import bundled
    from headkg.ingest.cache import ParseCache
    from headkg.ingest.moves import Move
    from headkg.ingest.pipeline import Progress
    from headkg.schema.graph import KnowledgeGraph


@dataclass
class BuildReport:
    """What a build read and did (the CLI prints it)."""

    store: str
    papers: int = 0
    heads: int = 0
    paper_head_pairs: int = 0  # distinct (paper, head type) pairs
    head_sightings: int = 0  # lines of the list behind them (README badges, taxonomy cites)
    findings: list[Finding] = field(default_factory=list)
    written: bool = False
    changes: list[str] = field(default_factory=list)
    notice: str = ""  # one line when the build did not read what was asked for (offline fallback)


DEFAULT_MAX_SHRINK = 0.10  # share of the store's papers a build may remove without --allow-shrink
NO_PAPER_TABLE = frozenset({"readme.no-table", "readme.no-rows", "readme.unreadable"})


@dataclass(frozen=True)
class Guard:
    """What a build refuses to do without being told: remove more than `max_shrink` of the papers."""

    allow_shrink: bool = False
    max_shrink: float = DEFAULT_MAX_SHRINK


def build_store(
    kg: HeadKG,
    source: str | None,
    *,
    strict: bool = False,
    full: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
    upstream: Upstream | None = None,
    allow_shrink: bool = False,
    max_shrink: float = DEFAULT_MAX_SHRINK,
) -> BuildReport:
    """Build the graph from `source` and bring the store to it.

    With `strict`, any warning leaves the store unchanged (the caller exits non-zero). With `full`,
    the store is rebuilt from scratch even when it could be updated. `upstream` says where the list
    is without `source` (and how long to wait for it); offline, `locate` may fall back on the
    bundled snapshot. `progress` is called with each step's name.

    Validate, then write: the store is checked first (writable, not someone else's database), one
    build at a time holds its lock, and a BuildRefusedError leaves it unchanged when the README has
    no paper table or the build would remove more than `max_shrink` of its papers (unless `allow_shrink`).
    """
    step = progress or (lambda _label: None)
    report = BuildReport(store=shown(kg.url))
    step("checking the store")
    kg.check_writable()
    step("waiting for another build of this store")
    with kg.lock():
        step("locating the list")
        located = locate(source, upstream)
        report.notice = located.notice
        guard = Guard(allow_shrink, max_shrink)
        if located.snapshot is not None:
            step("writing the store from the bundled snapshot")
            _build_from_snapshot(kg, located.snapshot, report, strict=strict, full=full, guard=guard)
            return report
        assert located.root is not None
        _build_from_checkout(
            kg, located.root, source, report, strict=strict, full=full, guard=guard, step=step, today=today
        )
    return report


def _build_from_checkout(
    kg: HeadKG,
    root: Path,
    source: str | None,
    report: BuildReport,
    *,
    strict: bool,
    full: bool,
    guard: Guard,
    step: Progress,
    today: dt.date | None,
) -> None:
    today = today or dt.date.today()
    step("comparing with the store")
    existing = kg.meta() if kg.exists() else {}
    incremental = not full and existing.get("schema_version") == SCHEMA_VERSION
    known = InputHashes.from_json(existing.get("input_hashes")) if incremental else None
    fingerprint = input_fingerprint(root, today, known=known)
    if incremental and existing.get("input_fingerprint") == fingerprint.value:
        _up_to_date(kg, report, existing)
        return
    if incremental and not strict and _patched(kg, root, source, existing, fingerprint, today, report, guard, step):
        return  # a small README edit: only its rows were read
    # The parsers and the writer, imported only now: a build over an unchanged list ends above.
    from headkg.db.writer import Layout
    from headkg.ingest.cache import ParseCache
    from headkg.ingest.pipeline import bulk_allocation, graph_from_checkout
    from headkg.ingest.vocabulary import Vocabulary

    with bulk_allocation():  # the whole rebuild: parsing, counting and guarding a large graph too
        cache = ParseCache(kg.parse_cache() if incremental else {}, shed_layouts=True)  # layouts stay in the cache
        graph = graph_from_checkout(root, Vocabulary.load(), today=today, progress=step, cache=cache)
        _count(report, graph)
        if strict and graph.findings:
            return
        _refuse_destruction(kg, graph, report, guard, f"reading {root}")
        step("writing the store")
        meta = _build_meta(
            root,
            source,
            fingerprint,
            today,
            counts=_counts_json(report),
            sections=cache.sections.to_json(),
            newline=cache.readme_newline,
            bom=cache.readme_bom,
            bib_files=json.dumps(cache.files, sort_keys=True),
        )
        layout = Layout(_moves(existing, cache) if incremental else [])
        report.changes = [_write(kg, graph, meta, cache, layout, incremental)]
        report.written = True


def _build_meta(
    root: Path,
    source: str | None,
    fingerprint: Fingerprint,
    today: dt.date,
    *,
    counts: str,
    sections: str,
    newline: str,
    bom: bool,
    bib_files: str,
) -> dict[str, str]:
    """The facts a build keeps in the store's meta (a full, incremental or one-edit build alike)."""
    from headkg.ingest import git
    from headkg.ingest.origin import checkout_origin

    meta = {
        "source": str(source or root),
        "input_fingerprint": fingerprint.value,
        "input_hashes": fingerprint.hashes.to_json(),  # so the next build reads only the files that changed
        "build_counts": counts,  # what a build over an unchanged list reports
        "readme_sections": sections,
        "parse_date": today.isoformat(),  # part of the README sections' cache keys (check --base --db)
        "readme_newline": newline,  # the README's line end, and byte order mark (render)
        "readme_bom": "1" if bom else "",
        **checkout_origin(root),  # repository and commit, so the pages link each file:line to its line
    }
    revision = git.clean_revision(root, list(INPUT_GLOBS))
    if revision is not None:
        meta["list_revision"] = revision  # the list's commit, when the build read exactly it
    meta["bib_files"] = bib_files  # each bib file's cache key: its moves next time
    return meta


def _patched(
    kg: HeadKG,
    root: Path,
    source: str | None,
    existing: dict[str, str],
    fingerprint: Fingerprint,
    today: dt.date,
    report: BuildReport,
    guard: Guard,
    step: Progress,
) -> bool:
    """Bring the store to a list whose README or one bib file changed by a few records, reading only
    those (db/patch.py); False (nothing written) when the edit is not one it can apply exactly as a
    full build would."""
    from headkg.db.patch import Patched, patch_edit
    from headkg.ingest.cache import bib_file_keys
    from headkg.ingest.readme import README
    from headkg.ingest.readme_patch import ListEdit

    step("reading the records the edit touched")

    def meta(edit: ListEdit, patched: Patched) -> dict[str, str]:
        for name in _COUNTS:
            setattr(report, name, getattr(patched, name))
        report.findings = patched.findings
        before = patched.papers - patched.added + patched.removed
        if patched.removed > before * guard.max_shrink and not guard.allow_shrink:
            raise _Refused(before, patched.removed)
        bib_files = bib_file_keys(existing.get("bib_files"))
        if edit.file != README:
            bib_files[edit.file] = edit.new_key
        return _build_meta(
            root,
            source,
            fingerprint,
            today,
            counts=_counts_json(report),
            sections=edit.sections.to_json(),
            newline=existing.get("readme_newline", "\n"),
            bom=bool(existing.get("readme_bom")),
            bib_files=json.dumps(bib_files, sort_keys=True),
        )

    try:
        patched = kg.write_in_place(lambda conn: patch_edit(conn, root, existing, fingerprint, today, meta))
    except _Refused as refused:
        _refuse_shrink(refused.before, refused.lost, report, f"reading {root}", guard)
    if patched is None:
        return False
    report.written = True
    report.changes = [
        f"updated: {plural(patched.added, 'paper')} added, {patched.removed} removed, {patched.changed} changed, "
        f"{patched.shifted} shifted, {patched.unchanged} unchanged (the records of one edit read again)"
    ]
    return True


class _Refused(Exception):
    """A one-edit build would remove more papers than the guard allows (nothing was written)."""

    def __init__(self, before: int, lost: int) -> None:
        self.before, self.lost = before, lost


def _moves(existing: dict[str, str], cache: ParseCache) -> list[Move]:
    """The lines of the README and the bib files that moved since the build that made the store."""
    from headkg.ingest.cache import bib_file_keys
    from headkg.ingest.moves import file_moves, merged, readme_moves
    from headkg.ingest.sections import SectionMap

    moves = readme_moves(SectionMap.from_json(existing.get("readme_sections")), cache.sections, cache.payload)
    before = bib_file_keys(existing.get("bib_files"))
    for rel, key in cache.files.items():
        moves += file_moves(rel, before.get(rel), key, cache.payload)
    return merged(moves)


def _refuse_destruction(kg: HeadKG, graph: KnowledgeGraph, report: BuildReport, guard: Guard, cause: str) -> None:
    """BuildRefusedError when the README gave no paper table, or too many of the store's papers would go."""
    from headkg.ingest.paper_ids import id_forms
    from headkg.ingest.readme import README
    from headkg.schema.identifiers import paper_id_forms

    from_readme = any(source.file == README for paper in graph.papers for source in paper.sources)
    empty = next((f for f in graph.findings if f.code in NO_PAPER_TABLE), None)
    if empty is not None and not from_readme:
        raise BuildRefusedError(
            f"{empty.location()}: {empty.message}; the build stopped and the store was not changed "
            "(fix the README, or check that --source is a checkout of the list)",
            report.findings,
        )
    if guard.allow_shrink or not kg.exists():
        return
    ids = {paper.id for paper in graph.papers}
    # a paper is kept when its id, or any id form of its stored data, is one of the new graph's (its id
    # may change form); the forms are worked out only for the few whose id is gone
    with kg.session() as s:
        stored = s.execute(select(m.PaperRow.id)).scalars().all()
        missing = [pid for pid in stored if pid not in ids]
        columns = (m.PaperRow.id, m.PaperRow.title, m.PaperRow.arxiv_id, m.PaperRow.doi)
        gone = [
            row for chunk in _chunks(missing) for row in s.execute(select(*columns).where(m.PaperRow.id.in_(chunk)))
        ]
    before = len(stored)
    kept = {form for paper in graph.papers for form in (paper.id, *id_forms(paper).values())} if gone else ids
    lost = sum(
        1
        for pid, title, arxiv_id, doi in gone
        if kept.isdisjoint({pid, *paper_id_forms(arxiv_id=arxiv_id, doi=doi, title=title).values()})
    )
    if before == 0 or lost <= before * guard.max_shrink:
        return
    _refuse_shrink(before, lost, report, cause, guard)


def _refuse_shrink(before: int, lost: int, report: BuildReport, cause: str, guard: Guard) -> None:
    """The BuildRefusedError of a build that would remove `lost` of the store's `before` papers."""
    raise BuildRefusedError(
        f"the build would remove {lost} of the store's {before} papers ({lost / before:.0%}, more than the "
        f"{guard.max_shrink:.0%} allowed), {cause}; the store was not changed. Check the warnings above; "
        "if the papers were really removed from the list, build again with --allow-shrink",
        report.findings,
    )


def _chunks(items: list[str], size: int = 5000) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _build_from_snapshot(
    kg: HeadKG, snapshot: bundled.Snapshot, report: BuildReport, *, strict: bool, full: bool, guard: Guard
) -> None:
    """Offline with no clone: the store becomes the bundled snapshot (a full write; it is small)."""
    from headkg.ingest import bundled

    meta = bundled.store_meta(snapshot)
    existing = kg.meta() if kg.exists() else {}
    current = existing.get("schema_version") == SCHEMA_VERSION
    graph = snapshot.graph
    _count(report, graph)
    if strict and graph.findings:
        return
    if not full and current and existing.get("input_fingerprint") == meta["input_fingerprint"]:
        report.changes = ["the store already holds the bundled snapshot"]
        return
    _refuse_destruction(
        kg,
        graph,
        report,
        guard,
        f"because the list could not be reached and {snapshot.label} bundled with headkg would replace the store",
    )
    kg.write(graph, meta)
    report.changes = [f"built from the bundled snapshot {snapshot.label}: {len(graph.papers)} papers"]
    report.written = True


def _count(report: BuildReport, graph: KnowledgeGraph) -> None:
    """The graph's counts and warnings, as the store's `stats` would count them."""
    report.papers, report.heads = len(graph.papers), len(graph.heads)
    report.paper_head_pairs = len({(link.paper_id, link.head_slug) for link in graph.paper_heads})
    report.head_sightings = len(graph.paper_heads)
    report.findings = graph.findings


_COUNTS = ("papers", "heads", "paper_head_pairs", "head_sightings")


def _counts_json(report: BuildReport) -> str:
    return json.dumps({name: getattr(report, name) for name in _COUNTS})


def _up_to_date(kg: HeadKG, report: BuildReport, meta: dict[str, str]) -> None:
    """The report of a build that found nothing to do: the store's counts (kept by the build that wrote
    it; counted again for a store written before they were kept) and warnings."""
    try:
        counts = json.loads(meta["build_counts"])
        report.papers, report.heads = int(counts["papers"]), int(counts["heads"])
        report.paper_head_pairs, report.head_sightings = int(counts["paper_head_pairs"]), int(counts["head_sightings"])
    except (KeyError, ValueError, TypeError):
        stats = kg.stats()
        report.papers, report.heads = stats.papers, stats.head_types
        report.paper_head_pairs, report.head_sightings = stats.paper_head_pairs, stats.head_sightings
    report.findings = kg.findings()
    report.changes = ["no input changed since the last build: the store is up to date"]


def _write(
    kg: HeadKG, graph: KnowledgeGraph, meta: dict[str, str], cache: ParseCache, layout: Layout, incremental: bool
) -> str:
    """Write the graph (only the changed papers when `incremental`); one line saying what was done."""
    summary = kg.write(graph, meta, cache.used, layout, incremental=incremental)
    if summary.full:
        return f"built from scratch: {len(graph.papers)} papers"
    moved = f", {summary.moved} moved" if summary.moved else ""
    return (
        f"updated: {plural(summary.added, 'paper')} added, {summary.removed} removed, "
        f"{summary.changed} changed{moved}, {summary.shifted} shifted, {summary.unchanged} unchanged "
        f"({cache.hits} input sections reused, {cache.misses} parsed)"
    )
