"""The French of the reservation domain (wording.py): dates, deadlines that never say "minuit", policy sentences."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from zoneinfo import ZoneInfo

import pytest

from blueprints.reservations import wording

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.timezone.utc
Policy = namedtuple("Policy", "kind days weekday cutoff", defaults=(0, None, dt.time(23, 59)))


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment, until, since",
    [
        (paris(2026, 11, 20, 10), "vendredi 20 novembre à 10 h", "vendredi 20 novembre à 10 h"),
        (paris(2026, 11, 19, 18, 30), "jeudi 19 novembre à 18 h 30", "jeudi 19 novembre à 18 h 30"),
        (paris(2026, 11, 12, 23, 59), "jeudi 12 novembre à 23 h 59", "jeudi 12 novembre à 23 h 59"),
        (paris(2026, 5, 1, 9, 5), "vendredi 1er mai à 9 h 05", "vendredi 1er mai à 9 h 05"),
        (utc(2026, 11, 20, 9), "vendredi 20 novembre à 10 h", "vendredi 20 novembre à 10 h"),  # in Paris time
        (utc(2026, 8, 14, 8), "vendredi 14 août à 10 h", "vendredi 14 août à 10 h"),
        # A deadline at 0 h: the last minute of the day before, or the first minute it has passed; never "minuit".
        (paris(2026, 12, 6), "samedi 5 décembre à 23 h 59", "dimanche 6 décembre à 0 h"),
        (paris(2027, 1, 1), "jeudi 31 décembre à 23 h 59", "vendredi 1er janvier à 0 h"),
    ],
)
def test_deadlines_in_words(app, moment, until, since):
    assert wording.format_until(moment) == until
    assert wording.format_moment(moment) == since


@pytest.mark.parametrize(
    "policy, action, sentence",
    [
        (Policy("working_days", 2, cutoff=dt.time(10)), "book",
         "Réservation possible jusqu'à 2 jours ouvrés avant, à 10 h."),
        (Policy("working_days", 1, cutoff=dt.time(18, 30)), "cancel",
         "Annulation possible jusqu'au jour ouvré précédent à 18 h 30."),
        (Policy("calendar_days", 1, cutoff=dt.time(18)), "cancel", "Annulation possible jusqu'à la veille à 18 h."),
        (Policy("calendar_days", 0, cutoff=dt.time(9)), "cancel", "Annulation possible jusqu'au jour même à 9 h."),
        (Policy("calendar_days", 15, cutoff=dt.time(12)), "book",
         "Réservation possible jusqu'à 15 jours avant, à 12 h."),
        (Policy("weekday_before", weekday=3), "book",
         "Réservation possible jusqu'au jeudi de la semaine précédente à 23 h 59."),
        (None, "book", "Réservation possible jusqu'à la veille à 23 h 59."),
    ],
)
def test_policy_sentence(app, policy, action, sentence):
    assert wording.policy_sentence(policy, action) == sentence
    assert "minuit" not in sentence


def test_dates_in_words(app):
    assert wording.format_date(dt.date(2026, 5, 1)) == "vendredi 1er mai"
    assert wording.format_long_date(dt.date(2026, 11, 16)) == "lundi 16 novembre 2026"
    assert [wording.weekday_name(d) for d in (0, 6)] == ["lundi", "dimanche"]
