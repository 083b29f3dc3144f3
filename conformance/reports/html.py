"""`--report-html PATH`: one self-contained page (inline CSS and JS, nothing fetched) a human reads first.

The rows are rendered here, escaped, so the page is complete without JavaScript; the inline script only
filters them (by outcome, level, area, and a text search).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape
from importlib import resources
from pathlib import Path

from conformance.outcome import Outcome, ScenarioResult
from conformance.reports.model import OUTCOME_ORDER, RunReport, area_of, failure_summary

_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


def _template() -> str:
    return resources.files("conformance").joinpath("report/page.html").read_text(encoding="utf-8")


def render_html(report: RunReport) -> str:
    """The whole page; every piece of run data goes through `escape`."""
    parts = {
        "TITLE": escape(f"Osmium conformance: {report.info.target}"),
        "HEADER": _header(report),
        "PROBLEMS": _problems(report),
        "LEVEL_MATRIX": _matrix("level", report.level_matrix()),
        "AREA_MATRIX": _matrix("area", report.matrix(area_of)),
        "FILTERS": _filters(report),
        "ROWS": "\n".join(_row(result) for result in sorted(report.results, key=_row_order)),
    }
    # One pass over the template: text inserted for one placeholder is never scanned for another.
    return _PLACEHOLDER.sub(lambda match: parts[match.group(1)], _template())


def write_html(report: RunReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")


def _row_order(result: ScenarioResult) -> tuple[int, str]:
    """Problems first (in outcome order, worst last), then by id."""
    severity = {Outcome.ERROR: 0, Outcome.XPASS: 1, Outcome.FAIL: 2, Outcome.NON_STRICT: 3, Outcome.UNSUPPORTED: 4,
                Outcome.XFAIL: 5, Outcome.PASS: 6}
    return severity[result.outcome], result.case_id


def _header(report: RunReport) -> str:
    info = report.info
    ok = info.exit_code == 0
    verdict = "gate met" if ok else f"gate not met (exit code {info.exit_code})"
    counts = ", ".join(f"{n} {outcome.value}" for outcome, n in report.counts().items() if n)
    profile = f" &middot; profile <code>{escape(info.profile)}</code>" if info.profile else ""
    strict = " &middot; strict" if info.strict else ""
    return (
        f'<p><span class="verdict {"ok" if ok else "bad"}" id="verdict">{escape(verdict)}</span> '
        f"{len(report.results)} cases: {escape(counts or 'none')}</p>\n"
        f'<p class="meta">target <code>{escape(info.target)}</code>{profile}{strict} &middot; '
        f"started {escape(info.started_at.isoformat(timespec='seconds'))} &middot; "
        f"{(info.finished_at - info.started_at).total_seconds():.1f} s</p>"
    )


def _problems(report: RunReport) -> str:
    info = report.info
    if not info.gate_problems:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in info.gate_problems)
    command = f"<p>Rewrite the list with <code>{escape(info.update_command)}</code></p>" if info.update_command else ""
    return f'<div class="problems" id="problems"><strong>Expectations</strong><ul>{items}</ul>{command}</div>'


def _matrix(name: str, rows: Mapping[str, Mapping[Outcome, int]]) -> str:
    head = "".join(f'<th class="o o-{o.value}">{o.value}</th>' for o in OUTCOME_ORDER)
    body = []
    for row, counts in rows.items():
        cells = "".join(f'<td class="n{"" if counts[o] else " zero"}">{counts[o]}</td>' for o in OUTCOME_ORDER)
        body.append(f"<tr><th>{escape(row)}</th>{cells}<td class=\"n\">{sum(counts.values())}</td></tr>")
    return (f'<table class="matrix" id="matrix-{name}"><thead><tr><th>{name}</th>{head}<th>total</th></tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def _filters(report: RunReport) -> str:
    outcomes = [o.value for o in OUTCOME_ORDER if report.counts()[o]]
    levels = [level for level, counts in report.level_matrix().items() if sum(counts.values())]
    areas = sorted({area_of(result) for result in report.results})
    return "\n".join([_fieldset("outcome", outcomes), _fieldset("level", levels), _fieldset("area", areas)])


def _fieldset(group: str, values: Iterable[str]) -> str:
    boxes = "".join(
        f'<label><input type="checkbox" data-group="{group}" value="{escape(value)}" checked> {escape(value)}</label>'
        for value in values
    )
    return f'<fieldset id="filter-{group}"><legend>{group}</legend>{boxes}</fieldset>'


def _row(result: ScenarioResult) -> str:
    summary = failure_summary(result)
    searchable = " ".join([result.case_id, result.title, result.spec_section, result.spec_tag, summary]).lower()
    spec = f"§{result.spec_section} {result.spec_tag}".strip()
    return (
        f'<tr class="case" id="case-{escape(result.case_id)}" data-outcome="{result.outcome.value}" '
        f'data-level="{result.level.value}" data-area="{escape(area_of(result))}" data-search="{escape(searchable)}">'
        f'<td class="o o-{result.outcome.value}">{result.outcome.value}</td>'
        f"<td>{result.level.value}</td>"
        f'<td><span class="id">{escape(result.case_id)}</span><br>{escape(result.title)}'
        f'<br><small class="meta">{escape(result.source)}</small></td>'
        f"<td>{escape(spec)}</td>"
        f'<td class="n">{result.duration_s:.2f}s</td>'
        f"<td>{_details(result, summary)}</td></tr>"
    )


def _details(result: ScenarioResult, summary: str) -> str:
    if result.outcome is Outcome.PASS:
        return ""
    body = [f"<p>{escape(result.reason)}</p>"] if result.reason and result.failures else []
    for failure in result.failures:
        body.append(f"<p><strong>{failure.level.value}</strong> {escape(failure.step)}</p>"
                    f"<pre>{escape(failure.message)}</pre>")
    if result.trace:
        body.append(f'<details class="trace"><summary>frame trace</summary><pre>{escape(result.trace)}</pre></details>')
    if not body:
        return escape(summary)
    return f"<details><summary>{escape(summary or result.outcome.value)}</summary>{''.join(body)}</details>"
