"""Private calendar feeds: the subscription pages (parents) and the feeds themselves (secret link, no login).

Two kinds of link: the family's (`Family.calendar_token`: every child in one calendar, page /calendrier, feed
/calendrier/famille/<secret>.ics) and each child's (`Person.calendar_token`: page /enfants/<id>/calendrier, feed
/calendrier/<secret>.ics). A secret is secrets.token_urlsafe(32), kept in clear because the page shows the link
again. Creating a link is one click; changing it (the old one stops working: a link shared by mistake, a lost phone)
or deleting it goes through a confirm page, and only a confirmed request naming the current link does it
(rules.decide). A link works only while the family has an active login (service.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, flash, make_response, redirect, request, url_for
from flask_login import current_user

import clock
from blueprints.access import current_family, get_child_or_404, parents_only
from blueprints.feeds import bp, feed, rules, service, wording
from blueprints.htmx import render
from blueprints.reservations.rules import PARIS
from mail import external_url
from models import Family, Person, db

FEED_CACHE = "private, max-age=900"


@dataclass(frozen=True)
class Link:
    """A subscription link as its page shows it; `child` None for the family's."""

    token: str | None
    child: Person | None
    page: str  # the subscription page (where its forms post)

    @property
    def url(self) -> str | None:
        if not self.token:
            return None
        if self.child is None:
            return external_url("feeds.family_ics", token=self.token)
        return external_url("feeds.ics", token=self.token)

    @property
    def webcal(self) -> str | None:
        """The same address for the phone's calendar application (webcal:// opens it)."""
        return re.sub(r"^https?://", "webcal://", self.url) if self.token else None

    @property
    def fingerprint(self) -> str:
        return rules.fingerprint(self.token)


def family_link(family: Family) -> Link:
    return Link(family.calendar_token, None, url_for("feeds.family_page"))


def child_link(child: Person) -> Link:
    return Link(child.calendar_token, child, url_for("feeds.subscription", child_id=child.id))


# --------------------------------------------------------------------------- subscription pages


@bp.route("/calendrier")
@parents_only
def family_page():
    """Abonnement calendrier de la famille: subscribe to every child in one calendar; each child's own link."""
    family = current_family()
    return render("feeds/subscription.html", link=family_link(family), children=service.children_of(family.id))


@bp.route("/calendrier", methods=["POST"])
@parents_only
def change_family_link():
    """Create the family's link, or ask to confirm then change / delete it; POST/redirect/GET."""
    family = current_family()
    return change(family, family_link(family))


@bp.route("/enfants/<int:child_id>/calendrier")
@parents_only
def subscription(child_id: int):
    """Abonnement calendrier de <enfant>: the same page for one child's own calendar."""
    return render("feeds/subscription.html", link=child_link(get_child_or_404(child_id)))


@bp.route("/enfants/<int:child_id>/calendrier", methods=["POST"])
@parents_only
def change_subscription(child_id: int):
    """Create the child's link, or ask to confirm then change / delete it; POST/redirect/GET."""
    child = get_child_or_404(child_id)
    return change(child, child_link(child))


def change(owner: Family | Person, link: Link):
    """The confirm page (200) when rules.decide asks for it, else commit, say what happened, back to the page."""
    action = request.form.get("action", "")
    outcome = service.change_link(owner, action, request.form.get("confirm", ""), request.form.get("link", ""),
                                  current_user.id)
    if outcome is None:
        abort(400)
    if outcome == rules.ASK:
        return render("feeds/confirm.html", link=link, action=action, confirmed=rules.CONFIRMED)
    db.session.commit()
    category, message = wording.outcome_message(outcome, link.child)
    flash(message, category)
    return redirect(link.page)


# --------------------------------------------------------------------------- the feeds


@bp.route("/calendrier/<token>.ics")
def ics(token: str):
    """A child's private feed (no login: the secret in the link is the key). 404 for any link that does not work."""
    child = service.child_for_token(token)
    if child is None:
        abort(404)
    now = clock.now()
    start, end = rules.feed_range(now.astimezone(PARIS).date(), service.last_enrolment_end([child.id]))
    return ics_response(feed.child_feed(child, start, end, now))


@bp.route("/calendrier/famille/<token>.ics")
def family_ics(token: str):
    """The family's private feed: every child in one calendar. 404 for any link that does not work."""
    family = service.family_for_token(token)
    if family is None:
        abort(404)
    now = clock.now()
    children = service.children_of(family.id)
    start, end = rules.feed_range(now.astimezone(PARIS).date(), service.last_enrolment_end([c.id for c in children]))
    return ics_response(feed.family_feed(family, children, start, end, now))


def ics_response(calendar):
    response = make_response(calendar.to_ical())
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = FEED_CACHE
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
