"""The build of a small edit: it reads the records the edit touched, not the list, and writes what a
full build would write, in one transaction.

A pull request that adds a paper, edits one's badges or bib entry, or removes one changes a few lines
of the README or of one bib file. `ingest/readme_patch.py` reads those records again (and the chunk's
new parse-cache entry); `ingest/resolution_index.py` says whether a record added or removed is a
paper of its own that changes nothing the resolver does with the others; the papers concerned are
assembled by `assemble` itself, from their records and the taxonomy and tables (small files). Every
other paper keeps its rows: those below the edit are shifted (db/writer.py), as are the head types'
sources and the findings.

`patch_edit` returns None whenever a full build could differ in any way it does not check (several
files or sections changed, a record that is not a paper of its own, a finding near the edit, a new
head spelling or author name, a paper id or alias taken...): the caller then builds as before. Tests
hold both to the same store.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import Connection, delete, func, insert, select, update

from headkg.db import mapping
from headkg.db import models as m
from headkg.db.check_change import key_sources, payloads
from headkg.db.rows import PAPER_CHILDREN, graph_rows
from headkg.db.writer import (
    Layout,
    _apply_moves,
    _delete_where_in,
    _insert,
    _meta_rows,
    schema_is_current,
)
from headkg.ingest.assemble import assemble
from headkg.ingest.bibtex import BIB_DIR
from headkg.ingest.cache import bib_file_keys, moved_sighting, record_lines, records_at, section_text_key
from headkg.ingest.fingerprint import Fingerprint, InputHashes
from headkg.ingest.heads import HeadRegistry
from headkg.ingest.list_vocabulary import load_list_vocabulary
from headkg.ingest.moves import LineMap
from headkg.ingest.readme import README, decode
from headkg.ingest.readme_patch import ListEdit, bib_edit, readme_edit
from headkg.ingest.resolution_index import INDEX_KEY, Indexed, Resolution, ResolutionIndex, indexed
from headkg.ingest.sections import SectionMap
from headkg.ingest.subjects import LINE_WORD, LOCATION
from headkg.ingest.tables import parse_tables
from headkg.ingest.taxonomy import parse_taxonomy
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import Finding, Findings
from headkg.schema.graph import KnowledgeGraph
from headkg.schema.identifiers import paper_id_forms
from headkg.schema.names import slugify, split_qualifier
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import ListContents, PaperSighting

MAX_CHANGED = 4  # rows added or removed at once (each is compared with the whole index)


@dataclass
class Patched:
    """What a one-paper build did."""

    added: int
    removed: int
    changed: int
    shifted: int
    unchanged: int
    papers: int
    heads: int
    paper_head_pairs: int
    head_sightings: int
    findings: list[Finding]


@dataclass
class _Plan:
    """The papers the edit adds, rewrites and removes, and everything else that moves with it."""

    edit: ListEdit
    graph: KnowledgeGraph  # the added and rewritten papers, with their links (assembled alone)
    removed: list[str]  # paper ids
    rewritten: list[str]
    index: ResolutionIndex
    heads: dict[str, list[str]]  # slug -> new sources, for the head types whose sources change
    findings: list[tuple[int, dict[str, Any]]]  # (id, new values) of the findings that move
    all_findings: list[Finding]
    shifted: list[dict[str, Any]]  # {"id", "sources"} of the papers whose lines only moved
    authors: tuple[list[dict[str, str]], list[str]]  # author rows to add, and slugs no paper has any more
    meta: dict[str, str]  # the store's meta before the edit
    old_pairs: int  # the stale papers' (paper, head type) pairs and head links, before
    old_links: int


def patch_edit(
    conn: Connection,
    root: Path,
    meta: dict[str, str],
    fingerprint: Fingerprint,
    today: dt.date,
    new_meta: Callable[[ListEdit, Patched], dict[str, str]],
) -> Patched | None:
    """Bring the store at `conn` (in its transaction) to the list at `root`, when the edit since the
    build that made it is one `readme_edit` or `bib_edit` reads (one file changed) and every record it
    adds or removes stands alone; None (nothing written) otherwise. `new_meta` gives the build's facts
    for the store's meta."""
    if not schema_is_current(conn) or meta.get("parse_date") != today.isoformat():
        return None
    changed = InputHashes.from_json(meta.get("input_hashes")).changed(fingerprint.hashes)
    if len(changed) != 1:
        return None
    (rel,) = changed
    edit = _readme_edit(conn, root, meta, today) if rel == README else _bib_edit(conn, root, meta, rel)
    if edit is None:
        return None
    vocabulary, vocabulary_findings = load_list_vocabulary(root, Vocabulary.load())
    plan = _plan(conn, root, meta, edit, vocabulary) if not vocabulary_findings else None
    if plan is None:
        return None
    return _write(conn, plan, new_meta)


def _readme_edit(conn: Connection, root: Path, meta: dict[str, str], today: dt.date) -> ListEdit | None:
    data = (root / README).read_bytes()
    newline = "\r\n" if b"\r\n" in data else "\n"
    bom = "1" if data.startswith(b"\xef\xbb\xbf") else ""
    if newline != meta.get("readme_newline", "\n") or bom != meta.get("readme_bom", ""):
        return None
    decoding = Findings()
    text = decode(data, README, decoding)
    if decoding:
        return None
    sections = SectionMap.from_json(meta.get("readme_sections"))
    return readme_edit(text, today, sections, lambda keys: payloads(conn, keys))


def _bib_edit(conn: Connection, root: Path, meta: dict[str, str], rel: str) -> ListEdit | None:
    old_key = bib_file_keys(meta.get("bib_files")).get(rel)
    path = root / rel
    if not (rel.startswith(f"{BIB_DIR}/") and rel.endswith(".bib")) or old_key is None or not path.is_file():
        return None
    sections = SectionMap.from_json(meta.get("readme_sections"))
    return bib_edit(
        rel,
        path.read_bytes(),
        old_key,
        sections,
        lambda keys: payloads(conn, keys),
        lambda keys: key_sources(conn, keys),
    )


def _identity(s: PaperSighting) -> tuple[Any, ...]:
    """What the resolver reads of a record (an edit that keeps it leaves the clusters as they were)."""
    return (s.title, s.arxiv_id, s.doi, s.date, s.year, s.bib_key)


def _plan(conn: Connection, root: Path, meta: dict[str, str], edit: ListEdit, vocabulary: Vocabulary) -> _Plan | None:
    kind = "readme" if edit.file == README else "bib"
    if any(s.kind != kind or (kind == "readme" and (s.authors or s.bib_key)) for s in [*edit.removed, *edit.added]):
        return None
    kept_identity = {_identity(s) for s in edit.removed} & {_identity(s) for s in edit.added}
    edited = [s for s in edit.removed if _identity(s) in kept_identity]
    gone = [s for s in edit.removed if _identity(s) not in kept_identity]
    new = [s for s in edit.added if _identity(s) not in kept_identity]
    if len(gone) + len(new) > MAX_CHANGED or len(edited) != len(kept_identity):
        return None
    payload = payloads(conn, [INDEX_KEY]).get(INDEX_KEY)
    if payload is None:
        return None
    index = ResolutionIndex.decode(payload)
    by_source = {e.source: e for e in index.records}
    if any(str(s.source) not in by_source or not by_source[str(s.source)].paper for s in edit.removed):
        return None
    stale = {by_source[str(s.source)].paper for s in edit.removed}
    records: dict[str, list[Indexed]] = {pid: [] for pid in stale}
    for e in index.records:
        if e.paper in records:
            records[e.paper].append(e)
    removed = sorted({by_source[str(s.source)].paper for s in gone})
    if len(removed) != len(gone) or any(len(records[pid]) != 1 for pid in removed):
        return None  # a paper with other records than the row stays (another rule's business)
    resolution = Resolution(index)  # the records as the resolver reads them, one change at a time
    for s in gone:
        if not resolution.remove(by_source[str(s.source)]):
            return None
    fresh = [indexed(s) for s in new]  # at their new lines
    for record in fresh:
        if not resolution.add(record):
            return None
    state = resolution.records[: len(resolution.records) - len(fresh)]  # add() appends
    rewritten = sorted({by_source[str(s.source)].paper for s in edited})
    graph = _assemble(conn, root, meta, edit, vocabulary, rewritten, records, new)
    edited_sources = {str(s.source) for s in edited}
    kept = [e for e in state if e.source not in edited_sources]
    others = [_moved_record(e, edit.lines, edit.file) for e in kept]
    shifted_ids = {now.paper for now, was in zip(others, kept, strict=True) if now is not was} - stale
    if graph is None or not _ids_free(conn, graph, rewritten, others, removed):
        return None
    paper_of = {source: paper.id for paper in graph.papers for source in paper.sources}
    for s in edit.added:
        _place(others, indexed(s, paper_of[s.source]))
    index = ResolutionIndex(others, resolution.counts, resolution.blocks)
    return _finish_plan(conn, meta, edit, vocabulary, graph, removed, rewritten, index, shifted_ids)


def _moved_record(record: Indexed, lines: LineMap, file: str) -> Indexed:
    moved = lines.source(record.source) if record.source.startswith(f"{file}:") else record.source
    return record if moved == record.source else msgspec.structs.replace(record, source=moved)


def _place(records: list[Indexed], record: Indexed) -> None:
    """Insert a record into records kept in file and line order."""
    at = bisect.bisect(
        records, Provenance.parse(record.source).sort_key(), key=lambda e: Provenance.parse(e.source).sort_key()
    )
    records.insert(at, record)


def _records(conn: Connection, meta: dict[str, str], edit: ListEdit, sources: list[str]) -> list[PaperSighting] | None:
    """Records of the list (not the edited rows), from the parse cache, at their new lines."""
    bib_files = bib_file_keys(meta.get("bib_files"))
    out = []
    for text in sources:
        place = Provenance.parse(text)
        line = edit.lines.line(place.file, place.line)
        if place.file == README:
            found = [(k, f) for k, (f, last) in edit.sections.spans.items() if f <= line <= last]
            if len(found) != 1:
                return None
            key, first = found[0]
        else:
            key, first = (edit.new_key if place.file == edit.file else bib_files.get(place.file)), 1
        payload = edit.new_payload if key == edit.new_key else payloads(conn, [key]).get(key) if key else None
        if payload is None:
            return None
        relative = record_lines(payload)
        at = [k for k, rel in enumerate(relative) if rel == line - first + 1]
        if len(at) != 1:
            return None
        sighting = moved_sighting(PaperSighting.model_validate(records_at(payload, at)[0]), first - 1)
        sighting.layout = None
        out.append(sighting)
    return out


def _assemble(
    conn: Connection,
    root: Path,
    meta: dict[str, str],
    edit: ListEdit,
    vocabulary: Vocabulary,
    rewritten: list[str],
    records: dict[str, list[Indexed]],
    new: list[PaperSighting],
) -> KnowledgeGraph | None:
    """The added and rewritten papers and their links, assembled from their records alone (with the
    taxonomy and tables, which may cite them); None when a finding falls on the edited rows."""
    sightings: list[PaperSighting] = [*new]
    edited_sources = {str(s.source) for s in edit.removed}
    for pid in rewritten:
        others = _records(conn, meta, edit, [e.source for e in records[pid] if e.source not in edited_sources])
        if others is None:
            return None
        sightings += others
    sightings += [s for s in edit.added if s not in new]
    for s in sightings:
        s.layout = None
    findings = Findings()
    taxonomy = parse_taxonomy(root, findings, vocabulary)
    features, methods, benchmarks = parse_tables(root, findings, vocabulary)
    contents = ListContents(
        papers=sorted(sightings, key=lambda s: (s.kind != "readme", s.source.sort_key())),
        taxonomy=taxonomy,
        features=features,
        methods=methods,
        benchmarks=benchmarks,
    )
    graph = assemble(contents, vocabulary)
    lines = {h.source.line for s in edit.added for h in s.heads} | {s.source.line for s in edit.added}
    if any(f.file == edit.file and f.line in lines for f in graph.findings):
        return None
    if (
        len(graph.papers) != len(new) + len(rewritten)
        or sorted(p.id for p in graph.papers if p.id in rewritten) != rewritten
    ):
        return None
    return graph


def _ids_free(
    conn: Connection, graph: KnowledgeGraph, rewritten: list[str], index: list[Indexed], removed: list[str]
) -> bool:
    """Whether the ids stay as a full build gives them: no paper, alias or other record has an added
    paper's id forms, no other paper shares a removed one's (its alias would change hands), and the
    rewritten papers' bib keys are theirs alone."""
    fresh = [p for p in graph.papers if p.id not in rewritten]
    gone = conn.execute(select(*_FORM_COLUMNS).where(m.PaperRow.id.in_(removed))).all() if removed else []
    forms = [paper_id_forms(arxiv_id=p.arxiv_id, doi=p.doi, title=p.title) for p in fresh]
    old_forms = {pid: paper_id_forms(arxiv_id=a, doi=d, title=t) for pid, t, a, d in gone}
    if any(next(iter(found.values())) != pid for pid, found in old_forms.items()):
        return False  # a numbered id (two papers' data gave one id): removing it renumbers the other
    forms += list(old_forms.values())
    every = {f for found in forms for f in found.values()}
    ids = [p.id for p in fresh] + removed
    if every:
        suffixed = {f"{pid}-2" for pid in ids}  # the resolver numbers ids that collide -2, -3...: -2 comes first
        taken = conn.execute(select(m.PaperRow.id).where(m.PaperRow.id.in_(every | suffixed))).scalars().all()
        if (
            set(taken) - set(removed)
            or conn.execute(
                select(m.PaperAliasRow.alias).where(
                    m.PaperAliasRow.alias.in_(every), m.PaperAliasRow.paper_id.notin_(removed)
                )
            ).first()
        ):
            return False
        if _forms_of_others(index, forms) & every:
            return False
    for paper in graph.papers:
        if paper.id in rewritten and paper.bib_keys:
            folded = [k.casefold() for k in paper.bib_keys]
            owners = conn.execute(select(m.BibKeyRow.paper_id).where(m.BibKeyRow.key_folded.in_(folded))).scalars()
            if set(owners) != {paper.id}:
                return False
    return True


_FORM_COLUMNS = (m.PaperRow.id, m.PaperRow.title, m.PaperRow.arxiv_id, m.PaperRow.doi)


def _forms_of_others(others: list[Indexed], forms: list[dict[str, str]]) -> set[str]:
    """The id forms other records would give their papers that could equal one of `forms`: title
    forms of titles with the same first words, DOI forms (slugs) of other DOIs. (Their arXiv ids
    differ, which `stands_alone` made sure of, and so do their arXiv forms.)"""
    prefixes = {found["title"].rsplit("-", 1)[0] for found in forms}
    dois = any("doi" in found for found in forms)
    out: set[str] = set()
    for e in others:
        if "-".join(e.title.split()[:6]) in prefixes or (dois and e.doi):
            out.update(paper_id_forms(arxiv_id=None, doi=e.doi, title=e.title).values())
    return out


def _finish_plan(
    conn: Connection,
    meta: dict[str, str],
    edit: ListEdit,
    vocabulary: Vocabulary,
    graph: KnowledgeGraph,
    removed: list[str],
    rewritten: list[str],
    index: ResolutionIndex,
    shifted_ids: set[str],
) -> _Plan | None:
    """The rest of what moves: the head types' sources, the findings, the papers below the edit (their
    sources now, from the index: a paper's sources are its records' places, in order)."""
    heads = _head_sources(conn, edit, vocabulary)
    findings = _moved_findings(conn, edit) if heads is not None else None
    if heads is None or findings is None:
        return None
    moved, all_findings = findings
    authors = _authors_change(conn, graph, set(removed) | set(rewritten))
    if authors is None:
        return None
    sources: dict[str, list[str]] = {pid: [] for pid in shifted_ids}
    for e in index.records:
        if e.paper in sources:
            sources[e.paper].append(e.source)
    shifted = [{"id": pid, "sources": now} for pid, now in sources.items()]
    stale = sorted(set(removed) | set(rewritten))
    links = conn.execute(
        select(m.PaperHeadRow.paper_id, m.PaperHeadRow.head_slug).where(m.PaperHeadRow.paper_id.in_(stale))
    ).all()
    old = (len({(pid, slug) for pid, slug in links}), len(links))
    return _Plan(edit, graph, removed, rewritten, index, heads, moved, all_findings, shifted, authors, meta, *old)


def _authors_change(
    conn: Connection, graph: KnowledgeGraph, stale: set[str]
) -> tuple[list[dict[str, str]], list[str]] | None:
    """The author rows the edit adds (slugs no paper had) and removes (slugs only the stale papers
    had); None when an author's name, as the store keeps it (the first spelling of the list), could
    change: a spelling the new papers use differs from it, or a slug they drop is kept by papers that
    spell it otherwise."""
    names = {a.slug: a.name for a in graph.authors}
    linked = select(m.PaperAuthorRow.author_slug).where(m.PaperAuthorRow.paper_id.in_(stale))
    before = set(conn.execute(linked).scalars()) if stale else set()
    wanted = sorted(set(names) | before)
    found = conn.execute(select(m.AuthorRow.slug, m.AuthorRow.name).where(m.AuthorRow.slug.in_(wanted)))
    stored = {slug: name for slug, name in found} if wanted else {}
    if any(slug in stored and stored[slug] != name for slug, name in names.items()):
        return None
    gone = []
    for slug in sorted(before - set(names)):
        others = (
            conn.execute(
                select(m.PaperRow.authors)
                .join(m.PaperAuthorRow, m.PaperAuthorRow.paper_id == m.PaperRow.id)
                .where(m.PaperAuthorRow.author_slug == slug, m.PaperAuthorRow.paper_id.notin_(stale))
            )
            .scalars()
            .all()
        )
        if not others:
            gone.append(slug)
        elif any(slugify(name) == slug and name != stored.get(slug) for authors in others for name in authors):
            return None
    return [{"slug": slug, "name": name} for slug, name in sorted(names.items()) if slug not in stored], gone


def _head_sources(conn: Connection, edit: ListEdit, vocabulary: Vocabulary) -> dict[str, list[str]] | None:
    """The new sources of the head types whose sources change (every README line moved, the edited
    rows' badges taken out and put in); None when a head type would appear, vanish or gain or lose a
    spelling (its aliases would change)."""
    registry = HeadRegistry(vocabulary, Findings())
    rows = {
        slug: (name, aliases, sources)
        for slug, name, aliases, sources in conn.execute(
            select(m.HeadRow.slug, m.HeadRow.name, m.HeadRow.aliases, m.HeadRow.sources)
        )
    }
    taken: dict[str, set[str]] = {}
    put: dict[str, set[str]] = {}
    for sightings, into, old in ((edit.removed, taken, True), (edit.added, put, False)):
        for s in sightings:
            for mention in s.heads:
                found = registry.canonical(mention.name, mention.source)
                curated = vocabulary.head_by_slug.get(found[0]) if found else None
                if found is None or curated is None or found[0] not in rows:
                    return None
                spelling = " ".join(split_qualifier(mention.name)[0].split())
                known = {curated.name, *curated.aliases} if old else {rows[found[0]][0], *rows[found[0]][1]}
                if spelling not in known:
                    return None
                into.setdefault(found[0], set()).add(str(mention.source))
    if registry.findings:
        return None
    out = {}
    for slug, (_, _, sources) in rows.items():
        gone = taken.get(slug, set())
        now = [edit.lines.source(s) for s in sources if s not in gone]  # moving lines keeps their order
        for text in sorted(put.get(slug, set()) - set(now)):
            bisect.insort(now, text, key=lambda text: Provenance.parse(text).sort_key())
        if not now:
            return None
        if now != sources:
            out[slug] = now
    return out


def _moved_findings(conn: Connection, edit: ListEdit) -> tuple[list[tuple[int, dict[str, Any]]], list[Finding]] | None:
    """The findings whose line or text moves with the README's lines, and every finding after; None
    when one is about the edited rows or names a line in words (it could read otherwise now)."""
    moved: list[tuple[int, dict[str, Any]]] = []
    every: list[Finding] = []
    for row in conn.execute(select(m.FindingRow.__table__).order_by(m.FindingRow.id)):
        finding = mapping.FINDINGS.record(row)
        if finding.file == edit.file and finding.line and edit.old_first <= finding.line <= edit.old_last:
            return None
        if LINE_WORD.search(finding.message) or LINE_WORD.search(finding.hint):
            return None
        values = {
            "line": edit.lines.line(finding.file, finding.line) if finding.line else finding.line,
            "message": _moved_text(finding.message, edit.lines),
            "hint": _moved_text(finding.hint, edit.lines),
        }
        if values != {"line": finding.line, "message": finding.message, "hint": finding.hint}:
            moved.append((row.id, values))
            finding = finding.model_copy(update=values)
        every.append(finding)
    return moved, every


def _moved_text(text: str, lines: LineMap) -> str:
    """A message with each file:N it names moved (the edited file's lines are the only ones that move)."""
    return LOCATION.sub(lambda found: f"{found[1]}:{lines.line(found[1], int(found[2]))}", text)


def _write(conn: Connection, plan: _Plan, new_meta: Callable[[ListEdit, Patched], dict[str, str]]) -> Patched:
    """Write the plan: the stale papers' rows out, the rows below the edit shifted, the new rows in."""
    from headkg.db.aliases import Previous, alias_rows, compute_aliases

    edit, graph = plan.edit, plan.graph
    stale = plan.removed + plan.rewritten
    _delete_where_in(conn, m.PaperAliasRow.paper_id, plan.removed)
    for table in reversed(PAPER_CHILDREN):
        _delete_where_in(conn, table.__table__.c.paper_id, stale)  # type: ignore[attr-defined]
    _delete_where_in(conn, m.PaperRow.id, plan.removed)
    if edit.lines:
        _apply_moves(conn, Layout(edit.lines.moves), plan.shifted)
    rows = graph_rows(graph)
    fresh = [pid for pid in rows.papers if pid not in plan.rewritten]
    _insert(conn, m.PaperRow, [rows.papers[pid].paper for pid in fresh])
    changed = 0
    for pid in plan.rewritten:
        paper = rows.papers[pid].paper
        before = conn.execute(select(m.PaperRow.fingerprint).where(m.PaperRow.id == pid)).scalar()
        changed += before != paper["fingerprint"]
        conn.execute(
            update(m.PaperRow).where(m.PaperRow.id == pid).values({k: v for k, v in paper.items() if k != "id"})
        )
    added_authors, gone_authors = plan.authors
    _insert(conn, m.AuthorRow, added_authors)
    for table, table_rows in rows.children_of(list(rows.papers)):
        _insert(conn, table, table_rows)
    _delete_where_in(conn, m.AuthorRow.slug, gone_authors)
    fresh_graph = KnowledgeGraph(papers=[p for p in graph.papers if p.id in fresh])
    _insert(conn, m.PaperAliasRow, alias_rows(compute_aliases(fresh_graph, Previous())))
    for slug, sources in plan.heads.items():
        conn.execute(update(m.HeadRow).where(m.HeadRow.slug == slug).values(sources=sources))
    for finding_id, values in plan.findings:
        conn.execute(update(m.FindingRow).where(m.FindingRow.id == finding_id).values(values))
    patched = _counts(conn, plan, fresh, changed)
    conn.execute(delete(m.MetaRow))
    _insert(conn, m.MetaRow, _meta_rows(new_meta(edit, patched)))
    old_keys = [edit.old_key, section_text_key(edit.old_key), INDEX_KEY]
    conn.execute(delete(m.ParseCacheRow).where(m.ParseCacheRow.key.in_(old_keys)))
    new = {
        edit.new_key: edit.new_payload,
        section_text_key(edit.new_key): edit.new_text,
        INDEX_KEY: plan.index.encode(),
    }
    conn.execute(insert(m.ParseCacheRow), [{"key": k, "payload": v} for k, v in sorted(new.items())])
    return patched


def _counts(conn: Connection, plan: _Plan, fresh: list[str], changed: int) -> Patched:
    """The store's counts after the write (what the build reports), and what happened to its papers:
    the last build's counts with the rewritten papers' links counted out and in again."""
    try:
        counts = json.loads(plan.meta.get("build_counts") or "")
        papers, heads = int(counts["papers"]), int(counts["heads"])
        pairs, sightings = int(counts["paper_head_pairs"]), int(counts["head_sightings"])
    except (ValueError, KeyError, TypeError):
        papers = conn.execute(select(func.count()).select_from(m.PaperRow)).scalar() or 0
        heads = conn.execute(select(func.count()).select_from(m.HeadRow)).scalar() or 0
        distinct = select(m.PaperHeadRow.paper_id, m.PaperHeadRow.head_slug).distinct().subquery()
        pairs = conn.execute(select(func.count()).select_from(distinct)).scalar() or 0
        sightings = conn.execute(select(func.count()).select_from(m.PaperHeadRow)).scalar() or 0
    else:
        papers += len(fresh) - len(plan.removed)
        pairs += len({(link.paper_id, link.head_slug) for link in plan.graph.paper_heads}) - plan.old_pairs
        sightings += len(plan.graph.paper_heads) - plan.old_links
    return Patched(
        added=len(fresh),
        removed=len(plan.removed),
        changed=changed,
        shifted=len(plan.shifted),
        unchanged=papers - len(fresh) - changed - len(plan.shifted),
        papers=papers,
        heads=heads,
        paper_head_pairs=pairs,
        head_sightings=sightings,
        findings=plan.all_findings,
    )
