"""`flask retention run [--dry-run]`: the RGPD retention (blueprints/admin/retention.py), for cron."""

from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.group("retention")
    def retention_group():
        """RGPD retention (children's data 3 years after they left, expired uploads)."""

    @retention_group.command("run")
    @click.option("--dry-run", is_flag=True, help="Montrer ce qui serait fait, sans rien changer.")
    def run(dry_run: bool):
        """Anonymise the children who left 3 years ago and remove the uploads that prove nothing any more."""
        import clock
        from blueprints.admin import retention
        from blueprints.uploads import discard
        from models import db

        todo = retention.plan(clock.today())
        verb = "serait anonymisé" if dry_run else "anonymisé"
        for person_id, left in todo.children:
            click.echo(f"Enfant n° {person_id} (parti le {left.strftime('%d/%m/%Y')}) : {verb}.")
        for doc_id in todo.documents:
            click.echo(f"Pièce n° {doc_id} : {'serait supprimée' if dry_run else 'supprimée'}.")
        summary = f"{len(todo.children)} enfant(s), {len(todo.documents)} pièce(s)"
        if dry_run:
            click.echo(f"Simulation : {summary} ; rien n'a été modifié.")
            return
        names = retention.apply(todo, clock.now())
        db.session.commit()
        for name in names:  # after the commit: a failed commit keeps the files of documents still there
            discard(name)
        click.echo(f"Fait : {summary}, {len(names)} fichier(s) supprimé(s).")
