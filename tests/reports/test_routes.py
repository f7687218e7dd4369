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


def test_pdf_signatures_share_their_page_with_the_report(
    month: dict[str, Any], make_user: Any, make_client: Any
) -> None:
    """The signature line is never alone on the last page: it goes with the last definition."""
    import re

    client = make_client(make_user("admin"))
    response = client.get(f"/reports/report.pdf?span={SPAN}")
    pages = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    pages_text = [p for p in pages.split("\f") if p.strip()]
    last = pages_text[-1]
    assert "制表人" in last and "盖章" in last
    rest = re.sub(r"制表人：|审核人：|盖章：|\d+/\d+|\s", "", last)
    assert len(rest) >= 10, last  # at least a sentence of the report beside the signatures


def test_excel_has_the_12_month_trend_on_a_second_sheet(
    month: dict[str, Any], make_user: Any, make_client: Any
) -> None:
    import openpyxl

    client = make_client(make_user("admin"))
    response = client.get(f"/reports/report.xlsx?span={SPAN}")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["社区微就业月度报告", "近 12 个月"]
    rows = list(book["近 12 个月"].iter_rows(values_only=True))
    header, months = rows[0], rows[1:]
    assert header[0] == "月份" and "有收入的居民" in header and "收入总额" in header
    expected = ["2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]
    expected += ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert [m[0] for m in months] == expected
    may = dict(zip(header, months[-1], strict=True))
    assert may["有收入的居民"] == 4  # the same month as the first sheet and the page
    assert may["收入总额"] == pytest.approx(65.23)
    assert may["合格率"] == pytest.approx(0.925)


def test_the_english_pdf_button_says_the_pdf_is_chinese(
    month: dict[str, Any], make_user: Any, make_client: Any
) -> None:
    from factory.extensions import db

    admin = make_user("admin")
    admin.locale = "en"
    db.session.flush()
    client = make_client(admin)
    page = client.get(f"/reports/?span={SPAN}").get_data(as_text=True)
    assert "Download PDF (in Chinese)" in page
    assert "Download Excel" in page
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=client.get(f"/reports/report.pdf?span={SPAN}").data,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "就业" in text  # the PDF stays Chinese, as the button says
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/report.xlsx?span={SPAN}").data))
    assert book.sheetnames == ["Employment report", "Last 12 months"]


def test_the_12_month_charts_name_the_year_and_label_the_first_month(
    month: dict[str, Any], make_user: Any, make_client: Any
) -> None:
    import re

    page = make_client(make_user("admin")).get(f"/reports/?span={SPAN}").get_data(as_text=True)
    # x labels of each chart: June 2025 (the first month) to May 2026, with the year
    assert len(re.findall(r">2025-06</text>", page)) == 3
    assert len(re.findall(r">2026-05</text>", page)) == 3
    assert "月</text>" not in page
    e1, _e2 = month["enterprises"]
    client = make_client(make_user("coordinator", enterprise=e1))
    page = client.get(f"/reports/enterprise?span={SPAN}").get_data(as_text=True)
    assert ">2025-06</text>" in page and ">2026-05</text>" in page
