"""Languages (issue #9): French by default, English from the browser's languages or the switch on every page
(a cookie, no account, no JavaScript), dates, times and money in the page's language, e-mails in French."""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from support import csrf_from, enroll, links, text, text_of, title_of

import mail
from blueprints.languages import formats, rules
from blueprints.reservations import wording
from models import DeadlinePolicy

PARIS = ZoneInfo("Europe/Paris")
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}


def in_request(app, fn, headers=None):
    """Run fn() in a request of its own (its own app context and `g`, as a real request), English with ENGLISH."""
    def run():
        with app.app_context(), app.test_request_context(headers=headers or {}):
            return fn()
    return contextvars.Context().run(run)


def html_lang(page) -> str:
    return re.search(r'<html lang="([^"]+)"', page.get_data(as_text=True)).group(1)


# --------------------------------------------------------------------------- rules (pure)


@pytest.mark.parametrize("cookie, accepted, expected", [
    (None, [], "fr"),
    (None, [("en-US", 1), ("en", 0.9)], "en"),
    (None, [("en-GB", 1)], "en"),
    (None, [("de-DE", 1), ("en", 0.8), ("fr", 0.5)], "en"),
    (None, [("de-DE", 1), ("fr-FR", 0.9), ("en", 0.8)], "fr"),
    (None, [("fr", 0.3), ("en", 0.9)], "en"),  # quality decides, not the order
    (None, [("en", 0)], "fr"),  # q=0: "not this one"
    (None, [("*", 1)], "fr"),
    (None, [("es", 1), ("it", 0.5)], "fr"),
    ("en", [("fr", 1)], "en"),  # the switch wins over the browser
    ("fr", [("en", 1)], "fr"),
    ("de", [("en", 1)], "en"),  # a cookie for no catalogue is ignored
    ("x" * 5000, [], "fr"),
])
def test_the_language_of_a_page(cookie, accepted, expected):
    assert rules.choose(cookie, accepted) == expected


@pytest.mark.parametrize("target, expected", [
    ("/enfants/3/agenda/2026-11?x=1", "/enfants/3/agenda/2026-11?x=1"),
    ("/", "/"),
    ("https://evil.example/", None),
    ("//evil.example/", None),
    ("/\\evil.example", None),
    ("javascript:alert(1)", None),
    ("", None),
    (None, None),
    ("/" + "a" * 3000, None),
])
def test_only_a_local_path_is_followed_after_the_switch(target, expected):
    assert rules.safe_path(target) == expected


@pytest.mark.parametrize("hour, minute, words", [
    (23, 59, "11:59 pm"), (10, 0, "10 am"), (18, 30, "6:30 pm"), (12, 0, "12 pm"), (0, 0, "12:00 am"),
    (0, 5, "12:05 am"), (9, 5, "9:05 am"), (12, 45, "12:45 pm"),
])
def test_english_times_use_the_12_hour_clock(hour, minute, words):
    assert rules.time_12h(hour, minute) == words


# --------------------------------------------------------------------------- dates, times and money in words


def test_deadlines_read_the_same_way_in_both_languages(app):
    deadline = dt.datetime(2026, 12, 6, 0, 0, tzinfo=PARIS)  # exclusive: the last minute is Saturday 23:59
    policy = DeadlinePolicy(kind="calendar_days", days=1, cutoff=dt.time(18, 0))

    def words():
        return [formats.language(), wording.format_until(deadline), wording.format_moment(deadline),
                wording.format_date(dt.date(2027, 1, 1)), wording.format_long_date(dt.date(2026, 11, 23)),
                wording.policy_sentence(policy, "book"), wording.policy_sentence(None, "cancel")]

    assert in_request(app, words, ENGLISH) == [
        "en", "Saturday 5 December at 11:59 pm", "Sunday 6 December at 12:00 am", "Friday 1 January",
        "Monday 23 November 2026", "Booking possible until 6 pm the day before.",
        "Cancelling possible until 11:59 pm the day before."]
    assert in_request(app, words) == [
        "fr", "samedi 5 décembre à 23 h 59", "dimanche 6 décembre à 0 h", "vendredi 1er janvier",
        "lundi 23 novembre 2026", "Réservation possible jusqu'à la veille à 18 h.",
        "Annulation possible jusqu'à la veille à 23 h 59."]


def test_template_filters_and_money_follow_the_language(app):
    day, moment = dt.date(2026, 12, 5), dt.datetime(2026, 12, 5, 22, 59, tzinfo=dt.timezone.utc)
    f = app.jinja_env.filters

    def shown():
        return [f["date_long"](day), f["datetime_long"](moment), f["month_year"](day), f["money"](1250),
                f["money"](123456), f["money"](None), f["date_long"](None)]

    assert in_request(app, shown, ENGLISH) == [
        "Saturday 5 December 2026", "Saturday 5 December 2026 at 11:59 pm", "December 2026", "€12.50", "€1,234.56",
        "", ""]
    french = [value.replace("\u202f", " ").replace("\xa0", " ") for value in in_request(app, shown)]
    assert french == ["samedi 5 décembre 2026", "samedi 5 décembre 2026 à 23 h 59", "décembre 2026", "12,50 €",
                      "1 234,56 €", "", ""]


def test_e_mails_are_written_in_french_from_an_english_page(app):
    """The recipient's language is not known (a promotion mails another family): subject and body in French."""
    from flask_babel import lazy_gettext as _l

    def send():
        before = formats.language()
        msg = mail.build_message("a@example.org", _l("Une place s'est libérée : réservation confirmée"),
                                 "reservations/mail_promoted", child=type("C", (), {"first_name": "Léa"})(),
                                 what="Repas du lundi 23 novembre", cancel_until="dimanche 22 novembre à 18 h",
                                 link="http://x/")
        return before, msg, formats.language()

    before, msg, after = in_request(app, send, ENGLISH)
    assert before == after == "en"  # the page itself goes on in English
    assert msg["Subject"] == "Une place s'est libérée : réservation confirmée"
    assert msg["Content-Language"] == "fr"
    assert "Bonjour" in msg.get_content()


def test_an_e_mail_rendered_by_a_command_has_no_request(app):
    """`flask ...` commands (reminders, closures) render e-mails in an application context only."""
    child = type("C", (), {"first_name": "Léa"})()
    msg = mail.build_message("a@example.org", "Sujet", "reservations/mail_promoted", child=child, what="Repas",
                             cancel_until="dimanche 22 novembre à 18 h", link="http://x/")
    assert "Bonjour" in msg.get_content() and msg["Content-Language"] == "fr"
    from flask import render_template_string
    assert render_template_string("{{ page_language }} {{ other_languages }}{{ colon }}{{ 1250|money }}") \
        .replace("\xa0", " ").replace("\u202f", " ") == "fr [] : 12,50 €"


def test_force_locale_reaches_the_time_words(app):
    def words():
        with force_locale("fr"):
            return wording.format_time(dt.time(23, 59))

    assert in_request(app, words, ENGLISH) == "23 h 59"


def test_the_kept_catalogue_follows_force_locale_both_ways(app):
    """formats.translations() keeps the catalogue per context: an English page writes French inside force_locale
    (templates and wording alike), and English again after it, even after a French string was looked up."""
    from flask import render_template_string

    def words():
        full = type("Slot", (), {"state": None, "full": True})()
        seen = [wording.state_text(full), render_template_string("{{ _('Complet') }}")]
        with force_locale("fr"):
            seen += [formats.fast_gettext("Complet"), render_template_string("{{ _('Complet') }}")]
        seen += [formats.fast_gettext("Complet"), render_template_string("{{ _('Complet') }}")]
        return seen

    assert in_request(app, words, ENGLISH) == ["Full", "Full", "Complet", "Complet", "Full", "Full"]


# --------------------------------------------------------------------------- pages


def test_french_by_default_with_a_switch_to_english(client):
    page = client.get("/")
    assert html_lang(page) == "fr"
    body = page.get_data(as_text=True)
    assert '<nav class="lang-switch" aria-label="Langue">' in body
    assert '<a href="/langue/en?suivant=/" lang="en" hreflang="en">English</a>' in body
    assert "Aller au contenu" in body


def test_the_browser_asks_for_english(client):
    page = client.get("/", headers=ENGLISH)
    assert html_lang(page) == "en"
    body = page.get_data(as_text=True)
    assert '<nav class="lang-switch" aria-label="Language">' in body
    assert 'lang="fr" hreflang="fr">Français</a>' in body
    assert "Skip to content" in body and "Aller au contenu" not in body
    assert "Accept-Language" in page.headers["Vary"]


def test_the_switch_remembers_the_choice_and_goes_back(client):
    answer = client.get("/langue/en?suivant=/connexion?next=/ma-famille")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/connexion?next=/ma-famille"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("langue=en;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie
    page = client.get("/connexion")  # no Accept-Language: the cookie decides
    assert html_lang(page) == "en"
    assert "E-mail address" in text_of(page)
    back = client.get("/langue/fr?suivant=/connexion", headers=ENGLISH)
    assert back.headers["Location"] == "/connexion"
    assert html_lang(client.get("/connexion", headers=ENGLISH)) == "fr"  # the switch wins over the browser


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", ""])
def test_the_switch_never_leaves_the_site(client, target):
    answer = client.get("/langue/en", query_string={"suivant": target})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


@pytest.mark.parametrize("code", ["de", "EN", "x" * 300, "fr-FR"])
def test_an_unknown_language_is_not_found(client, code):
    answer = client.get(f"/langue/{code}")
    assert answer.status_code == 404
    assert "langue" not in answer.headers.get("Set-Cookie", "")


def test_the_switch_link_keeps_the_page_and_its_query(client, make_family, login_as):
    _family, user, _kids = make_family()
    login_as(user)
    page = client.get("/demandes?etat=draft")
    assert links(page)["English"] == "/langue/en?suivant=/demandes?etat%3Ddraft"


def test_error_pages_are_translated_too(client):
    page = client.get("/nulle-part", headers=ENGLISH)
    assert page.status_code == 404
    assert html_lang(page) == "en"
    assert "Page not found" in text_of(page)
    assert links(page)["Français"] == "/langue/fr"


def test_mon_accueil_in_english(app, client, make_family, login_as, make_activity):
    family, user, (lea,) = make_family(name="Le Bœuf-O'Hara", children=("Léa",))
    activity, _unit, period = make_activity()
    enroll(lea, activity, period)
    login_as(user)
    client.get("/langue/en?suivant=/mon-accueil")
    page = client.get("/mon-accueil")
    words = text_of(page)
    assert html_lang(page) == "en"
    assert "Hello Camille Le Bœuf-O'Hara" in words
    assert "My children" in words and "Report an absence" in words
    for french in ("Mes enfants", "Bonjour", "Signaler une absence", "Se déconnecter"):
        assert french not in words


def test_the_agenda_in_english_with_deadlines_in_words(app, client, make_family, login_as, make_activity):
    app.config["CLOCK"] = lambda: dt.datetime(2026, 11, 22, 19, 0, tzinfo=PARIS)
    _family, user, (lea,) = make_family()
    policy = DeadlinePolicy(kind="calendar_days", days=1, cutoff=dt.time(18, 0))
    activity, meal, period = make_activity(booking_policy=policy,
                                            cancel_policy=DeadlinePolicy(kind="calendar_days", days=1,
                                                                         cutoff=dt.time(18, 0)))
    enroll(lea, activity, period)
    login_as(user)
    page = client.get(f"/enfants/{lea.id}/agenda/2026-11", headers=ENGLISH)
    assert page.status_code == 200
    words = text_of(page)
    assert html_lang(page) == "en"
    assert "Agenda of Léa — November 2026" in words
    assert "Booking possible until 6 pm the day before." in words
    assert "Changes closed since Sunday 22 November at 6 pm" in words  # Monday 23
    assert "Can be changed until Monday 23 November at 6 pm" in words  # Tuesday 24
    assert "Tuesday 24 November" in words  # the day's legend: capitalised, the month keeps its capital
    assert "</strong>: Booking possible until 6 pm" in page.get_data(as_text=True)  # no space before a colon
    french = text(client.get(f"/enfants/{lea.id}/agenda/2026-11"))
    assert "</strong> : Réservation possible jusqu'à la veille à 18 h." in french
    for french in ("Réservation possible", "jusqu'au", "Enregistrer", "lundi"):
        assert french not in words

    # A box ticked with htmx: the status and the slot's new state in English; a refusal too.
    client.set_cookie("langue", "en")
    token = csrf_from(page.get_data(as_text=True))
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    booked = client.post(f"/enfants/{lea.id}/reservations", headers=headers,
                         data={"unit": str(meal.id), "date": "2026-11-24", f"s-{meal.id}-2026-11-24": "1"})
    assert "Repas on Tuesday 24 November booked." in text_of(booked)
    late = client.post(f"/enfants/{lea.id}/reservations", headers=headers,
                       data={"unit": str(meal.id), "date": "2026-11-23", f"s-{meal.id}-2026-11-23": "1"})
    assert "Not saved: bookings closed on Sunday 22 November at 6 pm." in text_of(late)


def test_the_back_office_stays_french_without_the_switch(client, make_agent, login_as):
    agent = make_agent()
    login_as(agent)
    client.set_cookie("langue", "en")
    page = client.get("/gestion/", headers=ENGLISH)
    assert page.status_code == 200
    assert html_lang(page) == "fr"
    assert "lang-switch" not in page.get_data(as_text=True)
    assert "Gestion" in text_of(page)
    home = client.get("/", headers=ENGLISH)  # the public pages follow the agent's choice
    assert html_lang(home) == "en" and "Back office" in text_of(home)


@pytest.mark.parametrize("path", ["/gestion/pointage", "/gestion/import/", "/gestion/facturation"])
def test_every_agents_page_stays_french(client, make_agent, login_as, path):
    """Not only the back office's blueprint: the pointage, the import and the agents' billing pages too."""
    login_as(make_agent(role="admin"))
    client.set_cookie("langue", "en")
    page = client.get(path, headers=ENGLISH)
    assert page.status_code == 200
    assert html_lang(page) == "fr" and "lang-switch" not in page.get_data(as_text=True)


def test_demarche_titles_and_document_types_read_in_english_while_they_are_the_defaults(app, client, make_family,
                                                                                      login_as):
    from blueprints.documents import service as documents
    from models import DocumentType, ProcedureType, db

    documents.ensure_default_types()
    renamed = db.session.execute(db.select(DocumentType).filter_by(code="rib")).scalar_one()
    renamed.label = "RIB pour le prélèvement"  # an agent's own words are shown as written
    db.session.add(ProcedureType(code="coordonnees", kind="coordonnees", title="Changement de coordonnées",
                                 description="Vous avez déménagé, ou changé de téléphone ou d'adresse e-mail.",
                                 active=True))
    db.session.commit()
    _family, user, _kids = make_family()
    login_as(user)
    client.set_cookie("langue", "en")
    words = text_of(client.get("/pieces/deposer"))
    assert "Proof of address" in words and "Electricity, gas, water, phone or internet bill" in words
    assert "RIB pour le prélèvement" in words
    catalogue = text_of(client.get("/demarches"))
    assert "Change of contact details" in catalogue and "You have moved house" in catalogue
    client.set_cookie("langue", "fr")
    assert "Justificatif de domicile" in text_of(client.get("/pieces/deposer"))


def test_form_errors_in_english_with_the_error_summary(client):
    page = client.get("/connexion", headers=ENGLISH)
    answer = client.post("/connexion", headers=ENGLISH,
                         data={"email": "", "password": "", "csrf_token": csrf_from(page.text)})
    words = text_of(answer)
    assert html_lang(answer) == "en"
    assert "There are 2 errors to correct" in words
    assert "Enter your e-mail address." in words and "Enter your password." in words
    assert title_of(answer).startswith("Error: ")
    assert "Saisissez" not in words


def test_french_pages_are_unchanged_by_the_english_catalogue(client):
    page = client.get("/connexion")
    answer = client.post("/connexion", data={"email": "", "password": "", "csrf_token": csrf_from(page.text)})
    words = text_of(answer)
    assert html_lang(answer) == "fr"
    assert "Il y a 2 erreurs à corriger" in words and "Saisissez votre adresse e-mail." in words
    assert title_of(answer).startswith("Erreur : ")
