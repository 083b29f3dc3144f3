"""The plain-text table `python -m benchmarks` prints (and docs/performance.md quotes)."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.results import BenchmarkReport

HEADERS = ("benchmark", "figure", "value", "unit", "goal", "verdict")


def format_value(value: float) -> str:
    """Three significant digits for ratios, thousands separators for big counts."""
    if value != value:  # NaN: the figure could not be measured
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def rows_of(reports: Sequence[BenchmarkReport]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for report in reports:
        if report.error:
            rows.append((report.benchmark, "ERROR: " + report.error.splitlines()[0][:90], "", "", "", "failed"))
            continue
        for figure in report.figures:
            goal = str(figure.goal) if figure.goal else ""
            rows.append((report.benchmark, figure.name, format_value(figure.value), figure.unit, goal, figure.verdict))
    return rows


def render_text(reports: Sequence[BenchmarkReport]) -> str:
    rows = [HEADERS, *rows_of(reports)]
    widths = [max(len(row[col]) for row in rows) for col in range(len(HEADERS))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[col]) for col, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_markdown(reports: Sequence[BenchmarkReport]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows_of(reports)]
    return "\n".join(lines)
