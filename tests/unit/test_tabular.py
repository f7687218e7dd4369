import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from factory.tabular import (
    Row,
    TableError,
    looks_like_formula,
    read_table,
    safe_text,
    write_csv,
    write_xlsx,
)

ALIASES = {
    "姓名": "name",
    "Name": "name",
    "手机号": "mobile",
    "Mobile number": "mobile",
    "每周时间": "weekly_hours",
}
REQUIRED = {"name", "mobile"}


def read(filename, data, **kwargs):
    return read_table(filename, data, aliases=ALIASES, required=REQUIRED, **kwargs)


def xlsx(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def problems(excinfo):
    return excinfo.value.problems


# --- CSV ----------------------------------------------------------------------------------------


def test_reads_utf8_csv_with_chinese_headers():
    rows = read("workers.csv", "姓名,手机号\n王芳,13812341234\n李强,13912341234\n".encode())
    assert rows == [
        {"name": "王芳", "mobile": "13812341234", "weekly_hours": ""},
        {"name": "李强", "mobile": "13912341234", "weekly_hours": ""},
    ]
    assert [row.row for row in rows] == [2, 3]
    assert isinstance(rows[0], Row)


def test_reads_bom_gb18030_and_other_delimiters():
    expected = [{"name": "王芳", "mobile": "13812341234", "weekly_hours": "3,3,3,3,3,0,0"}]
    text = '姓名;手机号;每周时间\r\n王芳;13812341234;"3,3,3,3,3,0,0"\r\n'
    assert read("a.csv", b"\xef\xbb\xbf" + text.encode()) == expected
    assert read("a.csv", text.encode("gb18030")) == expected
    assert read("a.CSV", text.replace(";", "\t").encode("gb18030")) == expected


def test_headers_match_without_case_and_spaces():
    rows = read("a.csv", b" NAME ,mobile  number\nWang Fang,13812341234\n")
    assert rows == [{"name": "Wang Fang", "mobile": "13812341234", "weekly_hours": ""}]


def test_row_numbers_skip_blank_lines_as_the_spreadsheet_does():
    rows = read("a.csv", "姓名,手机号\n\n王芳,13812341234\n,\n李强,13912341234\n".encode())
    assert [row.row for row in rows] == [3, 5]


def test_missing_unknown_and_duplicate_columns():
    with pytest.raises(TableError) as info:
        read("a.csv", "姓名,电话,Name\n王芳,1,2\n".encode())
    assert problems(info) == [
        (1, "电话", "Unknown column 电话."),
        (1, "Name", "The column name appears twice."),
        (1, "mobile", "Missing column mobile."),
    ]
    assert "row 1, 电话: Unknown column 电话." in str(info.value)


def test_unknown_columns_can_be_ignored():
    rows = read("a.csv", "姓名,备注,手机号\n王芳,x,13812341234\n".encode(), ignore_unknown=True)
    assert rows == [{"name": "王芳", "mobile": "13812341234", "weekly_hours": ""}]


def test_value_in_a_column_without_heading():
    with pytest.raises(TableError) as info:
        read("a.csv", "姓名,手机号\n王芳,13812341234,oops\n".encode())
    assert problems(info) == [(2, "C", "This column has a value but no heading.")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n", "The file is empty."),
        ("姓名,手机号\n".encode(), "header row but no data"),
    ],
)
def test_empty_files(data, message):
    with pytest.raises(TableError, match=message):
        read("a.csv", data)


def test_too_many_rows_is_refused_with_the_limit():
    data = ("姓名,手机号\n" + "王芳,13812341234\n" * 11).encode()
    assert len(read("a.csv", data, max_rows=11)) == 11
    with pytest.raises(TableError) as info:
        read("a.csv", data, max_rows=10)
    assert problems(info) == [(12, None, "The file has more than 10 data rows; split it into smaller files.")]


def test_rows_past_the_limit_are_not_read():
    # A broken quote far past the limit would be an error if the reader went on.
    data = ("姓名,手机号\n" + "王芳,13812341234\n" * 5 + 'x,"\n' + "a,b\n" * 1000).encode()
    with pytest.raises(TableError, match="more than 3 data rows"):
        read("a.csv", data, max_rows=3)


def test_too_large_file_is_refused():
    with pytest.raises(TableError, match="larger than 1 MB"):
        read("a.csv", b"x" * (1024 * 1024 + 1), max_bytes=1024 * 1024)


@pytest.mark.parametrize(
    "cell", ["=1+2", '=HYPERLINK("http://x")', " =cmd", "@SUM(A1)", "+SUM(A1)", "-cmd|' /C calc'!A0"]
)
def test_csv_formulas_are_refused(cell):
    assert looks_like_formula(cell)
    data = f'姓名,手机号\n"{cell.replace(chr(34), chr(34) * 2)}",13812341234\n'.encode()
    with pytest.raises(TableError) as info:
        read("a.csv", data)
    assert problems(info) == [(2, "姓名", "Formulas are not accepted; paste the value instead.")]


@pytest.mark.parametrize("cell", ["-12.5", "+86 138 1234 1234", "=", "@张三", "a=b", "-", "- note"])
def test_csv_cells_that_are_not_formulas(cell):
    assert not looks_like_formula(cell)


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("a.pdf", b"%PDF", "Only .csv and .xlsx"),
        ("noextension", b"a,b", "Only .csv and .xlsx"),
        ("a.xls", b"\xd0\xcf\x11\xe0", "Old .xls workbooks"),
        ("a.csv", b"\x00\x01\x02binary", "not a CSV text file"),
        ("a.csv", b"\xff\xfe\x00\x00\x81", "not a CSV text file"),
        ("a.xlsx", b"name,mobile\n", "could not be read as an Excel .xlsx workbook"),
        ("a.xlsx", b"PK\x03\x04garbage", "could not be read as an Excel .xlsx workbook"),
    ],
)
def test_files_of_the_wrong_kind(filename, data, message):
    with pytest.raises(TableError, match=message):
        read(filename, data)


def test_xlsx_renamed_to_csv_is_not_csv():
    with pytest.raises(TableError, match="not a CSV text file"):
        read("a.csv", xlsx([["姓名", "手机号"]]))


# --- XLSX ---------------------------------------------------------------------------------------


def test_reads_xlsx():
    data = xlsx(
        [
            ["姓名", "手机号", "每周时间"],
            ["王芳", 13812341234, "3,3,3,3,3,0,0"],
            [None, None, None],
            ["李强", "13912341234", 2.5],
        ]
    )
    rows = read("workers.xlsx", data)
    assert rows == [
        {"name": "王芳", "mobile": "13812341234", "weekly_hours": "3,3,3,3,3,0,0"},
        {"name": "李强", "mobile": "13912341234", "weekly_hours": "2.5"},
    ]
    assert [row.row for row in rows] == [2, 4]


def test_xlsx_dates_and_numbers_become_text():
    data = xlsx([["Name", "Mobile number"], [datetime(2024, 5, 1), 12.0], [date(2024, 5, 2), True]])
    assert [(row["name"], row["mobile"]) for row in read("a.xlsx", data)] == [
        ("2024-05-01", "12"),
        ("2024-05-02", "TRUE"),
    ]


def test_xlsx_formula_cells_are_refused_with_their_place():
    data = xlsx([["姓名", "手机号"], ["王芳", "13812341234"], ["李强", '=A2&"1"']])
    with pytest.raises(TableError) as info:
        read("a.xlsx", data)
    assert problems(info) == [(3, "手机号", "Formulas are not accepted; paste the value instead.")]


def test_xlsx_too_many_rows():
    data = xlsx([["姓名", "手机号"]] + [["王芳", "13812341234"]] * 6)
    with pytest.raises(TableError, match="more than 5 data rows"):
        read("a.xlsx", data, max_rows=5)


def test_defusedxml_protects_openpyxl():
    assert openpyxl.DEFUSEDXML is True


def _with_entity(data: bytes, member: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    assert member in source.namelist()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                text = content.decode()
                declaration_end = text.index("?>") + 2 if "?>" in text else 0
                doctype = (
                    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                )
                text = text[:declaration_end] + doctype + text[declaration_end:]
                text = text.replace("王芳", "&b;")
                content = text.encode()
            target.writestr(info, content)
    return out.getvalue()


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "docProps/core.xml"])
def test_xml_entities_in_xlsx_are_refused(member):
    data = xlsx([["姓名", "手机号"], ["王芳", "13812341234"]])
    assert read("a.xlsx", data)  # the untouched file reads
    hostile = _with_entity(data, member)
    with pytest.raises(TableError, match="could not be read as an Excel .xlsx workbook"):
        read("a.xlsx", hostile)


# --- writing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-cmd|x", "'-cmd|x"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.5", "-12.5"),
        ("+8613812341234", "+8613812341234"),
        ("王芳", "王芳"),
        ("a=b", "a=b"),
    ],
)
def test_safe_text(text, expected):
    assert safe_text(text) == expected


def test_write_csv_bom_crlf_and_safe_cells():
    data = write_csv(
        ["姓名", "金额", "备注"],
        [
            ["王芳", Decimal("-12.50"), '=HYPERLINK("http://evil")'],
            ["李强", -5, None],
            ["a,b", date(2024, 5, 1), "line\nbreak"],
        ],
    )
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.startswith("姓名,金额,备注\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [
        ["姓名", "金额", "备注"],
        ["王芳", "-12.50", '\'=HYPERLINK("http://evil")'],
        ["李强", "-5", ""],
        ["a,b", "2024-05-01", "line\nbreak"],
    ]


def test_written_csv_reads_back():
    data = write_csv(["姓名", "手机号"], [["王芳", "13812341234"], ["=1+2", "13912341234"]])
    rows = read("export.csv", data)
    assert [(row["name"], row["mobile"]) for row in rows] == [
        ("王芳", "13812341234"),
        ("'=1+2", "13912341234"),
    ]


def test_write_xlsx():
    data = write_xlsx(
        ["姓名", "金额", "日期", "备注"],
        [["王芳", Decimal("12.50"), date(2024, 5, 1), "=1+2"], ["李强", 3, None, "bell\x07"]],
        "工资条 2024/05 [上]: 很长很长很长很长很长很长很长很长很长很长很长",
    )
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert len(sheet.title) <= 31
    assert not set("[]:*?/\\") & set(sheet.title)
    assert sheet["A1"].value == "姓名"
    assert sheet["A1"].font.bold
    assert sheet["B2"].value == 12.5
    assert sheet["C2"].value.date() == date(2024, 5, 1)
    assert sheet["D2"].value == "=1+2"
    assert sheet["D2"].data_type == "s"  # text, not a formula
    assert sheet["D3"].value == "bell"
    # and a formula-free export imports again
    assert (
        read("x.xlsx", write_xlsx(["姓名", "手机号"], [["王芳", "13812341234"]], "Workers"))[0]["name"]
        == "王芳"
    )
