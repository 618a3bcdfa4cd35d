"""Exports: coded segments and codebook as CSV, the codebook as REFI-QDA (.qdc) and the round as a REFI-QDA project
(.qdpx), validated against the REFI-QDA schemas and every coded selection read back against the database."""

from __future__ import annotations

import csv
import io
import unicodedata
import uuid
import zipfile
from collections import Counter
from pathlib import Path

from lxml import etree
from sqlalchemy import select

from survey.extensions import db as _db
from survey.models import Answer, Code, Organisation, Response
from survey.services.qda import _NAMESPACE as NAMESPACE
from survey.services.qda import clean, clean_with_offsets, guid, unique_names
from tests.review_data import PASSWORD, seed_round
from tests.staff_login import sign_in

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "refi-qda"  # copied from shared/refi-qda (MIT)
NS = {"q": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}
# Emoji (outside the BMP), CRLF, a lone CR, a BOM character and a decomposed é (NFD) before the evidence.
AWKWARD = "Café\r\nwe 👩🏽‍⚕️ co-produced\rthe plan\ufeff with e\u0301lders and carers."


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def _awkward_answer(round_id: int) -> tuple[int, str]:
    """Give the first organisation an answer with awkward text and a code on "carers" after it all."""
    answer = _db.session.scalar(
        select(Answer).join(Response).where(Response.round_id == round_id).order_by(Answer.id).limit(1)
    )
    answer.text = answer.value = AWKWARD
    code = _db.session.scalar(select(Code).where(Code.answer_id == answer.id).limit(1))
    start = AWKWARD.index("carers")
    code.spans = [[start, start + len("carers")], [AWKWARD.index("we"), AWKWARD.index(" with")]]
    _db.session.commit()
    return answer.id, code.theme_key


def _download(client, url: str) -> bytes:
    reply = client.get(url)
    assert reply.status_code == 200, reply.text[:300]
    assert reply.headers["content-disposition"].startswith("attachment;")
    return reply.content


def test_offsets_map_exactly_onto_the_written_text():
    text = "a\r\nb👍\u0065\u0301c\ufeffd"
    written, where = clean_with_offsets(text, [0, 3, 4, 8, len(text)])
    assert written == clean(text) == unicodedata.normalize("NFC", "a\nb👍éc" + "d")
    assert written[where[3] : where[4]] == "b" and written[where[4] : where[8]] == "👍éc"
    assert guid(7, "theme", "carers") == str(uuid.uuid5(NAMESPACE, "round/7/theme/carers"))
    assert unique_names(["Carers", "carers", "Carers", "Other"]) == ["Carers", "carers (2)", "Carers (3)", "Other"]


def test_the_project_validates_and_every_coded_selection_matches_the_database(client, db):
    seeded = seed_round(3, commitments=2)
    awkward_id, awkward_theme = _awkward_answer(seeded.round_id)
    sign_in(client, "reviewer1.1@pledge.example", PASSWORD)
    data = _download(client, f"/review/rounds/{seeded.round_id}/exports/project.qdpx")
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert "project.qde" in names
    qde = etree.fromstring(archive.read("project.qde"))
    _schema("Project.xsd").assertValid(qde)
    assert qde.get("origin") and qde.get("name") == "Round 1"
    for note in qde.iterfind(".//q:Notes/q:Note", NS):
        assert note.get("creationDateTime") and note.get("modifiedDateTime")
    codes = {c.get("guid"): c.get("name") for c in qde.iterfind(".//q:CodeBook//q:Code", NS)}
    assert len(set(n.casefold() for n in codes.values())) == len(codes)  # unique names
    cases = {c.get("guid"): c for c in qde.iterfind(".//q:Cases/q:Case", NS)}
    assert len(cases) == 3 and set(cases) <= set(codes)  # a case is also a code, as QualCoder reads it back

    exported: Counter[tuple[str, str, str]] = Counter()
    case_coded: dict[str, set[str]] = {}
    for source in qde.iterfind(".//q:Sources/q:TextSource", NS):
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        raw = archive.read(f"sources/{source.get('guid')}.txt")
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        text = raw.decode("utf-8")
        assert unicodedata.is_normalized("NFC", text)
        for sel in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            target = sel.find("q:Coding/q:CodeRef", NS).get("targetGUID")
            if target in cases:
                assert (start, end) == (0, len(text))
                case_coded.setdefault(target, set()).add(source.get("guid"))
            else:
                exported[(source.get("name"), codes[target], text[start:end])] += 1
    # Each case names its sources, and codes each of them whole.
    for case_guid, case in cases.items():
        refs = {r.get("targetGUID") for r in case.iterfind("q:SourceRef", NS)}
        assert refs and refs == case_coded[case_guid]

    expected: Counter[tuple[str, str, str]] = Counter()
    theme_names = {c.get("guid"): c.get("name") for c in qde.iterfind(".//q:CodeBook/q:Codes/q:Code", NS)}
    by_key = {}
    for code, text, commitment, org in _db.session.execute(
        select(Code, Answer.text, Answer.commitment_number, Organisation.name)
        .join(Answer, Answer.id == Code.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .where(Response.round_id == seeded.round_id, Code.status != "rejected")
    ):
        by_key.setdefault(code.theme_key, code.theme.name)
        for s, e in code.spans:
            expected[(f"{org} – commitment {commitment}", code.theme.name, clean(text[s:e]))] += 1
    assert exported == expected
    assert sum(expected.values()) == seeded.codes + 1  # the awkward answer's code has two spans
    assert next(k for k in exported if k[2] == "carers")[1] == by_key[awkward_theme] and clean(
        AWKWARD[AWKWARD.index("we") : AWKWARD.index(" with")]
    ) in {k[2] for k in exported}
    assert awkward_id and set(theme_names.values()) >= set(by_key.values())

    again = zipfile.ZipFile(io.BytesIO(_download(client, f"/review/rounds/{seeded.round_id}/exports/project.qdpx")))
    guids = lambda qde: sorted(e.get("guid") for e in qde.iter() if e.get("guid"))  # noqa: E731
    assert guids(etree.fromstring(again.read("project.qde"))) == guids(qde)  # stable across re-exports


def test_codebook_exports_validate_and_list_every_theme(client, db):
    seeded = seed_round(2, commitments=1)
    sign_in(client, "reviewer1.1@pledge.example", PASSWORD)
    qdc = etree.fromstring(_download(client, f"/review/rounds/{seeded.round_id}/exports/codebook.qdc"))
    _schema("Codebook.xsd").assertValid(qdc)
    names = [c.get("name") for c in qdc.iterfind("c:Codes/c:Code", NS)]
    rows = list(
        csv.DictReader(
            io.StringIO(_download(client, f"/review/rounds/{seeded.round_id}/exports/codebook.csv").decode())
        )
    )
    assert names == [r["name"] for r in rows] and len(names) == 20 and "Carers and families" in names


def test_coded_segments_csv_quotes_the_evidence(client, db):
    seeded = seed_round(2, commitments=1)
    answer = _db.session.scalar(select(Answer).join(Response).where(Response.round_id == seeded.round_id).limit(1))
    answer.text = "=HYPERLINK(1) " + answer.text
    code = _db.session.scalar(select(Code).where(Code.answer_id == answer.id).limit(1))
    code.spans = [[0, 14]]
    _db.session.commit()
    sign_in(client, "reviewer1.1@pledge.example", PASSWORD)
    rows = list(
        csv.DictReader(
            io.StringIO(_download(client, f"/review/rounds/{seeded.round_id}/exports/coded-segments.csv").decode())
        )
    )
    assert len(rows) == seeded.codes
    assert {r["round"] for r in rows} == {"Round 1"}
    formula = next(r for r in rows if r["quoted text"].startswith("'="))
    assert formula["quoted text"] == "'=HYPERLINK(1) " and formula["start"] == "0"
    reviewed = [r for r in rows if r["reviewer"]]
    assert reviewed and all("Reviewer 1: accepted" in r["reviewer"] for r in reviewed)
    for r in rows:
        assert r["source"] == "rule" and r["decision"] == "proposed" and r["question"]
