"""Build, check and export on one synthetic list, beside their references:
`python -m benchmarks.bench_build --papers 100000 [--db postgresql://…]`.

Every step runs the installed `headkg` command as a child process (wall time and peak RSS include
start-up, as a user sees them): the bibtexparser floor (the same bib files parsed alone by
bibtexparser 2), a full build, a rebuild with nothing changed, one paper added at the top of the
README, one paper's head badge edited, one bib entry edited, one paper removed, `headkg check` of the
whole list (and `check --base` once headkg has it), GEXF and GraphML export, and networkx writing the
same graph (read back from our file of that format; only the write is timed). Prints one table with each step's
ratio to its reference and the goal of issue 13, and appends it to benchmarks/results/build.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks import edits
from benchmarks.procs import Measured, installed_command, measure
from benchmarks.report import (
    append_result,
    create_database,
    drop_database,
    fmt_mib,
    fmt_seconds,
    machine,
    markdown_table,
)
from benchmarks.verdicts import GIB, build_summary, change_counts, expected_changes

INTRO = """# Build, check and export benchmark (issue 13)

One section per run of `python -m benchmarks.bench_build`, newest at the bottom. Wall times, CPU
times and peak RSS are of a child process each (start-up included); the networkx rows time only the
write. On a shared machine the wall time follows the load; the CPU time does not.
"""
FLOOR_SCRIPT = """
import sys, bibtexparser
print(sum(len(bibtexparser.parse_file(path).entries) for path in sys.argv[1:]))
"""
NETWORKX_SCRIPT = """
import json, sys, time, networkx as nx
graph = getattr(nx, "read_" + sys.argv[3])(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
getattr(nx, "write_" + sys.argv[3])(graph, sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}))
"""


@dataclass
class Row:
    step: str
    run: Measured | None
    seconds: float | None = None  # when the step times itself (networkx)
    cpu_seconds: float | None = None  # likewise
    reference: str = "–"
    ratio: float | None = None
    goal: str = "–"
    passed: bool | None = None
    store: str = ""

    @property
    def wall(self) -> float | None:
        return self.seconds if self.seconds is not None else (self.run.seconds if self.run else None)

    def cells(self) -> list[str]:
        verdict = {True: "pass", False: "**FAIL**", None: "–"}[self.passed]
        return [
            self.step,
            fmt_seconds(self.wall),
            fmt_seconds(
                self.cpu_seconds if self.cpu_seconds is not None else (self.run.cpu_seconds if self.run else None)
            ),
            fmt_mib(self.run.peak_rss if self.run else None),
            self.reference,
            "–" if self.ratio is None else f"{self.ratio:.2f}×",
            self.goal,
            verdict,
            self.store,
        ]


HEADER = ["step", "wall", "CPU (user + sys)", "peak RSS", "reference", "ratio", "goal", "verdict", "the store reports"]


class Bench:
    """One synthetic list, one store, the installed headkg: each step measured as a child process."""

    def __init__(self, root: Path, db: str, work: Path) -> None:
        self.root, self.db, self.work = root, db, work
        self.headkg = installed_command("headkg")
        self.env = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1", "TERM": "dumb"}

    def run(self, *args: str, check_ok: bool = True) -> Measured:
        run = measure([self.headkg, *args], env=self.env)
        if check_ok and run.returncode != 0:
            raise SystemExit(f"`headkg {' '.join(args)}` failed ({run.returncode}):\n{run.stderr[-3000:]}")
        return run

    def build(self, *extra: str) -> Measured:
        return self.run("build", "--source", str(self.root), "--db", self.db, "--quiet", *extra)

    def python(self, script: str, *args: str) -> Measured:
        run = measure([sys.executable, "-c", script, *args], env=self.env)
        if run.returncode != 0:
            raise SystemExit(f"reference script failed:\n{run.stderr[-3000:]}")
        return run


def _build_row(step: str, run: Measured, full: Measured, expected: dict[str, int]) -> Row:
    summary = build_summary(run.stderr)
    ratio = run.seconds / full.seconds
    changes_ok = expected_changes(change_counts(summary), expected)
    passed = ratio <= 0.10 and changes_ok is not False
    want = ", ".join(f"{n} {w}" for w, n in expected.items())
    return Row(step, run, reference="full build", ratio=ratio, goal=f"≤ 10%; {want}", passed=passed, store=summary)


def floor_row(bench: Bench) -> Row:
    bibs = sorted(str(p) for p in (bench.root / "source" / "bib").glob("*.bib"))
    floor = bench.python(FLOOR_SCRIPT, *bibs)
    return Row("bibtexparser floor", floor, store=f"{floor.stdout.strip()} bib entries in {len(bibs)} files")


def full_row(bench: Bench, floor: Measured | None) -> Row:
    full = bench.build("--full")
    ratio = full.seconds / floor.seconds if floor else None
    return Row(
        "full build",
        full,
        reference="floor" if floor else "–",
        ratio=ratio,
        goal="≤ 2×, RSS ≤ 1 GiB",
        passed=None if ratio is None else ratio <= 2 and full.peak_rss <= GIB,
        store=build_summary(full.stderr),
    )


def same_row(bench: Bench) -> Row:
    same = bench.build()
    return Row(
        "rebuild, nothing changed",
        same,
        goal="≤ 1 s",
        passed=same.seconds <= 1.0,
        store=build_summary(same.stderr),
    )


def check_rows(bench: Bench, floor: Measured) -> list[Row]:
    run = bench.run("check", str(bench.root), "--format", "json", check_ok=False)
    if run.returncode not in (0, 1):
        raise SystemExit(f"`headkg check` crashed ({run.returncode}):\n{run.stderr[-3000:]}")
    ratio = run.seconds / floor.seconds
    found = "no errors" if run.returncode == 0 else "reported errors"
    return [Row("check (whole list)", run, reference="floor", ratio=ratio, goal="≤ 2×", passed=ratio <= 2, store=found)]


def export_rows(bench: Bench) -> list[Row]:
    """`headkg export` to GEXF and GraphML, each beside networkx writing the same graph."""
    rows = []
    for fmt in ("gexf", "graphml"):
        ours = bench.work / f"graph.{fmt}"
        exported = bench.run("export", "--format", fmt, "-o", str(ours), "--db", bench.db)
        ref = bench.python(NETWORKX_SCRIPT, str(ours), str(bench.work / f"networkx.{fmt}"), fmt)
        facts = json.loads(ref.stdout.strip().splitlines()[-1])
        ratio = exported.seconds / facts["seconds"]
        rows.append(
            Row(
                f"export {fmt}",
                exported,
                reference=f"networkx write_{fmt}",
                ratio=ratio,
                goal="≤ 1.5×",
                passed=ratio <= 1.5,
                store=f"{ours.stat().st_size / 2**20:,.1f} MiB",
            )
        )
        rows.append(
            Row(
                f"networkx write_{fmt} (read back from our {fmt})",
                ref,
                seconds=facts["seconds"],
                cpu_seconds=facts.get("cpu"),
                store=f"{facts['nodes']:,} nodes, {facts['edges']:,} edges; RSS includes the read",
            )
        )
    return rows


def check_base_supported(bench: Bench) -> bool:
    return "--base" in bench.run("check", "--help").stdout


EDITS = [  # what a pull request does, and what the store should report for it
    ("one paper added", edits.add_paper, {"added": 1, "changed": 0, "removed": 0}),
    ("head badge edited", edits.edit_badge, {"added": 0, "changed": 1, "removed": 0}),
    ("bib entry edited", edits.edit_bib_entry, {"added": 0, "changed": 1, "removed": 0}),
    ("one paper removed", edits.remove_paper, {"added": 0, "changed": 0, "removed": 1}),
]


def check_base_row(bench: Bench) -> Row:
    """`headkg check --base` of the commit that added a paper, the store still built from its parent."""
    edits.git_commit(bench.root, "one paper added")
    args = ["check", str(bench.root), "--base", "HEAD~1", "--format", "json"]
    if "--db" in bench.run("check", "--help").stdout:
        args += ["--db", bench.db]
    run = bench.run(*args, check_ok=False)
    return Row(
        "check --base (one paper added)", run, goal="≤ 2 s", passed=run.seconds <= 2 and run.returncode in (0, 1)
    )


def edit_rows(bench: Bench, full: Measured) -> list[Row]:
    """Each edit of EDITS, then a rebuild; `check --base` after the first once headkg offers it."""
    rows = []
    base = check_base_supported(bench)
    if base:
        edits.git_commit(bench.root, "base")
    for k, (step, edit, expected) in enumerate(EDITS):
        what = edit(bench.root)
        if base and k == 0:
            rows.append(check_base_row(bench))
        rows.append(_build_row(f"{step} ({what})", bench.build(), full, expected))
    return rows


STEPS = ("floor", "full", "same", "check", "export", "edits")
"""What a run measures, in order; the full build always runs (the later steps need its store) and the
floor runs whenever the full build or `check` is measured against it."""


def run_all(root: Path, db: str, work: Path, steps: tuple[str, ...] = STEPS) -> list[Row]:
    bench = Bench(root, db, work)
    floor = floor_row(bench) if {"floor", "full", "check"} & set(steps) else None
    full = full_row(bench, floor.run if floor else None)
    print(f"full build {full.wall:.1f} s", file=sys.stderr)
    rows = [row for row in (floor, full) if row is not None]
    if "same" in steps:
        rows.append(same_row(bench))
    if "check" in steps and floor is not None:
        rows += check_rows(bench, floor.run)  # type: ignore[arg-type]
    if "export" in steps:
        rows += export_rows(bench)
    if "edits" in steps:
        rows += edit_rows(bench, full.run)  # type: ignore[arg-type]
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000, help="README papers of the synthetic list")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="postgresql://… server to run on (a scratch database is created and dropped)")
    parser.add_argument("--no-save", action="store_true", help="print only; do not append to results/build.md")
    parser.add_argument(
        "--steps",
        default=",".join(STEPS),
        help=f"comma-separated steps to measure, of {', '.join(STEPS)} (default: all; the full build always runs)",
    )
    args = parser.parse_args(argv)
    steps = tuple(step.strip() for step in args.steps.split(",") if step.strip())
    if unknown := set(steps) - set(STEPS):
        parser.error(f"unknown steps {', '.join(sorted(unknown))}; choose from {', '.join(STEPS)}")
    scratch = f"headkg_bench_build_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="headkg-bench-build-") as tmp:
        work = Path(tmp)
        root = work / "list"
        print(f"writing a synthetic list of {args.papers:,} README papers…", file=sys.stderr)
        # in a child process: the kernel counts this process's size at fork in every child's peak RSS,
        # so the benchmark itself stays small (a list of 100,000 papers built here took 300 MiB)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.synthetic_list",
                str(root),
                "--papers",
                str(args.papers),
                "--seed",
                str(args.seed),
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"writing the synthetic list failed:\n{done.stderr[-3000:]}")
        db = create_database(args.db, scratch, fresh=True) if args.db else str(work / "store.sqlite")
        try:
            rows = run_all(root, db, work, steps)
        finally:
            if args.db:
                drop_database(args.db, scratch)
    backend = "PostgreSQL" if args.db else "SQLite"
    table = markdown_table(HEADER, [row.cells() for row in rows])
    print(table)
    if not args.no_save:
        facts = machine(args.db, tools=("bibtexparser", "networkx", "sqlalchemy"))
        title = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {args.papers:,} README papers, {backend}"
        if steps != STEPS:
            title += f" (steps: {', '.join(steps)})"
        path = append_result("build", title, INTRO, table, facts)
        print(f"appended to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
