"""CLI group `flask --app survey synthesis ...`: build a round's synthesis PDF."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from survey.extensions import db
from survey.models import SynthesisKind
from survey.reports.gather import SynthesisError, gather
from survey.reports.pdf_synthesis import build_synthesis
from survey.services import syntheses

synthesis_cli = AppGroup("synthesis", help="Thematic syntheses.")


@synthesis_cli.command("build")
@click.option("--round", "round_id", type=int, required=True, help="The round's id.")
@click.option("--out", type=click.File("wb"), required=True, help="Where to write the PDF ('-' for standard output).")
@click.option("--draft", is_flag=True, help="Count unreviewed machine codes too, marked, with a DRAFT watermark.")
@click.option("--store", is_flag=True, help="Also store it as a new version of the round's synthesis.")
def build_command(round_id: int, out: click.utils.LazyFile, draft: bool, store: bool) -> None:
    """Build a round's synthesis (reviewed codes and consented quotes only, unless --draft) and write the PDF."""
    try:
        if store:
            kind = SynthesisKind.DRAFT if draft else SynthesisKind.FINAL
            stored = syntheses.with_content(syntheses.build(round_id, kind).id)
            assert stored is not None
            db.session.commit()
            out.write(stored.pdf)
            click.echo(f"stored version {stored.version} (sha256 {stored.sha256})", err=True)
            return
        data = gather(round_id, draft=draft)
        build_synthesis(data, out)
    except SynthesisError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{data.response_rate}; written to {out.name}", err=True)


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(synthesis_cli)
