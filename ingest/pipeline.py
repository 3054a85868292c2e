"""One call from a checkout folder to the knowledge graph: run every parser, then assemble."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from ingest.assemble import assemble
from ingest.bibtex import parse_bib_dir
from ingest.readme import parse_readme
from ingest.tables import parse_tables
from ingest.taxonomy import parse_taxonomy
from ingest.vocabulary import Vocabulary
from schema.findings import Findings
from schema.graph import KnowledgeGraph
from schema.sightings import ListContents

Progress = Callable[[str], None]


def read_list(
    root: Path,
    vocabulary: Vocabulary | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ListContents:
    """Parse README.md, source/bib, the taxonomy figure and the tables of one checkout."""
    vocabulary = vocabulary or Vocabulary.load()
    step = progress or (lambda _label: None)
    findings = Findings()
    step("README.md")
    readme = root / "README.md"
    papers = parse_readme(readme, "README.md", findings, today=today) if readme.is_file() else []
    step("bib files")
    papers += parse_bib_dir(root, findings)
    step("taxonomy figure")
    taxonomy = parse_taxonomy(root, findings, stage_codes=vocabulary.stage_codes, model_icons=vocabulary.model_slugs)
    step("tables")
    features, methods, benchmarks = parse_tables(root, findings)
    return ListContents(
        papers=papers,
        taxonomy=taxonomy,
        features=features,
        methods=methods,
        benchmarks=benchmarks,
        findings=list(findings),
    )


def build_graph(
    root: Path,
    vocabulary: Vocabulary | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> KnowledgeGraph:
    """Everything a build writes, from a checkout folder."""
    vocabulary = vocabulary or Vocabulary.load()
    contents = read_list(root, vocabulary, today=today, progress=progress)
    if progress:
        progress("resolving papers and heads")
    return assemble(contents, vocabulary)
