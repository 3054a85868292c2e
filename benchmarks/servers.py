"""HTTP servers the API benchmark starts as child processes: started, waited for, measured, stopped.

Only processes this module started are ever signalled (by pid: the server and the workers it forked).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import psutil


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One server process (and its workers) listening on 127.0.0.1:`port`, its output in `log`."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        port: int,
        log: Path,
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name, self.port, self.log = name, port, log
        self.base = f"http://127.0.0.1:{port}"
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            list(command), stdout=self._log, stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True
        )
        self.peak_rss: dict[int, int] = {}

    def wait_ready(self, path: str, timeout: float = 600) -> None:
        """Until `path` answers (any HTTP status); exits with the server's log when it dies or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.process.returncode}):\n{self.tail()}")
            try:
                httpx.get(self.base + path, timeout=60)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer {path} within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]

    def _tree(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def workers(self) -> list[psutil.Process]:
        """The processes serving requests: those holding the listening socket, less a supervisor
        (uvicorn with several workers binds in a parent process that only watches them)."""
        holders = []
        for proc in self._tree():
            try:
                if any(
                    c.laddr and c.laddr.port == self.port and c.status == psutil.CONN_LISTEN
                    for c in proc.net_connections(kind="tcp")
                ):
                    holders.append(proc)
            except psutil.Error:
                pass
        if len(holders) > 1:
            holders = holders[1:] if holders[0].pid == self.process.pid else holders
        return holders or self._tree()[:1]

    def sample_rss(self) -> None:
        """Remember each worker's largest RSS seen so far."""
        for proc in self.workers():
            try:
                self.peak_rss[proc.pid] = max(self.peak_rss.get(proc.pid, 0), proc.memory_info().rss)
            except psutil.Error:
                pass

    def wait_idle(self, *, below: float = 5.0, timeout: float = 60.0) -> float:
        """Until the server's processes use under `below` % of a core over half a second (a server
        keeps working on requests a load generator gave up on: Datasette runs its queued queries
        to the end), so that it does not take the CPU from the next server measured. Seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            tree = self._tree()
            before = {p.pid: _cpu_seconds(p) for p in tree}
            time.sleep(0.5)
            used = sum(_cpu_seconds(p) - before.get(p.pid, 0.0) for p in tree)
            if used / 0.5 * 100 < below:
                break
        return time.monotonic() - started

    def stop(self) -> None:
        """SIGTERM to the server's process group (it was started in its own session), then SIGKILL."""
        tree = self._tree()
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        _, alive = psutil.wait_procs(tree, timeout=10)
        for proc in alive:
            try:
                proc.kill()
            except psutil.Error:
                pass
        self.process.wait(timeout=10)
        self._log.close()


def _cpu_seconds(proc: psutil.Process) -> float:
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)
