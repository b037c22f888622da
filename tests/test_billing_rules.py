"""Billing rules (blueprints/billing/rules.py), table-driven: QF bands, effort rate with floor and ceiling,
non-residents, siblings, PAI, penalties, the QF in force in a month (a change applies from the next month, never
retroactively), which tariff prices a day, and a family's month of bookings turned into invoice lines."""

import datetime as dt

import pytest

from blueprints.billing import rules
from blueprints.billing.rules import Band, Booking, Penalty, QfRecord, TariffRule

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

# The "cantine à 1 €" grid of DOMAIN.md: 0-622: 1.00, 623-1000: 3.30, 1001-1500: 3.40, >= 1501: 3.50
GRID = TariffRule(activity_id=1, unit_id=None, valid_from=dt.date(2026, 9, 1), kind="grid", bands=(
    Band(0, 622, 100), Band(623, 1000, 330), Band(1001, 1500, 340), Band(1501, None, 350)))
# meal = 0.36 % x QF, min 2.60, max 4.50
EFFORT = TariffRule(activity_id=1, unit_id=None, valid_from=dt.date(2026, 9, 1), kind="effort",
                    effort_rate_millis=360, floor_cents=260, ceiling_cents=450)


@pytest.mark.parametrize("quotient, cents, basis", [
    (0, 100, "band"), (622, 100, "band"), (623, 330, "band"), (1000, 330, "band"), (1001, 340, "band"),
    (1500, 340, "band"), (1501, 350, "band"), (99999, 350, "band"), (None, 350, "no_qf_band"),
])
def test_grid_bands(quotient, cents, basis):
    quote = rules.unit_price(GRID, quotient)
    assert (quote.price_cents, quote.basis) == (cents, basis)


@pytest.mark.parametrize("quotient, cents, basis", [
    (0, 260, "floor"), (500, 260, "floor"), (700, 260, "floor"), (722, 260, "effort"),  # 2.5992 -> 2.60
    (723, 260, "effort"),  # 2.6028 -> 2.60 (half up)
    (850, 306, "effort"), (1001, 360, "effort"),  # 3.6036 -> 3.60
    (1249, 450, "effort"), (1250, 450, "effort"), (1253, 450, "ceiling"), (5000, 450, "ceiling"),
    (None, 450, "no_qf_ceiling"),
])
def test_effort_rate_with_floor_and_ceiling(quotient, cents, basis):
    quote = rules.unit_price(EFFORT, quotient)
    assert (quote.price_cents, quote.basis) == (cents, basis)


def test_effort_rate_rounds_half_up():
    t = TariffRule(activity_id=1, unit_id=None, valid_from=dt.date(2026, 9, 1), kind="effort", effort_rate_millis=500)
    assert rules.unit_price(t, 1001).price_cents == 501  # 500.5 -> 501
    assert rules.unit_price(t, 999).price_cents == 500  # 499.5 -> 500


def test_effort_rate_without_ceiling_cannot_price_an_unknown_qf():
    t = TariffRule(activity_id=1, unit_id=None, valid_from=dt.date(2026, 9, 1), kind="effort", effort_rate_millis=360)
    with pytest.raises(rules.NoPrice):
        rules.unit_price(t, None)


@pytest.mark.parametrize("mode, value, quotient, cents", [
    ("same", 0, 850, 330), ("percent", 200, 850, 660), ("add", 200, 850, 530), ("percent", 150, 100, 150),
    ("add", 200, None, 550),
])
def test_non_residents(mode, value, quotient, cents):
    t = TariffRule(**{**GRID.__dict__, "non_resident_mode": mode, "non_resident_value": value})
    assert rules.unit_price(t, quotient, resident=False).price_cents == cents
    assert rules.unit_price(t, quotient, resident=True).price_cents == rules.unit_price(GRID, quotient).price_cents


@pytest.mark.parametrize("rank, cents, percent", [(1, 330, 0), (2, 297, 10), (3, 264, 20), (4, 264, 20)])
def test_sibling_rank_reduction(rank, cents, percent):
    t = TariffRule(**{**GRID.__dict__, "sibling2_percent": 10, "sibling3_percent": 20})
    quote = rules.unit_price(t, 850, sibling_rank=rank)
    assert (quote.price_cents, quote.sibling_percent) == (cents, percent)


def test_non_resident_then_sibling():
    t = TariffRule(**{**GRID.__dict__, "non_resident_mode": "percent", "non_resident_value": 200,
                      "sibling2_percent": 25})
    assert rules.unit_price(t, 850, resident=False, sibling_rank=2).price_cents == 495  # 6.60 - 25 %


@pytest.mark.parametrize("pai_price, pai, cents, basis", [(150, True, 150, "pai"), (None, True, 330, "band"),
                                                         (150, False, 330, "band")])
def test_pai_packed_lunch(pai_price, pai, cents, basis):
    t = TariffRule(**{**GRID.__dict__, "pai_price_cents": pai_price, "non_resident_mode": "add",
                      "non_resident_value": 200})
    quote = rules.unit_price(t, 850, pai=pai, resident=not pai)
    if basis == "band" and pai:
        cents += 200
    assert (quote.price_cents, quote.basis) == (cents, basis)


@pytest.mark.parametrize("penalties, kind, price, expected", [
    ((), "late_booking", 330, None),
    ((Penalty("late_booking", 100, 0),), "late_booking", 330, 100),
    ((Penalty("late_booking", 0, 50),), "late_booking", 330, 165),
    ((Penalty("unjustified_absence", 50, 100),), "unjustified_absence", 330, 380),
    ((Penalty("unjustified_absence", 0, 0),), "unjustified_absence", 330, 0),
])
def test_penalties(penalties, kind, price, expected):
    t = TariffRule(**{**GRID.__dict__, "penalties": penalties})
    assert rules.penalty_cents(t, kind, price) == expected


def at(y, m, d, h=12):
    return dt.datetime(y, m, d, h, tzinfo=UTC)


@pytest.mark.parametrize("month, expected", [
    (dt.date(2026, 9, 1), None),  # nothing known before September began
    (dt.date(2026, 10, 1), 700),  # recorded 15 September: from October
    (dt.date(2026, 11, 1), 700),  # the change recorded 20 November is not retroactive
    (dt.date(2026, 12, 1), 1200),  # it applies from December
    (dt.date(2027, 3, 1), 1200),
])
def test_qf_change_applies_from_the_next_month(month, expected):
    history = [QfRecord(700, dt.date(2026, 9, 1), at(2026, 9, 15)),
               QfRecord(1200, dt.date(2026, 11, 1), at(2026, 11, 20))]
    assert rules.quotient_for_month(history, month, NOW) == expected


def test_qf_recorded_on_the_last_evening_of_a_month_in_paris_applies_two_months_on():
    # 31 October 23:30 UTC is already 1 November in Paris: recorded in November, applies from December
    history = [QfRecord(500, dt.date(2026, 10, 1), dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC))]
    assert rules.quotient_for_month(history, dt.date(2026, 11, 1), NOW) is None
    assert rules.quotient_for_month(history, dt.date(2026, 12, 1), NOW) == 500


def test_qf_with_a_later_start_date_waits_for_it_and_unknown_future_records_are_ignored():
    history = [QfRecord(900, dt.date(2027, 1, 1), at(2026, 10, 2))]
    assert rules.quotient_for_month(history, dt.date(2026, 12, 1), NOW) is None
    assert rules.quotient_for_month(history, dt.date(2027, 1, 1), NOW) == 900
    future = [QfRecord(300, dt.date(2026, 12, 1), at(2026, 12, 10))]
    assert rules.quotient_for_month(future, dt.date(2027, 2, 1), NOW) is None
    assert rules.price(GRID, future, dt.date(2027, 2, 1), at(2026, 12, 11)).price_cents == 100


def test_qf_set_back_to_unknown():
    history = [QfRecord(700, dt.date(2026, 9, 1), at(2026, 8, 15)), QfRecord(None, dt.date(2026, 10, 1),
                                                                             at(2026, 10, 3))]
    assert rules.quotient_for_month(history, dt.date(2026, 10, 1), NOW) == 700
    assert rules.quotient_for_month(history, dt.date(2026, 11, 1), NOW) is None


def test_tariff_for_a_day():
    old = TariffRule(activity_id=1, unit_id=None, valid_from=dt.date(2026, 1, 1))
    new = TariffRule(activity_id=1, unit_id=None, valid_from=dt.date(2026, 11, 16))
    own = TariffRule(activity_id=1, unit_id=7, valid_from=dt.date(2026, 9, 1))
    other = TariffRule(activity_id=2, unit_id=None, valid_from=dt.date(2026, 1, 1))
    tariffs = [old, new, own, other]
    assert rules.tariff_for(tariffs, 1, 5, dt.date(2026, 11, 15)) is old
    assert rules.tariff_for(tariffs, 1, 5, dt.date(2026, 11, 16)) is new
    assert rules.tariff_for(tariffs, 1, 7, dt.date(2026, 11, 16)) is own
    assert rules.tariff_for(tariffs, 1, 7, dt.date(2026, 8, 31)) is old
    assert rules.tariff_for(tariffs, 3, 1, dt.date(2026, 11, 16)) is None
    assert rules.tariff_for(tariffs, 1, 5, dt.date(2025, 12, 31)) is None


@pytest.mark.parametrize("bands, problem", [
    ((), "no_band"), ((Band(1, None, 100),), "first_band"), ((Band(0, 500, 100), Band(502, None, 200)), "band_gap"),
    ((Band(0, 500, 100), Band(400, None, 200)), "band_gap"), ((Band(0, 500, 100),), "last_band"),
    ((Band(0, 500, 100), Band(501, None, 200)), None),
])
def test_tariff_problems(bands, problem):
    assert rules.tariff_problem(TariffRule(activity_id=1, unit_id=None, valid_from=dt.date(2026, 1, 1),
                                           bands=bands)) == problem


def test_effort_problems():
    base = dict(activity_id=1, unit_id=None, valid_from=dt.date(2026, 1, 1), kind="effort")
    assert rules.tariff_problem(TariffRule(**base)) == "no_rate"
    assert rules.tariff_problem(TariffRule(**base, effort_rate_millis=1, floor_cents=500,
                                           ceiling_cents=400)) == "floor_above_ceiling"


@pytest.mark.parametrize("family, commune, resident", [
    (("45000", "Démo-sur-Loire"), ("45000", "Démo-sur-Loire"), True),
    (("45 000", "demo sur loire"), ("45000", "Démo-sur-Loire"), True),
    (("", "DÉMO SUR LOIRE"), ("45000", "Démo-sur-Loire"), True),
    (("45100", "Démo-sur-Loire"), ("45000", "Démo-sur-Loire"), False),
    (("45000", "Orléans"), ("45000", "Démo-sur-Loire"), False),
    (("45000", "Orléans"), ("", ""), True),
])
def test_residence(family, commune, resident):
    assert rules.is_resident(*family, *commune) is resident


def booking(day, child=1, state="reserved", unit=10, late=False, pai=False, birth=dt.date(2018, 1, 1), activity=1):
    return Booking(child_id=child, child_name=f"Enfant {child}", birth_date=birth, activity_id=activity,
                   activity_name="Restauration", unit_id=unit, unit_label="Repas", date=day, state=state, late=late,
                   pai=pai)


NOV = dt.date(2026, 11, 1)
HISTORY = [QfRecord(850, dt.date(2026, 1, 1), at(2026, 1, 2))]


def test_family_month_reserved_justified_waiting_and_unjustified():
    t = TariffRule(**{**GRID.__dict__, "penalties": (Penalty("unjustified_absence", 100, 50),)})
    bill = rules.bill_family([
        booking(dt.date(2026, 11, 2)), booking(dt.date(2026, 11, 3)),
        booking(dt.date(2026, 11, 5), state="justified"),  # not billed
        booking(dt.date(2026, 11, 6), state="waiting"),  # not billed
        booking(dt.date(2026, 11, 9), state="absent"),  # 1.00 + 50 % of 3.30 = 2.65
        booking(dt.date(2026, 12, 1)),  # another month
    ], [t], HISTORY, NOV, NOW)
    assert [(line.kind, line.quantity, line.unit_price_cents, line.amount_cents) for line in bill.lines] == [
        ("booking", 2, 330, 660), ("unjustified_absence", 1, 265, 265)]
    assert bill.total_cents == 925 and bill.quotient == 850 and bill.anomalies == []


def test_unjustified_absence_without_penalty_rule_pays_the_price():
    bill = rules.bill_family([booking(dt.date(2026, 11, 9), state="absent")], [GRID], HISTORY, NOV, NOW)
    assert [(line.kind, line.amount_cents) for line in bill.lines] == [("unjustified_absence", 330)]


D2, D3, D5 = dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 5)


@pytest.mark.parametrize("state, mark, billed", [
    ("reserved", None, [("reserved", D2)]),  # no attendance taken: the reservation counts
    ("reserved", "present", [("reserved", D2)]),
    ("reserved", "absent", [("absent", D2)]),  # nobody signalled the absence
    ("absent", "absent", [("absent", D2)]),
    ("absent", "present", [("absent", D2)]),  # the family's signalled absence stays as they left it
    ("justified", "absent", [("justified", D2)]),
    ("justified", "present", [("justified", D2), ("unbooked", D2)]),  # came after all: a presence without booking
    ("waiting", "present", [("waiting", D2), ("unbooked", D2)]),  # a waiting list is not a booking
    (None, "present", [("unbooked", D2)]),
    (None, "absent", []),  # marked absent, never booked: nothing
])
def test_attendance_corrects_the_bookings(state, mark, billed):
    bookings = [booking(D2, state=state)] if state else []
    marks = [booking(D2, state=mark, late=True)] if mark else []
    got = rules.apply_attendance(bookings, marks)
    assert [(b.state, b.date) for b in got] == billed
    assert not any(b.late for b in got if b.state == "unbooked")


def test_attendance_marks_another_unit_or_child_are_not_this_booking():
    got = rules.apply_attendance([booking(D2)], [booking(D2, unit=11, state="present"),
                                                 booking(D2, child=2, state="absent"), booking(D3, state="absent")])
    assert [(b.child_id, b.unit_id, b.date, b.state) for b in got] == [(1, 10, D2, "reserved"), (1, 11, D2, "unbooked")]


@pytest.mark.parametrize("penalties, amounts", [
    ((), [("booking", 330), ("no_booking", 330)]),  # no rule: the price
    ((Penalty("no_booking", 200, 100),), [("booking", 330), ("no_booking", 530)]),  # price + 2,00 €
    ((Penalty("no_booking", 500, 0),), [("booking", 330), ("no_booking", 500)]),  # a fixed price
])
def test_presence_without_booking_is_billed_at_its_penalty(penalties, amounts):
    t = TariffRule(**{**GRID.__dict__, "penalties": penalties})
    bookings = rules.apply_attendance([booking(D2), booking(D5, state="waiting")],
                                      [booking(D2, state="present"), booking(D5, state="present")])
    bill = rules.bill_family(bookings, [t], HISTORY, NOV, NOW)
    assert [(line.kind, line.amount_cents) for line in bill.lines] == amounts
    assert bill.lines[-1].dates == [D5]


def test_late_booking_surcharge_and_siblings_and_pai():
    t = TariffRule(**{**GRID.__dict__, "sibling2_percent": 50, "pai_price_cents": 120,
                      "penalties": (Penalty("late_booking", 150, 0),)})
    bill = rules.bill_family([
        booking(dt.date(2026, 11, 2), child=2, birth=dt.date(2020, 5, 1)),  # younger: rank 2, 50 %
        booking(dt.date(2026, 11, 2), child=1, late=True),
        booking(dt.date(2026, 11, 3), child=1, pai=True),
    ], [t], HISTORY, NOV, NOW)
    assert [(line.child_id, line.kind, line.quantity, line.unit_price_cents) for line in bill.lines] == [
        (1, "booking", 1, 330), (1, "pai", 1, 120), (1, "late_booking", 1, 150), (2, "booking", 1, 165)]
    assert bill.total_cents == 765


def test_missing_tariff_and_missing_qf_are_anomalies():
    bill = rules.bill_family([booking(dt.date(2026, 11, 2)), booking(dt.date(2026, 11, 2), activity=2, unit=20)],
                             [GRID], [], NOV, NOW)
    assert bill.anomalies == [("no_qf", ""), ("no_tariff", "Restauration – Repas")]
    assert [(line.activity_id, line.unit_price_cents) for line in bill.lines] == [(1, 350)]


def test_tariff_changing_mid_month_gives_two_lines():
    new = TariffRule(**{**GRID.__dict__, "valid_from": dt.date(2026, 11, 16), "bands": (Band(0, None, 400),)})
    bill = rules.bill_family([booking(dt.date(2026, 11, 13)), booking(dt.date(2026, 11, 16)),
                              booking(dt.date(2026, 11, 17))], [GRID, new], HISTORY, NOV, NOW)
    assert [(line.quantity, line.unit_price_cents) for line in bill.lines] == [(1, 330), (2, 400)]


@pytest.mark.parametrize("status, due, due_date, today, state", [
    ("unpaid", 100, dt.date(2026, 12, 31), dt.date(2026, 12, 31), "to_pay"),
    ("unpaid", 100, dt.date(2026, 12, 31), dt.date(2027, 1, 1), "late"),
    ("paid", 0, dt.date(2026, 12, 31), dt.date(2027, 1, 1), "paid"),
    ("credited", 0, dt.date(2026, 12, 31), dt.date(2027, 1, 1), "credited"),
])
def test_invoice_state(status, due, due_date, today, state):
    assert rules.invoice_state(status, due, due_date, today) == state


def test_numbers():
    assert rules.format_number("invoice", 2026, 123) == "F-2026-000123"
    assert rules.format_number("credit_note", 2027, 1) == "AV-2027-000001"


@pytest.mark.parametrize("issued_on, due", [
    (dt.date(2026, 12, 3), dt.date(2027, 1, 4)),  # 2 January 2027 is a Saturday: the Monday after
    (dt.date(2026, 12, 4), dt.date(2027, 1, 4)),  # a Sunday
    (dt.date(2026, 12, 2), dt.date(2027, 1, 1)),  # a Friday stays (a public holiday: the agent changes it)
    (dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
])
def test_default_due_date_is_never_a_weekend(issued_on, due):
    assert rules.default_due_date(issued_on) == due

