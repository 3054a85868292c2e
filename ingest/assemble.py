"""From parsed contents to the knowledge graph: resolve papers, canonicalise heads, link
everything by bib key, and keep the provenance of each link."""

from __future__ import annotations

from collections.abc import Callable

from headkg.ingest.heads import HeadRegistry
from headkg.ingest.resolve import resolve_papers
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import Findings
from headkg.schema.graph import (
    Author,
    Benchmark,
    HeadModelLink,
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
from headkg.schema.sightings import ListContents


def assemble(contents: ListContents, vocabulary: Vocabulary) -> KnowledgeGraph:
    """The whole graph for one checkout; problems go to the graph's findings."""
    findings = Findings(contents.findings)
    papers = resolve_papers(contents.papers, findings)
    paper_by_source = {source: paper for paper in papers for source in paper.sources}
    paper_by_key = {key.casefold(): paper for paper in papers for key in paper.bib_keys}
    registry = HeadRegistry(vocabulary, findings)
    paper_heads: dict[tuple[str, str, Provenance], PaperHeadLink] = {}

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
                paper_heads.setdefault((paper.id, found[0], mention.source), link)

    cited = _citation_resolver(paper_by_key, findings)
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

    for row in contents.features:
        registry.describe(row)

    authors, paper_authors = _authors(contents, paper_by_source)
    methods, paper_methods = _methods(contents, cited)
    benchmarks, paper_benchmarks = _benchmarks(contents, cited)

    heads = registry.sorted_heads()
    head_name = {h.slug: h.name for h in heads}
    for paper in papers:
        paper.heads = []
    by_id = {p.id: p for p in papers}
    for link in paper_heads.values():
        name = head_name[link.head_slug]
        if name not in by_id[link.paper_id].heads:
            by_id[link.paper_id].heads.append(name)
    for paper in papers:
        paper.heads.sort()

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


def _methods(contents: ListContents, cited: Cited) -> tuple[list[Method], list[PaperMethodLink]]:
    methods: dict[str, Method] = {}
    links: dict[tuple[str, str], PaperMethodLink] = {}
    for row in contents.methods:
        slug = slugify(row.name)
        if slug in methods and methods[slug].type != row.type:
            slug = slugify(f"{row.type} {row.name}")
        methods.setdefault(
            slug,
            Method(
                slug=slug,
                name=row.name,
                family=row.family,
                type=row.type,
                core_operation=row.core_operation,
                source=row.source,
            ),
        )
        for paper in cited(row.bib_keys, row.source, f"method '{row.name}'"):
            links.setdefault((paper.id, slug), PaperMethodLink(paper_id=paper.id, method_slug=slug, source=row.source))
    return sorted(methods.values(), key=lambda m: m.slug), sorted(
        links.values(), key=lambda link: (link.paper_id, link.method_slug)
    )


def _benchmarks(contents: ListContents, cited: Cited) -> tuple[list[Benchmark], list[PaperBenchmarkLink]]:
    benchmarks: dict[str, Benchmark] = {}
    links: dict[tuple[str, str], PaperBenchmarkLink] = {}
    for row in contents.benchmarks:
        slug = slugify(row.name)
        benchmarks.setdefault(
            slug,
            Benchmark(
                slug=slug,
                name=row.name,
                category=row.category,
                type=row.type,
                main_task=row.main_task,
                origin=row.origin,
                release=row.release,
                url=row.url,
                source=row.source,
            ),
        )
        for paper in cited(row.bib_keys, row.source, f"benchmark '{row.name}'"):
            links.setdefault(
                (paper.id, slug),
                PaperBenchmarkLink(paper_id=paper.id, benchmark_slug=slug, source=row.source),
            )
    return sorted(benchmarks.values(), key=lambda b: b.slug), sorted(
        links.values(), key=lambda link: (link.paper_id, link.benchmark_slug)
    )
