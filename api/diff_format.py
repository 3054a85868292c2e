"""A list diff as Markdown, for a pull-request comment."""

from __future__ import annotations

from headkg.schema.diff import ListDiff, PaperBrief


def _line(p: PaperBrief) -> str:
    extra = ", ".join(x for x in (p.date, f"arXiv {p.arxiv_id}" if p.arxiv_id else None) if x)
    heads = f" — {', '.join(p.heads)}" if p.heads else ""
    where = f" (`{p.sources[0]}`)" if p.sources else ""
    return f"- **{p.title}**" + (f" ({extra})" if extra else "") + heads + where


def _value(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def as_markdown(diff: ListDiff) -> str:
    """Sections for added, removed and changed papers, id changes and new head types; one line when nothing changed."""
    counts = (
        f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed, "
        f"{len(diff.id_changes)} id change(s), {len(diff.heads_added)} new head type(s)"
    )
    if diff.is_empty():
        return "## headkg diff\n\nNo change to papers or head types.\n"
    out = [f"## headkg diff: {counts}", ""]
    if diff.added:
        out += ["### Added", *(_line(p) for p in diff.added), ""]
    if diff.removed:
        out += ["### Removed", *(_line(p) for p in diff.removed), ""]
    if diff.changed:
        out.append("### Changed")
        for change in diff.changed:
            renamed = f" (id was `{change.old_id}`)" if change.old_id else ""
            out.append(f"- **{change.title}**{renamed}")
            for field, (old, new) in change.fields.items():
                out.append(f"  - {field}: {_value(old)} → {_value(new)}")
        out.append("")
    if diff.id_changes:
        out.append("### Id changes (old id → new id; a store built over the old version redirects the old id)")
        out += [f"- `{c.old_id}` → `{c.new_id}` ({c.title})" for c in diff.id_changes]
        out.append("")
    if diff.heads_added:
        out += ["### New head types", *(f"- {name}" for name in diff.heads_added), ""]
    if diff.heads_removed:
        out += ["### Head types no longer listed", *(f"- {name}" for name in diff.heads_removed), ""]
    return "\n".join(out)
