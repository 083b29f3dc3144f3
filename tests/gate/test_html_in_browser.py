"""The HTML report in a real headless Chromium: it renders, loads nothing from the network, filters work.

The screenshot is kept under pytest's tmp dir (printed on the test's output) as an artifact to look at.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from conformance.reports.html import write_html
from tests.gate.browser import find_chromium, headless_page
from tests.gate.test_reports import sample_report

CHROMIUM = find_chromium()

VISIBLE_IDS = "Array.from(document.querySelectorAll('tr.case:not(.hidden) .id')).map(e => e.textContent)"


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium): HTML not browser-checked")
def test_report_renders_and_filters_in_chromium(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    report_path = tmp_path / "report.html"
    write_html(sample_report(), report_path)
    screenshot = tmp_path / "report.png"

    async def scenario() -> dict[str, object]:
        async with headless_page(CHROMIUM, tmp_path / "profile") as page:
            await page.open(report_path.as_uri())
            seen: dict[str, object] = {
                "all": await page.evaluate(VISIBLE_IDS),
                "shown": await page.evaluate("document.getElementById('shown').textContent"),
                "verdict": await page.evaluate("document.getElementById('verdict').textContent"),
                "injected": await page.evaluate("document.querySelectorAll('tr.case script').length"),
            }
            await page.evaluate("document.querySelector('input[data-group=outcome][value=pass]').click()")
            seen["without_pass"] = await page.evaluate(VISIBLE_IDS)
            await page.evaluate("document.querySelector('input[data-group=level][value=MUST]').click()")
            seen["without_must"] = await page.evaluate(VISIBLE_IDS)
            await page.evaluate("document.querySelector('input[data-group=level][value=MUST]').click()")
            await page.evaluate(
                "(s => { s.value = 'BAD-NAME'; s.dispatchEvent(new Event('input')); })"
                "(document.getElementById('search'))"
            )
            seen["searched"] = await page.evaluate(VISIBLE_IDS)
            await page.evaluate("document.querySelector('#cases details').open = true")
            seen["trace_text"] = await page.evaluate("document.querySelector('#cases details pre').textContent")
            await page.screenshot(screenshot)
            seen["requests"] = page.requested_urls()
            return seen

    seen = asyncio.run(scenario())
    print(f"screenshot of the HTML report: {screenshot}")
    assert len(seen["all"]) == 6  # type: ignore[arg-type]
    assert seen["shown"] == "6 of 6 cases shown"
    assert seen["verdict"] == "gate not met (exit code 1)"
    assert seen["injected"] == 0
    assert "groups.create.owner-flag" not in seen["without_pass"]  # type: ignore[operator]
    assert len(seen["without_pass"]) == 5  # type: ignore[arg-type]
    assert seen["without_must"] == ["errors.codes.not-found", "invites.expiry.edge"]
    assert seen["searched"] == ["groups.create.bad-name"]
    assert '<script>alert("x")</script>' in str(seen["trace_text"])
    assert all(url.startswith(("file:", "data:", "about:")) for url in seen["requests"])  # type: ignore[union-attr]
    assert screenshot.stat().st_size > 1000 and screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
