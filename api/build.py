"""`headkg build`: locate the list, parse and resolve it, write the store, report what happened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from db.store import HeadKG
from ingest.pipeline import build_graph
from ingest.source import locate
from schema.findings import Finding


@dataclass
class BuildReport:
    store: str
    papers: int = 0
    heads: int = 0
    links: int = 0
    findings: list[Finding] = field(default_factory=list)
    written: bool = False
    changes: list[str] = field(default_factory=list)


def run_build(
    kg: HeadKG,
    source: str | None,
    *,
    strict: bool = False,
    full: bool = False,
    progress: Console | None = None,
    today: dt.date | None = None,
) -> BuildReport:
    """Build the graph from `source` and replace the store's content with it.

    With `strict`, any warning leaves the store unchanged (the caller exits non-zero).
    """
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=progress,
        transient=True,
        disable=progress is None,
    ) as bar:
        task = bar.add_task("locating the list", total=None)

        def step(label: str) -> None:
            bar.update(task, description=label)

        root = locate(source)
        graph = build_graph(root, today=today, progress=step)
        report = BuildReport(
            store=kg.url.render_as_string(hide_password=True),
            papers=len(graph.papers),
            heads=len(graph.heads),
            links=len(graph.paper_heads),
            findings=graph.findings,
        )
        if strict and graph.findings:
            return report
        step("writing the store")
        kg.write(graph, meta={"source": str(source or root)})
        report.written = True
    return report
