"""Small edits to a synthetic list, as a pull request makes them: each returns what it changed."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

from benchmarks.synthetic_list import HEADER_ROW, HEADS, badge, row

# A paper in the README: its row (date, title, badges, link) and its summary row.
PAPER = re.compile(r'  <tr>\n    <td rowspan="2".*?</tr>\n  <tr>\n.*?</tr>\n', re.DOTALL)
BADGE = re.compile(r"img\.shields\.io/badge/((?:[^-]|--)+)-blue\" alt=\"([^\"]+) Badge\"")
ARXIV = re.compile(r"arxiv\.org/abs/([\d.]+)")
NEW_ARXIV_NUMBER = 9_999_998  # arxiv(i) of an id far beyond any generated paper


def _readme(root: Path) -> tuple[Path, str]:
    path = root / "README.md"
    return path, path.read_text(encoding="utf-8")


def _paper_at(text: str, fraction: float) -> re.Match[str]:
    papers = list(PAPER.finditer(text))
    if not papers:
        raise ValueError("no paper rows in README.md")
    return papers[int(len(papers) * fraction)]


def add_paper(root: Path) -> str:
    """A new paper at the top of the README (newest first), dated like the current newest one."""
    path, text = _readme(root)
    first = PAPER.search(text)
    date = re.search(r"\d{4}-\d{2}-\d{2}", first.group(0)).group(0) if first else "2025-12-31"
    new = row(NEW_ARXIV_NUMBER, dt.date.fromisoformat(date), "A brand new head found by one pull request", [HEADS[0]])
    at = text.index(HEADER_ROW) + len(HEADER_ROW)
    path.write_text(text[:at] + new + text[at:], encoding="utf-8")
    return f"arXiv {ARXIV.search(new).group(1)}"  # type: ignore[union-attr]


def edit_badge(root: Path) -> str:
    """The first head badge of the paper a third down the README replaced by another head type."""
    path, text = _readme(root)
    paper = _paper_at(text, 1 / 3)
    block = paper.group(0)
    found = BADGE.search(block)
    if not found:
        raise ValueError("the paper a third down the README has no head badge")
    present = {m.group(2) for m in BADGE.finditer(block)}
    other = next(h for h in HEADS if h not in present)
    edited = block.replace(found.group(0), f'img.shields.io/badge/{badge(other)}-blue" alt="{other} Badge"', 1)
    path.write_text(text[: paper.start()] + edited + text[paper.end() :], encoding="utf-8")
    return f"{found.group(2)} → {other}"


def edit_bib_entry(root: Path) -> str:
    """The middle entry of the first bib file gets one more author (authors come only from bib files)."""
    path = sorted((root / "source" / "bib").glob("*.bib"))[0]
    text = path.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"^@\w+\{", text, re.MULTILINE)]
    start = starts[len(starts) // 2]
    end = text.find("\n@", start + 1)
    end = len(text) if end < 0 else end
    entry = text[start:end]
    edited = re.sub(r"author=\{([^}]*)\}", r"author={\1 and Edited, Eve}", entry, count=1)
    if edited == entry:
        raise ValueError(f"no author field in the entry at {path.name} offset {start}")
    path.write_text(text[:start] + edited + text[end:], encoding="utf-8")
    return re.match(r"@\w+\{([^,]+),", entry).group(1)  # type: ignore[union-attr]


def remove_paper(root: Path) -> str:
    """A README paper without a bib entry (so the store loses it), from two thirds down the README."""
    path, text = _readme(root)
    bibs = "".join(p.read_text(encoding="utf-8") for p in (root / "source" / "bib").glob("*.bib"))
    papers = list(PAPER.finditer(text))
    cut = len(papers) * 2 // 3
    for paper in papers[cut:] + papers[:cut]:
        arxiv = ARXIV.search(paper.group(0))
        if arxiv and f"arXiv.{arxiv.group(1)}" not in bibs:
            path.write_text(text[: paper.start()] + text[paper.end() :], encoding="utf-8")
            return f"arXiv {arxiv.group(1)}"
    raise ValueError("every README paper has a bib entry")


def git_commit(root: Path, message: str) -> None:
    """Commit the list as it is (a repository is created the first time)."""

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    if not (root / ".git").exists():
        git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", message)
