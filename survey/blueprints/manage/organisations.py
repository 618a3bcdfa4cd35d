"""The lead's organisations and contacts: list and search, add, edit, archive."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.auth import ButtonForm
from forms.organisations import ContactForm, OrganisationForm
from survey.blueprints.manage import bp
from survey.extensions import db
from survey.models import Contact, Organisation
from survey.permissions import MANAGE_ORGANISATIONS, require
from survey.services import organisations, pledges
from survey.validate import ValidationError

Page = str | WerkzeugResponse | tuple[str, int]


def organisation_or_404(organisation_id: int) -> Organisation:
    """An organisation of the pledge (404 when unknown)."""
    return db.get_or_404(Organisation, organisation_id)


def contact_or_404(org: Organisation, contact_id: int) -> Contact:
    """A contact of this organisation (404 for any other)."""
    contact = db.get_or_404(Contact, contact_id)
    if contact.organisation_id != org.id:
        abort(404)
    return contact


@bp.get("/organisations")
@require(MANAGE_ORGANISATIONS)
def organisations_list() -> str:
    """The signatory organisations and their contacts, searchable; archived ones on request."""
    search = request.args.get("q", "").strip()[:200]
    archived = request.args.get("archived") == "1"
    found = organisations.listing(pledges.ensure_pledge().id, search=search, archived=archived)
    db.session.commit()  # the pledge, on a first visit
    return render_template("manage/organisations.html", organisations=found, search=search, archived=archived)


@bp.route("/organisations/new", methods=["GET", "POST"])
@require(MANAGE_ORGANISATIONS)
def organisation_new() -> Page:
    """Add an organisation."""
    form = OrganisationForm()
    if form.validate_on_submit():
        org = _save_organisation(form, None)
        if org is not None:
            return redirect(url_for("manage.organisation_detail", organisation_id=org.id))
    return render_template("manage/organisation_form.html", form=form, org=None), (400 if form.errors else 200)


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@require(MANAGE_ORGANISATIONS)
def organisation_edit(organisation_id: int) -> Page:
    """Change an organisation's name, type or region."""
    org = organisation_or_404(organisation_id)
    form = OrganisationForm(obj=org)
    if form.validate_on_submit() and _save_organisation(form, org) is not None:
        return redirect(url_for("manage.organisation_detail", organisation_id=org.id))
    return render_template("manage/organisation_form.html", form=form, org=org), (400 if form.errors else 200)


def _save_organisation(form: OrganisationForm, org: Organisation | None) -> Organisation | None:
    """Check and save the form's organisation, committing; None with the messages on the form when refused."""
    raw = organisations.OrganisationValues(form.name.data or "", form.kind.data or "", form.region.data or "")
    values, problems = organisations.clean_organisation(raw)
    try:
        if problems:
            raise ValidationError(next(iter(problems.values())))
        saved = organisations.save_organisation(pledges.ensure_pledge().id, values, actor_id=current_user.id, org=org)
    except ValidationError as exc:
        db.session.rollback()
        form[next(iter(problems), "name")].errors.append(str(exc))  # type: ignore[attr-defined]
        return None
    db.session.commit()
    flash(f"{saved.name} is saved.")
    return saved


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@require(MANAGE_ORGANISATIONS)
def organisation_detail(organisation_id: int) -> Page:
    """An organisation, its contacts, and the form to add a contact."""
    org = organisation_or_404(organisation_id)
    form = ContactForm()
    if form.validate_on_submit() and _save_contact(form, org, None):
        return redirect(url_for("manage.organisation_detail", organisation_id=org.id))
    page = render_template("manage/organisation.html", org=org, form=form, button=ButtonForm())
    return page, (400 if form.errors else 200)


@bp.route("/organisations/<int:organisation_id>/contacts/<int:contact_id>", methods=["GET", "POST"])
@require(MANAGE_ORGANISATIONS)
def contact_edit(organisation_id: int, contact_id: int) -> Page:
    """Change a contact's name, role or e-mail address."""
    org = organisation_or_404(organisation_id)
    contact = contact_or_404(org, contact_id)
    form = ContactForm(obj=contact)
    if form.validate_on_submit() and _save_contact(form, org, contact):
        return redirect(url_for("manage.organisation_detail", organisation_id=org.id))
    return render_template("manage/contact_form.html", org=org, contact=contact, form=form), (
        400 if form.errors else 200
    )


def _save_contact(form: ContactForm, org: Organisation, contact: Contact | None) -> bool:
    """Check and save the form's contact, committing; False with the messages on the form when refused."""
    raw = organisations.ContactValues(form.name.data or "", form.role.data or "", form.email.data or "")
    values, problems = organisations.clean_contact(raw)
    try:
        if problems:
            raise ValidationError(next(iter(problems.values())))
        organisations.save_contact(org, values, actor_id=current_user.id, contact=contact)
    except ValidationError as exc:
        db.session.rollback()
        form[next(iter(problems), "email")].errors.append(str(exc))  # type: ignore[attr-defined]
        return False
    db.session.commit()
    flash(f"{values.name} is saved as a contact of {org.name}.")
    return True


@bp.post("/organisations/<int:organisation_id>/archive")
@require(MANAGE_ORGANISATIONS)
def organisation_archive(organisation_id: int) -> WerkzeugResponse:
    """Archive an organisation (not expected in new rounds; its reports stay), or bring it back."""
    org = organisation_or_404(organisation_id)
    if ButtonForm().validate_on_submit():
        organisations.set_archived(org, org.archived_at is None, actor_id=current_user.id)
        db.session.commit()
        flash(f"{org.name} is {'archived' if org.archived_at else 'back in the list'}.")
    return redirect(url_for("manage.organisation_detail", organisation_id=org.id))


@bp.post("/organisations/<int:organisation_id>/contacts/<int:contact_id>/archive")
@require(MANAGE_ORGANISATIONS)
def contact_archive(organisation_id: int, contact_id: int) -> WerkzeugResponse:
    """Archive a contact (no more invitations), or bring them back."""
    org = organisation_or_404(organisation_id)
    contact = contact_or_404(org, contact_id)
    if ButtonForm().validate_on_submit():
        organisations.set_contact_archived(contact, contact.archived_at is None, actor_id=current_user.id)
        db.session.commit()
        flash(f"{contact.name} is {'archived' if contact.archived_at else 'a current contact again'}.")
    return redirect(url_for("manage.organisation_detail", organisation_id=org.id))
