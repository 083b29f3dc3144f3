"""`--report-json PATH`: the machine-readable report, described by conformance/schema/report.schema.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.reports.model import RunReport, result_to_dict

SCHEMA_VERSION = 1


def build_json(report: RunReport) -> dict[str, Any]:
    info = report.info
    return {
        "schema_version": SCHEMA_VERSION,
        "run": {
            "target": info.target,
            "profile": info.profile,
            "started_at": info.started_at.isoformat(),
            "finished_at": info.finished_at.isoformat(),
            "duration_s": round((info.finished_at - info.started_at).total_seconds(), 6),
            "strict": info.strict,
            "exit_code": info.exit_code,
            "gate_problems": list(info.gate_problems),
            "update_command": info.update_command,
        },
        "counts": {
            "total": len(report.results),
            "by_outcome": {outcome.value: n for outcome, n in report.counts().items()},
            "by_level": {
                level: {outcome.value: n for outcome, n in row.items()} for level, row in report.level_matrix().items()
            },
        },
        "cases": [result_to_dict(result) for result in sorted(report.results, key=lambda r: r.case_id)],
    }


def write_json(report: RunReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build_json(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
