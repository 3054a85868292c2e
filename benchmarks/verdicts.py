"""The goals of issues 12 (API) and 13 (build), reading what a build reports, and the misspelt head
name the API benchmark resolves: pure functions, tested without running anything."""

from __future__ import annotations

import re

from benchmarks.loadgen import Load

P99_LIMIT_MS = 25.0
RSS_LIMIT = 300 * 10**6  # bytes per server worker
GIB = 2**30
CHANGE_WORDS = ("added", "removed", "changed", "shifted", "moved", "unchanged")


def target_rps(datasette: float | None, ceiling: float | None) -> float | None:
    """10× Datasette, or 70% of the ceiling where that exceeds the ceiling (or there is no Datasette)."""
    if datasette is None:
        return 0.7 * ceiling if ceiling is not None else None
    target = 10 * datasette
    if ceiling is not None and target > ceiling:
        return 0.7 * ceiling
    return target


def passes(load: Load, target: float | None) -> bool:
    return load.errors == 0 and target is not None and load.rps >= target and load.p99_ms <= P99_LIMIT_MS


def typo(name: str) -> str:
    """A plausible misspelling: two letters of the longest word swapped ("Induction" -> "Indcution")."""
    words = name.split()
    k = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[k]
    if len(word) < 4:
        return name[:-1] if len(name) > 1 else name + "x"
    i = len(word) // 2 - 1
    words[k] = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return " ".join(words)


def change_counts(text: str) -> dict[str, int]:
    """Counts a build's summary names, e.g. '1 paper added, 0 removed, 3 changed' -> {added: 1, ...}."""
    counts: dict[str, int] = {}
    for number, word in re.findall(r"(\d[\d,]*)\s+(?:papers?\s+)?(" + "|".join(CHANGE_WORDS) + r")\b", text):
        counts.setdefault(word, int(number.replace(",", "")))
    return counts


def build_summary(stderr: str) -> str:
    """The build's own summary: the lines from its 'N papers, M head types…' line on, joined."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for k, line in enumerate(lines):
        if re.search(r"\d+ papers?, \d+ head types?", line):
            return "; ".join(lines[k + 1 :]) or line
    return lines[-1] if lines else ""


def expected_changes(counts: dict[str, int], expected: dict[str, int]) -> bool | None:
    """Whether the store reported exactly the expected change (None when it reported no counts)."""
    if not counts:
        return None
    return all(counts.get(word, 0) == number for word, number in expected.items())
