"""Flask CLI commands: `flask --app survey demo`, `... nlp retag|sweep|add-codebook`, `... users create-lead`."""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from survey import cli_mail, cli_nlp, cli_synthesis, cli_users


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the links and log-ins as JSON.")
@with_appcontext
def demo_command(as_json: bool) -> None:
    """Create (once) the demo pledge, organisations and rounds, and print the links."""
    from survey.demo.seed import seed_demo

    links = seed_demo(base_url=current_app.config["BASE_URL"])
    if as_json:
        click.echo(json.dumps(links, indent=2))
        return
    click.echo(f"\nDemo ready at {links['base_url']}\n")
    click.echo("Staff log-ins:")
    for login in links["staff_logins"]:
        click.echo(f"  {login['role']}: {login['email']} / {login['password']}  ({login['login_url']})")
        click.echo(f"    two-factor: add the TOTP secret {login['totp_secret']} to an authenticator app")
    click.echo(f"\nRespondent links for {links['round']} (each opens one organisation's report):")
    for item in links["respondent_links"]:
        click.echo(f"  {item['organisation']} ({item['status']}), {item['contact']}:\n    {item['url']}")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(demo_command)
    cli_nlp.init_app(app)
    cli_users.init_app(app)
    cli_synthesis.init_app(app)
    cli_mail.init_app(app)
