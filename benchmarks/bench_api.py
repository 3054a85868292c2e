"""The HTTP API under load, beside Datasette and the framework's ceiling (issue 12):
`python -m benchmarks.bench_api --papers 100000 [--db postgresql://…] [--duration 10] [--connections 16]`
or `--source PATH` for a real checkout of the list (e.g. ../shared/awesome-attention-heads).

1. Builds the list (a synthetic one of `--papers` README papers, or `--source`) with `headkg build`
   into a store cached per list under `--cache` (reruns only run the build's no-change check).
2. Copies the store's papers, head types and paper–head links into a plain SQLite file with plain SQL,
   with the indexes a Datasette user would add, and declares the equivalent SQL as canned queries.
3. Starts `headkg serve` (the installed command, as the README says), `datasette serve` on that file,
   and a bare FastAPI app (uvicorn, headkg's worker count and access-log setting) answering each
   request with a static body of the same bytes as headkg's answer.
4. For each request: headkg's first answer's time (computed: nothing kept yet), then req/s and
   p50/p99 latency at `--connections` connections on loopback (wrk when installed, else an asyncio
   client) on all three, after a warm-up; headkg's RSS per worker.
5. Prints one table with the ratios and the targets of issue 12 and appends it, with the machine's
   description, to benchmarks/results/api.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import urlencode

import httpx

from benchmarks import datasette_db, loadgen, pages
from benchmarks.loadgen import Load
from benchmarks.procs import installed_command, measure
from benchmarks.report import REPO, append_result, create_database, machine, markdown_table
from benchmarks.servers import Server, free_port
from benchmarks.synthetic_list import GENERATOR_VERSION, write_list
from benchmarks.verdicts import RSS_LIMIT, passes, target_rps, typo

FEW_REQUESTS = 100  # fewer completed requests than this in a run: the table shows n
# The explorer's pages, weighed by `--pages` given without paths (`bench_pages` times them all).
DEFAULT_PAGES = ["/", "/explore/heads", "/explore/papers", "/explore/graph", "/explore/field"]
INTRO = """# API benchmark (issue 12)

One section per run of `python -m benchmarks.bench_api`, newest at the bottom. Targets: headkg ≥ 10×
Datasette's req/s, or ≥ 70% of the bare-FastAPI ceiling where 10× Datasette exceeds the ceiling
(requests with no SQL equivalent: the ceiling alone); p99 ≤ 25 ms; RSS ≤ 300 MB per worker.
"""


@dataclass
class Request:
    name: str
    path: str  # headkg path with its query string
    query: str | None = None  # Datasette canned query, None when SQL has no equivalent
    params: dict[str, str] = field(default_factory=dict)
    body: bytes = b""  # headkg's answer
    first_ms: float | None = None  # headkg's first answer to it (computed, not yet kept)
    datasette_body: bytes = b""
    results: dict[str, Load | str] = field(default_factory=dict)  # server -> load, or why it was skipped


# --- the store and its Datasette copy ---------------------------------------------------------------


def _headkg_build(source: Path, db: str) -> None:
    print(f"headkg build --source {source} --db {db} …", file=sys.stderr)
    run = measure(
        [installed_command("headkg"), "build", "--source", str(source), "--db", db, "--quiet"],
        env={**os.environ, "COLUMNS": "1000"},
    )
    if run.returncode != 0:
        raise SystemExit(f"headkg build failed ({run.returncode}):\n{run.stderr[-3000:]}")
    print(
        f"  {run.seconds:.1f} s: {run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ''}", file=sys.stderr
    )


def prepare(args: argparse.Namespace) -> tuple[str, Path, str]:
    """(label, Datasette file, headkg store URL): the list built into a cached store and its copy."""
    if args.source:
        source = Path(args.source).resolve()
        key = "source_" + hashlib.sha1(str(source).encode()).hexdigest()[:10]
        label = f"{source.name} (real list)"
    else:
        key = f"synthetic_{args.papers}_s{args.seed}_g{GENERATOR_VERSION}"
        label = f"{args.papers:,} README papers (synthetic)"
    cache = Path(args.cache) / key
    cache.mkdir(parents=True, exist_ok=True)
    if not args.source:
        source = cache / "list"
        if not source.exists():
            print(f"writing a synthetic list of {args.papers:,} README papers…", file=sys.stderr)
            tmp = cache / "list.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            write_list(tmp, args.papers, args.seed)
            tmp.rename(source)
    store = cache / "store.sqlite"
    _headkg_build(source, str(store))
    copy = cache / f"{datasette_db.DATABASE}.db"
    stamp = cache / "datasette.stamp"
    state = f"{store.stat().st_size} {store.stat().st_mtime_ns}"
    if not copy.exists() or not stamp.exists() or stamp.read_text() != state:
        datasette_db.build(store, copy)
        stamp.write_text(state)
    datasette_db.write_metadata(copy, cache / "datasette-metadata.json")
    db = str(store)
    if args.db:
        db = create_database(args.db, f"headkg_bench_api_{key}".lower(), fresh=False)
        _headkg_build(source, db)
    return label, copy, db


@dataclass
class Choice:
    """What the requests ask for, chosen from the store's data."""

    popular: str
    popular_name: str
    popular_n: int
    rare: str
    rare_n: int
    stage: str
    year_from: int
    year_to: int
    q: str

    def described(self) -> str:
        return (
            f"popular head {self.popular} ({self.popular_n:,} papers); rare head {self.rare} ({self.rare_n:,} "
            f"papers); stage {self.stage}; years {self.year_from}–{self.year_to}; q {self.q}"
        )


def choose(copy: Path, q: str) -> Choice:
    """The most popular head, the head nearest 0.25% of the papers with heads (about 250 at 100,000
    README papers), the popular head's stage and the three years around the median paper's."""
    with sqlite3.connect(copy) as conn:
        counts = conn.execute(
            "SELECT h.slug, h.name, h.stage_code, count(*) AS n FROM paper_heads ph "
            "JOIN head_types h ON h.slug = ph.head_slug GROUP BY h.slug ORDER BY n DESC, h.slug"
        ).fetchall()
        with_heads = conn.execute("SELECT count(DISTINCT paper_id) FROM paper_heads").fetchone()[0]
        years = conn.execute(
            "SELECT min(year), max(year), (SELECT year FROM papers WHERE year IS NOT NULL ORDER BY year "
            "LIMIT 1 OFFSET (SELECT count(year) / 2 FROM papers)) FROM papers"
        ).fetchone()
    if not counts:
        raise SystemExit("the store has no paper–head links to benchmark")
    popular, popular_name, popular_stage, popular_n = counts[0]
    want = max(1, round(with_heads * 0.0025))
    rare, _, _, rare_n = min(counts[1:] or counts, key=lambda c: (abs(c[3] - want), c[0]))
    stage = popular_stage or next((c[2] for c in counts if c[2]), "LR")
    first, last, median = years if years[0] is not None else (2020, 2020, 2020)
    return Choice(
        popular, popular_name, popular_n, rare, rare_n, stage, max(first, median - 1), min(last, median + 1), q
    )


def requests_for(c: Choice) -> list[Request]:
    """Issue 12's requests: headkg's URL beside the Datasette canned query (and its parameters)."""
    newest = {"sort": "-date", "limit": "50"}
    head_q = {"head": c.popular, **newest}
    years = {"year_from": str(c.year_from), "year_to": str(c.year_to)}
    offset = min(4950, max(0, (c.popular_n - 1) // 50 * 50))  # page 100, or the last page of a smaller list
    name = typo(c.popular_name)
    return [
        Request(
            f"papers of the popular head ({c.popular_n:,}), newest 50",
            "/papers?" + urlencode(head_q),
            "papers_of_head",
            {"head": c.popular, "offset": "0"},
        ),
        Request(
            f"papers of a rare head ({c.rare_n:,}), newest 50",
            "/papers?" + urlencode({**head_q, "head": c.rare}),
            "papers_of_head",
            {"head": c.rare, "offset": "0"},
        ),
        Request("papers, no filter, newest 50", "/papers?" + urlencode(newest), "papers_newest"),
        Request(
            f"papers of stage {c.stage}, {c.year_from}–{c.year_to}, newest 50",
            "/papers?" + urlencode({"stage": c.stage, **years, **newest}),
            "papers_of_stage_years",
            {"stage": c.stage, **years},
        ),
        Request(  # FTS5 prefix query: headkg's q matches inside words
            f"text query q={c.q}, newest 50",
            "/papers?" + urlencode({"q": c.q, **newest}),
            "papers_search",
            {"q": f"{c.q}*"},
        ),
        Request(f"/heads/{c.popular}", f"/heads/{c.popular}", "head_detail", {"slug": c.popular}),
        Request("/heads", "/heads", "heads"),
        Request("/stats", "/stats", "stats"),
        Request(f"/heads/resolve?name={name}", "/heads/resolve?" + urlencode({"name": name})),
        Request(
            f"page {offset // 50 + 1} of the popular head (offset {offset})",
            "/papers?" + urlencode({**head_q, "offset": offset}),
            "papers_of_head",
            {"head": c.popular, "offset": str(offset)},
        ),
    ]


# --- the servers ------------------------------------------------------------------------------------


def start_headkg(db: str, logs: Path) -> Server:
    port = free_port()
    server = Server(
        "headkg serve",
        [installed_command("headkg"), "serve", "--db", db, "--port", str(port)],
        port,
        logs / "headkg.log",
    )
    server.wait_ready("/stats")
    return server


def start_datasette(copy: Path, canned: Path, logs: Path) -> Server:
    port = free_port()
    version = metadata.version("datasette")
    option = "--metadata" if version.startswith("0.") else "--config"
    command = [
        installed_command("datasette"),
        "serve",
        "-i",
        str(copy),
        option,
        str(canned),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "30000",
    ]
    server = Server("datasette", command, port, logs / "datasette.log")
    server.wait_ready("/-/versions.json")
    return server


def start_ceiling(requests: list[Request], workers: int, access_log: bool, logs: Path) -> Server:
    bodies = logs / "bodies.json"
    bodies.write_text(json.dumps({r.path: r.body.decode("utf-8") for r in requests}), encoding="utf-8")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.ceiling_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    command += ["--workers", str(workers)] if workers > 1 else []
    command += [] if access_log else ["--no-access-log"]
    env = {**os.environ, "HEADKG_BENCH_BODIES": str(bodies), "PYTHONPATH": str(REPO)}
    server = Server("bare FastAPI", command, port, logs / "ceiling.log", cwd=REPO, env=env)
    server.wait_ready("/")
    return server


def datasette_url(server: Server, request: Request) -> str:
    params = urlencode({**request.params, "_shape": "array"})
    return f"{server.base}/{datasette_db.DATABASE}/{request.query}.json?{params}"


def fetch_bodies(headkg: Server, datasette: Server, requests: list[Request]) -> None:
    """One request each, to check every server answers 200 and to keep headkg's body for the ceiling."""
    with httpx.Client(timeout=120) as client:
        for request in requests:
            started = time.perf_counter()
            answer = client.get(headkg.base + request.path)
            request.first_ms = (time.perf_counter() - started) * 1000
            request.body = answer.content
            if answer.status_code != 200:
                request.results["headkg"] = f"HTTP {answer.status_code}"
            if request.query:
                answer = client.get(datasette_url(datasette, request))
                request.datasette_body = answer.content
                if answer.status_code != 200 or not isinstance(answer.json(), list):
                    request.results["datasette"] = f"HTTP {answer.status_code}: {answer.text[:200]}"


# --- the run ----------------------------------------------------------------------------------------


def load_all(requests: list[Request], servers: dict[str, Server], args: argparse.Namespace) -> None:
    for request in requests:
        urls = {"headkg": servers["headkg"].base + request.path, "ceiling": servers["ceiling"].base + request.path}
        if request.query:
            urls["datasette"] = datasette_url(servers["datasette"], request)
        for name in ("headkg", "datasette", "ceiling"):
            if name not in urls or name in request.results:
                continue
            loadgen.warm_up(urls[name], requests=args.warmup, seconds=1.0)
            request.results[name] = loadgen.run_load(
                urls[name], connections=args.connections, duration=args.duration, client=args.client
            )
            servers[name].wait_idle()  # its leftover work must not weigh on the next server's run
        load = request.results.get("headkg")
        summary = f"{load.rps:,.0f} req/s, p99 {load.p99_ms:.1f} ms" if isinstance(load, Load) else load
        print(f"  {request.name}: headkg {summary}", file=sys.stderr)


def _rps(result: Load | str | None) -> float | None:
    return result.rps if isinstance(result, Load) and result.requests else None


def _rps_cell(result: Load | str | None) -> str:
    """req/s, with the sample size when it is too small to trust and the errors when there were any."""
    if not isinstance(result, Load):
        return str(result or "–")
    cell = f"{result.rps:,.1f}"
    if result.requests < FEW_REQUESTS:
        cell += f" (n={result.requests})"
    if result.errors:
        cell += f" ({result.errors:,} errors)"
    return cell


def _percent(part: float | None, whole: float | None, fmt: str) -> str:
    return fmt.format(part / whole) if part and whole else "–"


def table_row(r: Request) -> list[str]:
    """One request's cells: body sizes, headkg's rate and latency, the references, the target."""
    ours, theirs, ceiling = (r.results.get(k) for k in ("headkg", "datasette", "ceiling"))
    d_rps, c_rps = _rps(theirs), _rps(ceiling)
    target = target_rps(d_rps if r.query else None, c_rps)
    body = f"{len(r.body) / 1024:,.1f} KiB"
    if r.query:
        body = f"{len(r.body) / 1024:,.1f} / {len(r.datasette_body) / 1024:,.1f} KiB"
    latency = [f"{ours.p50_ms:.1f} ms", f"{ours.p99_ms:.1f} ms"] if isinstance(ours, Load) else ["–", "–"]
    return [
        r.name,
        body,
        f"{r.first_ms:,.0f} ms" if r.first_ms is not None else "–",
        _rps_cell(ours),
        *latency,
        _rps_cell(theirs) if r.query else "no SQL equivalent",
        _percent(_rps(ours), d_rps, "{:.2f}×"),
        f"{c_rps:,.0f}" if c_rps else _rps_cell(ceiling),
        f"{ceiling.p99_ms:.1f} ms" if isinstance(ceiling, Load) else "–",
        _percent(_rps(ours), c_rps, "{:.0%}"),
        f"{target:,.0f}" if target else "–",
        "pass" if isinstance(ours, Load) and passes(ours, target) else "**FAIL**",
    ]


HEADER = [
    "request",
    "body (headkg / Datasette)",
    "headkg first answer",
    "headkg req/s",
    "p50",
    "p99",
    "Datasette req/s",
    "headkg/Datasette",
    "ceiling req/s",
    "ceiling p99",
    "headkg/ceiling",
    "target req/s",
    "verdict",
]


def rss_line(server: Server) -> str:
    peaks = sorted(server.peak_rss.values(), reverse=True)
    worst = peaks[0] if peaks else 0
    shown = ", ".join(f"{p / 1e6:,.0f} MB" for p in peaks)
    verdict = "pass" if peaks and worst <= RSS_LIMIT else "**FAIL**"
    return f"headkg server: {len(peaks)} worker(s), peak RSS per worker {shown} (target ≤ 300 MB): {verdict}"


def _sampler(server: Server, stop: threading.Event) -> None:
    while not stop.is_set():
        server.sample_rss()
        stop.wait(0.25)


def run(args: argparse.Namespace) -> tuple[str, str]:
    label, copy, db = prepare(args)
    choice = choose(copy, args.q)
    requests = requests_for(choice)
    logs = Path(tempfile.mkdtemp(prefix="headkg-bench-api-"))
    servers: dict[str, Server] = {}
    stop = threading.Event()
    try:
        servers["headkg"] = start_headkg(db, logs)
        servers["datasette"] = start_datasette(copy, copy.parent / "datasette-metadata.json", logs)
        fetch_bodies(servers["headkg"], servers["datasette"], requests)
        workers = len(servers["headkg"].workers())
        access_log = '"GET /' in servers["headkg"].tail(200_000)
        servers["ceiling"] = start_ceiling(requests, workers, access_log, logs)
        threading.Thread(target=_sampler, args=(servers["headkg"], stop), daemon=True).start()
        print(
            f"load: {args.connections} connections, {args.duration:g} s per run ({loadgen.tool(args.client)})",
            file=sys.stderr,
        )
        load_all(requests, servers, args)
        paths = (args.pages or DEFAULT_PAGES) if args.pages is not None else []
        weights = [pages.weigh(servers["headkg"].base, p) for p in paths]
    finally:
        stop.set()
        for server in servers.values():
            server.stop()
    backend = "PostgreSQL" if args.db else "SQLite"
    tool = loadgen.tool(args.client)
    setup = (
        f"{label}, {backend}; {args.connections} connections, {args.duration:g} s per run after "
        f"{args.warmup} warm-up requests, load by {tool}; headkg {workers} worker(s), access log "
        f"{'on' if access_log else 'off'} (the ceiling runs the same)"
    )
    body = f"{setup}\n\nChosen from the store: {choice.described()}\n\n"
    body += markdown_table(HEADER, [table_row(r) for r in requests]) + "\n" + rss_line(servers["headkg"]) + "\n"
    if args.pages is not None:
        body += "\nPage weight:\n\n" + markdown_table(
            ["page", "HTML", "assets", "files", "transferred", "note"],
            [[w.url, f"{w.html:,} B", f"{w.assets:,} B", w.count, f"{w.transferred:,} B", w.note] for w in weights],
        )
    return f"{label}, {backend}", body


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000, help="README papers of the synthetic list")
    parser.add_argument("--source", help="a checkout of the list to benchmark instead of a synthetic one")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="postgresql://… server for headkg (a database per list is created and kept)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per request and server")
    parser.add_argument("--warmup", type=int, default=50, help="requests (within 1 s) before each measured run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--client", choices=["auto", "wrk", "python"], default="auto", help="load generator (auto: wrk when installed)"
    )
    parser.add_argument("--q", default="circuit", help="the word of the text-query request")
    parser.add_argument(
        "--cache",
        default=str(Path(tempfile.gettempdir()) / "headkg-bench"),
        help="where built lists and stores are kept between runs",
    )
    parser.add_argument("--pages", nargs="*", help="also weigh these HTML pages (default: the explorer's main ones)")
    parser.add_argument("--no-save", action="store_true", help="print only; do not append to results/api.md")
    args = parser.parse_args(argv)
    title, body = run(args)
    print(body)
    if not args.no_save:
        facts = machine(args.db, tools=("datasette", "fastapi", "uvicorn"))
        if loadgen.tool(args.client) == "wrk":
            facts.append(("wrk", measure(["wrk", "--version"]).stdout.split(" Copyright")[0]))
        path = append_result("api", f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {title}", INTRO, body, facts)
        print(f"appended to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
