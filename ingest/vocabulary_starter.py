"""`headkg vocabulary init`: a starter `.headkg/vocabulary.yaml` for a list, declaring the head types
it uses that headkg's vocabulary does not know (with the stage and sub-category its taxonomy gives
them), so the maintainers take over the list's vocabulary from there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from headkg.ingest.list_vocabulary import starter_text
from headkg.ingest.listedit.atomic_write import write_atomic
from headkg.ingest.pipeline import graph_from_checkout
from headkg.ingest.vocabulary import LIST_VOCABULARY
from headkg.schema.exceptions import InvalidRequestError, SourceError


@dataclass
class StarterVocabulary:
    path: Path
    heads: list[str]  # the head types it declares, by name


def write_starter_vocabulary(root: Path, *, force: bool = False) -> StarterVocabulary:
    """Write `root/.headkg/vocabulary.yaml` declaring the list's unknown head types; an existing file is
    kept unless `force`."""
    if not root.is_dir():
        raise SourceError(f"{root}: no such folder; pass a checkout of the list")
    path = root / LIST_VOCABULARY
    if path.exists() and not force:
        raise InvalidRequestError(f"{path} exists already; edit it, or pass --force to write a new one")
    graph = graph_from_checkout(root)
    unknown = sorted((h for h in graph.heads if not h.curated), key=lambda h: h.name.casefold())
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, starter_text([(h.name, h.stage, h.sub_category) for h in unknown]).encode("utf-8"))
    return StarterVocabulary(path, [h.name for h in unknown])
