"""Plain French for absences, through gettext: the range, where an absence stands, what it will do or did to each
booking ("Repas du jeudi 26 novembre : annulé"), and why a step is closed. Dates and deadlines come from
reservations/wording.py (written out, never "minuit")."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import ngettext

from blueprints.reservations.wording import format_date, format_moment, format_until
from models import Absence


def range_text(absence: Absence) -> str:
    """ "du jeudi 19 novembre au dimanche 22 novembre", or "le jeudi 19 novembre" for one day."""
    return dates_text(absence.start_date, absence.end_date)


def title_text(absence: Absence) -> str:
    """ "Absence du jeudi 19 novembre au dimanche 22 novembre", "Absence du lundi 23 novembre" (a title)."""
    if absence.start_date == absence.end_date:
        return _("Absence du %(day)s", day=format_date(absence.start_date))
    return _("Absence %(range)s", range=range_text(absence))


def dates_text(start: dt.date, end: dt.date) -> str:
    if start == end:
        return _("le %(day)s", day=format_date(start))
    return _("du %(start)s au %(end)s", start=format_date(start), end=format_date(end))


def phrase(effect, future: bool) -> str:
    """What the absence will do (recap) or did (result) to one booking: "sera annulé (non facturé)", "annulé"."""
    kind = effect.effect
    if future:
        if kind == "cancel":
            return _("sera annulé (non facturé)")
        if kind == "absent":
            return _("ne peut plus être annulé, sera marqué absent (facturé sauf justificatif validé)")
        if kind == "unwait":
            return _("sera retiré de la liste d'attente")
        if kind == "restore":
            return _("de nouveau réservé")
        return _("déjà en absence signalée, rien ne change")
    if kind == "cancel":
        return _("annulé")
    if kind == "absent":
        return _("marqué absent (facturé sauf justificatif validé)")
    if kind == "unwait":
        return _("retiré de la liste d'attente")
    if kind == "restore":
        return _("de nouveau réservé")
    return _("déjà en absence signalée, rien n'a changé")


def by_day(effects, future: bool) -> list[dict]:
    """The effects grouped by date, in slot order: [{"day": "Lundi 23 novembre", "items": [{"slot": "Repas",
    "when": "du lundi 23 novembre", "text": "annulé"}]}]. The template shows the day as a heading and repeats it,
    visually hidden, in each item ("Repas du lundi 23 novembre : annulé" for a screen reader in a list)."""
    groups: list[dict] = []
    for effect in effects:
        if not groups or groups[-1]["date"] != effect.day:
            day = format_date(effect.day)
            groups.append({"date": effect.day, "day": day[:1].upper() + day[1:], "items": []})
        groups[-1]["items"].append({"slot": effect.unit.label, "when": _("du %(day)s", day=format_date(effect.day)),
                                    "text": phrase(effect, future)})
    return groups


def counts_text(effects, future: bool) -> str:
    """The sums above the list: "2 réservations seront annulées. 1 sera marquée absente."."""
    n = {key: sum(1 for e in effects if e.effect == key) for key in ("cancel", "absent", "unwait")}
    if not any(n.values()):
        return _("Aucune réservation n'est prévue sur ces dates.") if future else _(
            "Aucune réservation n'était prévue sur ces dates.")
    parts = []
    if n["cancel"]:
        parts.append(ngettext("%(num)d réservation sera annulée.", "%(num)d réservations seront annulées.",
                              n["cancel"]) if future else
                     ngettext("%(num)d réservation annulée.", "%(num)d réservations annulées.", n["cancel"]))
    if n["absent"]:
        parts.append(ngettext("%(num)d réservation sera marquée absente.", "%(num)d réservations seront marquées "
                              "absentes.", n["absent"]) if future else
                     ngettext("%(num)d réservation marquée absente.", "%(num)d réservations marquées absentes.",
                              n["absent"]))
    if n["unwait"]:
        parts.append(ngettext("%(num)d demande sera retirée de la liste d'attente.", "%(num)d demandes seront "
                              "retirées de la liste d'attente.", n["unwait"]) if future else
                     ngettext("%(num)d demande retirée de la liste d'attente.",
                              "%(num)d demandes retirées de la liste d'attente.", n["unwait"]))
    return " ".join(parts)


def status_text(absence: Absence, deadline: dt.datetime, now: dt.datetime, billable: bool) -> str:
    """Where the absence stands, in words (the family's pages). `billable`: bookings still marked absent."""
    status = absence.status
    if status == "withdrawn":
        return _("Absence retirée le %(when)s", when=format_moment(absence.withdrawn_at))
    if status == "validated":
        return _("Absence justifiée : justificatif validé le %(when)s", when=format_moment(absence.justified_at))
    if status == "submitted":
        return _("Justificatif reçu le %(when)s, en attente de validation par le service Enfance",
                 when=format_moment(absence.document.uploaded_at))
    if not billable:
        return _("Rien à justifier : aucune réservation n'est restée facturable sur ces dates")
    if status == "refused":
        refused = _("Justificatif refusé le %(when)s. Motif : %(reason)s.", when=format_moment(absence.refused_at),
                    reason=absence.refusal_reason.rstrip(" ."))
        if now < deadline:
            return refused + " " + _("Vous pouvez envoyer un autre justificatif jusqu'au %(when)s",
                                     when=format_until(deadline))
        return refused + " " + _("Le délai pour en envoyer un autre a pris fin le %(when)s",
                                 when=format_until(deadline))
    if now < deadline:
        return _("À justifier jusqu'au %(when)s", when=format_until(deadline))
    return _("Délai de justification dépassé (il a pris fin le %(when)s)", when=format_until(deadline))


def closed_text(absence: Absence, deadline: dt.datetime, billable: bool) -> str:
    """Why no certificate can be sent for this absence (now)."""
    if absence.status == "withdrawn":
        return _("Cette absence a été retirée : il n'y a rien à justifier.")
    if absence.status == "validated":
        return _("Cette absence est déjà justifiée : le justificatif a été validé le %(when)s.",
                 when=format_moment(absence.justified_at))
    if absence.status == "submitted":
        return _("Le justificatif de cette absence a été reçu le %(when)s. Il est en attente de validation par le "
                 "service Enfance : vous recevrez un e-mail s'il est refusé.",
                 when=format_moment(absence.document.uploaded_at))
    if not billable:
        return _("Rien à justifier : aucune réservation de cette absence n'est restée facturable.")
    return _("Le délai pour justifier cette absence est dépassé depuis le %(when)s. Si vous avez un justificatif, "
             "contactez le service Enfance.", when=format_moment(deadline))


def withdraw_closed_text(absence: Absence) -> str:
    """Why the absence can no longer be withdrawn."""
    if absence.status == "withdrawn":
        return _("Cette absence a déjà été retirée le %(when)s.", when=format_moment(absence.withdrawn_at))
    return _("Cette absence ne peut plus être retirée : tous ses jours ont commencé ou sont passés. Pour une "
             "erreur, contactez le service Enfance.")


def too_early_text(day: dt.date, earliest: dt.date) -> str:
    """The start date is before the first day the portal takes (its certificate window has closed)."""
    return _("Le %(day)s est trop ancien : le délai pour justifier une absence ce jour-là est passé. Le premier jour "
             "possible est le %(earliest)s. Pour un jour plus ancien, contactez le service Enfance.",
             day=format_date(day), earliest=format_date(earliest))
