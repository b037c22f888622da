"""Plain French for billing, through gettext: money ("3,30 €", Babel), months ("novembre 2026"), dates in words,
how a price was found ("QF de 623 à 1 000", "0,36 % du QF, plancher 2,60 €"), an invoice's state, line kinds,
penalties, anomalies of a billing run, and why a payment or a tariff is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from blueprints.billing import rules
from blueprints.languages import formats
from blueprints.reservations.wording import MONTHS, format_long_date, format_time

LOCALE = "fr_FR"


def money(cents: int) -> str:
    """ "3,30 €", "1 234,00 €", "-5,00 €" in French, "€3.30" on an English page (Babel, the page's language;
    French outside a request: e-mails, PDFs made by commands)."""
    if has_request_context():
        return formats.money(cents)
    return format_currency(Decimal(cents) / 100, "EUR", locale=LOCALE)


def number(n: int) -> str:
    """ "1 000" """
    return format_decimal(n, locale=LOCALE)


def rate(millis: int) -> str:
    """Thousandths of a per cent as French: 360 -> "0,36 %"."""
    return format_decimal(Decimal(millis) / 1000, locale=LOCALE, format="#,##0.###") + "\u00a0%"


def month_name(month: dt.date) -> str:
    """ "novembre 2026" """
    return f"{MONTHS[month.month - 1]} {month.year}"


def day(day: dt.date) -> str:
    """ "lundi 16 novembre 2026" """
    return format_long_date(day)


def short_days(days: list[dt.date]) -> str:
    """The days of a line, short: "2, 3, 5, 9 et 10" (the month is the invoice's)."""
    numbers = [("1er" if d.day == 1 else str(d.day)) for d in sorted(days)]
    if len(numbers) <= 1:
        return "".join(numbers)
    return _("%(list)s et %(last)s", list=", ".join(numbers[:-1]), last=numbers[-1])


def band_text(band: rules.Band) -> str:
    if band.qf_max is None:
        return _("QF à partir de %(min)s", min=number(band.qf_min))
    return _("QF de %(min)s à %(max)s", min=number(band.qf_min), max=number(band.qf_max))


BASIS = {
    "no_qf_band": _l("QF non connu : tranche la plus haute"),
    "no_qf_ceiling": _l("QF non connu : prix plafond"),
    "pai": _l("panier repas (PAI)"),
}


def pricing_text(basis: str, band: rules.Band | None, effort_rate_millis: int | None, sibling: int = 0) -> str:
    """How the unit price was found, in words (kept on the invoice line)."""
    if basis in BASIS:
        text = str(BASIS[basis])
    elif band is not None:
        text = band_text(band)
    elif effort_rate_millis is not None:
        text = _("%(rate)s du QF", rate=rate(effort_rate_millis))
        if basis == "floor":
            text += " " + _("(prix plancher)")
        elif basis == "ceiling":
            text += " " + _("(prix plafond)")
    else:
        text = ""
    if sibling:
        text += ", " + _("réduction fratrie %(pct)d %%", pct=sibling)
    return text


LINE_KINDS = {
    "booking": _l("Réservé"),
    "pai": _l("Panier repas (PAI)"),
    "late_booking": _l("Majoration : réservation hors délai"),
    "unjustified_absence": _l("Absence non justifiée"),
    "no_booking": _l("Présence sans réservation"),
}

PENALTIES = {
    "late_booking": _l("Réservation hors délai"),
    "no_booking": _l("Présence sans réservation"),
    "unjustified_absence": _l("Absence non annulée et non justifiée"),
}

PENALTY_HINTS = {
    "late_booking": _l("Ajouté au prix de chaque créneau réservé après le délai de réservation (par un agent)."),
    "no_booking": _l("Facturé à la place du prix pour un enfant pointé présent sans réservation. Sans montant ni "
                     "pourcentage, le prix du créneau est facturé."),
    "unjustified_absence": _l("Facturé à la place du prix pour un créneau réservé, absent, ni annulé à temps ni "
                              "justifié. Sans montant ni pourcentage, le prix du créneau est facturé."),
}

STATES = {
    "to_pay": _l("À payer"),
    "paid": _l("Payée"),
    "late": _l("En retard"),
    "credited": _l("Annulée par un avoir"),
}

METHODS = {
    "online": _l("Paiement en ligne"),
    "direct_debit": _l("Prélèvement"),
    "cash": _l("Espèces"),
    "cheque": _l("Chèque"),
    "cesu": _l("CESU"),
}

ANOMALIES = {
    "no_qf": _l("Quotient familial non connu (tranche la plus haute appliquée)"),
    "no_tariff": _l("Pas de tarif pour %(what)s : ces créneaux ne sont pas facturés"),
    "no_price": _l("Le tarif de %(what)s ne donne pas de prix (tranches ou plafond manquants)"),
}

PAYMENT_REFUSED = {
    "method": _l("Choisissez un mode de paiement de la liste."),
    "amount": _l("Saisissez un montant supérieur à 0, par exemple 12,50."),
    "reference": _l("Saisissez une référence de 64 caractères au plus."),
    "settled": _l("Cette facture est déjà réglée."),
    "too_much": _l("Le montant dépasse ce qui reste à payer sur cette facture."),
    "reference_conflict": _l("Cette référence a déjà été enregistrée pour un autre paiement."),
    "reason": _l("Saisissez le motif de l'avoir."),
    "family": _l("Cette facture n'est pas celle de cette famille."),
}

TARIFF_PROBLEMS = {
    "no_band": _l("Saisissez au moins une tranche de quotient familial avec son prix."),
    "first_band": _l("La première tranche doit commencer à un QF de 0."),
    "band_gap": _l("Les tranches doivent se suivre sans trou ni chevauchement."),
    "last_band": _l("La dernière tranche doit être sans limite haute."),
    "no_rate": _l("Saisissez le taux d'effort, par exemple 0,36."),
    "floor_above_ceiling": _l("Le prix plancher doit être inférieur ou égal au prix plafond."),
}


def anomaly_text(code: str, what: str) -> str:
    return str(ANOMALIES[code]) % {"what": what}


def due_text(due_date: dt.date) -> str:
    """ "À payer avant le jeudi 31 décembre 2026 inclus" """
    return _("À payer au plus tard le %(day)s", day=day(due_date))


def moment(when: dt.datetime) -> str:
    """ "jeudi 3 décembre 2026 à 10 h" (Europe/Paris)."""
    local = when.astimezone(rules.PARIS)
    return _("%(day)s à %(time)s", day=format_long_date(local.date()), time=format_time(local.time()))


def entry_text(entry) -> str:
    """A line of the family account in words."""
    obj = entry.obj
    if entry.kind == "invoice":
        return _("Facture %(number)s (%(month)s)", number=obj.number, month=month_name(obj.month))
    if entry.kind == "credit_note":
        return _("Avoir %(number)s : %(reason)s", number=obj.number, reason=obj.reason)
    method = str(METHODS.get(obj.method, obj.method))
    if entry.kind == "rejected":
        return _("%(method)s de %(amount)s rejeté", method=method, amount=money(obj.amount_cents))
    return _("Paiement reçu : %(method)s", method=method)


QF_NEEDED = _l("Saisissez votre quotient familial, par exemple 850, ou choisissez « Je ne connais pas mon quotient "
               "familial ».")


def of_month(month: dt.date) -> str:
    """ "de novembre 2026", "d'octobre 2026", "d'août 2027" (elided before a vowel); on an English page the month
    alone ("November 2026"), the English sentence brings its own preposition."""
    if has_request_context() and formats.language() != "fr":
        return formats.month_year(month)
    name = month_name(month)
    return f"d'{name}" if name[0] in "aeiouyéèâà" else f"de {name}"
