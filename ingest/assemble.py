"""From parsed contents to the knowledge graph: resolve papers, canonicalise heads, link
everything by bib key, and keep the provenance of each link."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from headkg.ingest.heads import HeadRegistry
from headkg.ingest.resolve import resolve_papers
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import Findings
from headkg.schema.graph import (
    Author,
    Benchmark,
    HeadModelLink,
    HeadType,
    KnowledgeGraph,
    Method,
    Paper,
    PaperAuthorLink,
    PaperBenchmarkLink,
    PaperHeadLink,
    PaperMethodLink,
)
from headkg.schema.names import slugify
from headkg.schema.provenance import Provenance
from headkg.schema.sightings import BenchmarkSighting, ListContents, MethodSighting


def assemble(contents: ListContents, vocabulary: Vocabulary) -> KnowledgeGraph:
    """The whole graph for one checkout; problems go to the graph's findings."""
    findings = Findings(contents.findings)
    papers = resolve_papers(contents.papers, findings)
    paper_by_source = {source: paper for paper in papers for source in paper.sources}
    cited = _citation_resolver({key.casefold(): paper for paper in papers for key in paper.bib_keys}, findings)
    registry = HeadRegistry(vocabulary, findings)
    paper_heads = _readme_head_links(contents, registry, paper_by_source)
    head_models = _taxonomy_links(contents, registry, vocabulary, cited, paper_heads, findings)
    for row in contents.features:
        registry.describe(row)
    authors, paper_authors = _authors(contents, paper_by_source)
    methods, paper_methods = _catalog(contents.methods, Method, _method_link, "method", cited, _method_slug)
    benchmarks, paper_benchmarks = _catalog(
        contents.benchmarks, Benchmark, _benchmark_link, "benchmark", cited, lambda row, _: slugify(row.name)
    )
    heads = registry.sorted_heads()
    _name_heads(papers, heads, paper_heads.values())
    return KnowledgeGraph(
        papers=papers,
        heads=heads,
        stages=vocabulary.stages,
        models=vocabulary.models,
        methods=methods,
        benchmarks=benchmarks,
        authors=authors,
        paper_authors=paper_authors,
        paper_heads=sorted(
            paper_heads.values(), key=lambda link: (link.paper_id, link.head_slug, link.source.sort_key())
        ),
        head_models=sorted(head_models.values(), key=lambda link: (link.head_slug, link.model_slug)),
        paper_methods=paper_methods,
        paper_benchmarks=paper_benchmarks,
        findings=list(findings),
    )


HeadLinks = dict[tuple[str, str, Provenance], PaperHeadLink]  # by paper, head and the line that says so


def _readme_head_links(
    contents: ListContents, registry: HeadRegistry, paper_by_source: dict[Provenance, Paper]
) -> HeadLinks:
    """The head types each paper's README row (or bib entry) names, canonicalised."""
    links: HeadLinks = {}
    for sighting in contents.papers:
        paper = paper_by_source[sighting.source]
        for mention in sighting.heads:
            found = registry.canonical(mention.name, mention.source)
            if found:
                link = PaperHeadLink(
                    paper_id=paper.id,
                    head_slug=found[0],
                    as_written=mention.name,
                    qualifier=mention.qualifier or found[1],
                    source=mention.source,
                )
                links.setdefault((paper.id, found[0], mention.source), link)
    return links


def _taxonomy_links(
    contents: ListContents,
    registry: HeadRegistry,
    vocabulary: Vocabulary,
    cited: Cited,
    paper_heads: HeadLinks,
    findings: Findings,
) -> dict[tuple[str, str], HeadModelLink]:
    """Place each taxonomy head (stage, sub-category), link it to its model families and, in
    `paper_heads`, to the papers the figure cites for it."""
    head_models: dict[tuple[str, str], HeadModelLink] = {}
    for entry in contents.taxonomy:
        found = registry.canonical(entry.name, entry.source)
        if not found:
            continue
        slug = found[0]
        registry.place(entry, slug)
        for family in entry.model_families:
            if family not in vocabulary.model_slugs:
                findings.warn(
                    entry.source.file,
                    entry.source.line,
                    f"unknown model family icon '\\{family}{{}}' for '{entry.name}'",
                    "add the family to data/model_families.yaml or fix the macro",
                )
                continue
            head_models.setdefault(
                (slug, family), HeadModelLink(head_slug=slug, model_slug=family, source=entry.source)
            )
        for paper in cited(entry.bib_keys, entry.source, f"the taxonomy's '{entry.name}'"):
            link = PaperHeadLink(
                paper_id=paper.id,
                head_slug=slug,
                as_written=entry.name,
                qualifier=entry.qualifier,
                source=entry.source,
            )
            paper_heads.setdefault((paper.id, slug, entry.source), link)
    return head_models


def _name_heads(papers: list[Paper], heads: list[HeadType], links: Iterable[PaperHeadLink]) -> None:
    """Each paper's `heads`: the canonical names of the head types linked to it, sorted."""
    head_name = {h.slug: h.name for h in heads}
    by_id = {p.id: p for p in papers}
    for paper in papers:
        paper.heads = []
    for link in links:
        name = head_name[link.head_slug]
        if name not in by_id[link.paper_id].heads:
            by_id[link.paper_id].heads.append(name)
    for paper in papers:
        paper.heads.sort()


Cited = Callable[[list[str], Provenance, str], list[Paper]]


def _citation_resolver(paper_by_key: dict[str, Paper], findings: Findings) -> Cited:
    """Looks bib keys up (casefolded, as BibTeX does) and warns about each missing one."""

    def cited(keys: list[str], source: Provenance, where: str) -> list[Paper]:
        found: list[Paper] = []
        for key in keys:
            paper = paper_by_key.get(key.casefold())
            if paper is None:
                findings.warn(
                    source.file,
                    source.line,
                    f"{where} cites bib key '{key}', which no bib file defines",
                    "add the entry to a file in source/bib/ or fix the key",
                    code="cite.missing",
                )
            elif paper not in found:
                found.append(paper)
        return found

    return cited


def _authors(
    contents: ListContents, paper_by_source: dict[Provenance, Paper]
) -> tuple[list[Author], list[PaperAuthorLink]]:
    """Authors as records, each paper's linked to the sighting its author list came from."""
    authors: dict[str, str] = {}
    links: dict[str, list[PaperAuthorLink]] = {}
    for sighting in sorted(contents.papers, key=lambda s: (s.kind != "bib", s.source.sort_key())):
        paper = paper_by_source[sighting.source]
        if paper.id in links or not sighting.authors or sighting.authors != paper.authors:
            continue
        seen: set[str] = set()
        links[paper.id] = []
        for position, name in enumerate(paper.authors):
            slug = slugify(name)
            if slug and slug not in seen:
                seen.add(slug)
                authors.setdefault(slug, name)
                links[paper.id].append(
                    PaperAuthorLink(paper_id=paper.id, author_slug=slug, position=position, source=sighting.source)
                )
    return (
        [Author(slug=slug, name=name) for slug, name in sorted(authors.items())],
        [link for paper_id in sorted(links) for link in links[paper_id]],
    )


Record = TypeVar("Record", Method, Benchmark)
Link = TypeVar("Link", PaperMethodLink, PaperBenchmarkLink)


def _catalog(
    rows: Sequence[MethodSighting] | Sequence[BenchmarkSighting],
    record_type: type[Record],
    link: Callable[[str, str, Provenance], Link],
    what: str,
    cited: Cited,
    slug_of: Callable[[Any, dict[str, Record]], str],
) -> tuple[list[Record], list[Link]]:
    """The methods (or benchmarks) of the survey's tables, one record per slug with the fields of
    its first row, and their links to the papers each row cites."""
    records: dict[str, Record] = {}
    links: dict[tuple[str, str], Link] = {}
    for row in rows:
        slug = slug_of(row, records)
        fields = {name: getattr(row, name) for name in record_type.model_fields if name != "slug"}
        records.setdefault(slug, record_type(slug=slug, **fields))
        for paper in cited(row.bib_keys, row.source, f"{what} '{row.name}'"):
            links.setdefault((paper.id, slug), link(paper.id, slug, row.source))
    return [records[slug] for slug in sorted(records)], [links[key] for key in sorted(links)]


def _method_slug(row: MethodSighting, methods: dict[str, Method]) -> str:
    """A method's slug; a name the tables give two types ("Mean Ablation") gets its type in it."""
    slug = slugify(row.name)
    if slug in methods and methods[slug].type != row.type:
        slug = slugify(f"{row.type} {row.name}")
    return slug


def _method_link(paper_id: str, slug: str, source: Provenance) -> PaperMethodLink:
    return PaperMethodLink(paper_id=paper_id, method_slug=slug, source=source)


def _benchmark_link(paper_id: str, slug: str, source: Provenance) -> PaperBenchmarkLink:
    return PaperBenchmarkLink(paper_id=paper_id, benchmark_slug=slug, source=source)
