"""CLI group `flask --app survey nlp ...`: codebook versions, re-tagging, the sweep. Each command owns its
transaction: `jobs.launch` and `jobs.sweep` commit as they go, the others commit at the end."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from nlp.codebook import CodebookError, load_codebook
from survey import jobs
from survey.extensions import db
from survey.models import Pledge, Round
from survey.services import codebooks, tagging
from survey.services import jobs as lifecycle

nlp_cli = AppGroup("nlp", help="Theme tagging: codebook versions, re-tagging and recovery.")


@nlp_cli.command("retag")
@click.option("--round", "round_id", type=int, required=True, help="Id of the round to re-tag.")
def retag_command(round_id: int) -> None:
    """Re-tag every submitted answer of a round with the current codebook, in batches."""
    if db.session.get(Round, round_id) is None:
        raise click.ClickException(f"there is no round {round_id}")
    job = jobs.launch(tagging.RETAG, "round", round_id).job
    click.echo(f"job {job.id}: {job.kind} of round {round_id}, {job.total} answers, {job.status}")


@nlp_cli.command("sweep")
def sweep_command() -> None:
    """Queue tagging for answers still pending and resume jobs (of every kind) whose worker died."""
    recovered = jobs.sweep()
    click.echo(f"sweep: {lifecycle.summary(recovered)} queued or resumed")
    for job in recovered:
        click.echo(f"  job {job.id}: {job.kind} of {job.target_type} {job.target_id}, {job.status}")


@nlp_cli.command("add-codebook")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pledge", "slug", help="Pledge slug (default: the only pledge).")
def add_codebook_command(path: Path, slug: str | None) -> None:
    """Store a codebook JSON file as the pledge's next codebook version."""
    try:
        codebook = load_codebook(path)
    except CodebookError as exc:
        raise click.ClickException(str(exc)) from None
    query = select(Pledge).where(Pledge.slug == slug) if slug else select(Pledge)
    pledges = db.session.scalars(query).all()
    if len(pledges) != 1:
        raise click.ClickException("name the pledge with --pledge SLUG")
    codebooks.ensure_starting_codebook(pledges[0])
    version = codebooks.add_version(pledges[0].id, codebook)
    db.session.commit()
    click.echo(f"codebook version {version.version} stored ({len(version.themes)} themes)")


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(nlp_cli)
