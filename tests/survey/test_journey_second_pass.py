"""Issue 14, the respondent's journey, second pass, over real HTTP: a change from check your answers comes back
there, limits are stated and enforced in words, long answers are paragraphs, the ratings are defined."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

from survey.models import Answer
from tests.answers import answers_for, fill_in_report, long_answer


@pytest.fixture()
def filled(client, factory, db):
    """A signed-in respondent whose report is filled in (not submitted); returns (client, response id)."""
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    client.get(factory.invite(resp))
    fill_in_report(client, resp.id)
    return client, resp.id


def field_errors(page: str) -> list[str]:
    """The error messages shown next to fields, as a person reads them."""
    flat = html_lib.unescape(" ".join(page.split()))
    return re.findall(
        r'nhsuk-error-message"[^>]*> <span class="nhsuk-u-visually-hidden">Error: </span>(.*?) ?</span>', flat
    )


def revisions(page: str) -> dict[str, str]:
    """The hidden revisions a section page carries, to send back as a browser would."""
    return dict(re.findall(r'<input type="hidden" name="(rev__[^"]+)" value="([^"]*)">', page))


def element(page: str, element_id: str) -> str:
    """The markup from the element with this id to the next summary row or long answer (enough to look inside)."""
    start = page.index(f'id="{element_id}"')
    ends = [page.find(marker, start + 1) for marker in ('class="nhsuk-summary-list__row', 'class="app-long-answer"')]
    ends = [e for e in ends if e > 0]
    return page[start : min(ends) if ends else len(page)]


def test_change_from_check_answers_returns_there_at_the_answer_with_a_saved_message(filled, db):
    client, resp_id = filled
    check = client.get(f"/respond/{resp_id}/check").text
    change = f"/respond/{resp_id}/sections/commitment-1?return=check&amp;return_answer=impact#impact"
    assert f'href="{change}"' in check
    assert 'id="answer-c1-impact"' in check and 'id="section-commitment-1"' in check
    section = client.get(html_lib.unescape(change).split("#")[0])
    assert '<input type="hidden" name="return" value="check">' in section.text
    assert '<input type="hidden" name="return_answer" value="impact">' in section.text
    assert f'href="/respond/{resp_id}/check#answer-c1-impact">Back to check your answers' in section.text
    data = (
        answers_for("commitment-1") | revisions(section.text) | {"impact": "Referrals doubled.", "action": "continue"}
    )
    saved = client.post(
        f"/respond/{resp_id}/sections/commitment-1", data | {"return": "check", "return_answer": "impact"}
    )
    assert saved.status_code == 302
    assert saved.headers["location"] == f"/respond/{resp_id}/check#answer-c1-impact"
    page = client.get(f"/respond/{resp_id}/check").text
    message = "Your answer to “What difference has it made?” has been saved."
    assert page.count(message) == 1
    assert message in element(page, "answer-c1-impact") and "Referrals doubled." in element(page, "answer-c1-impact")
    assert 'class="nhsuk-inset-text" role="status"' not in page  # not at the top, where it is out of view
    assert message not in client.get(f"/respond/{resp_id}/check").text  # shown once


def test_a_change_of_a_short_answer_returns_to_its_summary_row(filled, db):
    client, resp_id = filled
    url = f"/respond/{resp_id}/sections/about"
    section = client.get(url + "?return=check&return_answer=region")
    data = (
        answers_for("about")
        | revisions(section.text)
        | {"region": "North East", "action": "continue", "return": "check"}
    )
    saved = client.post(url, data | {"return_answer": "region"})
    assert saved.headers["location"] == f"/respond/{resp_id}/check#answer-region"
    page = client.get(f"/respond/{resp_id}/check").text
    assert '<div class="nhsuk-summary-list__row" id="answer-region"' in page
    row = element(page, "answer-region")
    assert "North East" in row
    assert "Your answer to “Region or integrated care system” has been saved." in row


@pytest.mark.parametrize(
    ("marker", "location"),
    [
        ({}, "/sections/commitment-2"),  # no marker: on to the next section, as before
        ({"return": "https://attacker.example/"}, "/sections/commitment-2"),
        ({"return": "//attacker.example"}, "/sections/commitment-2"),
        ({"return": "task_list"}, "/sections/commitment-2"),
        ({"return": "check", "return_answer": "no_such_question"}, "/check#section-commitment-1"),
        ({"return": "check", "return_answer": "javascript:alert(1)"}, "/check#section-commitment-1"),
    ],
)
def test_only_known_local_return_targets_are_followed(filled, db, marker, location):
    client, resp_id = filled
    url = f"/respond/{resp_id}/sections/commitment-1"
    client.get(url)
    saved = client.post(url, answers_for("commitment-1") | {"action": "continue"} | marker)
    assert saved.status_code == 302
    assert saved.headers["location"] == f"/respond/{resp_id}{location}"


def test_save_and_come_back_later_still_goes_to_the_task_list(filled, db):
    client, resp_id = filled
    url = f"/respond/{resp_id}/sections/commitment-1"
    client.get(url + "?return=check&return_answer=actions")
    data = answers_for("commitment-1") | {"action": "later", "return": "check", "return_answer": "actions"}
    assert client.post(url, data).headers["location"] == f"/respond/{resp_id}/"


def test_an_answer_over_the_word_limit_gets_the_word_error_and_is_kept(filled, db):
    client, resp_id = filled
    url = f"/respond/{resp_id}/sections/commitment-1"
    client.get(url)
    over = long_answer(752, 3)
    r = client.post(url, answers_for("commitment-1") | {"actions": over, "action": "continue"})
    assert r.status_code == 200
    assert field_errors(r.text) == [
        "Your answer is 752 words long. The limit is 750 words. You have 2 words too many. "
        "Your text has been kept so you can shorten it."
    ]
    assert html_lib.escape(over, quote=False) in r.text  # still in the box, to be shortened
    db.session.expire_all()
    stored = db.session.scalar(
        select(Answer.value).where(Answer.response_id == resp_id, Answer.field_key == "c1.actions")
    )
    assert stored == answers_for("commitment-1")["actions"]  # the saved answer is untouched
    one_over = client.post(url, answers_for("commitment-1") | {"impact": long_answer(501), "action": "continue"})
    assert field_errors(one_over.text) == [
        "Your answer is 501 words long. The limit is 500 words. You have 1 word too many. "
        "Your text has been kept so you can shorten it."
    ]
    at_limit = client.post(url, answers_for("commitment-1") | {"actions": long_answer(750, 5), "action": "continue"})
    assert at_limit.status_code == 302


def test_a_text_within_the_words_but_over_the_character_cap_gets_its_own_error(filled, db):
    client, resp_id = filled
    url = f"/respond/{resp_id}/sections/commitment-1"
    client.get(url)
    pasted = "x" * 15_001  # one "word": a paste of something else, not prose
    r = client.post(url, answers_for("commitment-1") | {"actions": pasted, "action": "continue"})
    assert field_errors(r.text) == [
        "Your answer is 15,001 characters long. The limit is 15,000 characters: shorten it by 1 character. "
        "Your text has been kept so you can cut it."
    ]


def test_without_javascript_one_line_states_each_limit_in_words(filled, db):
    client, resp_id = filled
    page = client.get(f"/respond/{resp_id}/sections/commitment-1").text
    limits = {"actions": 750, "impact": 500, "challenges": 500}
    for key, words in limits.items():
        textarea = page.index(f'<textarea class="nhsuk-textarea nhsuk-js-character-count" id="{key}"')
        start = page.rindex('<div class="nhsuk-form-group nhsuk-character-count"', 0, textarea)
        group = page[start : page.index("</div>", page.index(f'id="{key}-info"')) + 6]
        text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", group)).split())
        assert text.count("You can enter up to") == 1, text
        assert f"You can enter up to {words} words" in text
        assert "characters" not in text and "Around" not in text
        assert f'data-maxwords="{words}" data-count-type="words"' in group and "data-maxlength" not in group
        assert "data-threshold" not in group  # the count shows from the first word


def test_the_progress_ratings_are_defined_where_they_are_chosen(filled, db):
    client, resp_id = filled
    page = html_lib.unescape(client.get(f"/respond/{resp_id}/sections/commitment-3").text)
    definitions = {
        "progress": "We have not begun work on this commitment yet.",
        "progress-2": "We are agreeing what to do, with whom and by when, but have not started delivering it.",
        "progress-3": "We have started delivering actions, but it is too soon to see their effect.",
        "progress-4": "Actions are under way and we have early evidence that they are making a difference.",
        "progress-5": "The change is part of how we normally work, is funded and is monitored.",
    }
    for item_id, text in definitions.items():
        assert f'id="{item_id}" name="progress" type="radio"' in page
        assert re.search(rf'id="{item_id}"[^>]*aria-describedby="{item_id}-item-hint"', page)
        assert re.search(rf'class="nhsuk-hint nhsuk-radios__hint" id="{item_id}-item-hint">\s*{re.escape(text)}', page)


def test_the_email_hint_promises_no_receipt(filled, db):
    client, resp_id = filled
    page = client.get(f"/respond/{resp_id}/sections/about").text
    assert "We may contact you at this address about this report." in page
    assert "receipt" not in page


def test_long_answers_are_escaped_paragraphs_on_check_answers_and_the_report(client, factory, db):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    client.get(factory.invite(resp))
    actions = "First <b>paragraph</b> & more.\n\n  Second paragraph,\nwith a line break.\n\n\n\nThird."
    fill_in_report(client, resp.id, {"commitment-1": {"actions": actions}})
    expected = (
        '<div class="app-prose"><p>First &lt;b&gt;paragraph&lt;/b&gt; &amp; more.</p>'
        "<p>Second paragraph,<br>with a line break.</p><p>Third.</p></div>"
    )
    for page in (f"/respond/{resp.id}/check", f"/respond/{resp.id}/report"):
        text = client.get(page).text
        assert expected in text, page
        assert "<b>paragraph" not in text
        block = element(text, "answer-c1-actions")
        assert 'class="app-long-answer"' in text[text.rindex("<div", 0, text.index('id="answer-c1-actions"')) :][:80]
        assert "<h3" in block and "What have you done?" in block


def test_a_change_with_errors_keeps_its_way_back(filled, db):
    client, resp_id = filled
    url = f"/respond/{resp_id}/sections/commitment-1"
    client.get(url + "?return=check&return_answer=actions")
    data = answers_for("commitment-1") | {"actions": "", "action": "continue"}
    r = client.post(url, data | {"return": "check", "return_answer": "actions"})
    assert r.status_code == 200 and "Enter an answer to “What have you done?”" in field_errors(r.text)
    assert '<input type="hidden" name="return" value="check">' in r.text
    assert '<input type="hidden" name="return_answer" value="actions">' in r.text
