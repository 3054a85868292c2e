"""The figures of the analyses, drawn from the very answers `analyze` prints (so a test can compare
the two), sized for one column of a paper (3.4 in wide, 5-8 pt type), stages in the GEXF export's
colours. `api.render.plots` saves them as SVG, PNG or PDF.

Figures are made with `matplotlib.figure.Figure`, not pyplot: no global state, nothing to close,
safe in a server thread. Each drawn series carries a `gid` naming what it shows ("papers",
"stage-KR"...), which the SVG keeps as element ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import matplotlib
from matplotlib.colors import to_hex
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from headkg.api.export.gexf import stage_color, stage_colors
from headkg.schema.analysis import Cooccurrence, GapRow, Gaps, Growth, GrowthRow, Timeline

COLUMN_WIDTH = 3.4  # inches: one column of a two-column paper
ROW_HEIGHT = 0.085  # inches per labelled row: 5-6 pt type
MATRIX_HEADS = 25  # head types a co-occurrence matrix shows at column width
STYLE = {
    "font.size": 7,
    "axes.titlesize": 8,
    "figure.titlesize": 8,
    "axes.labelsize": 7,
    "xtick.labelsize": 6,
    "ytick.labelsize": 6,
    "legend.fontsize": 6,
    "svg.hashsalt": "headkg",  # fixed ids in SVG files, so one answer is one file
    "svg.fonttype": "none",  # text stays text in SVG: searchable, and smaller
    "pdf.fonttype": 42,
}


def color(stage: str | None) -> str:
    """A stage's colour as the GEXF export writes it, for matplotlib."""
    return to_hex(tuple(c / 255 for c in stage_color(stage)))


def _stage_legend(stages: list[str | None]) -> list[Patch]:
    order = list(stage_colors())
    shown = sorted(set(stages), key=lambda s: order.index(s) if s in order else len(order))
    return [Patch(color=color(s), label=s or "no stage") for s in shown]


def _plain(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)


def growth_years(view: Growth) -> list[GrowthRow]:
    """The years drawn: from the first year a paper reported a head type of some stage."""
    first = next((i for i, r in enumerate(view.rows) if any(r.stages.values())), 0)
    return view.rows[first:]


def growth_figure(view: Growth) -> Figure:
    """Top: papers per year (bars) and per year and stage (lines); bottom: the top head types."""
    rows = growth_years(view)
    years = [r.year for r in rows]
    fig = Figure(figsize=(COLUMN_WIDTH, 4.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.bar(years, [r.papers for r in rows], color="#d9d9d9", label="all papers", gid="papers")
    for stage in view.stages:
        values = [r.stages.get(stage, 0) for r in rows]
        top.plot(
            years, values, color=color(stage), marker="o", markersize=2, linewidth=1, label=stage, gid=f"stage-{stage}"
        )
    top.set(ylabel="Papers", title="By stage")
    top.legend(frameon=False, loc="upper left")
    for i, head in enumerate(view.heads):
        values = [r.heads.get(head, 0) for r in rows]
        style = "-" if i < 4 else "--"
        bottom.plot(years, values, linestyle=style, marker="o", markersize=2, linewidth=1, label=head, gid=f"head-{i}")
    bottom.set(xlabel="Year", ylabel="Papers", title="By head type (most reported)")
    bottom.legend(frameon=False, loc="upper left", ncols=2)
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (top, bottom):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        _plain(ax)
    earlier = sum(r.papers for r in view.rows[: len(view.rows) - len(rows)])
    fig.suptitle("Papers per year")
    if earlier:
        fig.supxlabel(f"Not drawn: {earlier} earlier papers, none reporting a head type.", fontsize=5)
    return fig


def timeline_figure(view: Timeline) -> Figure:
    """One row per head type, in order of first report, a dot at its first paper's date."""
    entries = view.entries
    fig = Figure(figsize=(COLUMN_WIDTH, 0.9 + ROW_HEIGHT * len(entries)), layout="constrained")
    ax = fig.add_subplot()
    dates = [e.date or dt.date(e.year or 1, 12, 31) for e in entries]
    rows = list(range(len(entries)))
    ax.scatter(dates, rows, s=5, c=[color(e.head.stage) for e in entries], gid="first-report", zorder=3)
    ax.set_yticks(rows, [e.head.name for e in entries], fontsize=5)
    ax.set_ylim(len(entries) - 0.5, -0.5)
    if (max(dates) - min(dates)).days < 90:  # a handful of days: give the date axis room for ticks
        ax.set_xlim(min(dates) - dt.timedelta(days=60), max(dates) + dt.timedelta(days=60))
    locator = AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(axis="y", linewidth=0.3, color="#eeeeee")
    ax.set(xlabel="Date of the first paper", ylabel="Head type")
    ax.legend(handles=_stage_legend([e.head.stage for e in entries]), frameon=False, loc="lower left")
    _plain(ax)
    fig.suptitle("First report of each head type")
    return fig


def gaps_rows(view: Gaps) -> list[GapRow]:
    """The head types drawn: those the survey saw in at least one family."""
    return [r for r in view.rows if r.families]


def gaps_figure(view: Gaps) -> Figure:
    """A filled cell where the survey saw the head type in the family (its stage's colour)."""
    rows = gaps_rows(view)
    fig = Figure(figsize=(COLUMN_WIDTH, 1.4 + ROW_HEIGHT * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    for y, row in enumerate(rows):
        xs = [x for x, f in enumerate(view.families) if f.slug in row.families]
        ax.scatter(
            xs, [y] * len(xs), marker="s", s=12, color=color(row.head.stage), gid=f"seen-{row.head.slug}", zorder=3
        )
    ax.set_xticks(range(len(view.families)), [f.name for f in view.families], rotation=90)
    ax.set_yticks(range(len(rows)), [f"{r.head.name} ({r.paper_count})" for r in rows], fontsize=5)
    ax.set_xlim(-0.5, len(view.families) - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(linewidth=0.3, color="#eeeeee")
    ax.set(xlabel="Model family", ylabel="Head type (papers)")
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    ax.legend(handles=_stage_legend([r.head.stage for r in rows]), frameon=False, loc="lower right", fontsize=5)
    missing = len(view.rows) - len(rows)
    fig.suptitle("Model families per head type (the survey's taxonomy)")
    fig.supxlabel(
        "The survey attaches families to head types, not to papers."
        + (f"\nNot drawn: {missing} head types it saw in no family." if missing else ""),
        fontsize=5,
    )
    return fig


def cooccurrence_heads(view: Cooccurrence, limit: int = MATRIX_HEADS) -> list[int]:
    """Positions of the head types drawn: the `limit` found with others in the most papers."""
    together = [sum(n for j, n in enumerate(row) if j != i) for i, row in enumerate(view.matrix)]
    ranked = sorted((i for i, n in enumerate(together) if n), key=lambda i: (-together[i], i))[:limit]
    return sorted(ranked)


def cooccurrence_figure(view: Cooccurrence) -> Figure:
    """The matrix of the head types most often found with others; darker = more papers."""
    keep = cooccurrence_heads(view)
    matrix = [[view.matrix[i][j] if i != j else 0 for j in keep] for i in keep]
    names = [view.heads[i].name for i in keep]
    fig = Figure(figsize=(COLUMN_WIDTH, COLUMN_WIDTH + 0.2), layout="constrained")
    ax = fig.add_subplot()
    peak = max([max(row) for row in matrix] or [1]) or 1
    cmap = matplotlib.colormaps["Greys"].resampled(peak + 1)
    image = ax.imshow(matrix or [[0]], cmap=cmap, vmin=-0.5, vmax=peak + 0.5, gid="papers-both")
    ax.set_xticks(range(len(keep)), names, rotation=90, fontsize=5)
    ax.set_yticks(range(len(keep)), names, fontsize=5)
    for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
        for label, i in zip(labels, keep, strict=True):
            label.set_color(color(view.heads[i].stage))
    bar = fig.colorbar(image, ax=ax, shrink=0.5, label="Papers")
    bar.locator = MaxNLocator(integer=True, nbins=min(peak + 1, 6))
    bar.update_ticks()
    shown = f"{len(keep)} of {len(view.heads)} head types" if len(keep) < len(view.heads) else "all head types"
    fig.suptitle(f"Papers that found both head types ({shown})")
    return fig


def figure_for(view: Any) -> Figure:
    """The figure of an analysis answer."""
    draw: dict[type, Callable[[Any], Figure]] = {
        Growth: growth_figure,
        Timeline: timeline_figure,
        Gaps: gaps_figure,
        Cooccurrence: cooccurrence_figure,
    }
    with matplotlib.rc_context(STYLE):
        if not _has_data(view):
            return _empty_figure()
        return draw[type(view)](view)


def _has_data(view: Any) -> bool:
    if isinstance(view, Timeline):
        return bool(view.entries)
    if isinstance(view, Cooccurrence):
        return bool(cooccurrence_heads(view))
    if isinstance(view, Gaps):
        return bool(gaps_rows(view)) and bool(view.families)
    return bool(growth_years(view)) and any(r.papers for r in view.rows)


def _empty_figure() -> Figure:
    """What a query that leaves nothing to draw gets: a figure that says so."""
    fig = Figure(figsize=(COLUMN_WIDTH, 1.0), layout="constrained")
    fig.text(0.5, 0.5, "No papers of this query have anything to draw here.", ha="center", va="center")
    return fig
