"""One call from a checkout folder to the knowledge graph: run every parser, then assemble."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from headkg.ingest import readme as readme_parser
from headkg.ingest.assemble import assemble
from headkg.ingest.bibtex import BIB_DIR, drop_repeated_keys, parse_bib_file
from headkg.ingest.cache import Chunk, ParseCache, section_text_key
from headkg.ingest.files import input_files, read_input
from headkg.ingest.list_vocabulary import load_list_vocabulary
from headkg.ingest.readme import README
from headkg.ingest.readme_render import chunk_frame
from headkg.ingest.resolution_index import INDEX_KEY, index_payload
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
    workers: int | None = None,
) -> ListContents:
    """Parse README.md, source/bib, the taxonomy figure and the tables of one checkout.

    With a `cache`, README sections and bib files whose text did not change are not parsed again.
    Without `layouts`, README rows get no layout (a check needs none; a build keeps them for `render`).
    README sections and bib files are parsed by up to `workers` processes at once (default: one per
    CPU); the result is the same, in the same order, as parsed one by one.
    """
    vocabulary = vocabulary or Vocabulary.load()
    step = progress or (lambda _label: None)
    findings = Findings()
    cache = cache or ParseCache(keep=False)
    today = today or dt.date.today()
    step(README)
    readme = root / README
    with cache.parallel(workers, _input_size(root)):
        text = _readme_text(readme, findings, cache) if os.path.lexists(readme) else None
        sections = _readme_sections(text, today, layouts) if text is not None else []
        cache.prefetch([*(chunk for _, _, chunk in sections), *_bib_chunks(root)])
        papers = _read_readme(text, sections, findings, today, cache) if text is not None else []
        del sections
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


def _readme_text(path: Path, findings: Findings, cache: ParseCache) -> str | None:
    """The README decoded (its line end and byte order mark noted in the cache), or None with an error."""
    data = read_input(path, README, findings)
    if data is None:
        findings.error(README, None, "the README cannot be read, so it gives no paper", code="readme.unreadable")
        return None
    cache.readme_newline = "\r\n" if b"\r\n" in data else "\n"
    cache.readme_bom = data.startswith(b"\xef\xbb\xbf")
    return readme_parser.decode(data, README, findings)


def _input_size(root: Path) -> int:
    """Bytes of the README and the bib files (what the parse stage reads)."""
    paths = [root / README, *sorted((root / BIB_DIR).glob("*.bib"))]
    return sum(path.stat().st_size for path in paths if path.is_file())


def _parse_section(
    chunk: str, first_line: int, table: bool, today: dt.date, layouts: bool, local: Findings
) -> list[PaperSighting]:
    """One README section's papers (none for prose between tables), at the file's lines."""
    if not table:
        return []
    padded = "\n" * (first_line - 1) + chunk  # parsed where it stands, so lines are the file's
    return readme_parser.parse_text(padded, README, local, today, layouts=layouts)


def _readme_sections(text: str, today: dt.date, layouts: bool) -> list[tuple[int, str, Chunk]]:
    """(first line, text, what to parse) of each README section."""
    found = []
    for first_line, chunk in readme_parser.sections(text):
        table = readme_parser.has_table(chunk)  # else prose between tables: nothing to parse
        parse = partial(_parse_section, chunk, first_line, table, today, layouts)
        frame = partial(chunk_frame, chunk, first_line - 1) if layouts else None
        key = ParseCache.key("readme", README, chunk, today.isoformat())
        found.append((first_line, chunk, Chunk(key, first_line, parse, frame, len(chunk) if table else 0)))
    return found


def _read_readme(
    text: str, sections: list[tuple[int, str, Chunk]], findings: Findings, today: dt.date, cache: ParseCache
) -> list[PaperSighting]:
    """The README's papers, section by section through the cache."""
    sightings: list[PaperSighting] = []
    for first_line, chunk, parse in sections:
        sightings += cache.parse(parse.key, first_line, parse.parse, findings, parse.frame_of)
        cache.sections.place(parse.key, first_line, first_line + max(len(chunk.splitlines()), 1) - 1)
        cache.keep(section_text_key(parse.key), chunk)  # the next build compares the section with it
    if not sightings:
        readme_parser.parse_text(text, README, findings, today)  # reports why there are no papers
    return sorted(sightings, key=lambda s: s.source.line)


def _bib_chunks(root: Path) -> Iterator[Chunk]:
    """What to parse of each bib file (read here only to name it: `_read_bibs` reports any problem)."""
    for path in input_files(root, BIB_DIR, "*.bib", Findings()):
        rel = path.relative_to(root).as_posix()
        data = read_input(path, rel, Findings())
        if data is not None:
            text = data.decode("latin-1")
            yield Chunk(ParseCache.key("bib", rel, text), 1, partial(parse_bib_file, path, rel), size=len(text))


def _read_bibs(root: Path, findings: Findings, cache: ParseCache) -> list[PaperSighting]:
    """Every bib file's entries, file by file through the cache; keys repeated across files reported."""
    sightings: list[PaperSighting] = []
    for path in input_files(root, BIB_DIR, "*.bib", findings):
        rel = path.relative_to(root).as_posix()
        data = read_input(path, rel, findings)
        if data is None:
            continue
        text = data.decode("latin-1")
        key = cache.key("bib", rel, text)
        sightings += cache.parse(key, 1, partial(parse_bib_file, path, rel), findings)
        cache.files[rel] = key
        cache.keep(section_text_key(key), text)  # the next build compares the file with it
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
        if cache is not None:  # what the resolver read of each record: the next build's one-edit path
            paper_of = {source: paper.id for paper in graph.papers for source in paper.sources}
            cache.keep(INDEX_KEY, index_payload(contents.papers, paper_of))
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
