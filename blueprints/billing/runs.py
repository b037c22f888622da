"""Back office: billing runs (/gestion/facturation): the months to bill and the last runs, the preview of a month
(totals per activity, families, anomalies), issuing (in a background thread of this process; the page shows the
progress, refreshed by htmx every two seconds, or by the "Actualiser" link without JavaScript), resuming a killed
run. `flask billing run --month 2026-11` does the same from a shell (cli in blueprints/billing/commands.py)."""

from __future__ import annotations

import datetime as dt
import threading

from flask import current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints.billing import agents_only, bp, rules, run, wording
from blueprints.billing.forms import RunForm
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from models import BillingRun, db

REFUSED = {
    "running": lambda: _("Une facturation est déjà en cours : attendez qu'elle se termine."),
    "month_not_over": lambda: _("Un mois se facture une fois terminé."),
    "finished": lambda: _("Cette facturation est terminée."),
}


def _months_to_offer(today):
    """The last six months that have ended, most recent first."""
    month, months = rules.month_start(today), []
    for _i in range(6):
        month = rules.month_start(month - dt.timedelta(days=1))
        months.append(month)
    return months


@bp.route("/gestion/facturation")
@agents_only
def runs():
    """Facturation: months to bill (preview), the runs and their progress, links to tariffs and unpaid invoices."""
    today = clock.today()
    months = _months_to_offer(today)
    return render("billing/agents/runs.html", months=months, invoiced=run.invoices_per_month(months),
                  runs=run.recent_runs(),
                  active=run.active_run(), words=wording, now=clock.now(), stale=rules.run_is_stale)


@bp.route("/gestion/facturation/<month:month>", methods=["GET", "POST"])
@agents_only
def run_preview(month):
    """Aperçu d'un mois: what issuing would give, then the button that issues (POST)."""
    today = clock.today()
    form = RunForm(data={"due_date": rules.default_due_date(today)})
    if form.validate_on_submit():
        if form.due_date.data < today:
            form.due_date.errors = [_("La date limite de paiement ne peut pas être passée.")]
        else:
            try:
                started = run.start(month, form.due_date.data, clock.now(), actor_id=current_user.id)
            except run.RunRefused as refused:
                flash(REFUSED[refused.code](), "error")
                return redirect(url_for(".run_preview", month=month))
            _launch(started.id)
            return redirect(url_for(".run_progress", run_id=started.id))
    result = run.preview(month, clock.now())
    return render("billing/agents/preview.html", month=month, preview=result, form=form, words=wording,
                  month_over=rules.next_month(month) <= rules.month_start(today), active=run.active_run())


@bp.route("/gestion/facturation/executions/<int:run_id>")
@agents_only
def run_progress(run_id: int):
    """Where a run stands (the block "progress" alone for htmx polling)."""
    billing_run = db.get_or_404(BillingRun, run_id)
    stale = billing_run.active == 1 and rules.run_is_stale(billing_run.heartbeat_at, clock.now())
    return render("billing/agents/progress.html", block="progress", run=billing_run, words=wording, stale=stale,
                  form=EmptyForm())


@bp.route("/gestion/facturation/executions/<int:run_id>/reprendre", methods=["POST"])
@agents_only
def run_resume(run_id: int):
    """Resume a run whose process was killed (its heartbeat is old)."""
    billing_run = db.get_or_404(BillingRun, run_id)
    if EmptyForm().validate_on_submit():
        try:
            run.start(billing_run.month, billing_run.due_date, clock.now(), actor_id=current_user.id)
        except run.RunRefused as refused:
            flash(REFUSED[refused.code](), "error")
        else:
            _launch(billing_run.id)
    return redirect(url_for(".run_progress", run_id=run_id))


def _launch(run_id: int) -> None:
    """Issue in a thread of this process (inline when testing: the test database is the request's)."""
    app = current_app._get_current_object()
    if app.testing or app.config.get("BILLING_RUN_INLINE"):
        run.execute(run_id, clock.now)
        return

    def work():
        with app.app_context():
            try:
                run.execute(run_id, clock.now)
            finally:
                db.session.remove()

    threading.Thread(target=work, name=f"billing-run-{run_id}", daemon=True).start()
