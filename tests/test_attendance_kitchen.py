"""Meal counts for the central kitchen: deadlines (J-15 indicative, J-3 firm, `now` passed in), orders due and
their idempotence, counts by site and diet with adults, delta after the firm order, the page, CSV, PDF, settings,
and `flask kitchen send`."""

from __future__ import annotations

import datetime as dt

import pytest
from ops_world import PARIS, THU_26, TUE_24
from support import csrf_from, outbox, text, text_of

from blueprints.attendance import kitchen, rules
from models import AdultMeal, ChildHealth, KitchenOrder, KitchenSettings, Reservation, School, db

UTC = dt.timezone.utc
POLICY = rules.KitchenPolicy(indicative_days=15, firm_days=3, cutoff=dt.time(10, 0))
DAY = dt.date(2026, 11, 24)


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize("day, days, cutoff, expected", [
    (dt.date(2026, 11, 24), 3, dt.time(10), paris(2026, 11, 21, 10)),
    (dt.date(2026, 11, 24), 15, dt.time(10), paris(2026, 11, 9, 10)),
    (dt.date(2026, 11, 2), 3, dt.time(10), paris(2026, 10, 30, 10)),  # winter time since 25 October
    (dt.date(2026, 3, 31), 3, dt.time(10), paris(2026, 3, 28, 10)),  # the day before summer time: still 10 h
    (dt.date(2026, 3, 31), 0, dt.time(0), paris(2026, 3, 31, 0)),
])
def test_order_deadline_in_paris_time(day, days, cutoff, expected):
    assert rules.order_deadline(day, days, cutoff) == expected.astimezone(UTC)


@pytest.mark.parametrize("now, stage", [
    (paris(2026, 11, 9, 9, 59), None),
    (paris(2026, 11, 9, 10, 0), "indicative"),
    (paris(2026, 11, 21, 9, 59), "indicative"),
    (paris(2026, 11, 21, 10, 0), "firm"),
    (paris(2026, 11, 24, 12, 0), "firm"),  # the day itself: changes still go
    (paris(2026, 11, 25, 0, 1), None),  # over
])
def test_stage_of(now, stage):
    assert rules.stage_of(DAY, now, POLICY) == stage


SITE = {"École A": {"": 10, "Végétarien": 2}}
MORE = {"École A": {"": 11, "Végétarien": 2}}


@pytest.mark.parametrize("now, sent, current, expected", [
    # nothing due before the indicative deadline
    (paris(2026, 11, 9, 9), {}, {DAY: SITE}, []),
    # indicative once
    (paris(2026, 11, 9, 10), {}, {DAY: SITE}, [("indicative", None)]),
    (paris(2026, 11, 10, 10), {DAY: [("indicative", SITE)]}, {DAY: MORE}, []),  # changes before the firm: wait
    # firm once, even when the indicative was never sent
    (paris(2026, 11, 21, 10), {DAY: [("indicative", SITE)]}, {DAY: MORE}, [("firm", None)]),
    (paris(2026, 11, 21, 11), {}, {DAY: SITE}, [("firm", None)]),
    # after the firm order: an update only when the counts changed, against the last sent
    (paris(2026, 11, 22, 10), {DAY: [("firm", SITE)]}, {DAY: SITE}, []),
    (paris(2026, 11, 22, 10), {DAY: [("firm", SITE)]}, {DAY: MORE}, [("update", SITE)]),
    (paris(2026, 11, 23, 10), {DAY: [("firm", SITE), ("update", MORE)]}, {DAY: MORE}, []),
    (paris(2026, 11, 23, 10), {DAY: [("firm", SITE), ("update", MORE)]}, {DAY: {}}, [("update", MORE)]),
    # a day without any meal gets no order
    (paris(2026, 11, 21, 10), {}, {DAY: {}}, []),
    (paris(2026, 11, 9, 10), {}, {}, []),
])
def test_orders_due(now, sent, current, expected):
    due = [d for d in rules.orders_due(now, POLICY, sent, current) if d.day == DAY]
    assert [(d.stage, d.previous) for d in due] == expected


def test_counts_by_site_and_diet_with_adults():
    rows = [("École B", ""), ("École A", "Sans porc"), ("École A", ""), ("École A", "Sans porc"),
            ("École A", "Végétarien")]
    counts = rules.counts_by_site(rows, {"École A": 3, "École C": 0})
    assert counts == {"École A": {"": 1, "Sans porc": 2, "Végétarien": 1, rules.ADULTS: 3}, "École B": {"": 1}}
    assert list(counts["École A"]) == ["", "Sans porc", "Végétarien", rules.ADULTS]
    assert rules.total(counts) == 8 and rules.total(counts, adults=False) == 5
    assert rules.diet_columns(counts) == ["", "Sans porc", "Végétarien", rules.ADULTS]


def test_sites_and_diets_in_french_order():
    counts = rules.counts_by_site([("Groupe scolaire", ""), ("École maternelle", "Végétarien"),
                                   ("École maternelle", "Sans porc"), ("Annexe", "")])
    assert list(counts) == ["Annexe", "École maternelle", "Groupe scolaire"]
    assert list(counts["École maternelle"]) == ["Sans porc", "Végétarien"]


def test_delta():
    changes = rules.delta({"A": {"": 10, "Sans porc": 1}}, {"A": {"": 12}, "B": {"": 1}})
    assert [(c.site, c.diet, c.before, c.after, c.difference) for c in changes] == [
        ("A", "", 10, 12, 2), ("A", "Sans porc", 1, 0, -1), ("B", "", 0, 1, 1)]


# --------------------------------------------------------------------------- database


@pytest.fixture
def kitchen_world(app, ops):
    """Tuesday 24: Léa's meal (no diet) and Inès's (justified: not a meal); Thursday 26: Léa's. Léa eats
    "Sans porc"; Inès is vegetarian."""
    db.session.add_all([ChildHealth(child_id=ops.lea.id, diet="Sans porc"),
                        ChildHealth(child_id=ops.ines.id, diet="Végétarien")])
    db.session.add(KitchenSettings(email="cuisine@example.org", indicative_days=15, firm_days=3,
                                   cutoff=dt.time(10)))
    db.session.commit()
    return ops


def test_counts_for_counts_reserved_meals_by_site_and_diet(kitchen_world):
    ops = kitchen_world
    counts = kitchen.counts_for([TUE_24, THU_26])
    site = ops.school.name
    assert counts[TUE_24] == {site: {"Sans porc": 1}}
    db.session.add(Reservation(child_id=ops.hugo.id, unit_id=ops.meal.id, date=THU_26, state="reserved"))
    db.session.add(AdultMeal(school_id=ops.school.id, date=THU_26, count=2))
    db.session.commit()
    assert kitchen.counts_for([THU_26])[THU_26] == {site: {"": 1, "Sans porc": 1, rules.ADULTS: 2}}


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["kitchen", "send", *args])


def test_kitchen_send_is_idempotent_and_sends_changes_as_a_delta(app, kitchen_world):
    ops = kitchen_world
    app.config["CLOCK"] = lambda: paris(2026, 11, 21, 10, 5)  # firm order of Tuesday 24 (J-3) is due
    dry = _run(app, "--dry-run")
    assert "2026-11-24 firm : 1 repas" in dry.output and outbox(app) == []
    result = _run(app)
    assert result.exit_code == 0, result.output
    mails = outbox(app)
    assert len(mails) == 1 and mails[0]["To"] == "cuisine@example.org"
    body = mails[0].get_body(("plain",)).get_content()
    assert "Commande ferme — Mardi 24 novembre 2026" in body and "Sans porc : 1" in body
    assert "Léa" not in body and "Martin" not in body  # figures only
    attachment = next(mails[0].iter_attachments())
    assert attachment.get_filename().endswith(".csv")
    assert "24/11/2026;Commande ferme;École Jean-de-La-Fontaine;Sans porc;1;" in attachment.get_content()
    # Thursday 26's indicative order went in the same mail; nothing more on a second run
    stages = {(o.date, o.stage) for o in db.session.execute(db.select(KitchenOrder)).scalars()}
    assert stages == {(TUE_24, "firm"), (THU_26, "indicative")}
    assert "0 commande(s) envoyée(s)." in _run(app).output and len(outbox(app)) == 1
    # a late booking after the firm order: an update with the delta
    db.session.execute(db.update(Reservation).where(Reservation.child_id == ops.hugo.id, Reservation.state == "waiting")
                       .values(state="reserved"))  # promoted from the waiting list
    db.session.commit()
    app.config["CLOCK"] = lambda: paris(2026, 11, 22, 10, 5)
    assert "2026-11-24 update : envoyé" in _run(app).output
    body = outbox(app)[-1].get_body(("plain",)).get_content()
    assert "Modification après la commande ferme" in body
    assert "École Jean-de-La-Fontaine, Repas sans régime particulier : 0 → 1 (+1)" in body
    assert "0 commande(s) envoyée(s)." in _run(app).output


def test_kitchen_send_without_address_says_so_and_records_nothing(app, kitchen_world):
    db.session.execute(db.update(KitchenSettings).values(email=""))
    db.session.commit()
    app.config["CLOCK"] = lambda: paris(2026, 11, 21, 10, 5)
    result = _run(app)
    assert result.exit_code == 0 and "Aucune adresse de cuisine : rien n'est envoyé" in result.output
    assert outbox(app) == []
    assert db.session.scalar(db.select(db.func.count(KitchenOrder.id))) == 0


# --------------------------------------------------------------------------- pages


def test_kitchen_page_csv_and_pdf(app, client, kitchen_world):
    app.config["CLOCK"] = lambda: paris(2026, 11, 22, 9)
    assert client.get("/gestion/cuisine").headers["Location"].endswith("/gestion/cuisine/2026-11-22")
    page = client.get("/gestion/cuisine/2026-11-24")
    body = text_of(page)
    assert page.status_code == 200
    assert "Repas réservés : 1" in body and "Sans porc" in body
    assert "Commande ferme : samedi 21 novembre à 10 h." in body
    assert "Rien n'a encore été envoyé pour ce jour." in body
    csv = client.get("/gestion/cuisine/2026-11-24/effectifs.csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "24/11/2026;;École Jean-de-La-Fontaine;Sans porc;1;" in csv.data.decode("utf-8-sig")
    pdf = client.get("/gestion/cuisine/2026-11-24/effectifs.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_adults_are_saved_and_bad_numbers_refused(client, kitchen_world):
    ops = kitchen_world
    page = client.get("/gestion/cuisine/2026-11-24")
    token = csrf_from(page.text)
    bad = client.post("/gestion/cuisine/2026-11-24/adultes", data={"csrf_token": token, f"site-{ops.school.id}": "-3"})
    assert bad.status_code == 422 and "Saisissez un nombre entier entre 0 et 999" in text(bad)
    assert 'aria-invalid="true"' in bad.text
    assert db.session.scalar(db.select(db.func.count(AdultMeal.id))) == 0
    ok = client.post("/gestion/cuisine/2026-11-24/adultes", data={"csrf_token": token, f"site-{ops.school.id}": "4"})
    assert ok.status_code == 302
    page = client.get("/gestion/cuisine/2026-11-24")
    assert "Repas adultes" in text_of(page) and "Repas réservés : 5" in text_of(page)


def test_kitchen_settings_validate(client, kitchen_world):
    page = client.get("/gestion/cuisine/reglages")
    token = csrf_from(page.text)
    bad = client.post("/gestion/cuisine/reglages", data={"csrf_token": token, "email": "pas-une-adresse",
                                                          "indicative_days": "2", "firm_days": "5", "cutoff": "25:00"})
    assert bad.status_code == 422
    body = text(bad)
    assert "Saisissez une adresse e-mail valide" in body and "saisissez au plus 2 jours" in body
    assert "Saisissez une heure valide" in body
    ok = client.post("/gestion/cuisine/reglages", data={"csrf_token": token, "email": "Cuisine@Example.org",
                                                         "indicative_days": "10", "firm_days": "2", "cutoff": "09:30"})
    assert ok.status_code == 302
    row = db.session.execute(db.select(KitchenSettings)).scalar_one()
    assert (row.email, row.indicative_days, row.firm_days, row.cutoff) == ("cuisine@example.org", 10, 2,
                                                                           dt.time(9, 30))


def test_kitchen_pages_are_for_agents(client, kitchen_world, login_as):
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/gestion/").text)})
    login_as(kitchen_world.martin_parent)
    for path in ("/gestion/cuisine/2026-11-24", "/gestion/cuisine/2026-11-24/effectifs.csv",
                 "/gestion/cuisine/reglages"):
        assert client.get(path).status_code == 403


def test_a_site_without_meals_is_not_listed(kitchen_world):
    other = School(name="École du Parc")
    db.session.add(other)
    db.session.commit()
    assert set(kitchen.counts_for([TUE_24])[TUE_24]) == {kitchen_world.school.name}


def test_kitchen_send_when_the_mail_fails_records_nothing(app, kitchen_world, monkeypatch):
    import mail

    def refuse(_message):
        raise OSError("SMTP injoignable")

    monkeypatch.setattr(mail, "deliver", refuse)
    app.config["CLOCK"] = lambda: paris(2026, 11, 21, 10, 5)
    result = _run(app)
    assert result.exit_code != 0 and "rien n'est enregistré, relancez plus tard" in result.output
    assert db.session.scalar(db.select(db.func.count(KitchenOrder.id))) == 0
    monkeypatch.undo()
    assert "2026-11-24 firm : envoyé" in _run(app).output  # the next run sends it
