"""Importing organisations and contacts from CSV and XLSX over HTTP: preview, messages by row and column, all or
nothing, re-import changes nothing, export reads back; bad files each get a clear message."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from survey.models import AuditEvent, Contact, Organisation
from tests.staff_login import sign_in

HEADER = ["Organisation", "Type", "Region or integrated care system", "Contact name", "Contact role", "Contact email"]
ROWS = [
    ["Fenbridge NHS Foundation Trust", "NHS mental health trust", "North East", "Ada Obi", "Chair", "ada@fen.example"],
    ["Fenbridge NHS Foundation Trust", "NHS mental health trust", "North East", "Ben Ng", "Lead", "ben@fen.example"],
    ["Ashcombe Council", "council", "London", "Zoë Brontë", "Officer", "zoe@ash.example"],
]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER) -> bytes:
    lines = [",".join(f'"{c}"' for c in row) for row in [header, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, filename: str):
    client.get("/manage/organisations/import")
    return client.http.post(
        "/manage/organisations/import",
        data={"csrf_token": client.last_token},
        files={"file": (filename, data, "application/octet-stream")},
    )


def preview(client, data: bytes, filename: str):
    r = upload(client, data, filename)
    assert r.status_code == 302, r.text[-2000:]
    return client.get(r.headers["location"])


def apply(client, page) -> object:
    import_id = re.search(r'action="/manage/organisations/imports/(\d+)/apply"', page.text).group(1)
    return client.post(f"/manage/organisations/imports/{import_id}/apply", {})


def text_of(page) -> str:
    """The page's text, tags removed and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def lead_client(client, lead, factory, db):
    db.session.commit()  # the pledge: an open transaction would lock SQLite for the server
    sign_in(client, *lead)
    return client


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-8", "orgs.csv"), ("utf-8-sig", "orgs-bom.csv"), ("cp1252", "orgs-windows.csv"), (None, "orgs.xlsx")],
)
def test_a_file_is_previewed_then_imported_and_a_re_import_changes_nothing(lead_client, db, encoding, name):
    data = xlsx_bytes(ROWS) if encoding is None else csv_bytes(ROWS, encoding)
    page = preview(lead_client, data, name)
    assert page.status_code == 200 and "Check the import" in page.text
    assert count(db, Organisation) == 0  # the preview changes nothing
    assert "Zoë Brontë" in page.text  # Windows-1252 and UTF-8 alike read right
    assert re.search(r"New organisation</dt>\s*<dd[^>]*>2 rows", page.text)
    assert re.search(r"New contact</dt>\s*<dd[^>]*>1 row", page.text)
    assert apply(lead_client, page).status_code == 302
    assert count(db, Organisation) == 2 and count(db, Contact) == 3
    council = db.session.scalar(select(Organisation).where(Organisation.name == "Ashcombe Council"))
    assert council.kind == "council" and council.contacts[0].name == "Zoë Brontë"

    again = preview(lead_client, data, name)
    assert re.search(r"Already there</dt>\s*<dd[^>]*>3 rows", again.text)
    apply(lead_client, again)
    assert count(db, Organisation) == 2 and count(db, Contact) == 3
    applied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.import_applied")).all()
    assert [e.details for e in applied][-1] == {"already_there": 3}


def test_one_bad_row_changes_nothing_and_says_which_row_and_column(lead_client, db):
    rows = [
        *ROWS,
        ["Ashcombe Council", "Council", "Kent", "Cy Dee", "", "cy@ash.example"],  # region differs from row 4
        ["Bad Mail Trust", "NHS mental health trust", "", "Di Eve", "", "not-an-address"],
        ["Fenbridge NHS Foundation Trust", "NHS mental health trust", "North East", "Ada", "", "ADA@fen.example"],
        ["Odd Type", "hospital", "", "", "", ""],
        ['=HYPERLINK("http://x")', "Council", "", "", "", ""],
        ["+Plus Org", "Council", "", "", "", ""],
    ]
    page = preview(lead_client, csv_bytes(rows), "bad.csv")
    assert page.status_code == 422 and "6 rows have problems: nothing can be imported" in page.text
    text = text_of(page)
    assert "Row 5, Region or integrated care system: differs from row 4 for the same organisation" in text
    assert "Row 6, Contact email: The e-mail address “not-an-address” is not a valid e-mail address" in text
    assert "Row 7, Contact email: repeats row 2: the same contact of the same organisation" in text
    assert "Row 8, Type: The type “hospital” is not one we know: use one of NHS mental health trust" in text
    assert "Row 9, Organisation: holds a formula" in text
    assert "Row 10, Organisation: The name starts with “+”, which a spreadsheet runs as a formula" in text
    assert "Import these rows" not in page.text
    assert "Contact email: 2 rows" in text  # problems by column
    forced = lead_client.post(page.url.path + "/apply", {})
    assert forced.status_code == 302 and count(db, Organisation) == 0 and count(db, Contact) == 0


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (csv_bytes(ROWS, "utf-16"), "orgs.csv", "The file is in UTF-16"),
        (csv_bytes(ROWS, header=HEADER[:5]), "orgs.csv", "missing column: Contact email"),
        (csv_bytes([r + ["x"] for r in ROWS], header=[*HEADER, "Phone"]), "orgs.csv", "a column we do not know: Phone"),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\n", "orgs.xlsx", "is a PDF, not a spreadsheet"),
        (b"hello, this is not a workbook", "orgs.xlsx", "is named like an Excel workbook but is not one"),
        (b"", "empty.csv", "The file is empty"),
        (csv_bytes([]), "orgs.csv", "a header row but no organisations"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(lead_client, db, data, name, message):
    r = upload(lead_client, data, name)
    assert r.status_code == 400 and message in r.text
    assert 'class="nhsuk-error-summary"' in r.text and count(db, Organisation) == 0


def test_a_zip_bomb_is_refused_before_it_is_expanded(lead_client, db):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    r = upload(lead_client, out.getvalue(), "bomb.xlsx")
    assert r.status_code == 400 and "would expand to 200 MB" in r.text


def test_a_zip_that_is_not_a_workbook_is_refused(lead_client, db):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    r = upload(lead_client, out.getvalue(), "orgs.xlsx")
    assert r.status_code == 400 and "a zip archive but not an Excel workbook" in r.text


def test_a_10_mb_file_is_refused_naming_the_limit(lead_client, db):
    r = upload(lead_client, b"a" * (10 * 1024 * 1024), "big.csv")
    assert r.status_code == 413 and "A file can be at most 5 MB" in r.text and "nhsuk-header" in r.text


def test_an_xlsx_formula_is_refused(lead_client, db):
    page = preview(lead_client, xlsx_bytes([[*ROWS[0][:5], '=CONCAT("a","@b.example")']]), "f.xlsx")
    assert page.status_code == 422 and "Contact email holds a formula" in text_of(page)


def test_the_export_reads_back_unchanged_by_the_import_and_by_calamine(lead_client, db):
    apply(lead_client, preview(lead_client, xlsx_bytes(ROWS), "orgs.xlsx"))
    for fmt in ("xlsx", "csv"):
        exported = lead_client.get(f"/manage/organisations/export.{fmt}")
        assert exported.status_code == 200
        page = preview(lead_client, exported.content, f"export.{fmt}")
        assert re.search(r"Already there</dt>\s*<dd[^>]*>3 rows", page.text), fmt
    book = load_workbook(io.BytesIO(lead_client.get("/manage/organisations/export.xlsx").content))
    assert [c.value for c in next(book.active.iter_rows())] == HEADER
    read_back = CalamineWorkbook.from_filelike(io.BytesIO(lead_client.get("/manage/organisations/export.xlsx").content))
    rows = read_back.get_sheet_by_index(0).to_python()
    assert rows[0] == HEADER and sorted(r[5] for r in rows[1:]) == sorted(r[5] for r in ROWS)
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "export.organisations")) == 4


def test_a_large_file_is_previewed_a_page_at_a_time_problems_first(lead_client, db):
    rows = [
        [f"Trust {i:04}", "NHS mental health trust", "London", f"Person {i}", "", f"p{i}@t{i}.example"]
        for i in range(250)
    ]
    rows[180][5] = "not-an-address"  # one problem, far down the file (row 182)
    page = preview(lead_client, csv_bytes(rows), "many.csv")
    assert page.status_code == 422 and "1 row has problems: nothing can be imported" in page.text
    text = text_of(page)
    assert "New organisation 249 rows" in text and "Problem 1 row" in text
    assert "Rows of the file: 1 to 100 of 250, problems first (page 1 of 3)" in text
    numbers = [int(n) for n in re.findall(r'<tr class="nhsuk-table__row" id="row-(\d+)"', page.text)]
    assert len(numbers) == 100 and numbers[0] == 182 and numbers[1:] == list(range(2, 101))  # the problem first
    assert 'href="#row-182"' in page.text  # the error summary's link lands on this page
    last = lead_client.get(page.url.path + "?page=3")
    numbers = [int(n) for n in re.findall(r'<tr class="nhsuk-table__row" id="row-(\d+)"', last.text)]
    assert numbers == list(range(202, 252)) and "page 2 of 3" in last.text  # 182 went first, on page 1
    assert "Next" not in text_of(last).split("Rows of the file")[1]
    assert lead_client.get(page.url.path + "?page=99").text.count('class="nhsuk-table__row" id="row-') == 50
