"""A synthetic list in the upstream layout (README HTML tables, bib files, taxonomy figure), of any
size, for benchmarks: `python -m benchmarks.synthetic_list OUT --papers 100000`.

Shaped like the issue's measurements at 100,000 README papers: about 1.3 head badges per paper
drawn from 32 curated head types with a skewed (Zipf-like) popularity, so the most popular head has
about 25,000 papers and the rarest about 250; bib entries for 60% of the README papers plus as many
bib-only papers again (about 120,000 entries, 160,000 papers after merging); a taxonomy figure that
puts every head type in a stage and cites bib keys that exist. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

# Bump when the output changes, so cached stores built from an older list are not reused.
GENERATOR_VERSION = 2

# stage code -> sub-category -> (head type as the taxonomy writes it, model icons); the order of
# TAXONOMY's heads is their popularity rank (see WEIGHTS).
TAXONOMY: dict[str, dict[str, list[tuple[str, str]]]] = {
    "LR": {
        "In-context Learning": [("Induction Head", "gpt llama"), ("Function Vector Head", "llama gpt")],
        "Effective Reasoning": [("Truthfulness Head", "llama"), ("Accuracy Head", "gemma llama")],
        "Task-Specific Reas.": [("Successor Head", "pythia gpt"), ("Iteration Head", "toy")],
    },
    "ICI": {
        "Overall Structure": [
            ("Retrieval Head", "llama qwen"),
            ("Previous Token Head", "pythia gpt"),
            ("Positional Head", "gpt"),
            ("Duplicate Token Head", "gpt"),
        ],
        "Syntactic Information": [
            ("Name Mover Head", "gpt"),
            ("Backup Name Mover Head", "gpt"),
            ("Syntactic Head", "toy"),
            ("Letter Mover Head", "gpt"),
        ],
        "Semantic Information": [
            ("Context Head", "gpt"),
            ("Content Gatherer Head", "gemma"),
            ("Subject Head", "pythia"),
            ("Relation Head", "llama pythia"),
        ],
    },
    "KR": {
        "General Tasks": [("Memory Head", "llama pythia"), ("Associative Memory Head", "toy")],
        "Specific Tasks": [("Constant Head", "gemma"), ("Negative Head", "mistral llama")],
    },
    "EP": {
        "Information Aggregation": [("Mixed Head", "pythia"), ("Copy Suppression Head", "gpt")],
        "Signal Amplification": [("Amplification Head", "gemma"), ("Correct Head", "llama")],
        "Instruction Alignment": [("Coherence Head", "llama"), ("Faithfulness Head", "llama gpt")],
    },
}
HEADS = [head for stage in TAXONOMY.values() for leaf in stage.values() for head, _ in leaf]
# Zipf-like popularity; the last two are rare on purpose (about 800 and 250 papers at 100,000).
WEIGHTS = [1 / k**0.9 for k in range(1, len(HEADS) - 1)] + [0.03, 0.009]
WORDS = (
    "attention head circuit induction retrieval mechanism interpretability transformer reasoning memory "
    "factual recall copy suppression successor mover name inhibition positional syntactic semantic "
    "language model analysis emergence dynamics sparse pruning probing steering truthfulness"
).split()
TOPICS = ["AttnHead", "Exp", "Neuro", "Others"]
ARXIV_BADGE = '<img src="https://img.shields.io/badge/arXiv-Paper-%23D2691E?logo=arxiv" alt="Paper Badge">'
HEADER_ROW = (
    "  <tr>\n    <td><strong>Date</strong></td>\n    <td><strong>Paper & Summary</strong></td>\n"
    "    <td><strong>Tags</strong></td>\n    <td><strong>Links</strong></td>\n  </tr>\n"
)


def badge(name: str) -> str:
    """A head name as a shields.io badge path segment (`-` and `_` doubled, spaces as `_`)."""
    return name.replace("-", "--").replace("_", "__").replace(" ", "_")


def title_for(i: int, rng: random.Random) -> str:
    words = rng.sample(WORDS, 6)
    return f"{' '.join(words).capitalize()} number {i}"


def arxiv(i: int) -> str:
    return f"{2000 + i // 99999:04d}.{i % 99999:05d}"


def row(i: int, date: dt.date, title: str, heads: list[str]) -> str:
    """One paper as the README writes it: a row of date, title, badges and link, then its summary."""
    badges = "".join(f'<img src="https://img.shields.io/badge/{badge(h)}-blue" alt="{h} Badge">' for h in heads)
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


def bib_entry(key: str, i: int, title: str, year: int, authors: str) -> str:
    doi = f"https://doi.org/10.48550/arXiv.{arxiv(i)}"
    return (
        f"@article{{{key},\n  title={{{title}}},\n  author={{{authors}}},\n"
        f"  journal={{Preprint at arXiv}},\n  year={{{year}}},\n  note={{\\href{{{doi}}}{{{doi}}}}},\n}}\n"
    )


def _heads_of(rng: random.Random) -> list[str]:
    count = rng.choices([1, 2, 3], weights=[75, 20, 5])[0]
    heads: list[str] = []
    while len(heads) < count:
        head = rng.choices(HEADS, weights=WEIGHTS)[0]
        if head not in heads:
            heads.append(head)
    return heads


def _authors(rng: random.Random, pool: int) -> str:
    people = rng.sample(range(pool), rng.randint(2, 4))
    return " and ".join(f"Author{p}, {chr(65 + p % 26)}." for p in people)


def readme(entries: list[tuple[dt.date, int, str, list[str]]]) -> str:
    """The README: one table per year, newest first, as the upstream list lays it out."""
    parts = ["# Synthetic list\n\n## Paper List\n"]
    year = None
    for date, i, title, heads in entries:
        if date.year != year:
            if year is not None:
                parts.append("</table>\n\n")
            year = date.year
            parts.append(f'<strong>Year {year}</strong>\n\n<table style="width: 100%;">\n{HEADER_ROW}')
        parts.append(row(i, date, title, heads))
    parts.append("</table>\n")
    return "".join(parts)


def _leaf_head(head: str, icons: str, keys: Iterator[str]) -> str:
    macros = "".join("\\" + icon + "{}" for icon in icons.split())
    return f"\\textbf{{{macros}{head}}}~\\citep{{{next(keys)},{next(keys)}}}"


def taxonomy(cited: list[str]) -> str:
    """The taxonomy figure (a `forest` tree: stage -> sub-category -> heads), each head citing bib keys."""
    keys = itertools.cycle(cited)
    stages = []
    for code, categories in TAXONOMY.items():
        leaves = []
        for category, heads in categories.items():
            items = "{, }".join(_leaf_head(head, icons, keys) for head, icons in heads)
            leaves.append(
                f"        [\\ \\textbf{{{category}}}, leaf-others\n            [{items}, modelnode-others]\n        ]"
            )
        label = f"    [\\textbf{{ \\S \\nameref{{subsec:{code}}}}}, leaf-others\n"
        stages.append(label + "\n".join(leaves) + "\n    ]")
    return (
        "\\begin{figure*}[t!]\n    \\centering\n    \\begin{forest}\n"
        "    for tree={grow=east, reversed=true},\n"
        "    [\\textbf{Special Attention Heads}, leaf-head, ver\n" + "\n".join(stages) + "\n    ]\n"
        "    \\end{forest}\n    \\caption{Synthetic taxonomy.}\n\\end{figure*}\n"
    )


def write_list(out: Path, papers: int, seed: int = 7) -> None:
    """README rows for `papers` papers, bib entries for 60% of them plus 0.6 × `papers` bib-only ones,
    and the taxonomy figure."""
    rng = random.Random(seed)
    start = dt.date(2016, 1, 1)
    span = 3650
    entries = []
    for i in range(papers):
        date = start + dt.timedelta(days=(i * span) // max(papers, 1))
        entries.append((date, i, title_for(i, rng), _heads_of(rng)))
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(readme(entries), encoding="utf-8")

    pool = max(50, papers // 10)
    files: dict[str, list[str]] = {t: [] for t in TOPICS}
    cited: list[str] = []
    for date, i, title, _heads in entries:
        if rng.random() < 0.6:
            key = f"Paper{i}_{date.year}"
            files[TOPICS[i % len(TOPICS)]].append(bib_entry(key, i, title, date.year, _authors(rng, pool)))
            if len(cited) < 2 * len(HEADS):
                cited.append(key)
    for i in range(papers, papers + (papers * 3) // 5):
        year = (start + dt.timedelta(days=rng.randrange(span))).year
        key = f"Extra{i}_{year}"
        files[TOPICS[i % len(TOPICS)]].append(bib_entry(key, i, title_for(i, rng), year, _authors(rng, pool)))
    bib_dir = out / "source" / "bib"
    bib_dir.mkdir(parents=True, exist_ok=True)
    for topic, items in files.items():
        (bib_dir / f"{topic}.bib").write_text("\n".join(items), encoding="utf-8")
    figures = out / "source" / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    (figures / "head_taxonomy.tex").write_text(taxonomy(cited or ["Missing"]), encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write_list(args.out, args.papers, args.seed)
