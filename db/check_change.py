"""`headkg check --base REV --db URL`: the check of a change reading only what changed, a store built
from REV standing for everything that did not (ingest/check_incremental.py has the rule; this module
answers its questions from the store by index). A store not built from REV, or a change beyond the
README and the bib files, falls back on checking both revisions in full."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Text, case, cast, func, or_, select
from sqlalchemy.orm import Session

from headkg.db import mapping
from headkg.db import models as m
from headkg.ingest import git
from headkg.ingest.check_base import check_against_revision
from headkg.ingest.check_incremental import BaseView, KnownPaper, check_incrementally, papers_as_known
from headkg.ingest.fingerprint import INPUT_GLOBS
from headkg.ingest.same_paper import BLOCK_TOKENS, title_tokens
from headkg.ingest.sections import SectionMap
from headkg.schema.exceptions import SourceError
from headkg.schema.findings import CheckedFinding
from headkg.schema.identifiers import doi_key, paper_id_forms
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import PaperSighting
from headkg.schema.titles import normalize_title

if TYPE_CHECKING:
    from headkg.db.store import HeadKG

log = logging.getLogger("headkg")
WORDS_PER_SCAN = 500
MAX_WORD_PAPERS = 2000  # a title word more papers share than this is too common to compare titles by
_PAPER_COLUMNS = (
    m.PaperRow.title,
    m.PaperRow.arxiv_id,
    m.PaperRow.doi,
    m.PaperRow.year,
    m.PaperRow.date,
    m.PaperRow.sources,
    m.PaperRow.bib_keys,
)


def check_change(kg: HeadKG, root: Path, base: str, *, today: dt.date | None = None) -> list[CheckedFinding]:
    """The findings of the checkout at `root`, new or old against `base`, as `HeadKG.check(root,
    base=base)` gives them; fast when the store was built from `base`."""
    if kg.exists():
        with kg.session() as session:
            view = _view(session, root, base)
            found = check_incrementally(root, base, view, today=today) if view is not None else None
        if found is not None:
            return found
    return check_against_revision(root, base, today=today)


def _view(session: Session, root: Path, base: str) -> BaseView | None:
    """What the store knows of `base`, or None when it was not built from it."""
    meta = dict(session.execute(select(m.MetaRow.key, m.MetaRow.value)).all())
    commit = git.revision_of(root, base)
    if commit is None:
        raise SourceError(f"git cannot read revision {base!r} in {root}")
    built = meta.get("list_revision")
    if meta.get("schema_version") != m.SCHEMA_VERSION or "parse_date" not in meta or not built:
        log.info("the store does not say which commit of the list it was built from: checking in full")
        return None
    if built != commit and not _same_inputs(root, built, commit):
        log.info("the store was built from %s, not from %s: checking in full", built[:7], commit[:7])
        return None
    return BaseView(
        parse_date=dt.date.fromisoformat(meta["parse_date"]),
        sections=SectionMap.from_json(meta.get("readme_sections")),
        payloads=lambda keys: payloads(session, keys),
        findings=[mapping.FINDINGS.record(r) for r in session.execute(select(m.FindingRow)).scalars()],
        known=lambda sightings: _known(session, sightings),
        bib_key_sources=lambda keys: key_sources(session, keys),
        arxiv_of=lambda source: _arxiv_of(session, source),
    )


def _same_inputs(root: Path, a: str, b: str) -> bool:
    """Whether two commits hold the same list (every file a build reads is the same)."""
    try:
        return not git.run(["-C", str(root), "diff", "--name-only", a, b, "--", *INPUT_GLOBS], timeout=60).strip()
    except SourceError:
        return False


def payloads(session: Session | Connection, keys: list[str]) -> dict[str, str]:
    """Parse-cache entries by key (those the store has)."""
    if not keys:
        return {}
    rows = session.execute(select(m.ParseCacheRow.key, m.ParseCacheRow.payload).where(m.ParseCacheRow.key.in_(keys)))
    return dict(rows.all())


def _known(session: Session, sightings: list[PaperSighting]) -> list[KnownPaper]:
    """The store's papers that may be one of `sightings`: same arXiv id, DOI or title id (by index), or
    sharing one of a title's rarest words (two scans of the titles, never all pairs)."""
    if not sightings:
        return []
    arxiv = {s.arxiv_id for s in sightings if s.arxiv_id}
    dois = {doi_key(s.doi) for s in sightings if s.doi}
    forms = {paper_id_forms(arxiv_id=None, doi=None, title=s.title)["title"] for s in sightings}
    aliased = select(m.PaperAliasRow.paper_id).where(m.PaperAliasRow.alias.in_(forms))
    conditions = [m.PaperRow.id.in_(forms), m.PaperRow.id.in_(aliased)]
    if arxiv:
        conditions.append(m.PaperRow.arxiv_id.in_(arxiv))
    if dois:
        conditions.append(func.lower(m.PaperRow.doi).in_(dois))
    words = _blocking_words(session, sightings)
    conditions += [m.PaperRow.search_text.contains(word, autoescape=True) for word in words]
    rows = session.execute(select(*_PAPER_COLUMNS).where(or_(*conditions))).all()
    return papers_as_known(rows)


def _blocking_words(session: Session, sightings: list[PaperSighting]) -> set[str]:
    """Each title's rarest distinctive words among the store's titles, leaving out the too common."""
    tokens = [sorted(title_tokens(normalize_title(s.title))) for s in sightings]
    every = sorted({w for words in tokens for w in words})
    if not every:
        return set()
    frequency: Counter[str] = Counter()
    for start in range(0, len(every), WORDS_PER_SCAN):  # a query has at most so many columns
        words = every[start : start + WORDS_PER_SCAN]
        counts = [func.sum(case((m.PaperRow.search_text.contains(w, autoescape=True), 1), else_=0)) for w in words]
        frequency.update(dict(zip(words, session.execute(select(*counts)).one(), strict=True)))
    chosen: set[str] = set()
    for words in tokens:
        usable = sorted((w for w in words if 0 < (frequency[w] or 0) <= MAX_WORD_PAPERS), key=lambda w: frequency[w])
        chosen.update(usable[:BLOCK_TOKENS])
    return chosen


def key_sources(session: Session | Connection, keys: list[str]) -> dict[str, list[Provenance]]:
    """Where each (casefolded) bib key is defined. A paper's bib keys are in the order of its bib
    sources (both sorted by place, see `resolve.merge`), so the two zip."""
    if not keys:
        return {}
    rows = session.execute(
        select(m.BibKeyRow.key_folded, m.PaperRow.sources, m.PaperRow.bib_keys)
        .join(m.PaperRow, m.PaperRow.id == m.BibKeyRow.paper_id)
        .where(m.BibKeyRow.key_folded.in_(keys))
    )
    found: dict[str, list[Provenance]] = {}
    for key, sources, bib_keys in rows:
        bib_sources = [Provenance.parse(s) for s in sources if ".bib:" in s]
        found[key] = [p for p, k in zip(bib_sources, bib_keys, strict=False) if k.casefold() == key]
    return found


def _arxiv_of(session: Session, source: Provenance) -> str | None:
    """The arXiv id of the paper stated at `source` (a scan of the sources; asked once per fixable year)."""
    stmt = select(m.PaperRow.arxiv_id, m.PaperRow.sources).where(
        cast(m.PaperRow.sources, Text).contains(f'"{source}"', autoescape=True)
    )
    for arxiv_id, sources in session.execute(stmt):
        if str(source) in sources:
            return arxiv_id
    return None
