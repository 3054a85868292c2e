"""`headkg discover` output: a table for a terminal, JSON for scripts, Markdown for the body of the
weekly pull request (each candidate linked, with the words that earned each badge)."""

from __future__ import annotations

import html
import re
from typing import Any

from rich.table import Table

from headkg.ingest.discover import REJECTED_FILE, Candidate, Discovery
from headkg.ingest.listedit import AddResult

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
MAX_AUTHORS = 6


def md(text: str) -> str:
    """Text safe inside Markdown (no accidental emphasis, links or HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _authors(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_AUTHORS])
    return shown + (" et al." if len(names) > MAX_AUTHORS else "")


def summary_line(found: Discovery, known: str) -> str:
    """One line for stderr: how many results, how many new, and why the others are not."""
    parts = [f"{len(found.candidates)} new", f"{len(found.listed)} already listed", f"{len(found.rejected)} rejected"]
    if found.since is not None:
        parts.append(f"{found.older} first published before {found.since}")
    return f"{found.results} papers from arXiv in {found.requests} request(s): {', '.join(parts)}" + (
        f" (compared with {known})" if known else ""
    )


def as_table(candidates: list[Candidate], written: dict[str, AddResult] | None = None) -> Table:
    title = f"{len(candidates)} candidate(s)" + (" written" if written else "")
    table = Table(title=title)
    table.add_column("arXiv id", no_wrap=True, min_width=10)
    table.add_column("first version", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("head types")
    table.add_column("title")
    if written:
        table.add_column("README line", no_wrap=True)
    for c in candidates:
        heads = ", ".join(c.heads) or "—"
        if c.similar_heads:
            heads += " (similar: " + ", ".join(f"{h.name}?" for h in c.similar_heads) + ")"
        cells = [c.arxiv_id, str(c.published), str(c.score), heads, c.title]
        if written:
            result = written.get(c.arxiv_id)
            cells.append(f"{result.readme}:{result.line}" if result else "")
        table.add_row(*cells)
    return table


def as_json(candidates: list[Candidate], written: dict[str, AddResult] | None = None) -> list[dict[str, Any]]:
    """The candidates as plain data; with --write, each with where its row went."""
    rows = []
    for c in candidates:
        row = c.model_dump(mode="json")
        result = (written or {}).get(c.arxiv_id)
        if result is not None:
            row["written"] = {"file": result.readme, "line": result.line, "section": result.section}
        rows.append(row)
    return rows


def as_markdown(candidates: list[Candidate], found: Discovery | None, written: dict[str, AddResult] | None) -> str:
    """A pull-request body: every candidate linked, its badges with the words that earned them."""
    out = ["## New papers about attention heads on arXiv", ""]
    if found is not None:
        since = f", first published since {found.since}" if found.since else ""
        out.append(f"`headkg discover` asked arXiv for `{md(found.query)}`{since}.")
    verb = "adds" if written else "proposes"
    out += [
        f"This pull request {verb} {len(candidates)} paper(s) the list does not have yet. A badge is written only "
        "for a head type the title or abstract names by its canonical name or a curated alias "
        "(`data/heads.yaml`); similar names are shown for you to judge, never badged.",
        "",
        "Please check each row: its head types, its date and section; write its summary bullets. "
        f"To decline a paper for good, delete its row and add its arXiv id to `{REJECTED_FILE}` "
        "(one id a line, then the reason), so it is not proposed again.",
        "",
    ]
    for number, c in enumerate(candidates, start=1):
        out += _markdown_candidate(number, c, (written or {}).get(c.arxiv_id))
    return "\n".join(out).rstrip() + "\n"


def _markdown_candidate(number: int, c: Candidate, result: AddResult | None) -> list[str]:
    where = f" · row at `{result.readme}:{result.line}` ({md(result.section)})" if result else ""
    lines = [
        f"### {number}. [{md(c.title)}]({c.url})",
        "",
        f"arXiv [{c.arxiv_id}]({c.url}) · first version {c.published} · relevance {c.score}{where}  ",
        f"{md(_authors(c.authors))}",
        "",
    ]
    if c.head_evidence:
        lines += [f"- badge **{md(h.name)}**: “{md(h.words)}” ({h.where})" for h in c.head_evidence]
    else:
        lines.append("- no head type of the vocabulary is named: a row needs `--head`")
    for h in c.similar_heads:
        score = f", similarity {h.score:.0f}" if h.score is not None else ""
        lines.append(f"- not badged, similar to **{md(h.name)}**: “{md(h.words)}” ({h.where}{score})")
    if c.reasons:
        earned = ", ".join(f"+{r.points} “{md(r.words)}” ({r.where})" for r in c.reasons)
        lines.append(f"- relevance {c.score}: {earned}")
    for note in c.looks_like:
        lines.append(f"- note: {md(note)}")
    lines += ["", "<details><summary>Abstract</summary>", "", md(html.unescape(c.abstract)), "", "</details>", ""]
    return lines
