"""The organisations-and-contacts file: read from CSV or XLSX (safely, with the reason when it cannot be read) and
written back in the same format. One row is one contact of an organisation."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from survey.validate import clean_text

# The columns, in order, as written; a header is matched ignoring case, spaces and punctuation, and these aliases.
COLUMNS = (
    ("name", "Organisation"),
    ("kind", "Type"),
    ("region", "Region or integrated care system"),
    ("contact_name", "Contact name"),
    ("contact_role", "Contact role"),
    ("contact_email", "Contact email"),
)
LABELS = dict(COLUMNS)
ALIASES = {
    "organisation": "name", "organisationname": "name", "organization": "name", "name": "name",
    "type": "kind", "organisationtype": "kind", "kind": "kind",
    "region": "region", "regionorintegratedcaresystem": "region", "integratedcaresystem": "region", "ics": "region",
    "regionorics": "region",
    "contactname": "contact_name", "contact": "contact_name",
    "contactrole": "contact_role", "role": "contact_role", "jobtitle": "contact_role",
    "contactemail": "contact_email", "email": "contact_email", "emailaddress": "contact_email",
    "contactemailaddress": "contact_email",
}  # fmt: skip
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# A real list of organisations is far below these; a workbook above them is refused before it is expanded.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_CELL = 320


class FileProblem(ValueError):
    """The file as a whole cannot be read (encoding, format, columns, size); str() says why and what to do."""


@dataclass(frozen=True)
class ReadRow:
    """One data row as read: its row number in the file, its values by column key, and problems with a cell
    that reading alone finds (a formula)."""

    number: int
    values: dict[str, str]
    problems: list[tuple[str, str]]


def read(data: bytes, filename: str) -> list[ReadRow]:
    """The rows of an uploaded CSV or XLSX file; FileProblem says what is wrong with a file that cannot be read."""
    if len(data) > MAX_BYTES:
        raise FileProblem(f"The file is {len(data) / 1024 / 1024:.1f} MB. The largest file accepted is 5 MB.")
    if not data.strip():
        raise FileProblem("The file is empty.")
    kind = _sniff(data, filename)
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(_decode(data))
    return _with_header(rows)


def _sniff(data: bytes, filename: str) -> str:
    """Which reader a file needs, from its first bytes (not its name, which can lie)."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"%PDF"):
        raise FileProblem(f"“{filename}” is a PDF, not a spreadsheet. Upload a CSV or Excel (.xlsx) file.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            "This is an old Excel file (.xls). Save it as “Excel Workbook (.xlsx)” or CSV and upload that."
        )
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileProblem(f"“{filename}” is named like an Excel workbook but is not one. Save it again from Excel.")
    return "csv"


def _decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without a byte-order mark), else Windows-1252 (Excel's "CSV")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 2:
        raise FileProblem("The file is in UTF-16, which we cannot read. In Excel, save it as “CSV UTF-8”.")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"The file is not text we can read (byte {exc.start + 1} is not UTF-8 or Windows-1252). "
            "In Excel, save it as “CSV UTF-8”."
        ) from None


def _csv_rows(text: str) -> Iterator[list[str]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    try:
        yield from csv.reader(io.StringIO(text, newline=""), dialect)
    except csv.Error as exc:
        raise FileProblem(f"The file is not a CSV file we can read: {exc}.") from None


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    """The first worksheet's rows; a formula comes through as its text starting with '='."""
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise FileProblem(f"The workbook cannot be opened: it may be damaged ({type(exc).__name__}).") from None
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield ["" if v is None else v for v in row]
    finally:
        book.close()


def _check_zip(data: bytes) -> None:
    """Refuse a zip that is not a workbook, or that expands far beyond what its size suggests (a zip bomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileProblem("The file is not a valid Excel workbook (.xlsx): the zip inside it is damaged.") from None
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise FileProblem("The file is a zip archive but not an Excel workbook (.xlsx).")
        expanded = sum(info.file_size for info in archive.infolist())
        if expanded > MAX_UNZIPPED_BYTES or expanded > MAX_RATIO * max(len(data), 1):
            raise FileProblem(
                f"The workbook would expand to {expanded / 1024 / 1024:,.0f} MB, far more than a list of organisations "
                "needs, so it was not opened. Save the list again as a new workbook or as CSV."
            )


def _header_key(cell: Any) -> str:
    return "".join(ch for ch in str(cell).lower() if ch.isalnum())


def _with_header(rows: Iterable[list[Any]]) -> list[ReadRow]:
    """Match the header to the columns (missing or unknown ones refused by name), then read the data rows."""
    iterator = iter(rows)
    header = next(iterator, None)
    if not header or not any(str(c).strip() for c in header):
        raise FileProblem("The file has no header row. The first row must name the columns: " + _expected() + ".")
    keys = [ALIASES.get(_header_key(c)) for c in header]
    unknown = [str(c).strip() for c, k in zip(header, keys, strict=True) if k is None and str(c).strip()]
    missing = [LABELS[k] for k, _ in COLUMNS if k not in keys]
    repeated = sorted({LABELS[k] for k in keys if k and keys.count(k) > 1})
    problems = []
    if missing:
        problems.append(f"missing {'column' if len(missing) == 1 else 'columns'}: {', '.join(missing)}")
    if unknown:
        problems.append(f"{'a column' if len(unknown) == 1 else 'columns'} we do not know: {', '.join(unknown)}")
    if repeated:
        problems.append(f"{'a column' if len(repeated) == 1 else 'columns'} given twice: {', '.join(repeated)}")
    if problems:
        raise FileProblem("The header row has " + "; ".join(problems) + ". The columns must be: " + _expected() + ".")
    return list(_data_rows(iterator, keys))


def _data_rows(iterator: Iterator[list[Any]], keys: list[str | None]) -> Iterator[ReadRow]:
    for number, row in enumerate(iterator, start=2):
        if number > MAX_ROWS + 1:
            raise FileProblem(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
        values, problems = {}, []
        for key, cell in zip(keys, row, strict=False):
            text, problem = _cell_text(cell)
            if problem:
                problems.append((key or "", problem))
            values[key or ""] = text
        if len(row) > len(keys) and any(str(c).strip() for c in row[len(keys) :]):
            problems.append(("", f"has {len(row) - len(keys)} more cells than the header has columns"))
        if any(values.values()) or problems:
            yield ReadRow(number, {k: values.get(k, "") for k, _ in COLUMNS}, problems)


def _cell_text(cell: Any) -> tuple[str, str | None]:
    """A cell's text, cleaned and trimmed; a formula or an over-long value is a problem to report."""
    text = " ".join((clean_text(str(cell)) or "").split())
    if isinstance(cell, str) and cell.startswith("="):
        return text[:MAX_CELL], f"holds a formula ({text[:40]}): type the value itself"
    if len(text) > MAX_CELL:
        return text[:MAX_CELL], f"is {len(text):,} characters long; at most {MAX_CELL} are allowed"
    return text, None


def _expected() -> str:
    return ", ".join(label for _, label in COLUMNS)


def write_csv(rows: Iterable[dict[str, str]], out: IO[str]) -> None:
    """The rows as a CSV file with the header the importer reads (UTF-8 with a byte-order mark, for Excel)."""
    from survey.services.audit import safe_cell

    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([label for _, label in COLUMNS])
    for row in rows:
        writer.writerow([safe_cell(row.get(key, "")) for key, _ in COLUMNS])


def write_xlsx(rows: Iterable[dict[str, str]], out: IO[bytes]) -> None:
    """The rows as an Excel workbook, every cell written as text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Organisations")

    def text_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # a value starting with "=" stays text
        return cell

    sheet.append([text_cell(label) for _, label in COLUMNS])
    for row in rows:
        sheet.append([text_cell(row.get(key, "")) for key, _ in COLUMNS])
    book.save(out)
