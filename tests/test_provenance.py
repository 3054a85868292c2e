"""Provenance.parse reads back what str(Provenance) writes, the "file:line" the store keeps."""

from __future__ import annotations

import pytest

from headkg.schema.provenance import Provenance


@pytest.mark.parametrize(
    ("text", "file", "line"),
    [
        ("README.md:120", "README.md", 120),
        ("source/bib/AttnHead.bib:1", "source/bib/AttnHead.bib", 1),
        ("C:/lists/README.md:7", "C:/lists/README.md", 7),  # only the last colon separates the line
        ("README.md", "README.md", 0),  # a whole file
        ("README.md:abc", "README.md:abc", 0),
    ],
)
def test_parse(text: str, file: str, line: int) -> None:
    assert Provenance.parse(text) == Provenance(file=file, line=line)


def test_parse_inverts_str() -> None:
    where = Provenance(file="source/figures/head_taxonomy.tex", line=42)
    assert Provenance.parse(str(where)) == where
