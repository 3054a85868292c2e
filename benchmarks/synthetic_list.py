"""A synthetic list in the upstream layout (README HTML tables + bib files), of any size, for
benchmarks of the build: `python benchmarks/synthetic_list.py OUT --papers 100000`."""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

HEADS = [
    "Induction Head",
    "Retrieval Head",
    "Previous Token Head",
    "Name Mover Head",
    "Successor Head",
    "Copy Suppression Head",
    "Memory Head",
    "Mixed Head",
    "Function Vector Head",
    "S-Inhibition Head",
]
WORDS = (
    "attention head circuit induction retrieval mechanism interpretability transformer reasoning memory "
    "factual recall copy suppression successor mover name inhibition positional syntactic semantic "
    "language model analysis emergence dynamics sparse pruning probing steering truthfulness"
).split()


ARXIV_BADGE = '<img src="https://img.shields.io/badge/arXiv-Paper-%23D2691E?logo=arxiv" alt="Paper Badge">'


def _badge(name: str) -> str:
    return name.replace("-", "--").replace("_", "__").replace(" ", "_")


def title_for(i: int, rng: random.Random) -> str:
    words = rng.sample(WORDS, 6)
    return f"{' '.join(words).capitalize()} number {i}"


def row(i: int, date: dt.date, title: str, heads: list[str]) -> str:
    badges = "".join(f'<img src="https://img.shields.io/badge/{_badge(h)}-blue" alt="{h} Badge">' for h in heads)
    return f"""  <tr>
    <td rowspan="2" style="width: 15%;">{date.isoformat()}</td>
    <td style="width: 55%;"><strong>{title}</strong></td>
    <td style="width: 15%;">{badges}</td>
    <td style="width: 15%;"><a href="https://arxiv.org/abs/{arxiv(i)}">{ARXIV_BADGE}</a></td>
  </tr>
  <tr>
    <td colspan="3">
      • Finding {i}.<br>
      • Method {i}.
    </td>
  </tr>
"""


def arxiv(i: int) -> str:
    return f"{2000 + i // 99999:04d}.{i % 99999:05d}"


def write_list(out: Path, papers: int, seed: int = 7) -> None:
    """README rows for every paper (newest first, grouped by year), bib entries for half of them."""
    rng = random.Random(seed)
    start = dt.date(2016, 1, 1)
    entries = []
    for i in range(papers):
        date = start + dt.timedelta(days=(i * 3650) // max(papers, 1))
        entries.append((date, i, title_for(i, rng), rng.sample(HEADS, rng.randint(1, 3))))
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    parts = ["# Synthetic list\n\n## Paper List\n"]
    year = None
    for date, i, title, heads in entries:
        if date.year != year:
            if year is not None:
                parts.append("</table>\n\n")
            year = date.year
            parts.append(f'<strong>Year {year}</strong>\n\n<table style="width: 100%;">\n')
            parts.append(
                "  <tr>\n    <td><strong>Date</strong></td>\n    <td><strong>Paper & Summary</strong></td>\n"
                "    <td><strong>Tags</strong></td>\n    <td><strong>Links</strong></td>\n  </tr>\n"
            )
        parts.append(row(i, date, title, heads))
    parts.append("</table>\n")
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text("".join(parts), encoding="utf-8")
    bib_dir = out / "source" / "bib"
    bib_dir.mkdir(parents=True, exist_ok=True)
    topics = ["AttnHead", "Exp", "Neuro", "Others"]
    files: dict[str, list[str]] = {t: [] for t in topics}
    for date, i, title, _heads in entries[::2]:
        files[topics[i % len(topics)]].append(
            f"@article{{Paper{i}_{date.year},\n  title={{{title}}},\n  author={{Doe, Jane and Roe, Rick}},\n"
            f"  journal={{Preprint at arXiv}},\n  year={{{date.year}}},\n"
            f"  note={{\\href{{https://doi.org/10.48550/arXiv.{arxiv(i)}}}{{https://doi.org/10.48550/arXiv.{arxiv(i)}}}}},\n}}\n"
        )
    for topic, items in files.items():
        (bib_dir / f"{topic}.bib").write_text("".join(items), encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--papers", type=int, default=100_000)
    args = parser.parse_args()
    write_list(args.out, args.papers)
