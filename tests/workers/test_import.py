"""Importing workers from CSV and Excel (all rows or none), and exporting with masked numbers."""

from __future__ import annotations

import io
import time
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from factory import tabular
from factory.extensions import db
from factory.workers import domain, messages, services
from factory.workers.models import WorkerProfile
from tests.workers.conftest import id_number

HEADER = ["姓名", "手机号", "身份证号", "技能", "每周工时", "就业困难人员"]


def rows(n: int) -> list[list[str]]:
    out = []
    for i in range(n):
        out.append(
            [
                f"居民{i:02d}",
                f"1350000{i:04d}",
                id_number(100 + i) if i % 3 == 0 else "",
                "remote_assembly:30;knitting:4.5" if i % 2 else "手工编织:3",
                "6 6 6 6 6 0 0" if i % 4 else "3,3,3,3,3,4,0",
                "残疾人" if i % 10 == 0 else "否",
            ]
        )
    return out


def csv_bytes(header: list[str], body: list[list[str]]) -> bytes:
    lines = [",".join(header)] + [",".join(f'"{c}"' for c in r) for r in body]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def xlsx_bytes(header: list[str], body: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for r in body:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: Any, data: bytes, name: str) -> Any:
    return client.submit(
        "/workers/import",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count() -> int:
    return db.session.scalar(select(func.count(WorkerProfile.user_id))) or 0


def test_sixty_workers_from_a_spreadsheet_quickly(make_client: Any, organiser: Any) -> None:
    client = make_client(organiser)
    before = count()
    started = time.perf_counter()
    response = upload(client, xlsx_bytes(HEADER, rows(60)), "居民名单.xlsx")
    elapsed = time.perf_counter() - started
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert count() == before + 60
    print(f"import of 60 rows: {elapsed * 1000:.0f} ms")
    workers = {w.user.name: w for w in services.station_workers(organiser.station_id)}
    first = workers["居民00"]
    assert first.hard_to_employ
    assert first.hardship_category == "disabled"
    assert {s.skill.code: s.speed for s in first.skills} == {"knitting": Decimal(3)}
    assert services.weekly_hours(first) == [Decimal(3)] * 5 + [Decimal(4), Decimal(0)]
    assert first.id_number_masked == domain.mask_id_number(id_number(100))
    assert not services.has_valid_code(first)  # codes are handed out later, one by one or as slips


def test_one_bad_row_imports_nothing_and_names_row_and_column(make_client: Any, organiser: Any) -> None:
    client = make_client(organiser)
    body = rows(60)
    body[6][1] = "1380000123"  # spreadsheet row 8: a mobile with 10 digits
    body[10][3] = "remote_assembly:0"  # row 12: a speed of 0
    body[20][4] = "6 6 6 6 25 0 0"  # row 22: 25 hours on a day
    body[30][0] = ""  # row 32: no name
    body[40][3] = "welding:5"  # row 42: unknown skill
    body[45][1] = body[44][1]  # row 47: the same mobile as row 46
    body[50][2] = id_number(150)[:-1] + ("1" if id_number(150)[-1] != "1" else "2")  # row 52: check digit
    before = count()
    response = upload(client, csv_bytes(HEADER, body), "workers.csv")
    assert response.status_code == 422
    assert count() == before
    page = response.get_data(as_text=True)
    problem_rows = [8, 12, 22, 32, 42, 47, 52]
    for row in problem_rows:
        assert f'<td class="num">{row}</td>' in page, row
    assert "welding" in page
    assert page.count('<tr><td class="num">') == len(problem_rows)
    # the organiser fixes the rows and uploads again: now all 60 are registered
    fixed = rows(60)
    response = upload(client, csv_bytes(HEADER, fixed), "workers.csv")
    assert response.status_code == 303
    assert count() == before + 60


def test_a_mobile_already_registered_is_refused(make_client: Any, organiser: Any, register: Any) -> None:
    register(mobile="13500000003")
    response = upload(make_client(organiser), csv_bytes(HEADER, rows(5)), "w.csv")
    assert response.status_code == 422
    assert '<td class="num">5</td>' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "name", "fragment"),
    [
        (b"", "empty.csv", "The file is empty."),
        (csv_bytes(["name", "phone number"], [["a", "b"]]), "w.csv", "phone number"),
        (csv_bytes(["姓名"], [["王"]]), "w.csv", "mobile"),
        (b"PK\x03\x04 not really", "w.xlsx", "Excel"),
        (b"\xd0\xcf\x11\xe0", "w.xls", ".xls"),
        (b"name,mobile\n", "w.pdf", ".csv"),
    ],
)
def test_files_of_the_wrong_shape_get_a_clear_message(
    make_client: Any, organiser: Any, data: bytes, name: str, fragment: str, app: Any
) -> None:
    app.config["LANGUAGES"] = ["zh_CN", "en"]
    client = make_client(organiser)
    client.post("/language", data={"locale": "en", "csrf_token": client.csrf_token("/workers/import")})
    response = upload(client, data, name)
    assert response.status_code == 422
    assert fragment in response.get_data(as_text=True)


def test_a_formula_cell_is_refused(make_client: Any, organiser: Any) -> None:
    body: list[list[Any]] = rows(3)
    body[1][0] = '=HYPERLINK("http://example.com","点我")'
    response = upload(make_client(organiser), xlsx_bytes(HEADER, body), "w.xlsx")
    assert response.status_code == 422
    assert '<td class="num">3</td>' in response.get_data(as_text=True)
    csv_body = rows(3)
    csv_body[2][3] = "=1+2"
    response = upload(make_client(organiser), csv_bytes(HEADER, csv_body), "w.csv")
    assert response.status_code == 422


def test_a_file_of_100000_rows_is_refused_before_it_is_read_whole(make_client: Any, organiser: Any) -> None:
    body = "\r\n".join(f"居民{i},135{i:08d}" for i in range(100_000))
    data = ("姓名,手机号\r\n" + body).encode("utf-8")
    assert len(data) < tabular.MAX_BYTES
    before = count()
    client = make_client(organiser)
    token = client.csrf_token("/workers/import")
    # a hand-made multipart body: the test client would spool this size to a file it never closes
    boundary = "----boundary7MA4YWxkTrZu0gW"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    started = time.perf_counter()
    response = client.post(
        "/workers/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 422
    assert "2000" in response.get_data(as_text=True)
    assert count() == before
    assert (
        time.perf_counter() - started < 10
    )  # generous: it stops at the limit, it does not check 100,000 rows


def test_export_masks_numbers(make_client: Any, organiser: Any, register: Any) -> None:
    register(name="孙美玲", mobile="13812345678", id_number=id_number(77), skills="knitting:4.5")
    client = make_client(organiser)
    response = client.get("/workers/export.csv")
    assert response.status_code == 200
    body = response.get_data().decode("utf-8-sig")
    assert "138****5678" in body
    assert "13812345678" not in body
    assert id_number(77) not in body
    assert domain.mask_id_number(id_number(77)) in body
    response = client.get("/workers/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    values = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert "138****5678" in values
    assert "13812345678" not in values


def test_export_names_each_skill_and_its_speed_per_hour(
    make_client: Any, organiser: Any, register: Any, app: Any
) -> None:
    register(name="孙美玲", skills="remote_assembly:23.6;flower_weaving:19.50")
    client = make_client(organiser)
    body = client.get("/workers/export.csv").get_data().decode("utf-8-sig")
    assert "遥控器组装：每小时 23.6 个；手工编花：每小时 19.5 朵" in body
    assert "remote_assembly" not in body and "flower_weaving" not in body
    book = openpyxl.load_workbook(io.BytesIO(client.get("/workers/export.xlsx").get_data()), read_only=True)
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert "遥控器组装：每小时 23.6 个；手工编花：每小时 19.5 朵" in cells
    app.config["LANGUAGES"] = ["zh_CN", "en"]
    client.post("/language", data={"locale": "en", "csrf_token": client.csrf_token("/workers/")})
    body = client.get("/workers/export.csv").get_data().decode("utf-8-sig")
    assert "Remote control assembly: 23.6 pieces per hour; Hand-woven flowers: 19.5 flowers per hour" in body


@pytest.mark.parametrize(
    "cell",
    [
        "遥控器组装：每小时 23.6 个；手工编花：每小时 19.5 朵",
        "Remote control assembly: 23.6 pieces per hour; Hand-woven flowers: 19.5 flowers per hour",
        "remote_assembly:23.6;flower_weaving:19.5",
        "遥控器组装: 23.6个/小时, 手工编花=19.5",
    ],
)
def test_a_skills_cell_as_the_export_writes_it_imports_back(
    make_client: Any, organiser: Any, cell: str
) -> None:
    response = upload(
        make_client(organiser), csv_bytes(HEADER, [["周红", "13912340077", "", cell, "", "否"]]), "w.csv"
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    worker = next(w for w in services.station_workers(organiser.station_id) if w.user.name == "周红")
    assert {s.skill.code: s.speed for s in worker.skills} == {
        "remote_assembly": Decimal("23.6"),
        "flower_weaving": Decimal("19.5"),
    }


def test_words_other_than_a_unit_around_a_speed_are_still_refused(make_client: Any, organiser: Any) -> None:
    cell = "遥控器组装：大约 23.6 个"
    response = upload(
        make_client(organiser), csv_bytes(HEADER, [["周红", "13912340078", "", cell, "", "否"]]), "w.csv"
    )
    assert response.status_code == 422


def test_the_template_can_be_imported_as_it_is(make_client: Any, organiser: Any) -> None:
    client = make_client(organiser)
    data = client.get("/workers/import/template.csv").get_data()
    response = upload(client, data, "template.csv")
    assert response.status_code == 303


def test_every_message_of_the_pure_modules_can_be_translated() -> None:
    for catalogue in (domain.MESSAGES, tabular.MESSAGES):
        for template in catalogue.values():
            assert template in messages.TEMPLATES, template


def test_translate_fills_in_nested_messages(app: Any) -> None:
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        text = messages.translate("Friday: Hours in a day must be between 0 and 24.")
    assert "Friday" not in text
    assert "24" in text
