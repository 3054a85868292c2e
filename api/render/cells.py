"""Cells of a CSV or TSV file that a spreadsheet opens as text, never as a formula.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return
before one) as a formula: a paper titled `=HYPERLINK(...)` would become a live link, or worse
("CSV injection", OWASP). So every CSV and TSV headkg writes for people (the default of the
`csv`/`tsv` formats and of the graph's CSV files) puts a `'` before such a cell, as OWASP
recommends; numbers such as `-3` stay numbers. The `csv-verbatim`/`tsv-verbatim` formats write
every value as stored, for database imports (Neo4j's `LOAD CSV`, `COPY`), which read `'` literally.
"""

from __future__ import annotations

FORMULA_START = frozenset("=+-@\t\r")
VERBATIM_SUFFIX = "-verbatim"


def spreadsheet_cell(text: str) -> str:
    """`text`, with a leading `'` when a spreadsheet would read it as a formula.

    >>> spreadsheet_cell("=HYPERLINK(\\"http://x\\")"), spreadsheet_cell("-3"), spreadsheet_cell("Heads")
    ('\\'=HYPERLINK("http://x")', '-3', 'Heads')
    """
    if not text or text[0] not in FORMULA_START or _is_number(text):
        return text
    return "'" + text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text
