"""Plain French for the reservation domain, in one place and through gettext: dates and times, deadlines, the
deadline policies, agenda states and the reasons a change is refused. rules.py returns codes and instants; this
module phrases them (views and templates call it, never rules.py, for words).

Deadlines never say "minuit", which reads as either end of the day: an exclusive deadline at 0 h is phrased as
"jusqu'au samedi 5 décembre à 23 h 59" (the last minute one may act) or "depuis le dimanche 6 décembre à 0 h"
(the first minute one may not).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from blueprints.languages.formats import fast_gettext as _
from blueprints.languages.formats import language, time_words
from blueprints.reservations import rules

WEEKDAYS = (_l("lundi"), _l("mardi"), _l("mercredi"), _l("jeudi"), _l("vendredi"), _l("samedi"), _l("dimanche"))
MONTHS = (_l("janvier"), _l("février"), _l("mars"), _l("avril"), _l("mai"), _l("juin"), _l("juillet"), _l("août"),
          _l("septembre"), _l("octobre"), _l("novembre"), _l("décembre"))
LAST_MINUTE = dt.timedelta(minutes=1)


def weekday_name(weekday: int) -> str:
    """ "lundi" for 0 ... "dimanche" for 6."""
    return str(WEEKDAYS[weekday])


def format_time(t: dt.time) -> str:
    """A wall-clock time in French words: "10 h", "18 h 30", "23 h 59", "0 h" (in English "10 am", "11:59 pm")."""
    return _time_words(t, language())


def format_date(day: dt.date) -> str:
    """A date in French words: "vendredi 20 novembre", "vendredi 1er mai"."""
    return _date_words(day, language())


def format_long_date(day: dt.date) -> str:
    """ "lundi 16 novembre 2026" """
    return _("%(date)s %(year)d", date=format_date(day), year=day.year)


def format_moment(moment: dt.datetime) -> str:
    """An instant in Europe/Paris words, as it is: "vendredi 20 novembre à 10 h", "dimanche 6 décembre à 0 h"
    (what happened at that time, or the first minute a deadline has passed)."""
    return _moment_words(moment, language())


def format_until(deadline: dt.datetime) -> str:
    """The last moment one may still act before an exclusive `deadline`: "vendredi 20 novembre à 10 h", and for
    a deadline at 0 h the last minute of the day before, "samedi 5 décembre à 23 h 59"."""
    local = deadline.astimezone(rules.PARIS)
    if local.time() == dt.time(0):
        local -= LAST_MINUTE
    return _moment_words(local, language())


# The words of a date or an instant, per language, kept per process: a month page phrases the same few deadlines
# on dozens of slots, and each phrasing is several catalogue look-ups (the catalogue does not change while the
# process runs). `language` is part of the key; the words are made under that language (the caller's).


@lru_cache(maxsize=2048)
def _time_words(t: dt.time, language: str) -> str:
    other = time_words(t)
    if other is not None:
        return other
    return _("%(h)d h", h=t.hour) if t.minute == 0 else _("%(h)d h %(m)02d", h=t.hour, m=t.minute)


@lru_cache(maxsize=4096)
def _date_words(day: dt.date, language: str) -> str:
    number = _("1er") if day.day == 1 else str(day.day)
    return _("%(weekday)s %(day)s %(month)s", weekday=WEEKDAYS[day.weekday()], day=number,
             month=MONTHS[day.month - 1])


@lru_cache(maxsize=8192)
def _moment_words(moment: dt.datetime, language: str) -> str:
    local = moment.astimezone(rules.PARIS)
    return _("%(day)s à %(time)s", day=_date_words(local.date(), language),
             time=_time_words(local.time(), language))


# --------------------------------------------------------------------------- deadline policies


def policy_sentence(policy, action: str) -> str:
    """The policy as one plain French sentence, e.g. "Réservation possible jusqu'à la veille à 18 h."."""
    d = rules.describe_policy(policy, action)
    what = _("Réservation possible") if d.action == "book" else _("Annulation possible")
    if d.kind is None:  # no policy: until the start of the day
        return _("%(action)s jusqu'à la veille à 23 h 59.", action=what)
    at = format_time(d.cutoff)
    if d.kind == "weekday_before":
        return _("%(action)s jusqu'au %(weekday)s de la semaine précédente à %(time)s.", action=what,
                 weekday=weekday_name(d.weekday), time=at)
    if d.kind == "working_days":
        if d.days == 0:
            return _("%(action)s jusqu'au jour même à %(time)s.", action=what, time=at)
        if d.days == 1:
            return _("%(action)s jusqu'au jour ouvré précédent à %(time)s.", action=what, time=at)
        return _("%(action)s jusqu'à %(days)d jours ouvrés avant, à %(time)s.", action=what, days=d.days, time=at)
    if d.days == 0:
        return _("%(action)s jusqu'au jour même à %(time)s.", action=what, time=at)
    if d.days == 1:
        return _("%(action)s jusqu'à la veille à %(time)s.", action=what, time=at)
    return _("%(action)s jusqu'à %(days)d jours avant, à %(time)s.", action=what, days=d.days, time=at)


# --------------------------------------------------------------------------- agenda states and decisions

# Lazy: translated when shown (in the request's language), and extracted by Babel (`_l`, see `make extract`).
CLOSED_REASONS = {
    "public_holiday": _l("jour férié"),
    "closure": _l("fermeture exceptionnelle"),
    "school_holiday": _l("vacances scolaires"),
    "not_holidays": _l("ouvert seulement pendant les vacances"),
    "weekday": _l("pas d'accueil ce jour-là"),
    "out_of_period": _l("en dehors de la période d'inscription"),
}


def service_name(activity) -> str:
    """The activity's name inside a sentence: "Accueil de loisirs du mercredi" -> "accueil de loisirs du mercredi"
    (an initial capital only; "ALSH Les Castors" is kept as it is)."""
    name = activity.name
    return name[0].lower() + name[1:] if name[:1].isupper() and name[1:2].islower() else name


def unit_name(unit, with_service: bool = False) -> str:
    """The slot's name on the agenda: its label, followed by its service when the child has the same label in
    another activity ("Repas (restauration scolaire)" and "Repas (accueil de loisirs du mercredi)")."""
    if not with_service:
        return unit.label
    return _("%(label)s (%(service)s)", label=unit.label, service=service_name(unit.activity))


def slot_day(unit, day: dt.date, name: str | None = None) -> str:
    """ "Repas du lundi 23 novembre" (`name`: the slot's name on the agenda, when it is not just its label)"""
    return _("%(slot)s du %(day)s", slot=name or unit.label, day=format_date(day))


def closed_text(status) -> str:
    reason = CLOSED_REASONS[status.reason_code] if status.reason_code in CLOSED_REASONS else _("fermé")
    return _("Fermé (%(why)s)", why=status.label) if status.label else _("Fermé (%(why)s)", why=reason)


def refusal_reason(refusal: rules.Refusal, child_name: str = "") -> str:
    """Why a change was refused, without the slot ("le repas se réserve avec la matinée ...")."""
    p = refusal.params
    code = refusal.code
    if code == "past":
        return _("ce jour est passé, il ne peut plus être modifié.")
    if code == "closed" and p.get("reason") != "out_of_period":
        return _("l'accueil est fermé ce jour-là.")
    # Outside the child's enrolled periods the activity may well run: say what the family can act on.
    if code in ("not_enrolled", "closed"):
        return _("%(child)s n'est pas inscrit(e) à cette activité ce jour-là. Contactez le service Enfance.",
                 child=child_name or _("l'enfant"))
    if code == "late_booking":
        return _("les réservations sont closes depuis le %(when)s.", when=format_moment(p["deadline"]))
    if code == "late_cancel":
        return _("les annulations sont closes depuis le %(when)s. Pour une absence, utilisez « Signaler une absence ».",
                 when=format_moment(p["deadline"]))
    if code == "not_open":
        return _("les réservations ouvrent le %(when)s.", when=format_moment(p["opens"]))
    if code == "dependency":
        if p.get("unit_ids"):
            return _("annulez d'abord le repas de ce jour-là, qui demande une demi-journée.")
        return _("le repas se réserve avec la matinée ou l'après-midi du même jour.")
    return _("modification refusée.")


def refusal_text(unit, day: dt.date, refusal: rules.Refusal, child_name: str = "", name: str | None = None) -> str:
    """ "Repas du lundi 21 décembre : le repas se réserve avec ..." (the alert and the error summary)."""
    return _("%(what)s : %(why)s", what=slot_day(unit, day, name), why=refusal_reason(refusal, child_name))


def slot_refusal(reason: str) -> str:
    """The line a refused slot shows next to its box: "Non enregistré : le repas se réserve avec ..."."""
    return _("Non enregistré : %(why)s", why=reason)


def outcome_text(outcome, child_name: str = "", name: str | None = None) -> str:
    """The sentence announced after a change ("Repas du lundi 23 novembre réservé")."""
    d = outcome.decision
    what = slot_day(outcome.unit, outcome.day, name)
    if d.refusal is not None:
        return refusal_text(outcome.unit, outcome.day, d.refusal, child_name, name)
    if d.outcome == "reserved":
        return _("%(what)s réservé.", what=what)
    if d.outcome == "cancelled":
        return (
            _("%(what)s annulé.", what=what)
            if d.before != "waiting"
            else _("%(what)s : retiré de la liste d'attente.", what=what)
        )
    if d.outcome == "waiting":
        return _("%(what)s : complet. Vous êtes inscrit(e) en fin de liste d'attente (rang %(n)s).", what=what,
                 n=outcome.position or "?")
    if d.outcome == "still_waiting":
        return _("%(what)s : vous êtes déjà sur la liste d'attente (rang %(n)s).", what=what,
                 n=outcome.position or "?")
    if d.outcome == "confirm":
        return _("%(what)s : rien n'est encore changé, répondez à la question.", what=what)
    if d.after in rules.TAKEN_STATES:
        return _("%(what)s : déjà réservé.", what=what)
    return _("%(what)s : pas de réservation.", what=what)


# A question asked before giving up a place (rules.confirmation): (question, what it means, "yes", "no", the
# sentence said when the family keeps it). Lazy: phrased in the request's language.
QUESTIONS = {
    "release_waiting": (_l("Libérer la place ?"),
                        _l("Elle sera proposée à la liste d'attente. Si vous changez d'avis, vous serez inscrit(e) "
                           "en fin de liste d'attente."),
                        _l("Oui, libérer la place"), _l("Non, garder la place"), _l("%(what)s : place gardée.")),
    "release_full": (_l("Libérer la place ?"),
                     _l("Ce jour est complet : une autre famille pourra prendre la place. Si vous changez d'avis, "
                        "vous serez peut-être inscrit(e) sur la liste d'attente."),
                     _l("Oui, libérer la place"), _l("Non, garder la place"), _l("%(what)s : place gardée.")),
    "leave_waiting": (_l("Quitter la liste d'attente ?"),
                      _l("Vous êtes au rang %(n)s. Si vous changez d'avis, vous serez inscrit(e) en fin de liste."),
                      _l("Oui, quitter la liste"), _l("Non, rester sur la liste"),
                      _l("%(what)s : vous restez sur la liste d'attente.")),
}


def question(code: str, position: int | None = None) -> tuple[str, str, str, str]:
    """(question, what it means, "yes" button, "no" button) before giving up a place."""
    asked, meaning, yes, no, _kept = QUESTIONS[code]
    return str(asked), str(meaning) % {"n": position or "?"}, str(yes), str(no)


def asked_text(outcome) -> str:
    """One line of a list of places to give up: "Matin du mercredi 6 janvier : place réservée, proposée ensuite à la
    liste d'attente", "… : en liste d'attente (rang 2), vous la quitteriez"."""
    what = slot_day(outcome.unit, outcome.day)
    code = outcome.decision.question
    if code == "leave_waiting":
        return _("%(what)s : en liste d'attente (rang %(n)s), vous la quitteriez", what=what,
                 n=outcome.position or "?")
    if code == "release_waiting":
        return _("%(what)s : place réservée, proposée ensuite à la liste d'attente", what=what)
    return _("%(what)s : place réservée sur un jour complet, une autre famille pourra la prendre", what=what)


def kept_text(code: str, what: str) -> str:
    """Said when the family answers "no": "Matin du mercredi 16 décembre : place gardée."."""
    return str(QUESTIONS[code][4]) % {"what": what}


def state_text(slot) -> str:
    """The state of one slot in words, for the agenda (see month.SlotView)."""
    state = slot.state
    if state == "reserved":
        base = _("Réservé")
    elif state == "waiting":
        base = _("En liste d'attente, rang %(n)s", n=slot.position or "?")
    elif state == "absent":
        base = _("Absence signalée")
    elif state == "justified":
        base = _("Absence justifiée")
    elif slot.full:
        base = _("Complet")
    else:
        base = _("Non réservé")
    return base


def lock_text(slot) -> str:
    """Why / until when the slot can be changed; for a waiting-list entry, until when a freed place is given to it
    (the same instant as service.promote_waiting) and until when it can be left."""
    if slot.past:
        return _("Jour passé")
    if slot.locked_since is not None:
        return _("Modifications closes depuis le %(when)s", when=format_moment(slot.locked_since))
    if slot.state == "waiting":
        leave = _("Vous pouvez quitter la liste jusqu'au %(when)s.", when=format_until(slot.open_until))
        if slot.promote_until is None:
            return _("Plus aucune place ne sera attribuée depuis la liste d'attente. %(leave)s", leave=leave)
        return _("Si une place se libère d'ici le %(when)s, elle vous sera attribuée et vous serez prévenu(e) par "
                 "e-mail. %(leave)s", when=format_until(slot.promote_until), leave=leave)
    if slot.full and slot.state is None:
        return _("Inscription possible sur la liste d'attente jusqu'au %(when)s", when=format_until(slot.open_until))
    return _("Modifiable jusqu'au %(when)s", when=format_until(slot.open_until))


def holiday_week_text(child_name: str, holiday: str | None) -> str:
    """A week without any service day for the child: "Pas d'accueil pour Hugo cette semaine (Vacances de Noël)."."""
    if holiday:
        return _("Pas d'accueil pour %(child)s cette semaine (%(holiday)s).", child=child_name, holiday=holiday)
    return _("Pas d'accueil pour %(child)s cette semaine.", child=child_name)
