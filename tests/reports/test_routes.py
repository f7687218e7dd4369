"""The pages, the PDF and the spreadsheet show the hand-built month's figures (tests/reports/conftest.py)."""

from __future__ import annotations

import io
import subprocess
from typing import Any

import pytest

SPAN = "2026-05"


def test_dashboard_shows_the_figures(month: dict[str, Any], make_user: Any, make_client: Any) -> None:
    client = make_client(make_user("admin"))
    page = client.get(f"/reports/?span={SPAN}").get_data(as_text=True)
    assert "¥65.23" in page  # total earnings
    assert "¥12.95" in page  # median earnings
    assert "¥4.93" in page  # median per hour
    assert "92.5%" in page  # quality 124 / 134
    assert "50.0%" in page  # on time 1 of 2
    assert page.count("<svg") == 3


def test_dashboard_filters_to_a_district(month: dict[str, Any], make_user: Any, make_client: Any) -> None:
    a = month["stations"][0]
    client = make_client(make_user("admin"))
    page = client.get(f"/reports/?span={SPAN}&district={a.district_id}").get_data(as_text=True)
    assert "¥33.23" in page
    assert "¥65.23" not in page
    assert "96.8%" in page  # 92 / 95


def test_bad_filters_are_refused(month: dict[str, Any], make_user: Any, make_client: Any) -> None:
    client = make_client(make_user("admin"))
    assert client.get("/reports/?span=2026-13").status_code == 400
    assert client.get("/reports/?span=x").status_code == 400
    assert client.get(f"/reports/?span={SPAN}&district=abc").status_code == 400
    assert client.get(f"/reports/?span={SPAN}&station=999999").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "organiser", "worker"])
def test_only_the_administrator_sees_the_city(role: str, make_user: Any, make_client: Any) -> None:
    client = make_client(make_user(role))
    for path in ("/reports/", "/reports/stations", "/reports/report.pdf", "/reports/report.xlsx"):
        assert client.get(path).status_code == 403, path


def test_station_table_sorts_and_highlights(month: dict[str, Any], make_user: Any, make_client: Any) -> None:
    a, b, c = month["stations"]
    client = make_client(make_user("admin"))
    page = client.get(f"/reports/stations?span={SPAN}&sort=total&dir=desc").get_data(as_text=True)
    assert page.index(c.name) < page.index(a.name) < page.index(b.name)
    assert page.count('class="idle"') == 1  # station A left W5 without work
    page = client.get(f"/reports/stations?span={SPAN}&sort=total&dir=asc").get_data(as_text=True)
    assert page.index(b.name) < page.index(a.name) < page.index(c.name)


def test_pdf_reads_the_same_figures(month: dict[str, Any], make_user: Any, make_client: Any) -> None:
    client = make_client(make_user("admin"))
    response = client.get(f"/reports/report.pdf?span={SPAN}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    assert "就业" in text
    for figure in ("¥65.23", "¥12.95", "¥4.93", "92.5%", "50.0%", "13.28"):
        assert figure in text


def test_excel_holds_the_figures(month: dict[str, Any], make_user: Any, make_client: Any) -> None:
    import openpyxl

    client = make_client(make_user("admin"))
    response = client.get(f"/reports/report.xlsx?span={SPAN}")
    assert response.status_code == 200
    assert 'filename="employment-2026-05.xlsx"' in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    by_label = {row[0].value: row[1] for row in sheet.iter_rows() if len(row) > 1 and row[0].value}
    # Numbers are numbers, shown as yuan and percentages, so the bureau can add and sort them.
    total = by_label["收入总额"]
    assert total.value == pytest.approx(65.23) and "¥" in total.number_format
    assert by_label["收入中位数"].value == pytest.approx(12.95)
    quality = by_label["合格率"]
    assert quality.value == pytest.approx(0.925) and quality.number_format == "0.0%"
    assert by_label["有收入的居民"].value == 4
    names = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "站点A" in names and "站点C" in names
    a = month["stations"][0]
    filtered = client.get(f"/reports/report.xlsx?span={SPAN}&district={a.district_id}")
    assert f"employment-2026-05-district-{a.district_id}.xlsx" in filtered.headers["Content-Disposition"]


def test_coordinator_sees_only_their_enterprise(
    month: dict[str, Any], make_user: Any, make_client: Any
) -> None:
    e1, e2 = month["enterprises"]
    client = make_client(make_user("coordinator", enterprise=e1))
    page = client.get(f"/reports/enterprise?span={SPAN}&enterprise={e2.id}").get_data(as_text=True)
    assert e1.name in page
    assert e2.name not in page  # the enterprise parameter is ignored for coordinators
    assert "96.8%" in page  # 92 / 95
    assert "站点A" in page
    assert "站点C" not in page
    assert '<th class="num">已收货件数</th>' in page and "60 件待确认收货" in page  # nothing confirmed yet
