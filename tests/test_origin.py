"""Where a store's list lives online: the repository and commit a build records, and the links to
a line that the explorer's pages give for every file:line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from headkg.db.store import HeadKG
from headkg.ingest import bundled
from headkg.ingest.origin import UPSTREAM_REPOSITORY, checkout_origin, line_url, web_url
from tests.conftest import make_checkout

UPSTREAM = "https://github.com/IAAR-Shanghai/Awesome-Attention-Heads"


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("https://github.com/IAAR-Shanghai/Awesome-Attention-Heads", UPSTREAM),
        ("https://github.com/IAAR-Shanghai/Awesome-Attention-Heads.git", UPSTREAM),
        ("https://github.com/IAAR-Shanghai/Awesome-Attention-Heads/", UPSTREAM),
        ("git@github.com:IAAR-Shanghai/Awesome-Attention-Heads.git", UPSTREAM),
        ("ssh://git@github.com/IAAR-Shanghai/Awesome-Attention-Heads.git", UPSTREAM),
        ("https://user@github.com/IAAR-Shanghai/Awesome-Attention-Heads.git", UPSTREAM),
        ("https://gitlab.com/someone/list.git", None),  # only GitHub's plain view is known
        ("/srv/git/list.git", None),
        ("file:///srv/git/list.git", None),
        ("https://github.com/only-owner", None),
    ],
)
def test_web_url_of_a_remote(remote: str, expected: str | None) -> None:
    assert web_url(remote) == expected


COMMIT = "05ab764ca0da52c1d4f6838cb15795784433f88b"


@pytest.mark.parametrize(
    ("meta", "file", "line", "expected"),
    [
        (
            {"list_repository": UPSTREAM, "list_commit": COMMIT},
            "README.md",
            529,
            f"{UPSTREAM}/blob/{COMMIT}/README.md?plain=1#L529",
        ),
        (
            {"list_repository": UPSTREAM, "list_commit": COMMIT},
            "source/bib/AttnHead.bib",
            7,
            f"{UPSTREAM}/blob/{COMMIT}/source/bib/AttnHead.bib?plain=1#L7",
        ),
        (
            {"list_repository": UPSTREAM, "list_commit": COMMIT},
            "README.md",
            None,
            f"{UPSTREAM}/blob/{COMMIT}/README.md?plain=1",
        ),
        ({"list_repository": UPSTREAM}, "README.md", 529, None),  # no commit: no link to a line that may have moved
        ({"source": "/home/me/list"}, "README.md", 529, None),
        ({"list_repository": "https://gitlab.com/x/y", "list_commit": COMMIT}, "README.md", 1, None),
        ({"list_repository": UPSTREAM, "list_commit": "not a commit"}, "README.md", 1, None),
    ],
)
def test_line_url(meta: dict[str, str], file: str, line: int | None, expected: str | None) -> None:
    assert line_url(meta, file, line) == expected


def test_checkout_origin_of_clean_dirty_and_foreign_checkouts(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "README.md").write_text("# list\n", encoding="utf-8")
    commit = make_checkout(source, tmp_path / "clean")
    origin = checkout_origin(tmp_path / "clean")
    assert origin["list_repository"] == UPSTREAM and origin["list_commit"] == commit
    assert len(origin["list_date"]) == 10

    make_checkout(source, tmp_path / "dirty")
    (tmp_path / "dirty" / "README.md").write_text("# list, edited\n", encoding="utf-8")
    assert checkout_origin(tmp_path / "dirty") == {}  # its lines may not be the commit's

    make_checkout(source, tmp_path / "elsewhere", origin="https://gitlab.com/someone/list.git")
    assert checkout_origin(tmp_path / "elsewhere") == {}
    assert checkout_origin(source) == {}  # not a git checkout at all

    subprocess.run(["git", "-C", str(tmp_path / "clean"), "remote", "remove", "origin"], check=True)
    assert checkout_origin(tmp_path / "clean") == {}


def test_a_build_records_the_checkout_it_read(checkout_store: str, snapshot_checkout: tuple[Path, str]) -> None:
    meta = HeadKG(checkout_store).meta()
    assert meta["list_repository"] == UPSTREAM and meta["list_commit"] == snapshot_checkout[1]


def test_the_bundled_snapshot_knows_its_repository_and_commit() -> None:
    snapshot = bundled.load()
    meta = bundled.store_meta(snapshot)
    assert meta["list_repository"] == UPSTREAM_REPOSITORY == UPSTREAM
    assert meta["list_commit"] == snapshot.commit
    assert line_url(meta, "README.md", 3) == f"{UPSTREAM}/blob/{snapshot.commit}/README.md?plain=1#L3"
