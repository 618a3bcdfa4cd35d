"""A round as a REFI-QDA project (`.qdpx`) and a codebook as REFI-QDA (`.qdc`), for QualCoder, NVivo, ATLAS.ti and
MAXQDA.

What the QDA tools' importers need, and why each choice is made:
- the XML is `project.qde` in the zip, and each source's text is a file `sources/<guid>.txt` referenced as
  `plainTextPath="internal://<guid>.txt"` (QualCoder reads only that, not `PlainTextContent`);
- one TextSource per organisation and commitment (its answers under their questions as headings): one source per
  answer is unusable in QualCoder;
- offsets are code points of exactly the text written: each answer is cut at its evidence boundaries and every
  piece is normalised on its own (NFC, CRLF and CR to LF, no U+FEFF), so every offset maps exactly;
- the file is UTF-8 without a BOM (QualCoder keeps a BOM as character 0);
- GUIDs are uuid5 of the round and the object, so re-exports are stable;
- `Project` has `origin` and every `Note` has dates (QualCoder's importer crashes without them); code names are
  unique (QualCoder merges codes of one name and the second's codings lose their code);
- a Case per organisation, linked to its sources the way QualCoder's own exporter does and its importer reads
  back: a code with the case's GUID (under a non-codable "Organisations" category) coding each whole source. The
  Case also lists its `SourceRef`s, which the standard defines and other tools read.

The export streams: answers are read in keyset batches, each source's text goes into the zip as it is made, and the
XML is written incrementally to a temporary file that is copied into the zip last.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import IO, Any

from lxml import etree
from sqlalchemy import func, literal_column, select

from survey.extensions import db
from survey.models import Answer, Code, CodebookVersion, Organisation, Response, Round, Theme
from survey.models.states import CodeStatus, ResponseStatus

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "Pledge progress reporting"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NAMESPACE = uuid.UUID("1b4e28ba-2fa1-11d2-883f-0016d3cca427")


def guid(round_id: int, *parts: object) -> str:
    """A GUID stable across re-exports of one round: uuid5 of the round and the object (`uuid.uuid5`'s value,
    from a SHA-1 of the round's prefix computed once: an export makes half a million of them)."""
    sha = _round_sha(round_id).copy()
    sha.update("/".join(map(str, parts)).encode())
    raw = bytearray(sha.digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@lru_cache(maxsize=16)
def _round_sha(round_id: int) -> Any:
    """SHA-1 over the namespace and the round's part of every name: `guid` copies it."""
    return hashlib.sha1(_NAMESPACE.bytes + f"round/{round_id}/".encode(), usedforsecurity=False)


def clean(text: str) -> str:
    """Text as written into a source file: NFC, LF line ends, no U+FEFF."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", ""))


def xml_text(text: str) -> str:
    """Text safe in XML 1.0 (names and descriptions only; sources are written as files)."""
    return _INVALID_XML.sub("", text)


def clean_with_offsets(text: str, cuts: Sequence[int]) -> tuple[str, dict[int, int]]:
    """`clean(text)` cut at `cuts`, each piece cleaned alone, and where each cut lands in the cleaned text."""
    points = sorted({0, len(text), *(min(max(c, 0), len(text)) for c in cuts)})
    where = {0: 0}
    out: list[str] = []
    length = 0
    for start, end in zip(points, points[1:], strict=False):
        piece = clean(text[start:end])
        out.append(piece)
        length += len(piece)
        where[end] = length
    return "".join(out), where


def unique_names(names: Sequence[str]) -> list[str]:
    """The names with repeats made unique by a numbered suffix (QualCoder merges codes of one name)."""
    seen: set[str] = set()
    result = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


@dataclass(frozen=True)
class ThemeRef:
    """A theme as exported: its key, unique name, description and GUID."""

    key: str
    name: str
    description: str
    guid: str


def round_themes(rnd: Round) -> list[ThemeRef]:
    """The current codebook's themes, then any other theme the round's codes use, each once by key."""
    current = db.session.scalar(
        select(CodebookVersion)
        .where(CodebookVersion.pledge_id == rnd.pledge_id)
        .order_by(CodebookVersion.version.desc())
    )
    found: dict[str, tuple[str, str]] = {t.key: (t.name, t.description) for t in (current.themes if current else [])}
    used = db.session.execute(
        select(Theme.key, Theme.name, Theme.description).where(
            Theme.id.in_(
                select(func.distinct(Code.theme_id))
                .join(Answer, Answer.id == Code.answer_id)
                .join(Response, Response.id == Answer.response_id)
                .where(Response.round_id == rnd.id)
            )
        )
    ).all()
    for key, name, description in used:
        found.setdefault(key, (name, description))
    keys = list(found)
    names = unique_names([found[k][0] for k in keys])
    return [ThemeRef(k, n, found[k][1], guid(rnd.id, "theme", k)) for k, n in zip(keys, names, strict=True)]


def _code_element(tag_ns: str, ref: ThemeRef) -> etree._Element:
    """A codable Code element with its description."""
    code = etree.Element(f"{{{tag_ns}}}Code", guid=ref.guid, name=xml_text(ref.name), isCodable="true")
    if ref.description:
        etree.SubElement(code, f"{{{tag_ns}}}Description").text = xml_text(ref.description)
    return code


def write_codebook_qdc(themes: Sequence[ThemeRef], out: IO[bytes]) -> None:
    """The codebook as a REFI-QDA `.qdc` file."""
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS}, origin=ORIGIN)
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    for ref in themes:
        codes.append(_code_element(CODEBOOK_NS, ref))
    out.write(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


@dataclass(frozen=True)
class Case:
    """An organisation as a Case, and the sources (commitments) it has."""

    organisation_id: int
    name: str
    guid: str
    code_name: str
    commitments: tuple[int, ...]  # 0 for the answers outside the commitments


def _cases(rnd: Round, reserved: Sequence[str]) -> list[Case]:
    """The round's organisations with submitted free text, each with the commitments it wrote about."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, _commitment())
        .join(Response, Response.organisation_id == Organisation.id)
        .join(Answer, Answer.response_id == Response.id)
        .where(*answer_filter(rnd.id))
        .distinct()
        .order_by(Organisation.id)
    ).all()
    by_org: dict[int, tuple[str, list[int]]] = {}
    for org_id, name, commitment in rows:
        by_org.setdefault(org_id, (name, []))[1].append(commitment)
    names = unique_names([*reserved, *(name for name, _ in by_org.values())])[len(reserved) :]
    return [
        Case(org_id, name, guid(rnd.id, "case", org_id), code_name, tuple(sorted(commitments)))
        for (org_id, (name, commitments)), code_name in zip(by_org.items(), names, strict=True)
    ]


def _commitment() -> Any:
    """An answer's commitment, 0 for the questions outside the commitments (a literal: GROUP BY must match)."""
    return func.coalesce(Answer.commitment_number, literal_column("0"))


def answer_filter(round_id: int) -> tuple[Any, ...]:
    """The round's submitted free-text answers."""
    return (
        Response.round_id == round_id,
        Response.status == ResponseStatus.SUBMITTED,
        Answer.text.is_not(None),
        Answer.text != "",
    )


def source_guid(round_id: int, organisation_id: int, commitment: int) -> str:
    """The GUID of an organisation's source for one commitment (0: the answers outside the commitments)."""
    return guid(round_id, "source", organisation_id, commitment)


def source_name(organisation: str, commitment: int) -> str:
    """A source's name as the QDA tool lists it."""
    return f"{organisation} – " + (f"commitment {commitment}" if commitment else "about and next steps")


@dataclass(frozen=True)
class Selection:
    """A coded passage of a source: where it is in the written text, which theme, and what the code says."""

    start: int
    end: int
    theme_key: str
    code_id: int
    answer_id: int
    description: str


@dataclass
class Source:
    """One organisation's answers to one commitment, as the text written and its coded selections."""

    organisation_id: int
    commitment: int
    parts: list[str]
    length: int
    selections: list[Selection]


def _batches(round_id: int, responses_per_batch: int = 100) -> Iterator[list[tuple[Any, ...]]]:
    """The round's free-text answers in (response, commitment, id) order, a batch per group of responses (each
    batch one indexed look-up by response id, so the export's time grows with the round, not its square)."""
    response_ids = db.session.scalars(
        select(Response.id)
        .where(Response.round_id == round_id, Response.status == ResponseStatus.SUBMITTED)
        .order_by(Response.id)
    ).all()
    commitment = _commitment()
    for start in range(0, len(response_ids), responses_per_batch):
        chunk = response_ids[start : start + responses_per_batch]
        rows = db.session.execute(
            select(
                Answer.response_id, commitment, Answer.id, Response.organisation_id, Answer.question_key, Answer.text
            )
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.response_id.in_(chunk), Answer.text.is_not(None), Answer.text != "")
            .order_by(Answer.response_id, commitment, Answer.id)
        ).all()
        if rows:
            yield rows


def _codes_for(answer_ids: list[int]) -> dict[int, list[tuple[int, str, list[Any], str]]]:
    """Live codes (not rejected) of these answers: (code id, theme key, spans, description)."""
    found: dict[int, list[tuple[int, str, list[Any], str]]] = {}
    for code_id, answer_id, key, spans, source, status, level in db.session.execute(
        select(Code.id, Code.answer_id, Code.theme_key, Code.spans, Code.source, Code.status, Code.level)
        .where(Code.answer_id.in_(answer_ids), Code.status != CodeStatus.REJECTED)
        .order_by(Code.answer_id, Code.id)
    ):
        found.setdefault(answer_id, []).append((code_id, key, spans or [], f"{source}, {status}, {level}"))
    return found


def sources(round_id: int, labels: dict[str, str]) -> Iterator[Source]:
    """The round's sources in order, each with its text pieces and coded selections (streamed)."""
    current: Source | None = None
    current_key: tuple[int, int] | None = None
    for batch in _batches(round_id):
        codes = _codes_for([r[2] for r in batch])
        for response_id, commitment, answer_id, org_id, question_key, text in batch:
            if (response_id, commitment) != current_key:
                if current is not None:
                    yield current
                current, current_key = Source(org_id, commitment, [], 0, []), (response_id, commitment)
            assert current is not None
            _append_answer(current, answer_id, labels.get(question_key, question_key), text, codes.get(answer_id, []))
    if current is not None:
        yield current


def _append_answer(
    source: Source, answer_id: int, label: str, text: str, codes: list[tuple[int, str, list[Any], str]]
) -> None:
    """Add one answer under its question heading, and its evidence as selections at their written offsets."""
    heading = clean(label) + "\n"
    offset = source.length + len(heading)
    spans = [
        (code_id, key, int(s), int(e), description)
        for code_id, key, pairs, description in codes
        for s, e in pairs
        if 0 <= int(s) < int(e) <= len(text)
    ]
    written, where = clean_with_offsets(text, [p for _, _, s, e, _ in spans for p in (s, e)])
    for code_id, key, s, e, description in spans:
        if where[e] > where[s]:
            source.selections.append(
                Selection(offset + where[s], offset + where[e], key, code_id, answer_id, description)
            )
    chunk = heading + written + "\n\n"
    source.parts.append(chunk)
    source.length += len(chunk)


def _timestamp(value: datetime) -> str:
    """An xsd:dateTime in UTC."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Spool:
    """A write-only stream a generator drains: what zipfile writes is handed on in chunks, never held whole."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        """Keep a chunk until the generator takes it."""
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: chunks leave through `drain`."""

    def drain(self) -> bytes:
        """Everything written since the last drain."""
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def stream_qdpx(rnd: Round, labels: dict[str, str], now: datetime) -> Iterator[bytes]:
    """The round as a `.qdpx` zip, yielded in chunks as it is made."""
    spool = _Spool()
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:  # type: ignore[arg-type]
        with tempfile.TemporaryFile() as qde:
            yield from _write_project(rnd, labels, now, archive, qde, spool)
            qde.seek(0)
            with archive.open("project.qde", "w", force_zip64=True) as entry:
                while chunk := qde.read(1 << 20):
                    entry.write(chunk)
                    yield spool.drain()
    yield spool.drain()


def _write_project(
    rnd: Round, labels: dict[str, str], now: datetime, archive: zipfile.ZipFile, qde: IO[bytes], spool: _Spool
) -> Iterator[bytes]:
    """Write project.qde to `qde` while each source's text goes into the archive."""
    stamp = _timestamp(now)
    user = guid(rnd.id, "user", "export")
    themes = round_themes(rnd)
    theme_guid = {t.key: t.guid for t in themes}
    cases = _cases(rnd, [t.name for t in themes])
    case_of = {c.organisation_id: c for c in cases}
    ns = PROJECT_NS
    with etree.xmlfile(qde, encoding="utf-8") as xf:
        xf.write_declaration()
        attrs = {"name": xml_text(rnd.name), "origin": ORIGIN, "creatingUserGUID": user, "creationDateTime": stamp}
        with xf.element(f"{{{ns}}}Project", attrs, nsmap={None: ns}):
            users = etree.Element(f"{{{ns}}}Users")
            etree.SubElement(users, f"{{{ns}}}User", guid=user, name=ORIGIN)
            xf.write(users)
            xf.write(_project_codebook(rnd.id, themes, cases))
            if cases:
                xf.write(_cases_element(rnd.id, cases))
            with xf.element(f"{{{ns}}}Sources"):
                for source in sources(rnd.id, labels):
                    xf.write(_source_element(rnd.id, source, case_of[source.organisation_id], theme_guid, user, stamp))
                    _write_text(archive, source_guid(rnd.id, source.organisation_id, source.commitment), source)
                    xf.flush()
                    yield spool.drain()
            xf.write(_notes(rnd, user, stamp))


def _write_text(archive: zipfile.ZipFile, source_id: str, source: Source) -> None:
    """A source's text as `sources/<guid>.txt`: UTF-8, LF, no BOM."""
    with archive.open(f"sources/{source_id}.txt", "w") as entry:
        for part in source.parts:
            entry.write(part.encode("utf-8"))


def _project_codebook(round_id: int, themes: Sequence[ThemeRef], cases: Sequence[Case]) -> etree._Element:
    """The CodeBook: the themes, then a non-codable "Organisations" category holding one code per case."""
    ns = PROJECT_NS
    book = etree.Element(f"{{{ns}}}CodeBook")
    codes = etree.SubElement(book, f"{{{ns}}}Codes")
    for ref in themes:
        codes.append(_code_element(ns, ref))
    if cases:
        category = etree.SubElement(
            codes, f"{{{ns}}}Code", guid=guid(round_id, "cases"), name="Organisations (cases)", isCodable="false"
        )
        for case in cases:
            etree.SubElement(category, f"{{{ns}}}Code", guid=case.guid, name=xml_text(case.code_name), isCodable="true")
    return book


def _cases_element(round_id: int, cases: Sequence[Case]) -> etree._Element:
    """A Case per organisation with a SourceRef to each of its sources."""
    ns = PROJECT_NS
    element = etree.Element(f"{{{ns}}}Cases")
    for case in cases:
        item = etree.SubElement(element, f"{{{ns}}}Case", guid=case.guid, name=xml_text(case.name))
        for commitment in case.commitments:
            etree.SubElement(
                item, f"{{{ns}}}SourceRef", targetGUID=source_guid(round_id, case.organisation_id, commitment)
            )
    return element


def _source_element(
    round_id: int, source: Source, case: Case, theme_guid: dict[str, str], user: str, stamp: str
) -> etree._Element:
    """A TextSource pointing at its text file, its coded selections, and the case coding the whole text."""
    ns = PROJECT_NS
    source_id = source_guid(round_id, source.organisation_id, source.commitment)
    element = etree.Element(
        f"{{{ns}}}TextSource",
        guid=source_id,
        name=xml_text(source_name(case.name, source.commitment)),
        plainTextPath=f"internal://{source_id}.txt",
        creatingUser=user,
        creationDateTime=stamp,
    )
    whole = etree.SubElement(
        element,
        f"{{{ns}}}PlainTextSelection",
        guid=guid(round_id, "case-selection", source_id),
        startPosition="0",
        endPosition=str(source.length),
        creatingUser=user,
        creationDateTime=stamp,
    )
    _coding(whole, guid(round_id, "case-coding", source_id), case.guid, user, stamp)
    for sel in source.selections:
        item = etree.SubElement(
            element,
            f"{{{ns}}}PlainTextSelection",
            guid=guid(round_id, "selection", sel.code_id, sel.start, sel.end),
            startPosition=str(sel.start),
            endPosition=str(sel.end),
            creatingUser=user,
            creationDateTime=stamp,
        )
        etree.SubElement(item, f"{{{ns}}}Description").text = sel.description
        _coding(item, guid(round_id, "coding", sel.code_id, sel.start, sel.end), theme_guid[sel.theme_key], user, stamp)
    return element


def _coding(parent: etree._Element, coding_id: str, code_id: str, user: str, stamp: str) -> None:
    """A Coding of a selection with one code."""
    ns = PROJECT_NS
    coding = etree.SubElement(parent, f"{{{ns}}}Coding", guid=coding_id, creatingUser=user, creationDateTime=stamp)
    etree.SubElement(coding, f"{{{ns}}}CodeRef", targetGUID=code_id)


def _notes(rnd: Round, user: str, stamp: str) -> etree._Element:
    """A note on how the codes were made (with the dates QualCoder's importer requires)."""
    ns = PROJECT_NS
    notes = etree.Element(f"{{{ns}}}Notes")
    note = etree.SubElement(
        notes,
        f"{{{ns}}}Note",
        guid=guid(rnd.id, "note", "method"),
        name="How these codes were made",
        creatingUser=user,
        creationDateTime=stamp,
        modifyingUser=user,
        modifiedDateTime=stamp,
    )
    etree.SubElement(note, f"{{{ns}}}PlainTextContent").text = (
        f"{rnd.name}: submitted free-text answers, one source per organisation and commitment. Codes come from the "
        "codebook's patterns (source rule) and from reviewers (source reviewer); each selection's description says "
        "its source, its review status and its level. Rejected codes are left out. Each organisation is a case."
    )
    return notes
