"""The suggester learns from the review: the demo's reviewed round trains it and it beats the rules on organisations
held out; a training job stores a version and suggests themes for unreviewed answers only; too few reviewed answers
are refused with how many more are needed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from nlp import suggest
from survey import jobs
from survey.extensions import db as _db
from survey.models import Answer, AnswerReview, ClassifierModel, Code, Job, Response
from survey.models.states import CodeLevel, CodeSource, CodeStatus, JobStatus
from survey.services import suggester, suggester_models
from survey.services.suggester import SuggesterError
from tests.staff_login import sign_in
from tests.survey.reviewed_answers import reviewed_rounds


def model_codes() -> list[Code]:
    """Every suggestion (model code), by answer and theme."""
    return list(_db.session.scalars(select(Code).where(Code.source == CodeSource.MODEL).order_by(Code.id)))


def reviewed_ids() -> set[int]:
    """Answers someone marked reviewed."""
    return set(_db.session.scalars(select(AnswerReview.answer_id)))


def test_the_demo_reviews_its_closed_round_and_its_suggester_beats_the_rules_on_organisations_held_out(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    model = _db.session.scalars(select(ClassifierModel)).one()
    summary, scores = model.summary, model.scores
    assert summary["answers"] >= 600 and summary["organisations"] == 28
    assert summary["held_out_organisations"] >= 5 and summary["held_out_answers"] >= 100
    # Learning from the review lifts F1 on the held-out reviewed answers well above the rules alone.
    assert scores["model"]["micro_f1"] > scores["rules"]["micro_f1"] + 0.05, scores
    assert scores["model"]["precision"] > scores["rules"]["precision"]
    # Only themes with at least 10 reviewed examples may be suggested.
    assert set(model.themes) == {k for k, s in scores["themes"].items() if s["positives"] >= suggest.MIN_POSITIVES}
    # Every reviewed answer carries decisions; suggestions sit only on answers nobody reviewed, as proposals.
    codes = model_codes()
    assert codes and not {c.answer_id for c in codes} & reviewed_ids()
    assert all(c.status == CodeStatus.PROPOSED and suggest.THRESHOLD <= c.confidence <= 1 for c in codes)
    assert {c.level for c in codes} == {CodeLevel.PROPOSED, CodeLevel.POSSIBLE}
    assert all((c.level == CodeLevel.PROPOSED) == (c.confidence >= suggest.STRONG) for c in codes)
    assert model.suggested == len({c.answer_id for c in codes})
    # The stored model is what was measured: its checksum holds and skops loads it back.
    assert suggest.digest(model.blob) == model.sha256
    assert suggest.loads(model.blob).themes == model.themes
    # Running the demo again adds no review and trains no second version.
    before = (len(reviewed_ids()), len(codes))
    assert app.test_cli_runner().invoke(args=["demo", "--json"]).exit_code == 0
    _db.session.expire_all()
    assert (len(reviewed_ids()), len(model_codes())) == before
    assert _db.session.scalar(select(func.count()).select_from(ClassifierModel)) == 1


def test_a_training_job_stores_a_version_suggests_for_unreviewed_answers_only_and_a_rerun_changes_nothing(
    factory, reviewer, db
):
    first, second = reviewed_rounds(factory, reviewed=10, unreviewed=3)
    reviewed = reviewed_ids()
    decided = {
        c.id: (c.status, c.source) for c in _db.session.scalars(select(Code).where(Code.answer_id.in_(reviewed)))
    }
    job, _ = jobs.launch(suggester.TRAIN, "pledge", factory.pledge.id)
    assert job.status == JobStatus.FINISHED and job.progress == job.total == 1
    model = suggester.latest_model(factory.pledge.id)
    assert model is not None and model.job_id == job.id and model.version == 1
    assert model.summary["answers"] == len(reviewed) == 90
    codes = model_codes()
    second_answers = set(_db.session.scalars(select(Answer.id).join(Response).where(Response.round_id == second.id)))
    assert codes and {c.answer_id for c in codes} <= second_answers and not second_answers & reviewed
    # Reviewed codes are untouched.
    after = {c.id: (c.status, c.source) for c in _db.session.scalars(select(Code).where(Code.answer_id.in_(reviewed)))}
    assert after == decided
    # The same batch again finds its version and does nothing.
    assert jobs.run_batch(job.id, [factory.pledge.id]) == 0
    assert _db.session.scalar(select(func.count()).select_from(ClassifierModel)) == 1
    # A new training is a new version whose suggestions replace the old ones, never doubling them.
    again, _ = jobs.launch(suggester.TRAIN, "pledge", factory.pledge.id)
    assert again.id != job.id and suggester.latest_model(factory.pledge.id).version == 2
    pairs = [(c.answer_id, c.theme_key) for c in model_codes()]
    assert len(pairs) == len(set(pairs))


def test_a_stored_model_whose_bytes_changed_is_refused(factory, reviewer, db):
    reviewed_rounds(factory, reviewed=10, unreviewed=1)
    jobs.launch(suggester.TRAIN, "pledge", factory.pledge.id)
    model = suggester.latest_model(factory.pledge.id)
    model.blob = model.blob[:-1] + bytes([model.blob[-1] ^ 1])
    suggester_models._LOADED.clear()
    with pytest.raises(SuggesterError, match="checksum"):
        suggester_models.load(model)


def test_training_is_refused_with_how_many_more_reviewed_answers_are_needed(client, lead, factory, reviewer, db):
    first, _ = reviewed_rounds(factory, reviewed=3, unreviewed=0)  # 27 reviewed answers
    sign_in(client, *lead)
    page = client.get(f"/manage/rounds/{first.id}/suggester")
    assert page.status_code == 200
    assert "13 more reviewed answers are needed before the suggester can be trained (27 of 40)." in page.text
    assert "more reviewed answers with this theme needed" in page.text
    pressed = client.post(f"/manage/rounds/{first.id}/suggester/train", {})
    assert pressed.status_code == 302
    assert "13 more reviewed answers are needed" in client.get(pressed.headers["location"]).text
    assert _db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == suggester.TRAIN.name)) == 0


def test_the_lead_trains_from_the_panel_and_sees_each_themes_f1_next_to_the_rules(client, lead, reviewer, factory, db):
    first, _ = reviewed_rounds(factory, reviewed=10, unreviewed=2)
    sign_in(client, *lead)
    assert "Version 1" not in client.get(f"/manage/rounds/{first.id}/suggester").text
    pressed = client.post(f"/manage/rounds/{first.id}/suggester/train", {})
    assert pressed.status_code == 302
    page = client.get(pressed.headers["location"]).text
    assert "Training has started." in page and "Version 1 trained on" in page
    model = suggester.latest_model(factory.pledge.id)
    assert f"{model.scores['model']['micro_f1']:.2f}" in page and f"{model.scores['rules']['micro_f1']:.2f}" in page
    assert "Community partnership and co-production" in page and 'id="suggester-themes"' in page


def test_reviewers_cannot_open_or_press_the_suggester(client, reviewer, factory, db):
    rnd = factory.round(1)
    _db.session.commit()
    sign_in(client, *reviewer)
    assert client.get(f"/manage/rounds/{rnd.id}/suggester").status_code == 403
    assert client.get(f"/review/rounds/{rnd.id}/emergent").status_code == 200  # a page with a form's token
    assert client.post(f"/manage/rounds/{rnd.id}/suggester/train", {}).status_code == 403
