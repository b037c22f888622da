"""Command-line commands: `flask demo seed` (demo commune, idempotent, refused outside demo/test mode),
`flask agent create EMAIL`, `flask agent grant-health EMAIL` (the right to read health data), and the server's:
`flask assets build`, `flask backup`, `flask restore FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from models import User, db, normalize_email


def register_cli(app: Flask) -> None:
    register_operations(app)

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
    @click.option("--role", type=click.Choice(["direction", "site", "regie", "accueil"]), default="direction",
                  show_default=True, help="Rôle (les écoles d'un agent de site se choisissent dans Gestion).")
    def create_agent(email: str, name: str, admin: bool, role: str):
        """Create an agent account and send its activation link (also printed, to bootstrap the first one)."""
        import clock
        import mail
        from blueprints.auth.mails import invitation_mail

        email = normalize_email(email)
        if "@" not in email or len(email) > 254:
            raise click.ClickException("Adresse e-mail invalide.")
        if db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none():
            raise click.ClickException("Un compte existe déjà pour cette adresse.")
        user = User(email=email, role="admin" if admin else "agent", display_name=name or email,
                    agent_role="direction" if admin else role)
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
    from blueprints.admin import cli as admin_cli

    admin_cli.register(app)  # flask retention run [--dry-run]


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


def register_operations(app: Flask) -> None:
    """Commands for the server: `flask assets build`, `flask backup`, `flask restore FILE` (README, Déploiement)."""

    @app.cli.group("assets")
    def assets_group():
        """Static files."""

    @assets_group.command("build")
    def build_assets():
        """Hashed and gzipped copies of static/ in static/dist (run by `make setup`, and after each update)."""
        import assets

        manifest = assets.build(Path(current_app.static_folder))
        click.echo(f"{len(manifest)} fichiers statiques publiés dans static/{assets.DIST}/.")

    @app.cli.command("backup")
    @click.option("--keep", default=14, show_default=True, help="Nombre de sauvegardes gardées (les plus récentes).")
    def backup_command(keep: int):
        """Back the database up to instance/backups/portail-YYYYmmdd-HHMMSS.db (SQLite, online backup API) or .dump
        (PostgreSQL, pg_dump --format=custom), with the supporting documents beside it; keep the newest `keep`."""
        import backups

        try:
            written = backups.backup(keep=keep)
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        for path in written:
            click.echo(f"Sauvegarde écrite : {path}")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
    def restore_command(file: Path, yes: bool):
        """Replace the SQLite database (and the supporting documents) by a backup made by `flask backup`. Stop the
        application first. PostgreSQL: pg_restore (README)."""
        import backups

        if not yes:
            click.confirm(f"Remplacer toutes les données actuelles par la sauvegarde {file.name} ?", abort=True)
        try:
            restored = backups.restore(file)
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Restauré : {', '.join(restored)}.")
