"""The lead's e-mail pages for a round: invite, remind, resend, revoke, the reminder policy, and every message
with what became of it (refusals and bounces shown)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.mail import ButtonForm, ContactForm, ReminderPolicyForm
from survey import mail_jobs
from survey.auth import require_role
from survey.blueprints.manage import bp
from survey.extensions import db
from survey.models import Round
from survey.services import outbox

EXPIRED = "The form expired: press the button again."
QUEUE_AWAY = "The job queue cannot be reached"


def _back(round_id: int) -> WerkzeugResponse:
    return redirect(url_for("manage.round_mail", round_id=round_id))


def _page() -> int:
    """The page number asked for (1 when missing or junk)."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("/rounds/<int:round_id>/mail")
@require_role("lead")
def round_mail(round_id: int, policy_form: ReminderPolicyForm | None = None) -> str:
    """The round's e-mail: buttons, the reminder policy and the messages, filtered by state."""
    rnd = db.get_or_404(Round, round_id)
    rules = outbox.policy(rnd.id)
    status = request.args.get("status") or None
    policy_form = policy_form or ReminderPolicyForm(
        data={
            "days_before": ", ".join(str(d) for d in rules.days_before),
            "max_per_contact": rules.max_per_contact,
            "min_gap_days": rules.min_gap_days,
        }
    )
    return render_template(
        "manage/mail.html",
        round=rnd,
        counts=outbox.status_counts(rnd.id),
        listed=outbox.messages(rnd.id, status=status, page=_page()),
        status=status,
        page=_page(),
        form=ButtonForm(),
        policy_form=policy_form,
        rules=rules,
        reminder_times=mail_jobs.reminder_times(rnd, list(rules.days_before)),
        labels=outbox.STATUS_LABELS,
    )


def _act(round_id: int, form_ok: bool, action: Callable[[], object], done: str) -> WerkzeugResponse:
    """Run a mail action, commit, queue the sending and say what happened (or why nothing was done)."""
    if not form_ok:
        flash(EXPIRED)
        return _back(round_id)
    try:
        result = action()
    except outbox.MailError as exc:
        db.session.rollback()
        flash(str(exc))
        return _back(round_id)
    db.session.commit()
    queued = mail_jobs.send_round(round_id)
    flash(
        done.format(result) + ("" if queued else " The job queue cannot be reached: they will be sent when it is back.")
    )
    return _back(round_id)


@bp.post("/rounds/<int:round_id>/mail/invite")
@require_role("lead")
def invite(round_id: int) -> WerkzeugResponse:
    """Invite every contact of every expected organisation not invited yet."""
    db.get_or_404(Round, round_id)
    action = partial(outbox.invite_round, round_id, actor_id=current_user.id)
    return _act(round_id, ButtonForm().validate_on_submit(), action, "{} invitation(s) written to the outbox.")


@bp.post("/rounds/<int:round_id>/mail/remind")
@require_role("lead")
def remind(round_id: int) -> WerkzeugResponse:
    """Remind everyone whose organisation has not submitted (within the cap and minimum gap)."""
    db.get_or_404(Round, round_id)
    action = partial(outbox.remind_unsubmitted, round_id, actor_type="user", actor_id=current_user.id)
    return _act(round_id, ButtonForm().validate_on_submit(), action, "{} reminder(s) written to the outbox.")


@bp.post("/rounds/<int:round_id>/mail/resend")
@require_role("lead")
def resend(round_id: int) -> WerkzeugResponse:
    """Send one contact their invitation again."""
    form = ContactForm()
    action = partial(outbox.resend, round_id, form.contact_id.data, actor_id=current_user.id)
    return _act(round_id, form.validate_on_submit(), action, "The invitation is being sent again to {.to_address}.")


@bp.post("/rounds/<int:round_id>/mail/revoke")
@require_role("lead")
def revoke(round_id: int) -> WerkzeugResponse:
    """Revoke one contact's links to the round."""
    form = ContactForm()
    action = partial(outbox.revoke, round_id, form.contact_id.data, actor_id=current_user.id)
    return _act(round_id, form.validate_on_submit(), action, "{} link(s) revoked; their unsent messages cancelled.")


@bp.post("/rounds/<int:round_id>/mail/policy")
@require_role("lead")
def reminder_policy(round_id: int) -> WerkzeugResponse | str:
    """Save the automatic reminder policy and put its reminders on the scheduler."""
    rnd = db.get_or_404(Round, round_id)
    form = ReminderPolicyForm()
    if not form.validate_on_submit():
        return round_mail(rnd.id, policy_form=form)
    outbox.set_policy(rnd.id, form.days(), form.max_per_contact.data, form.min_gap_days.data)
    db.session.commit()
    scheduled = mail_jobs.schedule_reminders(rnd.id)
    unscheduled = " Automatic reminders are not scheduled: the job queue is not set up or cannot be reached."
    flash("Reminder settings saved." + (unscheduled if scheduled is None else ""))
    return _back(rnd.id)
