"""`flask reminders send`: the reminders due now, each once, and the e-mails announcing the news published since
the last run (run it from cron or the systemd timer: deploy/)."""

from __future__ import annotations

import click
from flask import current_app

from blueprints.reminders import bp, rules


@bp.cli.command("send")
@click.option("--jours", "notice_days", default=rules.WEEK_NOTICE_DAYS, show_default=True, type=click.IntRange(0, 30),
              help="Jours avant la date limite de réservation où l'on rappelle une semaine non réservée.")
def send_command(notice_days: int):
    """Envoyer les rappels dus maintenant (jamais deux fois le même)."""
    import clock
    from blueprints.news import service as news
    from blueprints.reminders import service

    # The links are on PUBLIC_URL (mail.external_url); the base below only serves a demo without PUBLIC_URL.
    with current_app.test_request_context(base_url="http://127.0.0.1:5000"):
        sent = service.send_due(clock.now(), notice_days)
        items, news_mails = news.announce_due(clock.now(), clock.today())
    click.echo(f"Rappels envoyés : {sent['week_unbooked']} semaine(s) non réservée(s), {sent['certificate']} "
               f"justificatif(s) d'absence, {sent['document_expiring']} pièce(s) qui expire(nt), "
               f"{sent['invoice_due']} facture(s) à échéance. Actualités annoncées : {items} ({news_mails} "
               f"e-mail(s)).")
