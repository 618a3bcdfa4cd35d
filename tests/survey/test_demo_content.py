"""Tests for the fictional demo content used to seed pledge progress reports."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from survey.demo import content as dc

RESERVED_DOMAIN = re.compile(r"(\.example|example\.(org|com|net))$")


def _sentences(text: str) -> set[str]:
    """Split a text into its sentences and bullet items."""
    parts = re.split(r"(?<=[.:])\s+|\n+", text)
    return {part.strip().lstrip("- ").rstrip(".") for part in parts if len(part.strip()) > 25}


def test_thirty_three_unique_organisations() -> None:
    """There are 33 organisations with unique names and valid kinds and regions."""
    assert len(dc.ORGANISATIONS) == 33
    assert len({org.name for org in dc.ORGANISATIONS}) == 33
    assert {org.kind for org in dc.ORGANISATIONS} == set(dc.KINDS)
    assert {org.region for org in dc.ORGANISATIONS} == set(dc.REGIONS)
    kinds = Counter(org.kind for org in dc.ORGANISATIONS)
    assert kinds["nhs_mh_trust"] >= 12 and kinds["council"] >= 6 and kinds["other"] == 1


def test_contacts_have_unique_reserved_emails() -> None:
    """Every organisation has 1-3 contacts whose e-mails are unique and use reserved example domains."""
    emails = []
    for org in dc.ORGANISATIONS:
        assert 1 <= len(org.contacts) <= 3
        for contact in org.contacts:
            assert contact.name and contact.role
            local, _, domain = contact.email.partition("@")
            assert local and RESERVED_DOMAIN.search(domain), contact.email
            emails.append(contact.email)
        assert dc.respondent(org) == org.contacts[0]
    assert len(emails) == len(set(emails))


@pytest.mark.parametrize("question", dc.QUESTIONS)
def test_answers_are_deterministic(question: str) -> None:
    """The same seed produces the same text."""
    commitment = 2 if question in ("actions", "impact", "challenges") else None
    org = dc.ORGANISATIONS[4]
    kwargs = {"question": question, "commitment": commitment, "org": org, "round_number": 2}
    first = dc.answer_text(random.Random(7), **kwargs)
    second = dc.answer_text(random.Random(7), **kwargs)
    assert first == second
    assert first.strip()


def test_every_question_and_commitment_produces_text() -> None:
    """All question/commitment/round combinations fill their slots and produce non-empty text."""
    rng = random.Random(11)
    for org in dc.ORGANISATIONS:
        for round_number in (1, 2, 3):
            for question in dc.QUESTIONS:
                commitments = dc.COMMITMENTS if question in ("actions", "impact", "challenges") else (None,)
                for commitment in commitments:
                    text = dc.answer_text(
                        rng, question=question, commitment=commitment, org=org, round_number=round_number
                    )
                    assert text.strip()
                    assert "{" not in text and "}" not in text
                    assert "  " not in text


@pytest.mark.parametrize("question", ["actions", "impact", "challenges"])
@pytest.mark.parametrize("commitment", dc.COMMITMENTS)
def test_answers_vary_across_organisations(question: str, commitment: int) -> None:
    """33 organisations get distinct texts and no sentence dominates."""
    rng = random.Random(2024)
    texts = [
        dc.answer_text(rng, question=question, commitment=commitment, org=org, round_number=1)
        for org in dc.ORGANISATIONS
    ]
    assert len(set(texts)) >= 30
    usage = Counter(sentence for text in texts for sentence in _sentences(text))
    sentence, count = usage.most_common(1)[0]
    assert count <= 0.4 * len(texts), sentence


def test_answers_are_mostly_multi_paragraph() -> None:
    """Most answers have more than one paragraph, and bullets appear sometimes."""
    rng = random.Random(5)
    texts = [
        dc.answer_text(rng, question=question, commitment=commitment, org=org, round_number=1)
        for org in dc.ORGANISATIONS
        for question, commitment in (("actions", 1), ("impact", 3), ("challenges", 5), ("goals", None))
    ]
    multi = sum("\n\n" in text for text in texts)
    assert multi >= 0.6 * len(texts)
    assert any("\n- " in text for text in texts)
    assert any("\n\n" not in text for text in texts)


def test_actions_are_relevant_to_commitment() -> None:
    """Commitment 2 answers talk about data, commitment 3 about communities."""
    rng = random.Random(3)
    data_words = re.compile(r"data|ethnicity|dashboard|detention|restraint|report|CTO|recording", re.I)
    community_words = re.compile(r"communit|co-produc|partner|lived experience|carer|faith", re.I)
    for org in dc.ORGANISATIONS:
        text = dc.answer_text(rng, question="actions", commitment=2, org=org, round_number=1)
        assert data_words.search(text)
        text = dc.answer_text(rng, question="actions", commitment=3, org=org, round_number=1)
        assert community_words.search(text)


def test_round_one_does_not_refer_to_last_report() -> None:
    """First-round actions never mention a previous report."""
    rng = random.Random(9)
    for org in dc.ORGANISATIONS:
        for commitment in dc.COMMITMENTS:
            text = dc.answer_text(rng, question="actions", commitment=commitment, org=org, round_number=1)
            assert "last report" not in text and "previous report" not in text


def test_invalid_question_or_commitment_is_rejected() -> None:
    """Unknown questions and missing commitments raise ValueError."""
    org = dc.ORGANISATIONS[0]
    with pytest.raises(ValueError):
        dc.answer_text(random.Random(1), question="nonsense", commitment=None, org=org, round_number=1)
    with pytest.raises(ValueError):
        dc.answer_text(random.Random(1), question="actions", commitment=None, org=org, round_number=1)


def test_progress_ratings_are_plausible() -> None:
    """Ratings use the fixed scale, later rounds rate higher and commitment 7 is mostly good."""
    rng = random.Random(1)
    score = {rating: index for index, rating in enumerate(dc.RATINGS)}

    def mean(commitment: int, round_number: int) -> float:
        ratings = [dc.progress_rating(rng, commitment=commitment, round_number=round_number) for _ in range(2000)]
        assert set(ratings) <= set(dc.RATINGS)
        return sum(score[r] for r in ratings) / len(ratings)

    for commitment in dc.COMMITMENTS:
        assert mean(commitment, 3) > mean(commitment, 1)
    sevens = Counter(dc.progress_rating(rng, commitment=7, round_number=1) for _ in range(1000))
    assert sevens["good_progress"] + sevens["embedded"] > 700


def test_measures_are_a_valid_subset() -> None:
    """Measures are a non-empty subset of the known measures, in canonical order."""
    rng = random.Random(4)
    for _ in range(200):
        chosen = dc.measures(rng)
        assert chosen and set(chosen) <= set(dc.MEASURES)
        assert chosen == [m for m in dc.MEASURES if m in chosen]


def test_ethnicity_counts_are_valid_and_realistic() -> None:
    """Counts cover the five groups, detentions never exceed population and Black rates are highest."""
    rng = random.Random(8)
    results = [dc.ethnicity_counts(rng) for _ in range(500)]
    missing = sum(result is None for result in results)
    assert 0.3 * len(results) < missing < 0.5 * len(results)
    for counts in results:
        if counts is None:
            continue
        assert set(counts) == set(dc.ETHNIC_GROUPS)
        for values in counts.values():
            assert set(values) == {"detentions", "population"}
            assert 10_000 <= values["population"] < 2_000_000
            assert 0 <= values["detentions"] <= values["population"]
        white_rate = counts["white"]["detentions"] / counts["white"]["population"]
        black_rate = counts["black"]["detentions"] / counts["black"]["population"]
        assert 2.5 <= black_rate / white_rate <= 6.0


def test_publication_choice() -> None:
    """Publication choices are a boolean and one of the two attribution modes."""
    rng = random.Random(6)
    choices = [dc.publication_choice(rng) for _ in range(300)]
    for may_publish, attribution in choices:
        assert isinstance(may_publish, bool)
        assert attribution in ("attributed", "anonymous")
    assert {c for c in choices} >= {(True, "attributed"), (True, "anonymous")}
