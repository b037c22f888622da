"""Meal counts for the central kitchen against the database: the counts of a day by site and diet (children's
meals booked, adults entered by agents), the orders already sent, sending the orders due (`flask kitchen send`),
the kitchen's settings and the adults' meals (the one writer of KitchenSettings, KitchenOrder, AdultMeal).

A meal is a booking in state "reserved" of a unit whose slot is "meal" (every activity: restauration scolaire,
the Wednesday and holiday centres' meals), counted at the child's school (its site); a child without a school is
counted under "Sans école renseignée". The diet is the child's health file's (ChildHealth.diet), "" for none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import select

import mail
from blueprints.attendance import rules, wording
from models import AdultMeal, ChildHealth, KitchenOrder, KitchenSettings, Person, Reservation, School, Unit, db


def settings() -> KitchenSettings:
    """The kitchen's settings row (created with the defaults the first time: J-15 and J-3 at 10 h)."""
    row = db.session.execute(select(KitchenSettings).order_by(KitchenSettings.id).limit(1)).scalar_one_or_none()
    if row is None:
        row = KitchenSettings(email="", indicative_days=15, firm_days=3, cutoff=dt.time(10, 0))
        db.session.add(row)
        db.session.flush()
    return row


def policy_of(row: KitchenSettings) -> rules.KitchenPolicy:
    return rules.KitchenPolicy(row.indicative_days, row.firm_days, row.cutoff)


def no_site() -> str:
    return _("Sans école renseignée")


def counts_for(days: list[dt.date]) -> dict[dt.date, dict[str, dict[str, int]]]:
    """The counts of each day (rules.counts_by_site), in two queries whatever the number of days."""
    if not days:
        return {}
    meals = db.session.execute(
        select(Reservation.date, School.name, ChildHealth.diet)
        .join(Unit, Unit.id == Reservation.unit_id)
        .join(Person, Person.id == Reservation.child_id)
        .outerjoin(School, School.id == Person.school_id)
        .outerjoin(ChildHealth, ChildHealth.child_id == Person.id)
        .where(Unit.slot == "meal", Reservation.state == "reserved", Reservation.date.between(min(days), max(days)))
    ).all()
    adults = db.session.execute(
        select(AdultMeal.date, School.name, AdultMeal.count).join(School, School.id == AdultMeal.school_id)
        .where(AdultMeal.date.between(min(days), max(days)))
    ).all()
    rows: dict[dt.date, list] = defaultdict(list)
    for day, site, diet in meals:
        rows[day].append((site or no_site(), diet or ""))
    grown: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for day, site, n in adults:
        grown[day][site] = n
    wanted = set(days)
    return {day: rules.counts_by_site(rows.get(day, []), grown.get(day)) for day in sorted(wanted)}


def sent_for(days: list[dt.date]) -> dict[dt.date, list[tuple[str, dict]]]:
    """The orders sent for each day: (stage, counts), oldest first."""
    if not days:
        return {}
    found: dict[dt.date, list[tuple[str, dict]]] = defaultdict(list)
    for order in db.session.execute(
            select(KitchenOrder).where(KitchenOrder.date.between(min(days), max(days)))
            .order_by(KitchenOrder.date, KitchenOrder.sent_at, KitchenOrder.id)).scalars():
        found[order.date].append((order.stage, json.loads(order.counts)))
    return dict(found)


def orders_of(day: dt.date) -> list[KitchenOrder]:
    return list(db.session.execute(select(KitchenOrder).where(KitchenOrder.date == day)
                                   .order_by(KitchenOrder.sent_at, KitchenOrder.id)).scalars())


def due_orders(now: dt.datetime) -> tuple[KitchenSettings, list[rules.Due], dict]:
    """(settings, orders due at `now`, counts of the days considered)."""
    row = settings()
    policy = policy_of(row)
    days = rules.days_to_consider(now, policy)
    current = counts_for(days)
    return row, rules.orders_due(now, policy, sent_for(days), current), current


def send_due(now: dt.datetime) -> list[rules.Due]:
    """Send the orders due at `now` to the kitchen in one e-mail (counts in the body and as CSV), and record them;
    commits. Idempotent: run again, it sends nothing more until the counts change. Raises ValueError without a
    kitchen address, OSError when the mail cannot go (nothing is recorded then)."""
    row, due, current = due_orders(now)
    if not due:
        db.session.commit()
        return []
    if not row.email:
        raise ValueError("no kitchen address")
    message = mail.build_message(row.email, order_subject(due), "attendance/kitchen_mail",
                                 orders=[(d, current.get(d.day, {})) for d in due], wording=wording, rules=rules,
                                 service_name=_commune_service())
    message.add_attachment("\ufeff" + orders_csv([(d, current.get(d.day, {})) for d in due]), subtype="csv",
                           charset="utf-8", filename=f"effectifs-{now:%Y-%m-%d-%H%M}.csv")
    for d in due:
        db.session.add(KitchenOrder(date=d.day, stage=d.stage, counts=json.dumps(current.get(d.day, {})),
                                    sent_at=now, recipient=row.email))
    db.session.flush()
    mail.deliver(message)  # first: a failed send records nothing (rolled back by the caller)
    db.session.commit()
    return due


def _commune_service() -> str:
    from models import commune_settings

    commune = commune_settings()
    return f"{commune.name} — {commune.service_name}" if commune else ""


def order_subject(due: list[rules.Due]) -> str:
    days = sorted({d.day for d in due})
    from blueprints.reservations.wording import format_long_date

    if len(days) == 1:
        return _("Effectifs repas du %(day)s", day=format_long_date(days[0]))
    return _("Effectifs repas : %(n)d jours, du %(first)s au %(last)s", n=len(days),
             first=format_long_date(days[0]), last=format_long_date(days[-1]))


def orders_csv(orders: list[tuple[rules.Due | dt.date, dict]]) -> str:
    """One line per day, stage, site and diet: date; commande; site; régime; repas (and the previous figure for an
    update). `;` separated, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Date"), _("Commande"), _("Site"), _("Régime"), _("Repas"), _("Avant")])
    for item, counts in orders:
        day, stage, previous = (item.day, item.stage, item.previous) if isinstance(item, rules.Due) else \
            (item, "", None)
        for site, diets in counts.items():
            for diet, n in diets.items():
                before = "" if previous is None else previous.get(site, {}).get(diet, 0)
                writer.writerow([f"{day:%d/%m/%Y}", wording.stage_text(stage) if stage else "", _cell(site),
                                 _cell(wording.diet_name(diet)), n, before])
        for change in rules.delta(previous, counts) if previous is not None else ():
            if change.after == 0:  # a figure gone to zero: said too
                writer.writerow([f"{day:%d/%m/%Y}", wording.stage_text(stage), _cell(change.site),
                                 _cell(wording.diet_name(change.diet)), 0, change.before])
    return out.getvalue()


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula is quoted."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def set_adults(school: School, day: dt.date, count: int) -> None:
    """Adults eating at `school` on `day` (0 removes the line)."""
    row = db.session.execute(select(AdultMeal).where(AdultMeal.school_id == school.id, AdultMeal.date == day)
                             ).scalar_one_or_none()
    if count == 0:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(AdultMeal(school_id=school.id, date=day, count=count))
    else:
        row.count = count
    db.session.flush()


def adults_of(day: dt.date) -> dict[int, int]:
    return {school_id: n for school_id, n in db.session.execute(
        select(AdultMeal.school_id, AdultMeal.count).where(AdultMeal.date == day))}
