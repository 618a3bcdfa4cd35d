"""Valid answers to the first-report questionnaire, and filling in or submitting a whole report over HTTP."""

from __future__ import annotations

import re
from collections.abc import Mapping

SECTIONS = ["about", "background", *[f"commitment-{i}" for i in range(1, 8)], "next_steps", "publication"]
Answers = dict[str, str | list[str]]

_FIXED: dict[str, Answers] = {
    "about": {
        "organisation_type": "nhs_mh_trust",
        "region": "London",
        "respondent_name": "Ada Obi",
        "respondent_role": "Chief Executive",
        "respondent_email": "ada.obi@trust.example",
    },
    "background": {"why_pledge": "Detention rates under the Mental Health Act for Black residents are far too high."},
    "next_steps": {"goals": "Publish our first ethnicity data dashboard.", "support_wanted": "Shared learning sets."},
    "publication": {"publish": "yes", "quote_attribution": "anonymous"},
}


def answers_for(key: str) -> Answers:
    """Valid answers for one section, by form field name; the text touches themes the tagger must find
    (co-production, the Mental Health Act, capacity), and commitment 2's counts include a thousands separator."""
    if key in _FIXED:
        return dict(_FIXED[key])
    if not key.startswith("commitment-"):
        raise AssertionError(f"no answers for section {key!r}")
    data: Answers = {
        "progress": "early_progress",
        "actions": f"Actions for {key}: we co-produced a plan with faith groups.",
        "impact": "More referrals from community groups.",
        "challenges": "Staff shortages and capacity.",
    }
    if key == "commitment-2":
        data |= {
            "measures": ["mha_detentions", "workforce_race_equality"],
            "ethnicity_counts__black__detentions": "40",
            "ethnicity_counts__black__population": "20,000",
            "ethnicity_counts__white__detentions": "60",
            "ethnicity_counts__white__population": "150000",
        }
    return data


def fill_in_report(client, response_id: int, changes: Mapping[str, Answers] | None = None) -> None:
    """Save every section with "Save and continue" (each must be accepted); `changes` replaces answers by section
    (None leaves a field out)."""
    for key in SECTIONS:
        client.get(f"/respond/{response_id}/sections/{key}")
        data = answers_for(key) | dict((changes or {}).get(key, {})) | {"action": "continue"}
        data = {name: value for name, value in data.items() if value is not None}  # a change of None drops it
        reply = client.post(f"/respond/{response_id}/sections/{key}", data)
        assert reply.status_code == 302, (key, re.findall(r'error-message">(.*?)<', reply.text, re.S)[:3])


def submit_report(client, factory, rnd, organisation: str | None = None, changes: Mapping[str, Answers] | None = None):
    """A new organisation's report in the round, filled in and submitted through the respondent's pages, as a
    respondent would (so it is tagged as in real use); returns the response."""
    resp = factory.response(rnd, factory.organisation(organisation))
    client.get(factory.invite(resp))
    fill_in_report(client, resp.id, changes)
    client.get(f"/respond/{resp.id}/check")
    reply = client.post(f"/respond/{resp.id}/check", {"confirm": "y", "full_name": "Ada Obi"})
    assert reply.status_code == 302 and reply.headers["location"].endswith("/confirmation")
    return resp


_PROSE = (
    "We co-produced the plan with faith groups and people with lived experience of detention",
    "the board reviews detention rates by ethnicity every quarter",
    "community advocates now join ward rounds on two of our acute wards",
    "staff shortages and limited capacity slowed the roll-out in the second half of the year",
    "we published our first ethnicity data dashboard and shared it with partners",
)


def long_answer(words: int, paragraphs: int = 4, label: str = "") -> str:
    """A multi-paragraph answer of exactly `words` words (split on whitespace, as the live count counts), its
    paragraphs separated by blank lines; `label` starts it so answers can be told apart."""
    vocabulary = " ".join(_PROSE).split()
    pool = ([label] if label else []) + [vocabulary[i % len(vocabulary)] for i in range(words)]
    pool = pool[:words]
    size = -(-len(pool) // paragraphs)
    return "\n\n".join(" ".join(pool[i : i + size]) + "." for i in range(0, len(pool), size))


def full_length_changes(words: int = 450) -> dict[str, Answers]:
    """Every commitment's three long answers at `words` words, several paragraphs each: a full-length report."""
    return {
        f"commitment-{n}": {
            key: long_answer(words, 4, f"{key.title()}-of-commitment-{n}")
            for key in ("actions", "impact", "challenges")
        }
        for n in range(1, 8)
    }
