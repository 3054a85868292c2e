"""Findings as text, GitHub Actions annotations or JSON: the outputs of `headkg check`."""

from __future__ import annotations

import json

from headkg.schema.findings import Finding


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(findings: list[Finding]) -> str:
    """One `::error file=…,line=…::…` workflow command per finding, shown inline on the PR."""
    lines = []
    for f in findings:
        props = [f"file={_escape_property(f.file)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_escape_property('headkg check' + (f' ({f.code})' if f.code else ''))}")
        message = f.message + (f" — {f.hint}" if f.hint else "")
        lines.append(f"::{f.severity} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines)


def as_text(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{f.location()}: {f.severity}: {f.message}")
        if f.hint:
            lines.append(f"    hint: {f.hint}")
    errors = sum(f.severity == "error" for f in findings)
    lines.append(f"{errors} error(s), {len(findings) - errors} warning(s)")
    return "\n".join(lines)


def as_json(findings: list[Finding]) -> str:
    keys = ("severity", "file", "line", "message", "hint", "code")
    return json.dumps([{k: getattr(f, k) for k in keys} for f in findings], ensure_ascii=False, indent=2)
