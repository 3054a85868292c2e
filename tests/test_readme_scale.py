"""Provenance on a large README: line numbers stay right past line 65,535 (libxml2 counts in 16 bits)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.synthetic_list import write_list
from headkg.ingest.readme import parse_readme
from headkg.schema.findings import Findings


def test_lines_past_65535_are_exact(tmp_path: Path) -> None:
    write_list(tmp_path, 6500)  # about 72,000 lines
    readme = tmp_path / "README.md"
    lines = readme.read_text(encoding="utf-8").split("\n")
    assert len(lines) > 70_000
    findings = Findings()
    sightings = parse_readme(readme, "README.md", findings)
    assert len(sightings) == 6500 and not findings
    assert max(s.source.line for s in sightings) > 65_535
    for sighting in sightings:
        assert f"<strong>{sighting.title}</strong>" in lines[sighting.source.line - 1]
        for head in sighting.heads:
            assert "img.shields.io/badge/" in lines[head.source.line - 1]
