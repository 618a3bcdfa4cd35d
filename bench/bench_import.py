"""Benchmark importing organisations from XLSX: 3,000 organisations with 2 contacts each, read, previewed and
applied in one transaction, as the import pages do.

Prints `import_3000_seconds` (goal <= 10) and the parts (read, preview, apply). Uses its own PostgreSQL database
(`bench_import`, created if missing and emptied first), so the tests' data are untouched.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from bench.bench_retag import ensure_database  # noqa: E402
from survey import create_app  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.models import Base, Contact, Organisation  # noqa: E402
from survey.services import org_import, orgfile, pledges  # noqa: E402

KINDS = ("NHS mental health trust", "Council", "Integrated care board or CCG", "VCSE organisation")


def workbook(organisations: int) -> bytes:
    """An XLSX file of `organisations` organisations with two contacts each, as a lead's spreadsheet would be."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Organisations")
    sheet.append([label for _, label in orgfile.COLUMNS])
    for i in range(organisations):
        name = f"Organisation {i:05d} NHS Foundation Trust"
        for j, role in enumerate(("Chief executive", "Equality lead")):
            sheet.append(
                [name, KINDS[i % 4], f"Region {i % 42}", f"Person {j} of {i}", role, f"p{j}.o{i}@org{i}.example"]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Import the workbook into an empty database and print the timings."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--organisations", type=int, default=3000)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432"))
    args = parser.parse_args(argv)
    url = ensure_database(args.pg, "bench_import")
    app = create_app({"TESTING": True, "SECRET_KEY": "b" * 40, "SQLALCHEMY_DATABASE_URI": url, "BASE_URL": "http://x"})
    data = workbook(args.organisations)
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        pledge_id = pledges.ensure_pledge().id
        db.session.commit()
        started = time.perf_counter()
        imp = org_import.upload(pledge_id, data, "organisations.xlsx", user_id=None)  # type: ignore[arg-type]
        db.session.commit()
        read = time.perf_counter()
        plan = org_import.plan(imp)
        previewed = time.perf_counter()
        counts = org_import.apply(imp, actor_id=None)  # type: ignore[arg-type]
        db.session.commit()
        done = time.perf_counter()
        assert not plan.problem_rows and counts == {
            "New organisation": args.organisations,
            "New contact": args.organisations,
        }
        assert db.session.query(Organisation).count() == args.organisations
        assert db.session.query(Contact).count() == 2 * args.organisations
        db.session.rollback()
        db.session.remove()
        Base.metadata.drop_all(db.engine)
    print(f"import_file_mib: {len(data) / 1024 / 1024:.2f}")
    print(f"import_read_seconds: {read - started:.2f}")
    print(f"import_preview_seconds: {previewed - read:.2f}")
    print(f"import_apply_seconds: {done - previewed:.2f}")
    print(f"import_{args.organisations}_seconds: {done - started:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
