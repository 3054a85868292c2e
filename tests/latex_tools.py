"""Compiling what headkg writes for LaTeX users, with the real pdflatex and bibtex (the tests that
use these are skipped where TeX is not installed; .ci/run installs it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HAVE_TEX = bool(shutil.which("pdflatex") and shutil.which("bibtex"))
needs_tex = pytest.mark.skipif(not HAVE_TEX, reason="pdflatex and bibtex are not installed")


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=300)


def compile_bibliography(bib: str, folder: Path, style: str = "plain", preamble: str = "") -> str:
    """pdflatex, bibtex, pdflatex twice on a document that \\nocite{*}s `bib`; returns the .bbl."""
    (folder / "refs.bib").write_text(bib, encoding="utf-8")
    (folder / "doc.tex").write_text(
        f"\\documentclass{{article}}\n{preamble}\\begin{{document}}\n"
        f"\\nocite{{*}}\n\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}\n\\end{{document}}\n",
        encoding="utf-8",
    )
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
    first = _run(latex, folder)
    assert first.returncode == 0, first.stdout[-2000:]
    bibtex = _run(["bibtex", "doc"], folder)
    assert bibtex.returncode == 0, bibtex.stdout[-2000:]  # 0: at most warnings; 2: errors
    for _ in range(2):
        done = _run(latex, folder)
        assert done.returncode == 0, done.stdout[-2000:]
    assert (folder / "doc.pdf").stat().st_size > 0
    return (folder / "doc.bbl").read_text(encoding="utf-8", errors="replace")


def compile_table(table: str, folder: Path) -> str:
    """pdflatex on a document with only booktabs loaded and `table` as its body; returns the log."""
    (folder / "table.tex").write_text(table, encoding="utf-8")
    (folder / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\\input{table}\n\\end{document}\n",
        encoding="utf-8",
    )
    done = _run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], folder)
    assert done.returncode == 0, done.stdout[-2000:]
    return (folder / "doc.log").read_text(encoding="utf-8", errors="replace")
