"""The lead's suggester panel: whether there are enough reviewed answers, training, and how each version did."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from redis.exceptions import RedisError
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.suggester import TrainSuggesterForm
from survey import jobs
from survey.auth import require_role
from survey.blueprints.manage import bp
from survey.extensions import db
from survey.models import Round
from survey.services import suggester
from survey.services.jobs import Launch
from survey.services.suggester import SuggesterError


@bp.get("/rounds/<int:round_id>/suggester")
@require_role("lead")
def suggester_panel(round_id: int) -> str:
    """The suggester of the round's pledge: readiness, training status, per-theme F1 of model and rules."""
    rnd = db.get_or_404(Round, round_id)
    state = suggester.panel(rnd.pledge_id)
    return render_template(
        "manage/suggester.html",
        round=rnd,
        panel=state,
        shortfall=suggester.shortfall(state.readiness),
        form=TrainSuggesterForm(),
    )


@bp.post("/rounds/<int:round_id>/suggester/train")
@require_role("lead")
def train_suggester(round_id: int) -> WerkzeugResponse:
    """Train a new version on the pledge's reviewed answers (refused, with what is missing, when too few); a second
    press joins the training under way. The launch commits."""
    rnd = db.get_or_404(Round, round_id)
    back = redirect(url_for("manage.suggester_panel", round_id=rnd.id))
    if not TrainSuggesterForm().validate_on_submit():
        flash("The form expired: press the button again.")
        return back
    if missing := suggester.shortfall(suggester.readiness(rnd.pledge_id)):
        flash(missing)
        return back
    try:
        _, launch = jobs.launch(suggester.TRAIN, "pledge", rnd.pledge_id)
    except RedisError:
        db.session.rollback()
        flash("The job queue cannot be reached: try again in a few minutes.")
        return back
    except SuggesterError as error:  # inline, the job ran here and recorded its failure
        db.session.rollback()
        flash(f"Training failed: {error}")
        return back
    flash(
        {Launch.STARTED: "Training has started.", Launch.JOINED: "Training was already under way."}.get(
            launch, "Training has restarted."
        )
    )
    return back
