"""A child's private iCalendar feed: the subscription page (parents) and the feed itself (secret link, no login).

The secret is `Person.calendar_token` (secrets.token_urlsafe(32)). It is kept in clear because the page shows the
link again; changing it (or deleting it) is how a parent revokes a link that was shared by mistake. The feed holds
one all-day event per day with something booked for this child only, from a month ago to the end of the
enrolment periods (at most about 13 months).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import icalendar
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select

import clock
from blueprints.access import get_child_or_404, parents_only
from blueprints.feeds import bp
from blueprints.htmx import render
from blueprints.planning.data import family_bookings, slots_text
from blueprints.reservations import rules
from mail import external_url
from models import Enrollment, Period, Person, db

TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}", re.ASCII)  # what secrets.token_urlsafe(32) produces
PAST_DAYS = 31
MAX_DAYS = 400  # about 13 months
FEED_CACHE = "private, max-age=900"


def feed_url(child: Person) -> str | None:
    return external_url("feeds.ics", token=child.calendar_token) if child.calendar_token else None


# --------------------------------------------------------------------------- subscription page


@bp.route("/enfants/<int:child_id>/calendrier")
@parents_only
def subscription(child_id: int):
    """Abonnement au calendrier de <enfant>: how to subscribe, the private link, create / change / delete it."""
    child = get_child_or_404(child_id)
    url = feed_url(child)
    return render("reservations/calendar_feed.html", child=child, url=url,
                  webcal_url=re.sub(r"^https?://", "webcal://", url) if url else None)


@bp.route("/enfants/<int:child_id>/calendrier", methods=["POST"])
@parents_only
def change_subscription(child_id: int):
    """Create, change (the old link stops working) or delete the private link; POST/redirect/GET."""
    child = get_child_or_404(child_id)
    action = request.form.get("action")
    name = child.first_name
    if action == "create" and child.calendar_token:
        flash(_("Le lien d'abonnement de %(name)s existe déjà : il est affiché ci-dessous.", name=name), "info")
    elif action in ("create", "rotate"):
        had_link = bool(child.calendar_token)
        child.calendar_token = secrets.token_urlsafe(TOKEN_BYTES)
        db.session.commit()
        flash(_("Nouveau lien créé : l'ancien ne fonctionne plus. Mettez à jour l'abonnement sur vos appareils.")
              if had_link else _("Lien d'abonnement créé. Copiez-le dans l'application d'agenda de votre téléphone."),
              "success")
    elif action == "delete":
        if child.calendar_token:
            child.calendar_token = None
            db.session.commit()
            flash(_("Lien supprimé : l'abonnement ne reçoit plus les réservations de %(name)s.", name=name), "success")
        else:
            flash(_("Il n'y a pas de lien d'abonnement à supprimer."), "info")
    else:
        abort(400)
    return redirect(url_for(".subscription", child_id=child.id))


# --------------------------------------------------------------------------- the feed


def child_for_token(token: str) -> Person | None:
    """The child whose feed this secret opens, or None (the same answer for malformed, unknown or revoked)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return db.session.execute(
        select(Person).where(Person.calendar_token == token, Person.role == "child")
    ).scalar_one_or_none()


def feed_range(child: Person, today: dt.date) -> tuple[dt.date, dt.date]:
    """From a month ago to the end of the child's enrolment periods (at least today, at most ~13 months)."""
    start = today - dt.timedelta(days=PAST_DAYS)
    last = db.session.scalar(
        select(func.max(Period.end_date)).join(Enrollment, Enrollment.period_id == Period.id)
        .where(Enrollment.child_id == child.id)
    )
    end = max(last or today, today)
    return start, min(end, start + dt.timedelta(days=MAX_DAYS))


def uid_domain() -> str:
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return re.sub(r"^https?://", "", base).split("/")[0].split(":")[0] or "portail-familles"


def build_feed(child: Person, start: dt.date, end: dt.date, now: dt.datetime) -> icalendar.Calendar:
    """The child's calendar: one all-day, transparent VEVENT per day with something booked (one query)."""
    name = child.first_name
    domain = uid_domain()
    calendar = icalendar.Calendar.new(
        name=_("Agenda de %(name)s", name=name), prodid="-//Portail Familles//Agenda des enfants//FR",
        uid=f"agenda-{child.id}@{domain}", method="PUBLISH", calscale="GREGORIAN",
        description=_("Réservations de %(name)s (accueil périscolaire, repas, centre de loisirs).", name=name),
    )
    calendar.add("X-PUBLISHED-TTL", "PT1H")  # Apple and Outlook read this one
    calendar.add("REFRESH-INTERVAL", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    stamp = now.astimezone(dt.timezone.utc).replace(microsecond=0)
    bookings = family_bookings([child.id], start, end)
    for (_child_id, day), booked in sorted(bookings.items(), key=lambda item: item[0][1]):
        event = icalendar.Event.new(
            uid=f"reservations-{child.id}-{day:%Y%m%d}@{domain}", stamp=stamp, start=day, end=day + rules.ONE_DAY,
            summary=_("%(name)s : %(slots)s", name=name, slots=slots_text(booked)),
            description="\n".join(b.text for b in booked),
            url=external_url("reservations.month", child_id=child.id, ym=day),
            transparency="TRANSPARENT",
        )
        calendar.add_component(event)
    return calendar


@bp.route("/calendrier/<token>.ics")
def ics(token: str):
    """The private feed (no login: the secret in the link is the key). 404 for any link that does not work."""
    child = child_for_token(token)
    if child is None:
        abort(404)
    now = clock.now()
    start, end = feed_range(child, now.astimezone(rules.PARIS).date())
    response = make_response(build_feed(child, start, end, now).to_ical())
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = FEED_CACHE
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
