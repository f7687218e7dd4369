"""The employment service's administrator opens the demo city's month, narrows it to one district and files
the PDF, whose text shows the page's figures; an enterprise coordinator opens their own delivery and quality."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.e2e.conftest import login, shot

ADMIN = "13800000001"  # 张敏, 青岛市公共就业服务中心
COORDINATOR = "13800000011"  # 王建华, 青岛海岳电器配件有限公司
DISTRICT = "市北区"  # the first demo station's district, where the pay history is


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px screen"


def figures(page: Any) -> list[tuple[str, str]]:
    """The (label, value) rows of the page's figure table."""
    rows = page.locator("#figures tr")
    return [
        (rows.nth(i).locator("th").inner_text().strip(), rows.nth(i).locator("td").inner_text().strip())
        for i in range(rows.count())
    ]


def test_administrator_reads_the_month_narrows_to_a_district_and_files_the_pdf(page: Any) -> None:
    login(page, ADMIN)
    page.click("nav >> text=就业统计")
    assert page.locator("h1").inner_text() == "就业统计"
    assert "全市" in page.locator(".lead").inner_text()
    city = dict(figures(page))
    assert int(city["有收入的居民"]) > 0  # the demo month has residents with pay
    assert city["收入总额"].startswith("¥")
    assert page.locator(".charts svg").count() == 3
    fits(page)
    shot(page, "reports-city-month")

    page.select_option("select[name=district]", label=DISTRICT)
    page.click("form.filters button")
    assert DISTRICT in page.locator(".lead").inner_text()
    district = figures(page)
    values = dict(district)
    assert 0 < int(values["有收入的居民"]) <= int(city["有收入的居民"])
    fits(page)
    shot(page, "reports-district")

    with page.expect_download() as info:
        page.click("text=下载 PDF")
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert DISTRICT in text
    lines = text.splitlines()
    for label, value in district:
        matching = [line for line in lines if line.strip().lstrip("· ").startswith(label.lstrip("· "))]
        assert matching, f"{label} is missing from the PDF"
        assert any(line.rstrip().endswith(value) for line in matching), f"{label}: {value} not in {matching}"


def test_coordinator_opens_their_enterprise_view(page: Any) -> None:
    login(page, COORDINATOR)
    page.click("nav >> text=交货与质量")
    assert "青岛海岳电器配件有限公司" in page.locator(".lead").inner_text()
    assert page.locator("select[name=enterprise]").count() == 0  # their own enterprise only
    rows = dict(figures(page))
    assert rows["合格率"].endswith("%")
    assert page.locator(".chart-box svg").count() == 1
    stations = page.locator("table.table").nth(1).inner_text()
    assert "微工厂" in stations  # the demo stations that worked on their orders
    fits(page)
    shot(page, "reports-enterprise")


def test_station_comparison_uses_the_desktop_width(browser: Any, base_url: str) -> None:
    """At 1366 px the table may use the whole screen and no short heading breaks mid-word."""
    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        login(page, ADMIN)
        page.goto("/reports/stations")
        lines = page.evaluate(
            """() => [...document.querySelectorAll('table.stations th:not(.long) a')].map(a => {
                const range = document.createRange();
                range.selectNodeContents(a);
                return [a.textContent.trim(), new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
            })"""
        )
        assert lines and all(count == 1 for _text, count in lines), lines
        shot(page, "reports-stations-desktop")
    finally:
        context.close()


def test_station_names_keep_room_on_a_small_laptop(browser: Any, base_url: str) -> None:
    """At 1024 px (and 1440) a station's name takes one or two lines, not one line per four characters:
    the numeric columns give way (their headings wrap), and nothing scrolls sideways."""
    for width in (1024, 1440):
        context = browser.new_context(
            base_url=base_url, locale="zh-CN", viewport={"width": width, "height": 768}
        )
        try:
            page = context.new_page()
            login(page, ADMIN)
            page.goto("/reports/stations")
            names = page.evaluate(
                """() => [...document.querySelectorAll('table.stations tbody td:first-child')].map(td => {
                    const range = document.createRange();
                    range.selectNodeContents(td);
                    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
                    return [td.textContent.trim(), lines, td.getBoundingClientRect().width];
                })"""
            )
            assert len(names) == 3
            for name, lines, cell in names:
                assert lines <= 2 and cell >= 170, (width, name, lines, cell)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shot(page, f"reports-stations-{width}")
        finally:
            context.close()
