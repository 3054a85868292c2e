"""Analyses, citations and plots on a synthetic list: `python -m benchmarks.bench_analysis --papers 100000`.

Builds the list into a fresh SQLite store, then times each analysis cold and kept (the second call
of a build is answered from memory), a whole-result BibTeX/CSL-JSON export near the cap, a
comparison and the plots.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.synthetic_list import write_list
from headkg.api.cli import app
from headkg.api.render import render
from headkg.db.store import HeadKG
from headkg.schema.analysis import ANALYSES


def timed(label: str, work: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = work()
    print(f"{label:<36} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "list"
        write_list(source, args.papers)
        db = f"sqlite:///{Path(tmp) / 'store.sqlite'}"
        timed("build", lambda: app(["build", "--source", str(source), "--db", db, "--quiet"], standalone_mode=False))
        kg = HeadKG(db)
        for name in ANALYSES:
            view = timed(f"analyze {name} (cold)", lambda n=name: kg.analysis(n))
            timed(f"analyze {name} (kept)", lambda n=name: kg.analysis(n))
            timed(f"plot {name} svg", lambda v=view: render("svg", v))
        head = kg.heads()[0].name
        timed(f"compare {head}", lambda: kg.comparison(head))
        papers = timed("paper_list year 2024 (no cap)", lambda: kg.paper_list(year_from=2024, cap=None))
        print(f"  {len(papers.items)} papers")
        some = type(papers)(papers.items[:10_000])
        timed("bibtex of 10,000 papers", lambda: render("bibtex", some))
        timed("csl-json of 10,000 papers", lambda: render("csl-json", some))
        timed("ris of 10,000 papers", lambda: render("ris", some))
        kg.close()


if __name__ == "__main__":
    main()
