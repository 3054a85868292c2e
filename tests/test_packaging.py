"""headkg installs as one package: nothing generic (schema, db, api, ingest) lands in site-packages,
so a PyPI package of such a name keeps working beside it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    (found,) = out.glob("headkg-*.whl")
    return found


def test_the_wheel_holds_only_the_headkg_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        top = {name.split("/", 1)[0] for name in archive.namelist()}
        names = archive.namelist()
    assert {t for t in top if not t.endswith(".dist-info")} == {"headkg"}
    modules = ("schema/graph.py", "db/store.py", "ingest/resolve.py", "api/cli.py", "api/commands/discover.py")
    for module in (*modules, "data/heads.yaml"):
        assert f"headkg/{module}" in names
    assert "headkg/api/workflows/list-pull-request.yml" in names
    assert "headkg/api/workflows/discover-papers.yml" in names
    assert "headkg/data/list-snapshot.json.gz" in names  # what an offline first build reads
    pages = {"home.html", "head.html", "paper.html", "papers.html", "graph.html", "field.html", "error.html"}
    assert {f"headkg/api/pages/templates/{t}" for t in pages} <= set(names)
    assert {f"headkg/api/pages/static/{a}" for a in ("headkg.css", "explorer.js", "graph.js")} <= set(names)


def test_an_installed_schema_package_still_works_beside_headkg(wheel: Path, tmp_path: Path) -> None:
    """`schema` (PyPI) is a test dependency: importing it from the test environment, where headkg
    is installed too, must give the PyPI package, and so must a plain install of the wheel."""
    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert {p.name for p in target.iterdir() if p.name not in ("bin",) and not p.name.endswith(".dist-info")} == {
        "headkg"
    }
    probe = (
        "from schema import Schema; assert Schema(int).validate(3) == 3; "
        "import headkg.db.store, headkg.schema.graph, headkg; "
        "assert headkg.db.store.__file__.startswith(%r); print(headkg.__version__)"
    )
    for path, prefix in ((str(target), str(target)), ("", str(REPO))):
        run = subprocess.run(
            [sys.executable, "-c", probe % prefix],
            cwd=tmp_path,  # not the checkout, whose folders are named schema/, db/...
            env={"PYTHONPATH": path, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr


def test_the_installed_wheel_serves_the_explorer(wheel: Path, tmp_path: Path) -> None:
    """A plain (non-editable) install renders a page with its templates and serves its assets."""
    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    probe = (
        "import headkg.api.app as a; from fastapi.testclient import TestClient; "
        "from headkg.db.store import HeadKG; from headkg.api.pages.assets import assets; "
        f"assert a.__file__.startswith({str(target)!r}); "
        "c = TestClient(a.create_app(HeadKG('never-built.sqlite'))); r = c.get('/'); "
        "assert r.status_code == 503 and 'headkg build' in r.text, r.text; "
        "assert all(c.get(x.url).status_code == 200 for x in assets().values()); print(sorted(assets()))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "vis-network.min.js" in run.stdout and "graph.js" in run.stdout
