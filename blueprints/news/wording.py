"""French sentences of the news: when an item is (or will be) published, who it is for."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from blueprints.reservations.wording import format_long_date, format_time
from clock import PARIS


def moment(at: dt.datetime) -> str:
    """ "jeudi 3 décembre 2026 à 9 h" (Paris time)."""
    local = at.astimezone(PARIS)
    return _("%(day)s à %(time)s", day=format_long_date(local.date()), time=format_time(local.time()))


def status(item, now: dt.datetime) -> str:
    """ "Publiée le …" or "Sera publiée le …" (agents' list)."""
    if item.publish_at <= now:
        return _("Publiée le %(when)s", when=moment(item.publish_at))
    return _("Sera publiée le %(when)s", when=moment(item.publish_at))


def audience(item) -> str:
    """ "Toutes les familles", "Familles de l'école Jules-Ferry", "Familles inscrites à : Accueil de loisirs"."""
    if item.audience == "school":
        return _("Familles de l'école : %(name)s", name=item.school.name if item.school else _("école supprimée"))
    if item.audience == "activity":
        return _("Familles inscrites à : %(name)s",
                 name=item.activity.name if item.activity else _("activité supprimée"))
    return _("Toutes les familles")
