"""A small README edit is built by reading only the rows it touched (db/patch.py), and the store is
then exactly what a full build of the new list writes, on SQLite and PostgreSQL. Edits it cannot
apply exactly (a look-alike title, an arXiv id another record has, a retitled row, edits in two
sections, a bib entry) are built as before, and give the same store too."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from readme_rows import insert_at_top, row
from test_incremental import _store_rows, cli

from benchmarks import edits
from benchmarks.synthetic_list import write_list

PATCHED = "the records of one edit read again"
PAPERS = 400


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synthetic") / "list"
    write_list(root, PAPERS)
    return root


def _readme(root: Path) -> str:
    return (root / "README.md").read_text(encoding="utf-8")


def _write(root: Path, text: str) -> None:
    (root / "README.md").write_text(text, encoding="utf-8")


def _titles(root: Path) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong>", _readme(root))[4:]  # past the header cells


def _add_two(root: Path) -> None:
    insert_at_top(
        root, row(date="2025-12-30", title="Quokka heads in the wild", badges=["Induction_Head"], arxiv="2512.99991")
    )
    insert_at_top(
        root, row(date="2025-12-31", title="Wombat heads revisited", badges=["Retrieval_Head"], arxiv="2512.99992")
    )


def _remove_added(root: Path) -> None:
    """The row the test put at the top taken out again."""
    _write(root, _readme(root).replace(QUOKKA, "", 1))


QUOKKA = row(date="2025-12-31", title="Numbat heads near the surface", badges=["Induction_Head"], arxiv="2512.99990")


def _add_look_alike(root: Path) -> None:
    title = _titles(root)[5]
    insert_at_top(
        root, row(date="2025-12-31", title=title + " revisited", badges=["Induction_Head"], arxiv="2512.99993")
    )


def _add_known_arxiv(root: Path) -> None:
    arxiv = re.findall(r"arxiv\.org/abs/([\d.]+)", _readme(root))[7]
    insert_at_top(
        root, row(date="2025-12-31", title="An unrelated quokka study", badges=["Induction_Head"], arxiv=arxiv)
    )


def _retitle(root: Path) -> None:
    title = _titles(root)[len(_titles(root)) // 2]
    _write(root, _readme(root).replace(f"<strong>{title}</strong>", f"<strong>{title} (extended)</strong>", 1))


def _two_sections(root: Path) -> None:
    edits.edit_badge(root)
    text = _readme(root)
    last = text.rindex("Induction Head Badge")
    _write(root, text[:last] + text[last:].replace("Induction", "Retrieval", 2))


def _built(synthetic: Path, tmp_path: Path, *stores: str) -> Path:
    """A copy of the synthetic list with a paper of rare title words at the top, built into each store."""
    root = tmp_path / "list"
    shutil.copytree(synthetic, root)
    insert_at_top(root, QUOKKA)
    for db in stores:
        assert cli("build", "--source", str(root), "--db", db, "--quiet")[0] == 0
    return root


NEW_ENTRY = """
@article{Numbat_25_arXiv,
  title={Wombat burrows and the heads that dig them},
  author={Quoll, Quinn and Bilby, Bo},
  journal={Preprint at arXiv},
  year={2025},
  url={https://arxiv.org/abs/2512.99995}
}
"""


def _bib(root: Path) -> Path:
    return sorted((root / "source" / "bib").glob("*.bib"))[-1]


def _add_bib_entry(root: Path) -> None:
    path = _bib(root)
    path.write_text(path.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")


def _retitle_bib_entry(root: Path) -> None:
    path = _bib(root)
    text = path.read_text(encoding="utf-8")
    title = re.findall(r"title=\{([^}]*)\}", text)[3]
    path.write_text(text.replace(f"title={{{title}}}", f"title={{{title} and more}}", 1), encoding="utf-8")


EDITS: dict[str, tuple[Callable[[Path], object], bool | None]] = {
    # the edit, and whether only its rows are read (None: either, by the counts of the words of its title)
    "one paper added at the top": (edits.add_paper, True),
    "one paper's head badge edited": (edits.edit_badge, True),
    "one paper removed": (_remove_added, True),
    "a paper with common title words removed": (edits.remove_paper, None),
    "two papers added": (_add_two, True),
    "a look-alike title added": (_add_look_alike, False),
    "a paper with another record's arXiv id added": (_add_known_arxiv, False),
    "a row retitled": (_retitle, False),
    "rows edited in two sections": (_two_sections, False),
    "a bib entry edited": (edits.edit_bib_entry, True),
    "a bib entry added": (_add_bib_entry, True),
    "a bib entry retitled (its paper has a README row too)": (_retitle_bib_entry, False),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_small_edit_is_built_from_its_rows_as_a_full_build_would(
    store_url: str, synthetic: Path, tmp_path: Path, edit: str
) -> None:
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"  # built in full each time (the old ids carried as aliases)
    root = _built(synthetic, tmp_path, store_url, fresh)
    change, patched = EDITS[edit]
    change(root)
    code, _, stderr = cli("build", "--source", str(root), "--db", store_url, "--quiet")
    assert code == 0, stderr
    assert patched is None or (PATCHED in stderr) is patched, stderr
    assert cli("build", "--source", str(root), "--db", fresh, "--quiet", "--full")[0] == 0
    ours, theirs = _store_rows(store_url), _store_rows(fresh)
    for table in theirs:
        assert ours[table] == theirs[table], table
    rendered = tmp_path / "README.rendered.md"
    assert cli("render", "--db", store_url, "--output", str(rendered))[0] == 0
    assert rendered.read_text(encoding="utf-8") == _readme(root)  # the section's new parse renders the file
    assert cli("build", "--source", str(root), "--db", store_url, "--quiet")[2].count("up to date") == 1


def test_edits_one_after_another_each_read_only_their_rows(synthetic: Path, tmp_path: Path) -> None:
    """Three edits in a row (the store of each the base of the next), then the same store as a full build."""
    db, fresh = f"sqlite:///{tmp_path / 'store.sqlite'}", f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    root = _built(synthetic, tmp_path, db, fresh)
    for change in (edits.add_paper, edits.edit_badge, _remove_added):
        change(root)
        code, _, stderr = cli("build", "--source", str(root), "--db", db, "--quiet")
        assert code == 0 and PATCHED in stderr, stderr
        assert cli("build", "--source", str(root), "--db", fresh, "--quiet", "--full")[0] == 0
    assert _store_rows(db) == _store_rows(fresh)


def test_a_removal_beyond_the_guard_is_refused_unchanged(tmp_path: Path, synthetic: Path) -> None:
    """The one-edit build keeps the build's guard: removing more than --max-shrink of the papers stops."""
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    root = _built(synthetic, tmp_path, db)
    before = _store_rows(db)
    _remove_added(root)
    code, _, stderr = cli("build", "--source", str(root), "--db", db, "--quiet", "--max-shrink", "0")
    assert code == 2 and "would remove 1 of the store's" in stderr, stderr
    assert _store_rows(db) == before
