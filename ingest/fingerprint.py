"""One hash of everything a build reads, so a build over an unchanged list can stop at once."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from headkg.ingest.cache import PARSER_VERSION
from headkg.ingest.vocabulary import DEFAULT_DATA_DIR, LIST_VOCABULARY

INPUT_GLOBS = ("README.md", "source/bib/*.bib", "source/figures/*.tex", "source/tables/*.tex", LIST_VOCABULARY)


def input_fingerprint(root: Path, today: dt.date, data_dir: Path | None = None) -> str:
    """Hash of the list's input files, the curated vocabularies, the parser version and the date
    (a row's date can only become "in the future" relative to today)."""
    digest = hashlib.sha256(f"{PARSER_VERSION}\0{today.isoformat()}\0".encode())
    files = [(p.relative_to(root).as_posix(), p) for pattern in INPUT_GLOBS for p in sorted(root.glob(pattern))]
    vocab = data_dir or DEFAULT_DATA_DIR
    files += [(f"data/{p.name}", p) for p in sorted(vocab.glob("*.yaml"))]
    for name, path in files:
        if path.is_file():
            data = path.read_bytes()
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()
