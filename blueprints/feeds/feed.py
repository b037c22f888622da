"""The iCalendar documents: a child's feed and the family's (every child in one calendar).

One all-day, transparent VEVENT per child and day with something booked ("Léa : Repas, Accueil du soir"), from
`rules.feed_range`; the reservations of all the children come from one query (`planning.data.family_bookings`).
Event UIDs are stable (the same child and day give the same UID at every refresh) and the family feed's differ from
the child feed's, so a parent subscribed to both never sees one event replace the other.
"""

from __future__ import annotations

import datetime as dt
import re

import icalendar
from flask import current_app, request

from blueprints.feeds import rules, wording
from blueprints.planning.data import family_bookings, slots_text
from blueprints.reservations.rules import ONE_DAY
from mail import external_url
from models import Family, Person

PRODID = "-//Portail Familles//Agenda des enfants//FR"


def uid_domain() -> str:
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return re.sub(r"^https?://", "", base).split("/")[0].split(":")[0] or "portail-familles"


def child_feed(child: Person, start: dt.date, end: dt.date, now: dt.datetime) -> icalendar.Calendar:
    """One child's calendar (UIDs "reservations-<child>-<day>", as since the first version of the feed)."""
    domain = uid_domain()
    calendar = _calendar(wording.child_calendar_name(child), wording.child_calendar_description(child),
                         f"agenda-{child.id}@{domain}")
    _add_events(calendar, [child], start, end, now, lambda c, day: f"reservations-{c.id}-{day:%Y%m%d}@{domain}")
    return calendar


def family_feed(family: Family, children: list[Person], start: dt.date, end: dt.date,
                now: dt.datetime) -> icalendar.Calendar:
    """Every child of the family in one calendar (UIDs "famille-<family>-<child>-<day>")."""
    domain = uid_domain()
    calendar = _calendar(wording.family_calendar_name(family), wording.family_calendar_description(children),
                         f"agenda-famille-{family.id}@{domain}")
    _add_events(calendar, children, start, end, now,
                lambda c, day: f"famille-{family.id}-{c.id}-{day:%Y%m%d}@{domain}")
    return calendar


def _calendar(name: str, description: str, uid: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar.new(name=name, prodid=PRODID, uid=uid, method="PUBLISH", calscale="GREGORIAN",
                                      description=description)
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(rules.REFRESH))  # Apple and Outlook read this one
    calendar.add("REFRESH-INTERVAL", rules.REFRESH, parameters={"VALUE": "DURATION"})
    return calendar


def _add_events(calendar, children, start, end, now, uid) -> None:
    """The children's booked days, by day then in the children's order (one query for all of them)."""
    stamp = now.astimezone(dt.timezone.utc).replace(microsecond=0)
    by_id = {child.id: (position, child) for position, child in enumerate(children)}
    bookings = family_bookings(list(by_id), start, end)
    for (child_id, day), booked in sorted(bookings.items(), key=lambda item: (item[0][1], by_id[item[0][0]][0])):
        child = by_id[child_id][1]
        calendar.add_component(icalendar.Event.new(
            uid=uid(child, day), stamp=stamp, start=day, end=day + ONE_DAY,
            summary=wording.event_summary(child, slots_text(booked)),
            description="\n".join(b.text for b in booked),
            url=external_url("reservations.month", child_id=child.id, ym=day),
            transparency="TRANSPARENT",
        ))
