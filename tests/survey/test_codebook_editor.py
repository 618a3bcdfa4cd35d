"""The codebook editor over HTTP: adding, editing patterns, merging and splitting themes, each bad edit a clear
message with nothing saved; publishing a new version that carries reviewed decisions over a merge."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from nlp.codebook import Codebook
from survey.models import Code, CodebookDraft, CodebookVersion, CodeDecision
from tests.staff_login import sign_in
from tests.survey.review_data import coded_answers


def _draft(db):
    db.session.rollback()
    return db.session.scalar(select(CodebookDraft))


def _codebook_data(db):
    db.session.rollback()
    return db.session.scalars(select(CodebookVersion).order_by(CodebookVersion.version)).first().data


def _theme(db, key):
    return next(t for t in _draft(db).data["themes"] if t["key"] == key)


def _names(db):
    return [t["name"] for t in _draft(db).data["themes"]]


def test_bad_edits_are_refused_with_nothing_saved(client, submitted, reviewer, db):
    coded_answers(submitted)
    sign_in(client, *reviewer)
    client.get("/review/codebook")
    assert (
        client.post(
            "/review/codebook/themes", {"name": "Peer support", "phrases": "peer support\npeer worker"}
        ).status_code
        == 302
    )
    revision = _draft(db).revision
    twice = client.post("/review/codebook/themes", {"name": "peer SUPPORT", "phrases": "peers"})
    assert twice.status_code == 400 and "There is already a theme named “peer SUPPORT”" in html.unescape(twice.text)
    never = client.post("/review/codebook/themes", {"name": "Empty", "phrases": ""})
    assert "“Empty” has no phrases, patterns or weak words" in html.unescape(never.text)

    page = client.get("/review/codebook/themes/peer_support")
    assert page.status_code == 200 and "peer worker" in page.text
    form = {
        "name": "Peer support",
        "description": "",
        "phrases": "peer support",
        "exclude": "",
        "weak": "",
        "context": "",
    }
    bad_json = client.post("/review/codebook/themes/peer_support", {**form, "patterns": '[{"LOWER": "peer"'})
    assert bad_json.status_code == 400
    assert "Pattern on line 1 does not parse: Expecting" in html.unescape(bad_json.text)
    bad_attr = client.post("/review/codebook/themes/peer_support", {**form, "patterns": '[{"COLOUR": "red"}]'})
    assert "Pattern on line 1 uses 'COLOUR', which is not a token attribute" in html.unescape(bad_attr.text)
    bad_op = client.post("/review/codebook/themes/peer_support", {**form, "patterns": '[{"LOWER": "a", "OP": "%"}]'})
    assert "has the operator '%'" in html.unescape(bad_op.text)
    same_name = client.post(
        "/review/codebook/themes/peer_support", {**form, "name": "Carers and families", "patterns": ""}
    )
    assert "Two themes are named “Carers and families”" in html.unescape(same_name.text)
    assert _draft(db).revision == revision and "Peer support" in _names(db)
    good = client.post(
        "/review/codebook/themes/peer_support",
        {**form, "patterns": '[{"LOWER": "peer"}, {"LOWER": "mentor", "OP": "+"}]'},
    )
    assert good.status_code == 302
    assert _draft(db).data["themes"][-1]["patterns"] == [[{"LOWER": "peer"}, {"LOWER": "mentor", "OP": "+"}]]

    itself = client.post("/review/codebook/merge", {"source": "peer_support", "target": "peer_support"})
    assert "a theme cannot be merged into itself" in itself.text
    split = client.post("/review/codebook/themes/peer_support/split", {"name": "Mentors", "moved": "mentors"})
    assert "“mentors” is not one of Peer support’s phrases" in html.unescape(split.text)
    assert (
        client.post(
            "/review/codebook/themes/peer_support/split", {"name": "Peer workers", "moved": "peer support"}
        ).status_code
        == 302
    )
    themes = {t["name"]: t for t in _draft(db).data["themes"]}
    assert themes["Peer workers"]["phrases"] == ["peer support"] and themes["Peer support"]["phrases"] == []
    assert _draft(db).changes == [{"split": ["peer_support", "peer_workers"]}]


def test_weak_and_context_words_are_edited_checked_merged_and_split(client, submitted, reviewer, db):
    coded_answers(submitted)
    sign_in(client, *reviewer)
    page = html.unescape(client.get("/review/codebook/themes/carers_families").text)
    carers = next(t for t in _codebook_data(db)["themes"] if t["key"] == "carers_families")
    assert carers["weak"] and f">{chr(10).join(carers['weak'])}</textarea>" in page
    form = {
        "name": "Carers and families",
        "description": carers["description"],
        "phrases": "\n".join(carers["phrases"]),
        "patterns": "",
        "exclude": "\n".join(carers["exclude"]),
    }
    lonely = client.post("/review/codebook/themes/carers_families", {**form, "weak": "", "context": "support"})
    assert "has context words but no weak words" in html.unescape(lonely.text)
    assert _draft(db) is None  # nothing saved, not even a draft
    saved = client.post(
        "/review/codebook/themes/carers_families", {**form, "weak": "kin\nrelatives", "context": "support"}
    )
    assert saved.status_code == 302
    assert (_theme(db, "carers_families")["weak"], _theme(db, "carers_families")["context"]) == (
        ["kin", "relatives"],
        ["support"],
    )

    client.post("/review/codebook/themes", {"name": "Next of kin", "phrases": "next of kin"})
    client.post(
        "/review/codebook/themes/next_of_kin",
        {
            **form,
            "name": "Next of kin",
            "phrases": "next of kin",
            "exclude": "",
            "weak": "kinsfolk",
            "context": "support\nhelp",
        },
    )
    client.post("/review/codebook/merge", {"source": "next_of_kin", "target": "carers_families"})
    assert _theme(db, "carers_families")["weak"] == ["kin", "relatives", "kinsfolk"]
    assert _theme(db, "carers_families")["context"] == ["support", "help"]

    moved = client.post("/review/codebook/themes/carers_families/split", {"name": "Kin", "moved": "kin\nnext of kin"})
    assert moved.status_code == 302
    kin = _theme(db, "kin")
    assert (kin["phrases"], kin["weak"], kin["context"], kin["patterns"], kin["exclude"]) == (
        ["next of kin"],
        ["kin"],
        [],
        [],
        [],
    )
    assert "kin" not in _theme(db, "carers_families")["weak"]
    assert Codebook.from_dict({"key": "k", "name": "n", **_draft(db).data}).theme_by_key("kin").weak == ("kin",)


def test_publishing_carries_reviewed_decisions_over_a_merge(client, browser_factory, submitted, reviewer, lead, db):
    first, *_ = coded_answers(submitted)
    round_id = first.response.round_id
    sign_in(client, *reviewer)
    client.get(f"/review/answers/{first.id}")
    carers = db.session.scalar(select(Code).where(Code.answer_id == first.id, Code.theme_key == "carers_families"))
    client.post(f"/review/answers/{first.id}/codes/{carers.id}", {"decision": "accepted", "seen": 0})
    client.get("/review/codebook")
    client.post("/review/codebook/merge", {"source": "carers_families", "target": "community_partnership"})
    assert "Carers and families" not in _names(db)
    # Only the lead publishes.
    assert client.post("/review/codebook/publish", {"round": round_id}).status_code == 403

    pat = browser_factory()
    sign_in(pat, *lead)
    assert "Publish and re-tag" in pat.get("/review/codebook").text
    done = pat.post("/review/codebook/publish", {"round": round_id})
    assert done.status_code == 302 and "/manage/jobs/" in done.headers["location"]
    db.session.rollback()
    versions = db.session.scalars(select(CodebookVersion).order_by(CodebookVersion.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert "carers_families" in [t.key for t in versions[0].themes]  # the earlier version is kept as it was
    assert "carers_families" not in [t.key for t in versions[1].themes]
    assert _draft(db) is None
    # Robin's acceptance of "carers" now stands on the theme it was merged into, decision and all.
    codes = db.session.scalars(select(Code).where(Code.answer_id == first.id)).all()
    merged = [c for c in codes if c.theme_key == "community_partnership" and c.is_reviewed]
    assert merged and merged[0].status == "accepted"
    assert (
        db.session.scalar(select(func.count()).select_from(CodeDecision).where(CodeDecision.code_id == merged[0].id))
        == 1
    )
    assert not [c for c in codes if c.theme_key == "carers_families"]


def test_a_split_asks_for_the_reviewed_codes_to_be_decided_again(client, submitted, lead, db):
    first, *_ = coded_answers(submitted)
    sign_in(client, *lead)
    client.get(f"/review/answers/{first.id}")
    carers = db.session.scalar(select(Code).where(Code.answer_id == first.id, Code.theme_key == "carers_families"))
    client.post(f"/review/answers/{first.id}/codes/{carers.id}", {"decision": "accepted", "seen": 0})
    client.get("/review/codebook/themes/carers_families")
    client.post("/review/codebook/themes/carers_families/split", {"name": "Families", "moved": "family\nfamilies"})
    client.get("/review/codebook")
    done = client.post("/review/codebook/publish", {"round": first.response.round_id})
    assert done.status_code == 302
    flashed = html.unescape(client.get("/review/codebook").text)
    assert "Version 2 is published. 1 answer has codes of a split theme to decide again." in flashed
    page = html.unescape(client.get(f"/review/answers/{first.id}").text)
    assert "Theme split into carers_families and families: decide again." in page
    db.session.rollback()
    seen = db.session.get(Code, carers.id).review_version
    client.post(f"/review/answers/{first.id}/codes/{carers.id}", {"decision": "rejected", "seen": seen})
    db.session.rollback()
    assert (db.session.get(Code, carers.id).status, db.session.get(Code, carers.id).note) == ("rejected", "")
