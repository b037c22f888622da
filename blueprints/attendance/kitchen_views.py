"""Meal counts for the central kitchen: a day's counts by site and diet (and adults), the orders already sent and
what changed since, CSV and PDF downloads, the adults' meals of a day, the kitchen's settings; `flask kitchen send`
for cron."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints import edge
from blueprints.attendance import access, bp, kitchen, pdf, rules, wording
from blueprints.attendance.forms import KitchenForm
from blueprints.attendance.views import parse_day
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.reservations import wording as booking_wording
from models import School, db

MAX_ADULTS = 999


def _visible(counts: dict) -> dict:
    """The counts of the sites the agent may see (attendance/access.py); the children without a school only for
    an agent who sees every site."""
    sites = access.sites_for(current_user)
    names = {s.name for s in sites}
    if len(sites) == db.session.scalar(db.select(db.func.count(School.id))):
        names.add(kitchen.no_site())
    return {site: diets for site, diets in counts.items() if site in names}


def _day_context(day: dt.date) -> dict:
    counts = _visible(kitchen.counts_for([day])[day])
    orders = kitchen.orders_of(day)
    last = orders[-1] if orders else None
    changes = rules.delta(_visible(json.loads(last.counts)), counts) if last else []
    row = kitchen.settings()
    policy = kitchen.policy_of(row)
    return {"day": day, "counts": counts, "columns": rules.diet_columns(counts),
            "column_totals": {d: sum(diets.get(d, 0) for diets in counts.values()) for d in rules.diet_columns(counts)},
            "orders": orders,
            "changes": changes, "kitchen": row, "stage": rules.stage_of(day, clock.now(), policy),
            "indicative_at": rules.order_deadline(day, policy.indicative_days, policy.cutoff),
            "firm_at": rules.order_deadline(day, policy.firm_days, policy.cutoff),
            "total": rules.total(counts), "children_total": rules.total(counts, adults=False),
            "wording": wording, "format_date": booking_wording.format_date,
            "format_moment": booking_wording.format_moment, "rules": rules}


@bp.route("/cuisine")
def kitchen_today():
    """The counts open on the day asked (`?jour=`), today by default."""
    value = request.args.get("jour", "")
    day = None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(value.strip(), fmt).date()
            break
        except ValueError:
            continue
    if value and not edge.supported_day(day):
        flash(_("Saisissez une date valide, par exemple 02/11/2026."), "error")
        day = None
    return redirect(url_for(".kitchen_day", day=(day or clock.today()).isoformat()))


@bp.route("/cuisine/<day>")
def kitchen_day(day: str):
    """Meals of a day by site and diet, with the orders' deadlines, what was sent and what changed since."""
    when = parse_day(day)
    sites = access.sites_for(current_user)
    adults = kitchen_adults(when)
    return render("attendance/kitchen.html", sites=sites, adults=adults, adult_errors={}, form=EmptyForm(),
                  prev=when - rules.ONE_DAY, next=when + rules.ONE_DAY, **_day_context(when))


def kitchen_adults(day: dt.date) -> dict[int, int]:
    return kitchen.adults_of(day)


@bp.route("/cuisine/<day>/adultes", methods=["POST"])
def kitchen_adults_save(day: str):
    """The adults eating at each site that day (0 or empty: none)."""
    when = parse_day(day)
    if not EmptyForm().validate_on_submit():
        abort(400)
    sites = access.sites_for(current_user)
    values, errors = {}, {}
    for site in sites:
        raw = request.form.get(f"site-{site.id}", "").strip()
        if not raw:
            values[site.id] = 0
        elif raw.isdigit() and int(raw) <= MAX_ADULTS:
            values[site.id] = int(raw)
        else:
            errors[site.id] = _("Saisissez un nombre entier entre 0 et %(max)d, par exemple 4.", max=MAX_ADULTS)
    if errors:
        entered = {s.id: request.form.get(f"site-{s.id}", "") for s in sites}
        return render("attendance/kitchen.html", sites=sites, adults=entered, adult_errors=errors,
                      form=EmptyForm(), prev=when - rules.ONE_DAY, next=when + rules.ONE_DAY,
                      page_errors=True, status=422, **_day_context(when))
    for site in sites:
        kitchen.set_adults(site, when, values[site.id])
    db.session.commit()
    flash(_("Repas adultes du %(day)s enregistrés.", day=booking_wording.format_date(when)), "success")
    return redirect(url_for(".kitchen_day", day=when.isoformat(), _anchor="adultes"))


@bp.route("/cuisine/<day>/effectifs.csv")
def kitchen_csv(day: str):
    """The day's counts as a CSV file (site, diet, meals)."""
    when = parse_day(day)
    counts = _visible(kitchen.counts_for([when])[when])
    response = pdf.download(kitchen.orders_csv([(when, counts)]).encode("utf-8-sig"), "text/csv; charset=utf-8",
                            f"effectifs-repas-{when.isoformat()}.csv")
    return response


@bp.route("/cuisine/<day>/effectifs.pdf")
def kitchen_pdf(day: str):
    """The day's counts as a tagged PDF (PDF/UA-1)."""
    when = parse_day(day)
    body = pdf.render_pdf("attendance/kitchen_pdf.html", **_day_context(when))
    return pdf.download(body, "application/pdf", f"effectifs-repas-{when.isoformat()}.pdf")


@bp.route("/cuisine/reglages", methods=["GET", "POST"])
def kitchen_settings():
    """The kitchen's address and the orders' deadlines (J-15 indicative, J-3 firm, at 10 h by default)."""
    row = kitchen.settings()
    form = KitchenForm(obj=row)
    if form.validate_on_submit():
        row.email = (form.email.data or "").strip().lower()
        row.indicative_days, row.firm_days, row.cutoff = form.indicative_days.data, form.firm_days.data, \
            form.cutoff.data
        db.session.commit()
        flash(_("Réglages de la cuisine centrale enregistrés."), "success")
        return redirect(url_for(".kitchen_today"))
    db.session.commit()  # the row, created with its defaults on the first visit
    return render("attendance/kitchen_settings.html", form=form, status=422 if form.errors else 200)


# --------------------------------------------------------------------------- cron


@bp.cli.group("kitchen")
def kitchen_cli():
    """Central kitchen: meal counts."""


@kitchen_cli.command("send")
@click.option("--dry-run", is_flag=True, help="Dire ce qui serait envoyé, sans rien envoyer.")
def kitchen_send(dry_run: bool):
    """Send the kitchen the orders due now (J-15 indicative, J-3 firm, then each change): idempotent, for cron."""
    now = clock.now()
    if dry_run:
        row, due, current = kitchen.due_orders(now)
        db.session.rollback()
        for d in due:
            click.echo(f"{d.day.isoformat()} {d.stage} : {rules.total(current.get(d.day, {}))} repas")
        click.echo(f"{len(due)} commande(s) à envoyer à {row.email or '(aucune adresse)'}.")
        return
    try:
        sent = kitchen.send_due(now)
    except ValueError:  # a commune without a central kitchen's address: nothing to do, not a failed task
        db.session.rollback()
        click.echo("Aucune adresse de cuisine : rien n'est envoyé (Gestion › Effectifs pour la cuisine › Réglages).")
        return
    except OSError as exc:
        db.session.rollback()
        raise click.ClickException(f"E-mail non envoyé ({exc}) : rien n'est enregistré, relancez plus tard.")
    for d in sent:
        click.echo(f"{d.day.isoformat()} {d.stage} : envoyé")
    click.echo(f"{len(sent)} commande(s) envoyée(s).")
