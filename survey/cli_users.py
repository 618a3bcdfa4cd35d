"""CLI group `flask --app survey users ...`: staff accounts."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from survey.extensions import db
from survey.services.staff import StaffError, create_user

users_cli = AppGroup("users", help="Staff accounts.")


@users_cli.command("create-lead")
@click.argument("email")
@click.option("--name", default="", help="Display name (default: the e-mail address).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_lead_command(email: str, name: str, password_stdin: bool) -> None:
    """Create a pledge lead account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, role="lead", name=name or email)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"lead {user.email} created")


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(users_cli)
