"""The emergent-themes page: lead and reviewers see a round's uncovered phrases, each linked to example answers."""

from __future__ import annotations

import html
import re

from survey.extensions import db as _db
from survey.models import Answer, Round, utcnow
from tests.staff_login import sign_in

ROUND_2 = [
    "Digital exclusion kept older residents from online appointments, and we co-produced a phone route.",
    "We found digital exclusion among refugees; interpreters now help with video calls.",
    "Our survey showed digital exclusion was worst in rural wards.",
    "Staff wellbeing remained a concern, with digital exclusion a new theme this year.",
    "Staff wellbeing was supported through reflective practice.",
]
ROUND_1 = ["Staff wellbeing was supported through reflective practice."] * 6 + ["We met every month."] * 3


def report(factory, rnd: Round, texts: list[str]) -> list[int]:
    """One submitted, tagged answer per text, each from its own organisation; their ids."""
    ids = []
    for text in texts:
        response = factory.response(rnd, factory.organisation())
        response.status, response.submitted_at = "submitted", utcnow()
        answer = Answer(
            response_id=response.id,
            field_key="c1.actions",
            question_key="actions",
            commitment_number=1,
            value=text,
            text=text,
            tagging="tagged",
        )
        _db.session.add(answer)
        _db.session.flush()
        ids.append(answer.id)
    _db.session.commit()
    return ids


def test_reviewers_and_the_lead_see_the_rounds_distinctive_phrases_with_links_to_example_answers(
    client, reviewer, lead, factory, db
):
    first = factory.round(1, closed=True)
    second = factory.round(2, previous=first)
    report(factory, first, ROUND_1)
    ids = report(factory, second, ROUND_2)
    sign_in(client, *reviewer)
    page = client.get(f"/review/rounds/{second.id}/emergent")
    assert page.status_code == 200
    assert "Drawn from 5 answers in this round, compared with 9 in the other rounds." in " ".join(page.text.split())
    table = page.text.split('id="emergent-phrases"')[1]
    # The round's own phrase is listed; one in fewer than 3 of its answers is not; covered ones never are.
    assert "Staff wellbeing" not in table
    phrases = re.findall(r'<span class="nhsuk-details__summary-text">([^<]+)</span>', table)
    assert phrases[0] == "Digital exclusion"
    assert not [p for p in phrases if "co-produc" in p.lower() or "interpreter" in p.lower()]  # the codebook's
    link = f"/manage/responses/{_db.session.get(Answer, ids[0]).response_id}#answer-{ids[0]}"
    assert link in table and "<mark>Digital exclusion</mark> kept older residents" in table
    # Each phrase opens the codebook's add-a-theme form filled in with it.
    add = re.search(r'<a href="(/review/codebook\?[^"]+)#add-theme">Add to the codebook', table)
    editor = client.get(html.unescape(add.group(1)))
    assert editor.status_code == 200 and 'id="add-theme"' in editor.text
    assert 'id="add-name" name="name" type="text" value="Digital exclusion"' in editor.text
    assert '<textarea class="nhsuk-textarea" id="phrases" name="phrases"' in editor.text
    assert re.search(r'name="phrases"[^>]*>digital exclusion</textarea>', editor.text)
    # The link opens the report at that answer.
    opened = client.get(link.split("#")[0])
    assert opened.status_code == 200 and f'id="answer-{ids[0]}"' in opened.text
    client.post("/auth/logout", {})
    sign_in(client, *lead)
    assert "Digital exclusion" in client.get(f"/review/rounds/{second.id}/emergent").text
    assert f'href="/review/rounds/{second.id}/emergent"' in client.get(f"/manage/rounds/{second.id}").text


def test_a_round_with_no_uncovered_phrase_says_so_and_strangers_are_sent_to_sign_in(client, reviewer, factory, db):
    rnd = factory.round(1)
    report(factory, rnd, ["We co-produced services."] * 3)
    assert client.get(f"/review/rounds/{rnd.id}/emergent").status_code in (302, 401)
    sign_in(client, *reviewer)
    page = client.get(f"/review/rounds/{rnd.id}/emergent")
    assert 'id="emergent-none"' in page.text
    assert client.get("/review/rounds/999/emergent").status_code == 404
