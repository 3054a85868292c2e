"""Full versus incremental build on a synthetic list: `python benchmarks/bench_build.py --papers 100000`.

Builds the list into a fresh SQLite store, adds one paper at the top of the README (what a typical
pull request does), then times the incremental build over the same store and a no-change rebuild.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.synthetic_list import write_list
from headkg.db.store import HeadKG

NEW_ROW = """  <tr>
    <td rowspan="2" style="width: 15%;">2026-01-02</td>
    <td style="width: 55%;"><strong>A Brand New Head</strong></td>
    <td style="width: 15%;"><img src="https://img.shields.io/badge/Induction_Head-blue" alt="Badge"></td>
    <td style="width: 15%;"><a href="https://arxiv.org/abs/2601.00001">paper</a></td>
  </tr>
  <tr>
    <td colspan="3">
      • New.
    </td>
  </tr>
"""


def timed(label: str, kg: HeadKG, source: Path, **options: bool) -> float:
    start = time.perf_counter()
    report = kg.build(str(source), **options)
    seconds = time.perf_counter() - start
    print(f"{label:<28} {seconds:8.2f} s   {report.papers} papers; {'; '.join(report.changes)}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "list"
        write_list(root, args.papers)
        kg = HeadKG(Path(tmp) / "store.sqlite")
        full = timed("full build", kg, root)
        timed("rebuild, nothing changed", kg, root)
        readme = root / "README.md"
        text = readme.read_text(encoding="utf-8")
        anchor = "<td><strong>Links</strong></td>\n  </tr>\n"
        readme.write_text(text.replace(anchor, anchor + NEW_ROW, 1), encoding="utf-8")
        incremental = timed("incremental, one new paper", kg, root)
        print(f"incremental / full = {incremental / full:.2f}")


if __name__ == "__main__":
    main()
