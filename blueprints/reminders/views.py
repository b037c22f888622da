"""Mes rappels par e-mail (family page): each login chooses the reminders it receives (every one is on until
turned off). Its own table (ReminderPreference), so a general notification page can sit beside it."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints.access import parents_only
from blueprints.htmx import render
from blueprints.reminders import bp, rules, service
from blueprints.reminders.forms import PreferencesForm
from models import db


@bp.route("/rappels", methods=["GET", "POST"])
@parents_only
def preferences():
    """Mes rappels par e-mail: three boxes, saved for this login."""
    preference = service.preference_of(current_user.id)
    form = PreferencesForm(data={kind: rules.wanted(preference, kind) for kind in rules.REMINDER_KINDS})
    if form.validate_on_submit():
        service.save_preference(current_user.id, {kind: form[kind].data for kind in rules.REMINDER_KINDS},
                                clock.now())
        db.session.commit()
        flash(_("Vos choix de rappels sont enregistrés."), "success")
        return redirect(url_for(".preferences"))
    return render("reminders/preferences.html", form=form)
