"""`headkg check`: validate a checkout of the list strictly, as CI does on a pull request.

Every parser's finding counts as an error (strict mode), except those that need a maintainer's
judgement rather than a fix: a genuinely new head name, and titles that only look alike. Each
finding says whether `check --fix` can repair it (`ingest.fixes`). Comparing with a base revision,
so that a pull request is blamed only for what it changes, is `ingest.check_base`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from headkg.ingest.assemble import assemble
from headkg.ingest.fixes import ArxivOf, Fix, FixResult, apply_fixes, arxiv_in_graph, plan_fixes
from headkg.ingest.pipeline import bulk_allocation, checkout_lines, read_list_and_vocabulary
from headkg.ingest.readme import README
from headkg.ingest.subjects import with_subjects
from headkg.ingest.vocabulary import Vocabulary
from headkg.schema.findings import CheckedFinding, Finding
from headkg.schema.graph import KnowledgeGraph
from headkg.schema.sightings import ListContents

# Codes reported as warnings; everything else a check finds is an error.
WARNING_CODES = frozenset({"head.unknown", "paper.similar-title"})


def grade(finding: Finding) -> CheckedFinding:
    """The finding as `check` reports it: an error unless its kind needs judgement (`WARNING_CODES`)."""
    severity = "warning" if finding.code in WARNING_CODES else "error"
    return CheckedFinding(**{**finding.model_dump(), "severity": severity})


def ordered(findings: list[CheckedFinding]) -> list[CheckedFinding]:
    return sorted(findings, key=lambda f: (f.file, f.line or 0, f.message))


@dataclass
class Inspection:
    """One checkout read as `check` reads it: what it says, the graph, and every finding, graded."""

    root: Path
    contents: ListContents
    graph: KnowledgeGraph
    vocabulary: Vocabulary
    findings: list[CheckedFinding]
    fixes: list[Fix]


def inspect(root: Path, vocabulary: Vocabulary | None = None, today: dt.date | None = None) -> Inspection:
    """Parse and resolve the checkout at `root`, grade its findings and plan the fixes they allow."""
    with bulk_allocation():  # grading and fixing a large list too
        contents, vocabulary = read_list_and_vocabulary(root, vocabulary, today=today, layouts=False)
        graph = assemble(contents, vocabulary)
        found: list[Finding] = list(graph.findings)
        if not (root / README).is_file():
            found.append(
                Finding(
                    severity="error",
                    file=README,
                    message="the list has no README.md",
                    hint="run check on the root of a checkout of the list",
                    code="list.no-readme",
                )
            )
        graded = [grade(f) for f in with_subjects(found, checkout_lines(root))]
        fixes = mark_fixable(root, graded, vocabulary, arxiv_in_graph(graph))
    return Inspection(root, contents, graph, vocabulary, ordered(graded), fixes)


def mark_fixable(root: Path, findings: list[CheckedFinding], vocabulary: Vocabulary, arxiv_of: ArxivOf) -> list[Fix]:
    """Plan the fixes the findings allow, and mark each finding `fixable` or not."""
    fixes = plan_fixes(root, findings, vocabulary, arxiv_of)
    fixable = {id(fix.finding) for fix in fixes}
    for finding in findings:
        finding.fixable = id(finding) in fixable
    return fixes


def check_list(root: Path, vocabulary: Vocabulary | None = None, today: dt.date | None = None) -> list[CheckedFinding]:
    """Every problem of the checkout at `root`, graded, in file and line order."""
    return inspect(root, vocabulary, today).findings


def fix_list(
    root: Path, vocabulary: Vocabulary | None = None, today: dt.date | None = None, *, write: bool = True
) -> FixResult:
    """Make, in place (or only plan, without `write`), every fix that has exactly one right answer.

    A fix can make another possible (or its line moves): the checkout is read again until no
    fixable finding is left or nothing more changes."""
    total = FixResult()
    if not write:
        inspection = inspect(root, vocabulary, today)
        return apply_fixes(root, inspection.fixes, write=False)
    for _ in range(5):
        inspection = inspect(root, vocabulary, today)
        result = apply_fixes(root, inspection.fixes)
        if not result.applied:
            break
        total.applied += result.applied
        for rel, (old, new) in result.files.items():
            total.files[rel] = (total.files[rel][0] if rel in total.files else old, new)
    return total


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
