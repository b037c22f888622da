"""Command-line commands: `flask demo seed` (demo commune, idempotent, refused outside demo/test mode), `flask agent
create EMAIL`, `flask agent grant-health EMAIL` (the right to read health data)."""

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

    register_health_cli(app)


def register_health_cli(app: Flask) -> None:
    """`flask agent grant-health EMAIL` (and --revoke): the right to read children's health data."""
    agent_group = app.cli.commands["agent"]

    @agent_group.command("grant-health")
    @click.argument("email")
    @click.option("--revoke", is_flag=True, help="Retirer le droit au lieu de le donner.")
    def grant_health(email: str, revoke: bool):
        """Give an agent (or take back) the right to read children's health data (each read is logged)."""
        from blueprints.families import health

        user = db.session.execute(db.select(User).where(User.email == normalize_email(email))).scalar_one_or_none()
        if user is None or not user.is_agent:
            raise click.ClickException("Aucun agent avec cette adresse.")
        health.grant(user, not revoke)
        db.session.commit()
        click.echo(f"{user.email} {'ne peut plus' if revoke else 'peut maintenant'} lire les données de santé.")
