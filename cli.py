"""Command-line commands: `flask demo seed` (demo commune, idempotent, refused outside demo/test mode)."""

from __future__ import annotations

import click
from flask import Flask, current_app


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
