"""Rebuilding the store while `headkg serve` answers (issue 9, defect 2): a real server process,
real `headkg build` processes (incremental and --full), concurrent clients the whole time.

Two versions of the list alternate: the snapshot (187 papers) and the snapshot without its first
five paper rows. Every answer carries the generation of the store state it read
(`X-HeadKG-Generation`), and
- no answer is mixed: every answer of one generation counts the same papers, /stats and /papers alike;
- no answer is stale: a request sent after a build's process ended answers from that build.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from headkg.db.store import HeadKG
from tests.test_api import free_port

HEADKG = Path(sys.executable).parent / "headkg"
CLIENTS = 4


@dataclass(frozen=True)
class Answer:
    sent: float
    generation: str
    papers: int


def smaller_list(snapshot: Path, target: Path, rows: int = 5) -> Path:
    """The snapshot without its first `rows` paper rows (a pair of <tr> each): under the shrink limit."""
    shutil.copytree(snapshot, target)
    readme = target / "README.md"
    text = readme.read_text(encoding="utf-8")
    for _ in range(rows):
        first = re.search(r"<tr>\s*<td rowspan=\"2\".*?</tr>\s*<tr>.*?</tr>\s*", text, re.DOTALL)
        assert first is not None
        text = text[: first.start()] + text[first.end() :]
    readme.write_text(text, encoding="utf-8")
    return target


def build(url: str, source: Path, *extra: str) -> None:
    result = subprocess.run(
        [str(HEADKG), "build", "--source", str(source), "--db", url, "--quiet", *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]


class Clients:
    """Threads asking /stats and /papers as fast as they can, each answer kept with when it was sent."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.answers: list[Answer] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(CLIENTS)]

    def _run(self, index: int) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            turn = index
            while not self.stop.is_set():
                turn += 1
                sent = time.monotonic()
                path, params = ("/stats", {}) if turn % 2 else ("/papers", {"limit": 1})
                response = client.get(path, params=params)
                if response.status_code != 200:
                    self.errors.append(f"{path}: {response.status_code} {response.text[:200]}")
                    continue
                body = response.json()
                papers = body["papers"] if path == "/stats" else body["total"]
                self.answers.append(Answer(sent, response.headers.get("x-headkg-generation", ""), papers))

    def __enter__(self) -> Clients:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


@pytest.fixture(params=["sqlite", "postgresql"])
def served_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'served.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


def test_rebuilds_while_serving_give_no_stale_and_no_mixed_answer(
    served_url: str, snapshot: Path, tmp_path: Path
) -> None:
    small = smaller_list(snapshot, tmp_path / "small")
    build(served_url, snapshot)
    port = free_port()
    log = tmp_path / "serve.log"  # a file, not a pipe: a full pipe would stop the server logging each request
    server = subprocess.Popen(
        [str(HEADKG), "serve", "--db", served_url, "--port", str(port)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server)
        expected: dict[str, int] = {HeadKG(served_url).generation(): 187}
        builds: list[tuple[float, float, str]] = []  # (build started, its process ended, the generation it wrote)
        with Clients(base) as clients:
            for source, extra, papers in [
                (small, (), 182),  # incremental
                (snapshot, ("--full",), 187),
                (small, ("--full",), 182),
            ]:
                time.sleep(0.3)
                started = time.monotonic()
                build(served_url, source, *extra)
                ended = time.monotonic()
                with HeadKG(served_url) as kg:
                    generation = kg.generation()
                builds.append((started, ended, generation))
                expected[generation] = papers
            time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text()
    assert not clients.errors, clients.errors[:5]
    assert "Traceback" not in output
    answers = clients.answers
    assert len(answers) > 100 and all(a.generation for a in answers)
    mixed = [a for a in answers if expected.get(a.generation) != a.papers]
    assert not mixed, mixed[:5]
    # between a build's end and the next build's start, every answer is that build's
    for (_, ended, generation), (next_start, _, _) in zip(builds, [*builds[1:], (float("inf"), 0, "")], strict=True):
        between = [a for a in answers if ended < a.sent < next_start]
        stale = [a for a in between if a.generation != generation]
        assert between and not stale, (len(between), stale[:5])


def _wait_ready(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60  # serve warms the pages before it listens
    while True:
        assert server.poll() is None, "the server stopped"
        try:
            if httpx.get(f"{base}/stats", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
