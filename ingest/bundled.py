"""The list's snapshot bundled with headkg (data/list-snapshot.json.gz), so a first build without
network still gives a working store.

Written by `headkg snapshot` from a checkout of the list (maintainers, before a release): the
resolved KnowledgeGraph with every fact the store needs, minus the list's summary sentences, with
the commit and date of the list it was made from. Same list, same bytes (sorted keys, gzip mtime 0).
Reading it validates it: a damaged file is a SourceError, never a half-written store.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import zlib
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from headkg.ingest import git, origin
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.exceptions import SourceError
from headkg.schema.graph import KnowledgeGraph

FILE_NAME = "list-snapshot.json.gz"
FORMAT = 1


def bundled_path() -> Path:
    """The snapshot shipped in the package (package data of headkg.data)."""
    return Path(str(files("headkg.data") / FILE_NAME))


class Snapshot(BaseModel):
    """The list at one commit, as a build resolves it, without summaries."""

    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = FORMAT
    commit: str = Field(pattern=r"^[0-9a-f]{4,40}$")  # the list's commit it was made from
    date: dt.date  # that commit's date
    paper_count: int  # a check on the file: must match len(graph.papers)
    graph: KnowledgeGraph
    _digest: str = PrivateAttr("")

    @model_validator(mode="after")
    def _consistent(self) -> Snapshot:
        if self.paper_count != len(self.graph.papers):
            raise ValueError(f"says {self.paper_count} papers but holds {len(self.graph.papers)}")
        problem = dangling_reference(self.graph)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def label(self) -> str:
        """e.g. "a992ea7 (2025-03-02)"."""
        return f"{self.commit[:7]} ({self.date.isoformat()})"

    @property
    def digest(self) -> str:
        return self._digest


def dangling_reference(graph: KnowledgeGraph) -> str:
    """The first repeated key or link to a missing record, described; "" when there is none."""
    keys: dict[str, list[str]] = {
        "paper": [p.id for p in graph.papers],
        "head type": [h.slug for h in graph.heads],
        "stage": [s.code for s in graph.stages],
        "model family": [f.slug for f in graph.models],
        "method": [x.slug for x in graph.methods],
        "benchmark": [b.slug for b in graph.benchmarks],
        "author": [a.slug for a in graph.authors],
    }
    for kind, values in keys.items():
        if len(set(values)) != len(values):
            return f"a {kind} appears twice"
    known = {kind: set(values) for kind, values in keys.items()}
    g = graph
    refs: list[tuple[str, str | None]] = [("stage", h.stage) for h in g.heads if h.stage]
    refs += [("paper", x.paper_id) for x in (*g.paper_heads, *g.paper_authors, *g.paper_methods, *g.paper_benchmarks)]
    refs += [("head type", x.head_slug) for x in (*g.paper_heads, *g.head_models)]
    refs += [("author", x.author_slug) for x in g.paper_authors]
    refs += [("model family", x.model_slug) for x in g.head_models]
    refs += [("method", x.method_slug) for x in g.paper_methods]
    refs += [("benchmark", x.benchmark_slug) for x in g.paper_benchmarks]
    for kind, value in refs:
        if value not in known[kind]:
            return f"a link names the {kind} {value!r}, which it does not hold"
    return ""


def from_graph(graph: KnowledgeGraph, commit: str, date: dt.date) -> Snapshot:
    """A snapshot of `graph` with the papers' summaries left out."""
    papers = [p.model_copy(update={"summary": None}) for p in graph.papers]
    return Snapshot(
        commit=commit, date=date, paper_count=len(papers), graph=graph.model_copy(update={"papers": papers})
    )


def dump(snapshot: Snapshot) -> bytes:
    """The file's bytes: compact JSON with sorted keys, gzip without name or time, so the same
    list gives the same bytes."""
    data = snapshot.model_dump(mode="json", exclude={"graph": {"papers": {"__all__": {"summary"}}}})
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write(text.encode("utf-8"))
    return buffer.getvalue()


def write(snapshot: Snapshot, path: Path) -> int:
    """Write the file atomically; its size in bytes."""
    data = dump(snapshot)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return len(data)


def load(path: Path | None = None) -> Snapshot:
    """Read and validate a snapshot (default: the bundled one)."""
    path = path or bundled_path()
    fix = "reinstall headkg, or pass --source a checkout of the list"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"the list snapshot {path} cannot be read ({exc.strerror or exc}); {fix}") from exc
    try:
        snapshot = Snapshot.model_validate_json(gzip.decompress(raw))
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise SourceError(f"the list snapshot {path} is damaged (not a complete gzip file: {exc}); {fix}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise SourceError(f"the list snapshot {path} is not valid ({where}: {first['msg']}); {fix}") from exc
    snapshot._digest = hashlib.sha256(raw).hexdigest()
    return snapshot


def describe(snapshot: Snapshot) -> str:
    """What an offline build used and how to do better, for the one-line notice."""
    return (
        f"building from the list snapshot bundled with headkg (commit {snapshot.commit[:7]} of "
        f"{snapshot.date.isoformat()}, {snapshot.paper_count} papers), without the papers' summaries, "
        "so search does not cover them; to update, run `headkg build` again online "
        "or pass --source a checkout of the list"
    )


def store_meta(snapshot: Snapshot) -> dict[str, str]:
    """What the store records about where its content came from."""
    return {
        "source": f"bundled snapshot {snapshot.label}",
        "input_fingerprint": f"bundled:{snapshot.digest}",
        origin.REPOSITORY: origin.UPSTREAM_REPOSITORY,
        origin.COMMIT: snapshot.commit,
        origin.DATE: snapshot.date.isoformat(),
    }


def make(root: Path, output: Path, commit: str | None = None, date: dt.date | None = None) -> tuple[Snapshot, int]:
    """Parse the checkout `root` and write its snapshot to `output`; the snapshot and its size.

    `commit` and `date` default to the checkout's last commit; a folder that is no git checkout
    needs both. The build's "today" is the list's date, so the file does not depend on the day it is made."""
    from headkg.ingest.pipeline import graph_from_checkout  # the parsers: only `make` needs them

    if commit is not None and not re.fullmatch(r"[0-9a-fA-F]{4,40}", commit):
        raise SourceError(f"--commit {commit!r} is not a git commit hash")
    if commit is None or date is None:
        head = git.last_commit(root)
        if head is None:
            raise SourceError(f"{root} is not a git checkout: pass --commit and --date of the list it holds")
        commit = commit or head[0]
        date = date or dt.date.fromisoformat(head[1])
    graph = graph_from_checkout(root, Vocabulary.load(), today=date)
    snapshot = from_graph(graph, commit.lower(), date)
    return snapshot, write(snapshot, output)
