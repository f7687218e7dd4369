"""Spreadsheets in and out: CSV and .xlsx for the order and worker imports and exports.

Reading turns the first sheet (or the CSV) into rows of text keyed by canonical field names, using a
caller-supplied alias table for the header row (Chinese and English headings, case and spaces ignored).
Every problem is collected with the row and column a user sees in the spreadsheet (the header is row 1)
and raised together as `TableError`, so a caller can import all or nothing.

Safety
    * Size: the upload is refused above `max_bytes`, an .xlsx whose contents unpack to more than
      `MAX_UNPACKED_BYTES`, and any file with more than `max_rows` data rows (reading stops at the limit).
    * XML attacks: openpyxl parses with defusedxml when it is installed (it is a dependency), so entity
      expansion and external entities in an .xlsx are refused.
    * Formulas are refused on import: an .xlsx formula cell, or a CSV cell that starts with ``=`` (or with
      ``+ - @`` followed by a function call) and would run as a formula when opened in a spreadsheet.
    * Exports are formula-safe. CSV: a text cell starting with ``= + - @``, tab or carriage return gets a
      leading apostrophe, except a plain number such as ``-12.5`` or ``+8613812341234``, which a spreadsheet
      reads as a number, not a formula. XLSX: such text is written as a string cell, never a formula.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_PROBLEMS = 50

MESSAGES: dict[str, str] = {
    "too_large": "The file is larger than %(limit)s MB.",
    "unsupported": "Only .csv and .xlsx files can be read; save the file in one of those formats.",
    "old_excel": "Old .xls workbooks cannot be read; save the file as .xlsx or CSV.",
    "not_csv": "The file is not a CSV text file.",
    "not_xlsx": "The file could not be read as an Excel .xlsx workbook.",
    "empty": "The file is empty.",
    "no_rows": "The file has a header row but no data rows.",
    "too_many_rows": "The file has more than %(limit)s data rows; split it into smaller files.",
    "unknown_column": "Unknown column %(column)s.",
    "missing_column": "Missing column %(column)s.",
    "duplicate_column": "The column %(column)s appears twice.",
    "no_heading": "This column has a value but no heading.",
    "formula": "Formulas are not accepted; paste the value instead.",
    "more_problems": "%(count)s more problems not shown.",
}

Problem = tuple[int | None, str | None, str]


class TableError(ValueError):
    """The file cannot be imported; `problems` lists (row, column, message), row 1 being the header."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = []
        for row, column, message in self.problems:
            where = ", ".join(part for part in (f"row {row}" if row else "", column or "") if part)
            lines.append(f"{where}: {message}" if where else message)
        super().__init__("\n".join(lines))


class Row(dict[str, str]):
    """One data row keyed by canonical field name; `row` is its number in the spreadsheet."""

    def __init__(self, values: Mapping[str, str], row: int) -> None:
        super().__init__(values)
        self.row = row


def _message(key: str, **params: object) -> str:
    return MESSAGES[key] % params if params else MESSAGES[key]


def normalise_heading(text: str) -> str:
    """Return a heading for matching: case-folded, without spaces or the BOM."""
    return re.sub(r"[\s\ufeff]+", "", text).casefold()


# --- reading ----------------------------------------------------------------------------------------


def read_table(
    filename: str,
    data: bytes,
    *,
    aliases: Mapping[str, str],
    required: Collection[str] | None = None,
    ignore_unknown: bool = False,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> list[Row]:
    """Read a CSV or .xlsx upload into rows keyed by canonical field name.

    `aliases` maps each accepted heading (and the canonical names themselves are always accepted) to a
    canonical field name. `required` lists the fields whose column must be present (default: all).
    Columns of optional fields that are absent come back as empty strings.
    """
    if len(data) > max_bytes:
        raise TableError([(None, None, _message("too_large", limit=_megabytes(max_bytes)))])
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "xlsx":
        raw_rows = _xlsx_rows(data)
    elif extension in ("csv", "txt"):
        raw_rows = _csv_rows(data)
    elif extension == "xls":
        raise TableError([(None, None, _message("old_excel"))])
    else:
        raise TableError([(None, None, _message("unsupported"))])
    return _map_rows(raw_rows, aliases, required, ignore_unknown, max_rows)


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}"


_RawCell = tuple[str, bool]  # (text, is a formula)


def _map_rows(
    raw_rows: Iterator[tuple[int, list[_RawCell]]],
    aliases: Mapping[str, str],
    required: Collection[str] | None,
    ignore_unknown: bool,
    max_rows: int,
) -> list[Row]:
    lookup = {normalise_heading(alias): field for alias, field in aliases.items()}
    canonical = set(aliases.values())
    lookup.update({normalise_heading(field): field for field in canonical})
    required_fields = canonical if required is None else set(required)

    problems: list[Problem] = []
    header: list[str] | None = None
    fields: list[str | None] = []
    rows: list[Row] = []
    for number, cells in raw_rows:
        if header is None:
            header = [text for text, _ in cells]
            while header and not header[-1]:
                header.pop()
            fields = _header_fields(header, lookup, ignore_unknown, problems)
            missing = [field for field in sorted(required_fields) if field not in fields]
            problems.extend((1, field, _message("missing_column", column=field)) for field in missing)
            if problems:
                raise TableError(problems)
            continue
        if len(rows) >= max_rows:
            raise TableError([(number, None, _message("too_many_rows", limit=max_rows))])
        values = dict.fromkeys(canonical, "")
        for index, (text, is_formula) in enumerate(cells):
            column = header[index] if index < len(header) else None
            if is_formula:
                problems.append((number, column or _column_letter(index), _message("formula")))
            elif column is None:
                if text:
                    problems.append((number, _column_letter(index), _message("no_heading")))
            elif fields[index] is not None:
                values[fields[index]] = text  # type: ignore[index]
        rows.append(Row(values, number))
    if header is None:
        raise TableError([(None, None, _message("empty"))])
    if not rows:
        raise TableError([(None, None, _message("no_rows"))])
    if problems:
        if len(problems) > MAX_PROBLEMS:
            extra = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [(None, None, _message("more_problems", count=extra))]
        raise TableError(problems)
    return rows


def _header_fields(
    header: list[str], lookup: Mapping[str, str], ignore_unknown: bool, problems: list[Problem]
) -> list[str | None]:
    fields: list[str | None] = []
    seen: dict[str, str] = {}
    for index, heading in enumerate(header):
        field = lookup.get(normalise_heading(heading))
        if field is None:
            if heading and not ignore_unknown:
                problems.append((1, heading, _message("unknown_column", column=heading)))
            elif not heading:
                problems.append((1, _column_letter(index), _message("no_heading")))
        elif field in seen:
            problems.append((1, heading, _message("duplicate_column", column=field)))
            field = None
        else:
            seen[field] = heading
        fields.append(field)
    return fields


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _nonempty(rows: Iterable[tuple[int, list[_RawCell]]]) -> Iterator[tuple[int, list[_RawCell]]]:
    for number, cells in rows:
        if any(text or is_formula for text, is_formula in cells):
            yield number, cells


# CSV

_CSV_FORMULA = re.compile(r"=.+|[+\-@]\s*[A-Za-z_][A-Za-z0-9_.]*\s*\(.*|[+\-@].*\|.*", re.DOTALL)


def looks_like_formula(text: str) -> bool:
    """Return whether a CSV cell would run as a formula when opened in a spreadsheet."""
    return bool(_CSV_FORMULA.fullmatch(text.strip()))


def _decode(data: bytes) -> str:
    if b"\x00" in data or data.startswith(b"PK\x03\x04"):
        raise TableError([(None, None, _message("not_csv"))])
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError([(None, None, _message("not_csv"))])


def _sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[_RawCell]]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))

    def rows() -> Iterator[tuple[int, list[_RawCell]]]:
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, [(cell.strip(), looks_like_formula(cell)) for cell in cells]
        except csv.Error as exc:
            raise TableError([(reader.line_num, None, f"{_message('not_csv')} ({exc})")]) from None

    return _nonempty(rows())


# XLSX


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[_RawCell]]]:
    if not data.startswith(b"PK\x03\x04"):
        raise TableError([(None, None, _message("not_xlsx"))])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise TableError([(None, None, _message("not_xlsx"))]) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError([(None, None, _message("too_large", limit=_megabytes(MAX_UNPACKED_BYTES)))])
    return _nonempty(_xlsx_cells(data))


def _xlsx_cells(data: bytes) -> Iterator[tuple[int, list[_RawCell]]]:
    import openpyxl  # imported here: only uploads of workbooks need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # any failure to open (bad zip, bad or hostile XML) means "not a workbook"
        raise TableError([(None, None, _message("not_xlsx"))]) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows()
        number = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except TableError:
                raise
            except Exception:  # hostile or broken sheet XML
                raise TableError([(number + 1, None, _message("not_xlsx"))]) from None
            number = next((cell.row for cell in cells if getattr(cell, "row", None)), number + 1)
            yield number, [(_cell_text(cell.value), cell.data_type == "f") for cell in cells]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


# --- writing ----------------------------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Return text that a spreadsheet will not run as a formula (see the module docstring)."""
    if text.startswith(_RISKY_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _export_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return safe_text(str(value))


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Write a CSV for spreadsheets: UTF-8 with BOM (Excel needs it for Chinese), CRLF, formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(str(heading)) for heading in headers])
    for row in rows:
        writer.writerow([_export_text(value) for value in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Formatted:
    """A number for a spreadsheet cell with its display format (e.g. yuan, a percentage)."""

    value: int | Decimal
    number_format: str


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[object]], sheet_title: str) -> bytes:
    """Write a one-sheet .xlsx with a bold header row; text is always text, never a formula."""
    return write_xlsx_sheets([Sheet(sheet_title, headers, rows)])


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its tab title, a bold header row and the rows under it."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]


def write_xlsx_sheets(sheets: Sequence[Sheet]) -> bytes:
    """Write an .xlsx with one sheet per `Sheet`, in order; text is always text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for n, spec in enumerate(sheets, start=1):
        title = _BAD_TITLE.sub(" ", spec.title).strip()[:31] or f"Sheet{n}"
        if title in used:  # tab titles must differ
            title = f"{title[:27]} ({n})"
        used.add(title)
        sheet = workbook.create_sheet(title=title)

        def cell(value: object, *, header: bool = False, sheet: Any = sheet) -> WriteOnlyCell:
            if isinstance(value, Formatted):
                result = WriteOnlyCell(sheet, value=value.value)
                result.number_format = value.number_format
            elif isinstance(value, datetime | date | time | int | Decimal | float) and not isinstance(
                value, bool
            ):
                result = WriteOnlyCell(sheet, value=value)
                if isinstance(value, datetime):
                    result.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, date):
                    result.number_format = "yyyy-mm-dd"
            else:
                text = "" if value is None else _ILLEGAL_XML.sub("", str(value))
                result = WriteOnlyCell(sheet, value=text)
                result.data_type = "s"  # openpyxl would store text starting with "=" as a formula
            if header:
                result.font = bold
            return result

        sheet.append([cell(heading, header=True) for heading in spec.headers])
        for row in spec.rows:
            sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
