"""« Qui a accès à l'espace famille »: the family's logins (each guardian has their own), the first login invites a
co-représentant by e-mail (an activation link valid 24 h) and may withdraw an access; anyone may withdraw their
own. Agents give access from the family's page in the back office ("Inviter la famille")."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

import clock
import mail
from blueprints.accounts import bp, rules, service
from blueprints.accounts.forms import InviteForm
from blueprints.auth import tokens
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from extensions import limiter
from models import Family, User, db


def _family() -> Family:
    """The signed-in parent's family (agents have none here: 404)."""
    if current_user.is_agent or current_user.family_id is None:
        abort(404)
    return db.session.get(Family, current_user.family_id)


def _page(family: Family, form: InviteForm | None = None, status: int = 200):
    logins = service.family_logins(family.id)
    facts = service.login_facts(logins)
    principal = rules.principal_login(facts)
    return render("accounts/access.html", family=family, logins=logins, principal=principal,
                  may_withdraw=lambda target: rules.may_withdraw(current_user.id, target.id, facts),
                  form=form or InviteForm(), withdraw_form=EmptyForm(), status=status,
                  may_invite=current_user.id == principal)


@bp.route("/mon-espace/acces")
@login_required
def access():
    """Who can open the family's space; invite a co-représentant; withdraw an access."""
    return _page(_family())


@bp.route("/mon-espace/acces/inviter", methods=["POST"])
@login_required
@limiter.limit("10 per hour", key_func=lambda: f"invite:{current_user.get_id()}")
def invite():
    """The first login invites a second guardian: their own login on the family and an activation e-mail. The
    same answer whether the address already has an account (that address gets a notice instead)."""
    family = _family()
    facts = service.login_facts(service.family_logins(family.id))
    if rules.principal_login(facts) != current_user.id:
        abort(403)
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(family, form, status=400)
    if form.email.data.strip().lower() == current_user.email:
        form.email.errors.append(_("C'est votre propre adresse : saisissez celle de l'autre représentant."))
        return _page(family, form, status=400)
    result = service.invite_coguardian(family, form.first_name.data, form.last_name.data, form.email.data,
                                       clock.now())
    db.session.commit()
    try:
        mail.deliver(result.message)
    except Exception:
        current_app.logger.exception("co-guardian invitation not delivered")
        if result.token:
            tokens.withdraw(result.token)
            db.session.commit()
        flash(_("L'e-mail n'a pas pu partir. Réessayez dans quelques minutes."), "error")
        return redirect(url_for("accounts.access"))
    flash(_("Invitation envoyée à %(email)s (lien valable 24 heures).", email=form.email.data.strip()), "success")
    return redirect(url_for("accounts.access"))


@bp.route("/mon-espace/acces/<int:user_id>/retirer", methods=["POST"])
@login_required
def withdraw(user_id: int):
    """Withdraw an access (the first login: anyone's; a co-représentant: their own). Another family's login: 404."""
    family = _family()
    target = db.session.get(User, user_id)
    if target is None or target.family_id != family.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    facts = service.login_facts(service.family_logins(family.id))
    if not rules.may_withdraw(current_user.id, target.id, facts):
        abort(403)
    leaving = target.id == current_user.id
    name = target.display_name or target.email
    service.withdraw_access(target, clock.now())
    db.session.commit()
    if leaving:
        logout_user()
        flash(_("Votre accès à l'espace de la famille est retiré."), "success")
        return redirect(url_for("public.home"))
    flash(_("L'accès de %(name)s est retiré : ses appareils sont déconnectés.", name=name), "success")
    return redirect(url_for("accounts.access"))
