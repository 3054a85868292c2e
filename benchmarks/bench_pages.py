"""The explorer's pages on a synthetic list: `python -m benchmarks.bench_pages --papers 100000`.

Builds the list into a fresh SQLite store (or takes `--db` built before), warms the pages' kept
answers as `headkg serve` does at start, then requests each page in-process several times and
reports the first view's server time (what the warm-up did not compute: a reader's own sort, years,
page or words), the median of the views after it, and the weight of the HTML (or JSON) it sends; the
graph page's weight counts the data its script fetches. Scripts and styles are weighed apart
(cached for a year by the browser). Goal: every page under 100 ms and 1 MB at 100,000 papers.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from benchmarks.synthetic_list import write_list
from headkg.api.app import create_app
from headkg.api.cli import app as cli
from headkg.api.pages.assets import assets
from headkg.api.server import warm
from headkg.db.store import HeadKG

GOAL_MS = 100.0
GOAL_BYTES = 1_000_000


def paths(kg: HeadKG) -> list[str]:
    """The pages to time: every page family, first and deep pages of the long lists."""
    heads = sorted(kg.heads(), key=lambda h: -h.paper_count)
    big, small = heads[0].slug, heads[-1].slug
    total = kg.stats().papers
    paper = kg.papers(sort="-date", limit=1).items[0].id
    deep = max(total - 50, 0)
    return [
        "/",
        "/explore/heads",
        f"/explore/heads/{big}",
        f"/explore/heads/{big}?sort=title&offset={deep // len(heads)}",
        f"/explore/heads/{big}?year_from=2020&year_to=2021&sort=-date",
        f"/explore/heads/{small}",
        "/explore/papers",
        f"/explore/papers?sort=title&offset={deep}",
        f"/explore/papers?head={heads[1].slug}&year_from=2024",
        "/explore/papers?q=retrieval",
        f"/explore/papers/{paper}",
        "/explore/graph",
        "/explore/graph/data.json",
        f"/explore/graph/around.json?q={heads[1].name}",
        "/explore/field",
        "/explore/search?q=retrieval%20circuit",
        "/explore/search?q=retreival%20heads",
        "/explore/suggest?q=retr",
    ]


def timed(client: TestClient, path: str, runs: int) -> tuple[list[float], int, int]:
    """Milliseconds per request, the status and the body's bytes."""
    times, size, status = [], 0, 0
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path, follow_redirects=False)
        times.append((time.perf_counter() - start) * 1000)
        size, status = len(response.content), response.status_code
    return times, status, size


def report(kg: HeadKG, runs: int) -> None:
    app = create_app(kg)
    start = time.perf_counter()
    warm(app)
    print(f"warm-up (as `headkg serve` does in the background): {time.perf_counter() - start:.1f} s\n")
    client = TestClient(app)
    client.get("/openapi.json")  # the in-process client's own start (~200 ms) is not a page's
    print("| page | status | first view ms | again: median ms | bytes | within goal |\n|---|---|---:|---:|---:|---|")
    for path in paths(kg):
        times, status, size = timed(client, path, runs)
        ok = "yes" if max(times) < GOAL_MS and size < GOAL_BYTES else "NO"
        print(f"| `{path}` | {status} | {times[0]:.1f} | {statistics.median(times[1:]):.1f} | {size:,} | {ok} |")
    weight = sum(len(a.content) for a in assets().values())
    print(f"\nassets (kept a year by the browser): {len(assets())} files, {weight:,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--db", help="a store built before (skips writing and building the list)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.db:
        report(HeadKG(args.db), args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "list"
        write_list(source, args.papers)
        db = f"sqlite:///{Path(tmp) / 'store.sqlite'}"
        start = time.perf_counter()
        cli(["build", "--source", str(source), "--db", db, "--quiet"], standalone_mode=False)
        print(f"{args.papers:,} papers built in {time.perf_counter() - start:.0f} s")
        kg = HeadKG(db)
        report(kg, args.runs)
        kg.close()


if __name__ == "__main__":
    main()
