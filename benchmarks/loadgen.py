"""Load an HTTP endpoint with a fixed number of connections for a while: requests per second and
latency percentiles. `wrk` when it is installed (it does not compete with a Python server for the
GIL), else a bounded asyncio client (httpx), which on a small machine measures itself too.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# wrk calls done() once at the end; it prints one JSON line the harness reads back.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %.0f, "p99_us": %.0f, "max_us": %.0f, '
    .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""
TIMEOUT_S = 30


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # connection errors, timeouts and non-2xx/3xx answers
    tool: str


def tool(choice: str = "auto") -> str:
    """The load generator a run uses: `choice` ("wrk", "python"), or for "auto" wrk when installed."""
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    return choice


def run_load(url: str, *, connections: int, duration: float, client: str = "auto") -> Load:
    """`connections` connections on `url` for `duration` seconds, with wrk or the Python fallback."""
    if tool(client) == "wrk":
        return _wrk(url, connections, duration)
    return asyncio.run(_python(url, connections, duration))


def warm_up(url: str, *, requests: int, seconds: float) -> None:
    """A few requests one after the other (at most `seconds`), so first-use work is not measured."""
    import httpx

    deadline = time.perf_counter() + seconds
    with httpx.Client(timeout=TIMEOUT_S) as client:
        for _ in range(requests):
            client.get(url)
            if time.perf_counter() > deadline:
                break


def _wrk(url: str, connections: int, duration: float) -> Load:
    threads = max(1, min(4, (os.cpu_count() or 2) // 2, connections))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s"]
        command += [f"--timeout={TIMEOUT_S}s", "-s", script.name, url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        Path(script.name).unlink(missing_ok=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed on {url}: {done.stderr.strip() or done.stdout.strip()}")
    s = json.loads(lines[-1])
    errors = s["connect"] + s["read"] + s["write"] + s["status"] + s["timeout"]
    return Load(
        rps=s["requests"] / (s["duration_us"] / 1e6),
        p50_ms=s["p50_us"] / 1000,
        p99_ms=s["p99_us"] / 1000,
        requests=s["requests"],
        errors=errors,
        tool="wrk",
    )


async def _python(url: str, connections: int, duration: float) -> Load:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT_S) as client:
        start = time.perf_counter()
        deadline = start + duration

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    response = await client.get(url)
                    await response.aread()
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - start
    if len(latencies) < 2:
        return Load(len(latencies) / elapsed, 0.0, 0.0, len(latencies), errors, "python")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Load(len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, len(latencies), errors, "python")
