"""Command-line commands: `flask demo seed` (demo commune, idempotent, refused outside demo/test mode)."""

from __future__ import annotations

import click
from flask import Flask, current_app

from models import User, db, normalize_email


def register_cli(app: Flask) -> None:
    @app.cli.group()
    def demo():
        """Demo commune (never in production)."""

    @demo.command("seed")
    def seed_command():
        """Create the demo commune "Ville de Démo-sur-Loire" if it is not there yet."""
        if not (current_app.config["DEMO"] or current_app.config.get("TESTING")):
            raise click.ClickException("Refusé : `demo seed` ne s'exécute qu'avec DEMO=1 (jamais en production).")
        from demo import seed_demo

        created = seed_demo()
        click.echo("Commune de démonstration créée." if created else "Commune de démonstration déjà présente.")

    @app.cli.group()
    def agent():
        """Back-office accounts."""

    @agent.command("create")
    @click.argument("email")
    @click.option("--name", default="", help="Nom affiché, par exemple « Service Enfance ».")
    @click.option("--admin", is_flag=True, help="Compte administrateur.")
    def create_agent(email: str, name: str, admin: bool):
        """Create an agent account and send its activation link (also printed, to bootstrap the first one)."""
        import clock
        import mail
        from blueprints.auth.mails import invitation_mail

        email = normalize_email(email)
        if "@" not in email or len(email) > 254:
            raise click.ClickException("Adresse e-mail invalide.")
        if db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none():
            raise click.ClickException("Un compte existe déjà pour cette adresse.")
        user = User(email=email, role="admin" if admin else "agent", display_name=name or email)
        db.session.add(user)
        db.session.flush()
        # The link is on PUBLIC_URL (mail.external_url); the base below only serves a demo without PUBLIC_URL.
        with current_app.test_request_context(base_url="http://127.0.0.1:5000"):
            invitation = invitation_mail(user, clock.now())
            db.session.commit()  # first: the mailed link must work
            try:
                mail.deliver(invitation.message)
            except OSError as exc:
                click.echo(f"E-mail non envoyé ({exc}) : utilisez le lien ci-dessous.", err=True)
        click.echo(f"Compte créé pour {email}. Lien d'activation (24 h, usage unique) : {invitation.link}")
