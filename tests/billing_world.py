"""A small commune to bill (tests/test_billing_*.py): November 2026, billed on 3 December 2026.

- Restauration (meal, Mon Tue Thu Fri; booking deadline 2 days before at 10 h): grid 0-622 1,00 €, 623-1000
  3,30 €, from 1001 3,50 €; 10 % off for the 2nd child; unjustified absence billed 100 %; late booking + 1,50 €.
- Périscolaire (morning): no tariff (an anomaly).
- Martin (QF 850 since September): Hugo (2017) 2 and 3 November, the 3rd booked late by an agent; Léa (2018)
  2, 3, 5 November reserved, 6 justified, 9 absent (too late to cancel, not justified).
  Expected: Hugo 2 x 3,30 + 1,50; Léa 3 x 2,97 + 2,97 = 19,98 €.
- Bernard (no QF): Jade 2 November meal (3,50 €) and morning (no tariff).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from models import (
    CommuneSettings,
    DeadlinePolicy,
    QuotientRecord,
    Reservation,
    Tariff,
    TariffBand,
    TariffPenalty,
    Unit,
    db,
)

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
NOV = dt.date(2026, 11, 1)
MARTIN_TOTAL = 1998
BERNARD_TOTAL = 350


def book(child, unit, day, state="reserved", requested_at=None):
    db.session.add(Reservation(child_id=child.id, unit_id=unit.id, date=day, state=state,
                               requested_at=requested_at or dt.datetime(2026, 10, 1, 8, tzinfo=UTC)))


def build(app, make_family, make_activity):
    app.config["CLOCK"] = lambda: NOW
    db.session.add(CommuneSettings(name="Ville de Démo-sur-Loire", postcode="45000", city="Démo-sur-Loire"))
    policy = DeadlinePolicy(kind="calendar_days", days=2, cutoff=dt.time(10, 0))
    db.session.add(policy)
    db.session.flush()
    meal_activity, meal, _period = make_activity(code="restauration", booking_policy_id=policy.id)
    morning_activity, morning, _p2 = make_activity(code="periscolaire", slot="morning", label="Matin")
    tariff = Tariff(activity_id=meal_activity.id, valid_from=dt.date(2026, 9, 1), kind="grid", sibling2_percent=10,
                    sibling3_percent=10, created_at=NOW)
    tariff.bands = [TariffBand(qf_min=0, qf_max=622, price_cents=100), TariffBand(qf_min=623, qf_max=1000,
                                                                                price_cents=330),
                    TariffBand(qf_min=1001, qf_max=None, price_cents=350)]
    tariff.penalties = [TariffPenalty(kind="unjustified_absence", amount_cents=0, percent=100),
                        TariffPenalty(kind="late_booking", amount_cents=150, percent=0)]
    db.session.add(tariff)
    martin, martin_user, (lea, hugo) = make_family(name="Martin", children=("Léa", "Hugo"))
    bernard, bernard_user, (jade,) = make_family(name="Bernard", children=("Jade",))
    db.session.add(QuotientRecord(family_id=martin.id, quotient=850, source="CAF", start_date=dt.date(2026, 9, 1),
                                  recorded_at=dt.datetime(2026, 9, 2, 8, tzinfo=UTC)))
    for day in (2, 3, 5):
        book(lea, meal, dt.date(2026, 11, day))
    book(lea, meal, dt.date(2026, 11, 6), "justified")
    book(lea, meal, dt.date(2026, 11, 9), "absent")
    book(hugo, meal, dt.date(2026, 11, 2))
    book(hugo, meal, dt.date(2026, 11, 3), requested_at=dt.datetime(2026, 11, 2, 12, tzinfo=UTC))  # late
    book(hugo, meal, dt.date(2026, 12, 1))  # another month
    book(jade, meal, dt.date(2026, 11, 2))
    book(jade, morning, dt.date(2026, 11, 2))
    book(jade, meal, dt.date(2026, 11, 5), "waiting")
    db.session.commit()
    return SimpleNamespace(app=app, martin=martin, martin_user=martin_user, bernard=bernard,
                           bernard_user=bernard_user, lea=lea, hugo=hugo, jade=jade, meal=meal, morning=morning,
                           meal_activity=meal_activity, morning_activity=morning_activity, tariff=tariff,
                           unit_count=db.session.query(Unit).count())
