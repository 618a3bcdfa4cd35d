"""Emergent themes: frequent phrases no theme covers, ranked by how much more a round uses them than the others,
each with example answers whose offsets are on the stored text."""

from __future__ import annotations

from nlp.emergent import covered, emergent_phrases, log_odds
from nlp.lexicon import content_lemmas, lemma_spans

THEMES = [
    {
        "key": "housing",
        "phrases": ["housing", "homelessness"],
        "patterns": [[{"LOWER": {"IN": ["tenancy", "tenancies"]}}]],
    },
]


def answers(texts: list[str]) -> list[tuple[int, str]]:
    return list(enumerate(texts, start=1))


def test_words_are_lemmatised_without_spacy_and_stop_words_are_dropped():
    assert [w for w, _, _ in lemma_spans("Families’ children were running")] == ["family", "child", "be", "run"]
    assert content_lemmas("It was the boards that were meeting") == ["board", "meet"]


def test_a_phrase_the_codebook_covers_is_not_emergent_and_neither_is_one_within_it():
    known = covered(THEMES)
    assert ("house",) in known and ("tenancy",) in known
    round_texts = [f"Digital exclusion and housing support grew in area {i}." for i in range(6)]
    found = emergent_phrases(answers(round_texts), ["Nothing in common here."] * 6, THEMES)
    texts = [p.text for p in found]
    assert "digital exclusion" in texts
    assert not any("housing" in t for t in texts)


def test_phrases_are_ranked_by_how_much_more_often_this_round_uses_them():
    this_round = ["Digital exclusion is rising."] * 5 + ["Staff wellbeing matters to us."] * 5
    other_rounds = ["Staff wellbeing matters to us."] * 20 + ["Another topic entirely."] * 5
    found = emergent_phrases(answers(this_round), other_rounds, THEMES, min_answers=3)
    assert found[0].text == "digital exclusion" and found[0].answers == 5 and found[0].elsewhere == 0
    wellbeing = next(p for p in found if "wellbeing" in p.text)
    assert wellbeing.score < found[0].score and wellbeing.elsewhere == 20
    scores = log_odds({("a",): 10, ("b",): 10}, {("a",): 0, ("b",): 30})
    assert scores[("a",)] > 0 > scores[("b",)]


def test_each_phrase_comes_with_example_answers_quoted_from_their_text():
    verbs = ("hit", "worried", "shaped", "affected", "slowed")
    texts = [f"In ward {i} we saw that digital exclusion {verb} older people." for i, verb in enumerate(verbs)]
    texts.append("No mention.")
    found = emergent_phrases(answers(texts), [], THEMES, min_answers=3)
    phrase = next(p for p in found if p.text == "digital exclusion")
    assert phrase.written == "digital exclusion" and len(phrase.examples) == 3
    for example in phrase.examples:
        text = texts[example.answer_id - 1]
        assert example.before + example.phrase + example.after.rstrip("…") in text
    # Overlapping n-grams of the same idea are listed once.
    assert sum("exclusion" in p.text for p in found) == 1


def test_rare_phrases_stay_out_and_an_empty_round_has_none():
    found = emergent_phrases(answers(["Digital exclusion once.", "Digital exclusion twice."]), [], THEMES)
    assert found == []
    assert emergent_phrases([], ["anything at all"], THEMES) == []
