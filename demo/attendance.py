"""Demo pointage and kitchen counts, relative to `today`: the meal list of the École élémentaire
Jean-de-La-Fontaine partly taken (most children marked present, two absent, the rest still to mark) on the last
school day up to `today` (today itself on a school day), the central kitchen's address and deadlines (J-15, J-3 at
10 h), and adults eating at each school on the coming days.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models import AdultMeal, Attendance, KitchenSettings, Person, Reservation, School, Unit, User, db

SITE = "École élémentaire Jean-de-La-Fontaine"
KITCHEN_EMAIL = "cuisine-centrale@example.org"
ADULTS = {"École maternelle Les Coquelicots": 3, SITE: 4, "Groupe scolaire Marie-Curie": 5}


def add_attendance(agent: User, today: dt.date, now: dt.datetime) -> dt.date | None:
    """Mark part of the site's meal list; returns the day marked (None when no meal was booked up to `today`).
    Call after the reservations are written (flush only)."""
    db.session.add(KitchenSettings(email=KITCHEN_EMAIL, indicative_days=15, firm_days=3, cutoff=dt.time(10, 0)))
    schools = {s.name: s for s in db.session.execute(select(School)).scalars()}
    for name, n in ADULTS.items():
        if name in schools:
            for offset in range(0, 8):
                day = today + dt.timedelta(days=offset)
                if day.weekday() in (0, 1, 3, 4):
                    db.session.add(AdultMeal(school_id=schools[name].id, date=day, count=n))
    site = schools.get(SITE)
    meal = db.session.execute(select(Unit).where(Unit.slot == "meal").order_by(Unit.activity_id, Unit.id)
                              ).scalars().first()
    if site is None or meal is None:
        return None
    booked = select(Reservation.date).join(Person, Person.id == Reservation.child_id).where(
        Reservation.unit_id == meal.id, Reservation.date <= today, Reservation.state == "reserved",
        Person.school_id == site.id)
    day = db.session.execute(booked.order_by(Reservation.date.desc()).limit(1)).scalar()
    if day is None:
        return None
    children = db.session.execute(
        select(Reservation.child_id).join(Person, Person.id == Reservation.child_id)
        .where(Reservation.unit_id == meal.id, Reservation.date == day, Reservation.state == "reserved",
               Person.school_id == site.id).order_by(Person.last_name, Person.first_name)).scalars().all()
    marked = children[: max(1, len(children) * 2 // 3)]
    for position, child_id in enumerate(marked):
        status = "absent" if position in (1, 4) else "present"
        db.session.add(Attendance(child_id=child_id, unit_id=meal.id, date=day, status=status, booked=True,
                                  marked_at=now, marked_by_id=agent.id))
    db.session.flush()
    return day
