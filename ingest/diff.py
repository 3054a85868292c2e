"""Comparing two knowledge graphs paper by paper: added, removed, changed (which fields), new heads.

Papers are matched by id (arXiv id, DOI or title); a paper whose id changed (it gained an arXiv
id, a retitled paper without arXiv id or DOI) is matched again by the same-paper rule of the
store's id aliases, else by a near-identical title, so it shows as changed (and under id changes)
rather than removed and added.
"""

from __future__ import annotations

import datetime as dt

from headkg.ingest.paper_ids import SamePaperIndex
from headkg.ingest.same_paper import PaperMatcher
from headkg.schema.diff import IdChange, ListDiff, PaperBrief, PaperChange
from headkg.schema.graph import KnowledgeGraph, Paper

COMPARED_FIELDS = (
    "title",
    "authors",
    "year",
    "date",
    "venue",
    "arxiv_id",
    "doi",
    "urls",
    "bib_keys",
    "topics",
    "summary",
    "heads",
)
RETITLE_SCORE = 90.0  # a removed and an added paper whose titles are this close are one paper retitled


def _brief(paper: Paper) -> PaperBrief:
    return PaperBrief(
        id=paper.id,
        title=paper.title,
        date=paper.date.isoformat() if paper.date else (str(paper.year) if paper.year else None),
        arxiv_id=paper.arxiv_id,
        heads=paper.heads,
        sources=[str(s) for s in paper.sources],
    )


def _changed_fields(old: Paper, new: Paper) -> dict[str, list[object]]:
    old_data, new_data = old.model_dump(mode="json"), new.model_dump(mode="json")
    return {f: [old_data[f], new_data[f]] for f in COMPARED_FIELDS if old_data[f] != new_data[f]}


def _rematch(removed: dict[str, Paper], added: dict[str, Paper]) -> list[tuple[Paper, Paper]]:
    """Pairs (old, new) of the same paper under a new id: the same-paper rule of the store's id
    aliases (arXiv id, DOI, bib key, normalised title), else a near-same title (a retitle)."""
    pairs: list[tuple[Paper, Paper]] = []
    index = SamePaperIndex(added.values())
    for old in list(removed.values()):
        match = index.match(old)
        if match and match in added:
            pairs.append((old, added.pop(match)))
            del removed[old.id]
    retitles = PaperMatcher(list(added.values()))  # blocks of rare title words, never all pairs
    for old in list(removed.values()):
        close = [(m.score, m.record.id) for m in retitles.matches(title=old.title) if m.record.id in added]
        score, new_id = max(close, default=(0.0, ""))
        if score >= RETITLE_SCORE:
            pairs.append((old, added.pop(new_id)))
            del removed[old.id]
    return pairs


def _newest_first(paper: Paper) -> tuple[int, str, str]:
    ordinal = paper.date.toordinal() if paper.date else (dt.date(paper.year, 1, 1).toordinal() if paper.year else 0)
    return (-ordinal, paper.title.casefold(), paper.id)


def diff_graphs(old: KnowledgeGraph, new: KnowledgeGraph) -> ListDiff:
    """What a change of the list did to its papers and head types."""
    old_papers = {p.id: p for p in old.papers}
    new_papers = {p.id: p for p in new.papers}
    removed = {i: p for i, p in old_papers.items() if i not in new_papers}
    added = {i: p for i, p in new_papers.items() if i not in old_papers}
    changed: list[PaperChange] = []
    for paper_id in sorted(old_papers.keys() & new_papers.keys()):
        fields = _changed_fields(old_papers[paper_id], new_papers[paper_id])
        if fields:
            changed.append(PaperChange(id=paper_id, title=new_papers[paper_id].title, fields=fields))
    for old_paper, new_paper in _rematch(removed, added):
        changed.append(
            PaperChange(
                id=new_paper.id,
                old_id=old_paper.id,
                title=new_paper.title,
                fields=_changed_fields(old_paper, new_paper),
            )
        )
    id_changes = [IdChange(old_id=c.old_id, new_id=c.id, title=c.title) for c in changed if c.old_id]
    old_heads = {h.slug: h.name for h in old.heads}
    new_heads = {h.slug: h.name for h in new.heads}
    return ListDiff(
        added=[_brief(p) for p in sorted(added.values(), key=_newest_first)],
        removed=[_brief(p) for p in sorted(removed.values(), key=_newest_first)],
        changed=sorted(changed, key=lambda c: c.id),
        id_changes=sorted(id_changes, key=lambda c: c.old_id),
        heads_added=sorted(new_heads[s] for s in new_heads.keys() - old_heads.keys()),
        heads_removed=sorted(old_heads[s] for s in old_heads.keys() - new_heads.keys()),
    )
