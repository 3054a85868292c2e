"""`headkg check`: validate a checkout of the list strictly, as CI does on a pull request.

Every parser's finding counts as an error (strict mode), except those that need a maintainer's
judgement rather than a fix: a genuinely new head name, and titles that only look alike.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from headkg.ingest.pipeline import graph_from_checkout
from headkg.ingest.readme import README
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import Finding

# Codes reported as warnings; everything else a check finds is an error.
WARNING_CODES = frozenset({"head.unknown", "paper.similar-title"})


def check_list(root: Path, vocabulary: Vocabulary | None = None, today: dt.date | None = None) -> list[Finding]:
    """Every problem of the checkout at `root`, graded, in file and line order."""
    findings: list[Finding] = []
    if not (root / README).is_file():
        findings.append(
            Finding(
                severity="error",
                file=README,
                message="the list has no README.md",
                hint="run check on the root of a checkout of the list",
                code="list.no-readme",
            )
        )
    graph = graph_from_checkout(root, vocabulary, today=today)
    for finding in graph.findings:
        severity = "warning" if finding.code in WARNING_CODES else "error"
        findings.append(finding.model_copy(update={"severity": severity}))
    return sorted(findings, key=lambda f: (f.file, f.line or 0, f.message))


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
