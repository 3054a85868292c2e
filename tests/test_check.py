"""`headkg check`: each kind of defect a pull request can bring, graded and located."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from readme_rows import insert_at_top, row
from typer.testing import CliRunner

from headkg.api.cli import app

CLEAN = Path(__file__).resolve().parent / "data" / "lists" / "clean"
runner = CliRunner()


def add_row(root: Path, *, date: str, title: str, badge: str, arxiv: str | None) -> int:
    """Insert a README row at the top of the 2024 table; return the line of its title."""
    return insert_at_top(root, row(date=date, title=title, badges=[badge], arxiv=arxiv))


def check(root: Path, fmt: str = "json") -> tuple[int, list[dict]]:
    result = runner.invoke(app, ["check", str(root), "--format", fmt])
    return result.exit_code, json.loads(result.stdout) if fmt == "json" else result.stdout


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "list"
    shutil.copytree(CLEAN, root)
    return root


def test_clean_list_passes(checkout: Path) -> None:
    assert check(checkout) == (0, [])


# The title line of the clean list's retrieval-head row; a duplicate is reported on whichever of
# the two rows comes later in the file, here the existing one, pushed down by the 11 new lines.
EXISTING_RETRIEVAL_ROW = 14


def _append_bib(root: Path, text: str) -> int:
    bib = root / "source" / "bib" / "AttnHead.bib"
    before = bib.read_text(encoding="utf-8")
    bib.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


def _duplicate_arxiv(root: Path) -> tuple[str, int]:
    add_row(root, date="2024-05-01", title="A Renamed Retrieval Paper", badge="Retrieval_Head", arxiv="2404.15574")
    return "README.md", EXISTING_RETRIEVAL_ROW + 11


def _near_identical_title(root: Path) -> tuple[str, int]:
    title = "Retrieval head mechanistically explains long context factuality!"
    add_row(root, date="2024-05-01", title=title, badge="Retrieval_Head", arxiv="2404.15574")
    return "README.md", EXISTING_RETRIEVAL_ROW + 11


def _bib_twice(root: Path) -> tuple[str, int]:
    line = _append_bib(
        root,
        "@article{RetrievalAgain_24,\n  title={Retrieval Head Mechanistically Explains Long-Context Factuality},\n"
        "  author={Wu, Wenhao},\n  year={2024},\n}\n",
    )
    return "source/bib/AttnHead.bib", line


def _misspelt_head(root: Path) -> tuple[str, int]:
    line = add_row(root, date="2024-05-01", title="New Paper", badge="S--Inhibtion_Head", arxiv="2405.11111")
    return "README.md", line + 1  # the badge's line


def _future_date(root: Path) -> tuple[str, int]:
    line = add_row(root, date="2099-01-01", title="From The Future", badge="Induction_Head", arxiv="2405.22222")
    return "README.md", line - 1  # the date's line


def _impossible_date(root: Path) -> tuple[str, int]:
    line = add_row(root, date="2024-02-30", title="Leap Of Faith", badge="Induction_Head", arxiv="2405.33333")
    return "README.md", line - 1


def _no_link(root: Path) -> tuple[str, int]:
    line = add_row(root, date="2024-05-01", title="Linkless", badge="Induction_Head", arxiv=None)
    return "README.md", line + 2  # the Links cell's line


def _bad_bib(root: Path) -> tuple[str, int]:
    return "source/bib/AttnHead.bib", _append_bib(root, "@article{Broken_24,\n  title={Unclosed,\n  year={2024},\n")


def _missing_citation(root: Path) -> tuple[str, int]:
    figure = root / "source" / "figures" / "head_taxonomy.tex"
    text = figure.read_text(encoding="utf-8")
    figure.write_text(
        text.replace(
            "\\citep{InductionHeads_22_TCT_Anthropic}, modelnode-other", "\\citep{NoSuchKey_99}, modelnode-other"
        ),
        encoding="utf-8",
    )
    line = next(i for i, t in enumerate(figure.read_text().splitlines(), 1) if "NoSuchKey_99" in t)
    return "source/figures/head_taxonomy.tex", line


@pytest.mark.parametrize(
    ("defect", "code", "words"),
    [
        (_duplicate_arxiv, "paper.duplicate", "duplicate README row"),
        (_near_identical_title, "paper.duplicate", "duplicate README row"),
        (_bib_twice, "paper.duplicate", "duplicate bib entry"),
        (_misspelt_head, "head.misspelt", "S-Inhibition Head"),
        (_future_date, "", "future"),
        (_impossible_date, "", "2024-02-30"),
        (_no_link, "", "link"),
        (_bad_bib, "", "could not parse"),
        (_missing_citation, "cite.missing", "NoSuchKey_99"),
    ],
)
def test_defects_are_errors_at_their_line(
    checkout: Path, defect: Callable[[Path], tuple[str, int]], code: str, words: str
) -> None:
    file, line = defect(checkout)
    exit_code, findings = check(checkout)
    assert exit_code == 1
    errors = [f for f in findings if f["severity"] == "error"]
    matching = [f for f in errors if f["file"] == file and f["line"] == line and (not code or f["code"] == code)]
    assert matching, f"no error at {file}:{line} in {errors}"
    assert any(words.casefold() in (f["message"] + f["hint"]).casefold() for f in matching)


def test_new_head_name_is_only_a_warning(checkout: Path) -> None:
    line = add_row(checkout, date="2024-05-01", title="Zebras", badge="Zebra_Crossing_Head", arxiv="2405.44444")
    exit_code, findings = check(checkout)
    assert exit_code == 0
    assert [(f["severity"], f["line"], f["code"]) for f in findings] == [("warning", line + 1, "head.unknown")]


def test_github_annotations(checkout: Path) -> None:
    _, line = _no_link(checkout)
    exit_code, out = check(checkout, "github")
    assert exit_code == 1
    assert f"::error file=README.md,line={line},title=headkg check (row.no-link)::" in out


def test_snapshot_defects_are_found(snapshot: Path) -> None:
    exit_code, findings = check(snapshot)
    assert exit_code == 1
    located = {(f["file"], f["line"]) for f in findings if f["severity"] == "error"}
    assert ("README.md", 529) in located  # a stray <tr>
    assert ("source/bib/Eval+Addi.bib", 164) in located  # one paper under two bib keys
    assert ("source/bib/AttnHead.bib", 331) in located  # year = {Preprint at arXiv}


def test_a_paper_written_by_add_passes_check(checkout: Path) -> None:
    result = runner.invoke(
        app,
        [
            "add",
            "--source",
            str(checkout),
            "--title",
            "Successor Heads Count Days of the Week",
            "--date",
            "2024-03-05",
            "--head",
            "successor heads",
            "--head",
            "S inhibition head",
            "--arxiv",
            "2403.01234",
            "--summary",
            "Finds successor heads in small models.",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert check(checkout) == (0, [])
    readme = (checkout / "README.md").read_text(encoding="utf-8")
    assert "badge/Successor_Head-blue" in readme and "badge/S--Inhibition_Head-blue" in readme
