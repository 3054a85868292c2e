"""Findings as text, GitHub Actions annotations or JSON: the outputs of `headkg check`.

With `check --base`, findings the base revision had too are notices (`::notice`), never errors, so
a pull request is annotated as failing only where it brought a problem.
"""

from __future__ import annotations

import json

from headkg.schema.findings import Finding


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _is_old(f: Finding) -> bool:
    return getattr(f, "new", None) is False


def as_github(findings: list[Finding]) -> str:
    """One `::error file=…,line=…::…` workflow command per finding, shown inline on the PR.

    Findings already at the base revision: its errors are `::notice`; its warnings are left out
    (they never fail a check, and the change did not make them)."""
    lines = []
    for f in findings:
        if _is_old(f) and f.severity == "warning":
            continue
        props = [f"file={_escape_property(f.file)}"]
        if f.line:
            props.append(f"line={f.line}")
        title = "headkg check" + (f" ({f.code})" if f.code else "") + (", already at the base" if _is_old(f) else "")
        props.append(f"title={_escape_property(title)}")
        message = f.message + (f" — {f.hint}" if f.hint else "")
        lines.append(f"::{f.severity} {','.join(props)}::{_escape_data(message)}")
    lines.append(_summary(findings))
    return "\n".join(lines)


def _summary(findings: list[Finding]) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" and not _is_old(f) for f in findings)
    text = f"{errors} error(s), {warnings} warning(s)"
    if any(_is_old(f) for f in findings):
        old = sum(_is_old(f) for f in findings)
        text += f"; {old} finding(s) already at the base, not counted"
    fixable = sum(bool(getattr(f, "fixable", False)) for f in findings)
    if fixable:
        text += f"; {fixable} fixable by `headkg check --fix`"
    return text


def as_text(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        tags = [tag for tag, on in (("fixable", getattr(f, "fixable", False)), ("new", getattr(f, "new", None))) if on]
        if _is_old(f):
            tags.append("already at the base")
        suffix = f" [{', '.join(tags)}]" if tags else ""
        lines.append(f"{f.location()}: {f.severity}: {f.message}{suffix}")
        if f.hint:
            lines.append(f"    hint: {f.hint}")
    lines.append(_summary(findings))
    return "\n".join(lines)


def as_json(findings: list[Finding]) -> str:
    """Each finding with `fixable` (by `check --fix`) and `new` (with `--base`: true when the base
    revision lacks it; null without `--base`)."""
    keys = ("severity", "file", "line", "message", "hint", "code", "subject")
    return json.dumps(
        [
            {
                **{k: getattr(f, k) for k in keys},
                "fixable": getattr(f, "fixable", False),
                "new": getattr(f, "new", None),
            }
            for f in findings
        ],
        ensure_ascii=False,
        indent=2,
    )
