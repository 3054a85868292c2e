"""One call from a checkout folder to the knowledge graph: run every parser, then assemble."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from headkg.ingest import readme as readme_parser
from headkg.ingest.assemble import assemble
from headkg.ingest.bibtex import BIB_DIR, drop_repeated_keys, parse_bib_file
from headkg.ingest.cache import ParseCache
from headkg.ingest.files import input_files, read_input
from headkg.ingest.list_vocabulary import load_list_vocabulary
from headkg.ingest.readme import README
from headkg.ingest.readme_render import chunk_frame
from headkg.ingest.subjects import with_subjects
from headkg.ingest.tables import parse_tables
from headkg.ingest.taxonomy import parse_taxonomy
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import Findings
from headkg.schema.graph import KnowledgeGraph
from headkg.schema.sightings import ListContents, PaperSighting

Progress = Callable[[str], None]  # called with the name of each step as a build reaches it


def read_list(
    root: Path,
    vocabulary: Vocabulary | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    cache: ParseCache | None = None,
    *,
    layouts: bool = True,
) -> ListContents:
    """Parse README.md, source/bib, the taxonomy figure and the tables of one checkout.

    With a `cache`, README sections and bib files whose text did not change are not parsed again.
    Without `layouts`, README rows get no layout (a check needs none; a build keeps them for `render`).
    """
    vocabulary = vocabulary or Vocabulary.load()
    step = progress or (lambda _label: None)
    findings = Findings()
    cache = cache or ParseCache()
    today = today or dt.date.today()
    step(README)
    readme = root / README
    papers = _read_readme(readme, findings, today, cache, layouts) if os.path.lexists(readme) else []
    step("bib files")
    papers += _read_bibs(root, findings, cache)
    step("taxonomy figure")
    taxonomy = parse_taxonomy(root, findings, vocabulary)
    step("tables")
    features, methods, benchmarks = parse_tables(root, findings, vocabulary)
    return ListContents(
        papers=papers,
        taxonomy=taxonomy,
        features=features,
        methods=methods,
        benchmarks=benchmarks,
        findings=list(findings),
    )


def _read_readme(
    path: Path, findings: Findings, today: dt.date, cache: ParseCache, layouts: bool = True
) -> list[PaperSighting]:
    """The README's papers, section by section through the cache."""
    rel = README
    data = read_input(path, rel, findings)
    if data is None:
        findings.error(rel, None, "the README cannot be read, so it gives no paper", code="readme.unreadable")
        return []
    text = readme_parser.decode(data, rel, findings)
    sightings: list[PaperSighting] = []
    cache.readme_newline = "\r\n" if b"\r\n" in data else "\n"
    cache.readme_bom = data.startswith(b"\xef\xbb\xbf")
    for first_line, chunk in readme_parser.sections(text):
        key = cache.key("readme", rel, chunk, today.isoformat())
        padded = "\n" * (first_line - 1) + chunk  # parsed where it stands, so lines are the file's
        table = readme_parser.has_table(chunk)  # else prose between tables: nothing to parse

        def parse(local: Findings, padded: str = padded, table: bool = table) -> list[PaperSighting]:
            return readme_parser.parse_text(padded, rel, local, today, layouts=layouts) if table else []

        def frame(found: list[PaperSighting], chunk: str = chunk, pad: int = first_line - 1) -> list[str]:
            return chunk_frame(chunk, pad, found)

        sightings += cache.parse(key, first_line, parse, findings, frame if layouts else None)
        cache.sections.place(key, first_line, first_line + max(len(chunk.splitlines()), 1) - 1)
    if not sightings:
        readme_parser.parse_text(text, rel, findings, today)  # reports why there are no papers
    return sorted(sightings, key=lambda s: s.source.line)


def _read_bibs(root: Path, findings: Findings, cache: ParseCache) -> list[PaperSighting]:
    """Every bib file's entries, file by file through the cache; keys repeated across files reported."""
    sightings: list[PaperSighting] = []
    for path in input_files(root, BIB_DIR, "*.bib", findings):
        rel = path.relative_to(root).as_posix()
        data = read_input(path, rel, findings)
        if data is None:
            continue
        key = cache.key("bib", rel, data.decode("latin-1"))

        def parse(local: Findings, path: Path = path, rel: str = rel) -> list[PaperSighting]:
            return parse_bib_file(path, rel, local)

        sightings += cache.parse(key, 1, parse, findings)
        cache.files[rel] = key
    return drop_repeated_keys(sightings, findings)


def graph_from_checkout(
    root: Path,
    vocabulary: Vocabulary | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    cache: ParseCache | None = None,
) -> KnowledgeGraph:
    """Everything a build writes, from a checkout folder (with the list's own vocabulary file)."""
    with bulk_allocation():
        contents, vocabulary = read_list_and_vocabulary(root, vocabulary, today=today, progress=progress, cache=cache)
        if progress:
            progress("resolving papers and heads")
        graph = assemble(contents, vocabulary)
        graph.findings = with_subjects(graph.findings, checkout_lines(root))
        return graph


def read_list_and_vocabulary(
    root: Path,
    vocabulary: Vocabulary | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    cache: ParseCache | None = None,
    *,
    layouts: bool = True,
) -> tuple[ListContents, Vocabulary]:
    """`read_list` under headkg's vocabulary with the checkout's `.headkg/vocabulary.yaml` applied
    (whose problems are findings of the contents, like any other file's)."""
    vocabulary, vocabulary_findings = load_list_vocabulary(root, vocabulary)
    contents = read_list(root, vocabulary, today=today, progress=progress, cache=cache, layouts=layouts)
    contents.findings = [*vocabulary_findings, *contents.findings]
    return contents, vocabulary


def checkout_lines(root: Path) -> Callable[[str], list[str] | None]:
    """A file of the checkout (by its path in findings) -> its lines as the parsers count them."""

    def lines(rel: str) -> list[str] | None:
        try:
            data = (root / rel).read_bytes()
        except OSError:
            return None
        return data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n").split("\n")

    return lines


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of records are created:
    they hold no cycles, and its repeated full passes took most of the time of a large build."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
