"""`flask billing run --month 2026-11 [--due 2026-12-31]`: issue a month's invoices from a shell (cron, or after a
killed run: the same command resumes it once its heartbeat is old, never billing a family twice); prints the
progress and the totals. `flask billing preview --month 2026-11`: the preview, written nowhere."""

from __future__ import annotations

import datetime as dt

import click

import clock
from blueprints.billing import bp, rules, run, wording


def _month(value: str) -> dt.date:
    try:
        parsed = dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise click.BadParameter("le mois s'écrit aaaa-mm, par exemple 2026-11") from None
    return parsed


@bp.cli.command("run")
@click.option("--month", "month_text", required=True, help="Mois à facturer, aaaa-mm.")
@click.option("--due", "due_text", default="", help="Date limite de paiement, aaaa-mm-jj (défaut : dans 30 jours).")
@click.option("--commit-every", default=run.GROUP, type=click.IntRange(1, 1000),
              help=f"Familles par transaction (défaut {run.GROUP}). Un arrêt brutal perd le groupe en cours, que la "
                   "reprise facture ; 1 : une transaction par famille.")
def run_command(month_text: str, due_text: str, commit_every: int):
    """Facturer un mois (ou reprendre sa facturation interrompue)."""
    month = _month(month_text)
    try:
        due = dt.date.fromisoformat(due_text) if due_text else rules.default_due_date(clock.today())
    except ValueError:
        raise click.BadParameter("la date limite s'écrit aaaa-mm-jj") from None
    try:
        billing_run = run.run_month(month, due, clock.now, commit_every=commit_every)
    except run.RunRefused as refused:
        raise click.ClickException({"running": "Une facturation est déjà en cours.",
                                    "month_not_over": "Ce mois n'est pas terminé."}.get(refused.code,
                                                                                        refused.code)) from None
    click.echo(f"Facturation de {wording.month_name(month)} terminée : {billing_run.invoices_count} factures, "
               f"{wording.money(billing_run.total_cents)} ({billing_run.families_done} familles traitées).")


@bp.cli.command("preview")
@click.option("--month", "month_text", required=True, help="Mois, aaaa-mm.")
def preview_command(month_text: str):
    """Aperçu d'un mois : totaux par activité et anomalies."""
    result = run.preview(_month(month_text), clock.now())
    click.echo(f"{result.families} familles, {result.invoices} factures, {wording.money(result.total_cents)}")
    for total in result.activities.values():
        click.echo(f"  {total.name} : {total.units} créneaux, {wording.money(total.cents)}")
    for family, code, what in result.anomalies:
        click.echo(f"  ! Famille {family.name} ({family.dossier_number}) : {wording.anomaly_text(code, what)}")
