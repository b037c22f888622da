"""E-mails to families about what happened to their bookings: one helper finds who to write to (every active
login of the family) and sends, so no domain writes that loop again. A mail server that is down never undoes what
was done: the failure is logged and the agenda shows the truth anyway."""

from __future__ import annotations

from collections import defaultdict

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

import mail
from blueprints.reservations import rules, service, wording
from models import NotificationPreference, Person, User, db


def families_addresses(family_ids, kind: str | None = None) -> dict[int, list[str]]:
    """family id -> the e-mail address of every active login of the family (one query for all of them); with `kind`
    ("invoices", "reminders", "news"), only the logins that did not turn that kind of e-mail off in "Mon espace"
    (blueprints/accounts). Families without such a login are absent."""
    ids = list(family_ids)
    if not ids:
        return {}
    query = select(User.family_id, User.email).where(User.family_id.in_(ids), User.active.is_(True))
    if kind is not None:
        query = query.where(~exists().where(NotificationPreference.user_id == User.id,
                                            NotificationPreference.kind == kind,
                                            NotificationPreference.enabled.is_(False)))
    found: dict[int, list[str]] = defaultdict(list)
    for family_id, email in db.session.execute(query.order_by(User.id)):
        found[family_id].append(email)
    return dict(found)


def family_addresses(family_id: int, kind: str | None = None) -> list[str]:
    """The addresses families_addresses gives for one family."""
    return families_addresses([family_id], kind).get(family_id, [])


def mail_family(family_id: int, subject: str, template: str, kind: str | None = None, *,
                addresses: list[str] | None = None, **context) -> int:
    """Send `template` to every active login of the family (that wants `kind`, if given; `addresses` when the caller
    already read them with families_addresses); returns how many e-mails left."""
    sent = 0
    for address in family_addresses(family_id, kind) if addresses is None else addresses:
        try:
            mail.send(address, subject, template, **context)
            sent += 1
        except OSError:
            current_app.logger.exception("mail to family %s failed (%s)", family_id, template)
    return sent


def notify_promoted(outcomes) -> None:
    """E-mail each family whose child got a place from the waiting list (service.Outcome.promoted): the slot, until
    when it can still be cancelled (a promotion happens only before that deadline) and a link to that day."""
    promoted = [(outcome, entry) for outcome in outcomes for entry in outcome.promoted]
    if not promoted:
        return
    days = [outcome.day for outcome, _entry in promoted]
    calendar = service.calendar_for(service.commune(), range(min(days).year - 1, max(days).year + 1))
    for outcome, entry in promoted:
        child, day = db.session.get(Person, entry.child_id), outcome.day
        cancel_until = rules.change_deadline("reserved", day, rules.day_start(day),
                                             rules.deadline(outcome.unit.activity.cancel_policy, day, calendar))
        with force_locale("fr"):  # another family: in French whatever the language of the page that freed the place
            mail_family(child.family_id, _l("Une place s'est libérée : réservation confirmée"),
                        "reservations/mail_promoted", child=child, what=wording.slot_day(outcome.unit, day),
                        cancel_until=wording.format_until(cancel_until),
                        link=mail.external_url("reservations.month", child_id=child.id, ym=day,
                                               _anchor=f"jour-{day.isoformat()}"))


def _day_order(outcome) -> tuple:
    unit = outcome.unit
    return outcome.day, rules.SLOT_ORDER.get(unit.slot, 9), unit.activity.position, unit.position, unit.id


def notify_cancelled(cancelled, subject: str, template: str, **context) -> None:
    """One e-mail per family whose children lost bookings (or waiting-list entries): `cancelled` is
    [(child, service.Outcome)]; `children` in the template is [(child, outcomes by day, then in the order of the
    day)]."""
    by_family: dict[int, dict[Person, list]] = defaultdict(lambda: defaultdict(list))
    for child, outcome in cancelled:
        by_family[child.family_id][child].append(outcome)
    for family_id, children in by_family.items():
        listed = [(child, sorted(outcomes, key=_day_order))
                  for child, outcomes in sorted(children.items(), key=lambda item: (item[0].first_name, item[0].id))]
        mail_family(family_id, subject, template, children=listed, **context)
