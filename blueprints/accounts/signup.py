"""Registration with a dossier key ("clé enfance"), four steps as in the commune guides: Mes informations, Mes
références dossier, Conditions d'utilisation, Récapitulatif; then an activation e-mail valid 24 h.

The draft lives in the signed session cookie (nothing is written before the last step); every step works without
JavaScript. Step 2 is throttled per address and per dossier number. The last step answers the same whether the
e-mail address already has an account or not (no account enumeration)."""

from __future__ import annotations

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user

import clock
import mail
from blueprints.accounts import bp, rules, service, wording
from blueprints.accounts.forms import ConditionsForm, DossierForm, InformationsForm
from blueprints.auth import tokens
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from extensions import limiter
from models import Family, db

DRAFT = "signup"
DONE = "signup_done"
SIGNUP_ENDPOINTS = {"accounts.informations", "accounts.dossier", "accounts.conditions", "accounts.recap",
                    "accounts.done"}


def _draft() -> dict:
    value = session.get(DRAFT)
    return dict(value) if isinstance(value, dict) else {}


def _save(**values) -> None:
    session[DRAFT] = {**_draft(), **values}


def _page(step: str, form, **context):
    draft = _draft()
    return render(f"accounts/signup_{step}.html", form=form, step=step, steps=rules.STEPS,
                  heading=wording.step_heading(step, rules.STEPS), titles=wording.STEP_TITLES,
                  done=rules.completed_steps(draft),
                  back=request.args.get("retour") == "recap", **context)


STEP_ENDPOINTS = {"informations": "accounts.informations", "dossier": "accounts.dossier",
                  "conditions": "accounts.conditions", "recapitulatif": "accounts.recap"}


def _next():
    """After a step: back to the recap when it was edited from there, else the first step not done."""
    if request.args.get("retour") == "recap" and rules.may_open("recapitulatif", _draft()):
        return redirect(url_for("accounts.recap"))
    return redirect(url_for(STEP_ENDPOINTS[rules.first_open_step(_draft())]))


@bp.before_request
def signed_in_elsewhere():
    """A signed-in user has an account already: registration pages send them home."""
    if request.endpoint in SIGNUP_ENDPOINTS and current_user.is_authenticated:
        return redirect(url_for("backoffice.index") if current_user.is_agent else url_for("family.dashboard"))
    return None


def _guard(step: str):
    """Steps open in order: a later step asked by URL sends to the first one not done."""
    if not rules.may_open(step, _draft()):
        return redirect(url_for(STEP_ENDPOINTS[rules.first_open_step(_draft())]))
    return None


@bp.route("/inscription", methods=["GET", "POST"])
def informations():
    """Étape 1 : Mes informations (prénom, nom, adresse e-mail)."""
    draft = _draft()
    form = InformationsForm(data={k: draft.get(k) for k in rules.STEP_FIELDS["informations"]})
    if form.validate_on_submit():
        _save(first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data)
        return _next()
    return _page("informations", form)


def _failed(response) -> bool:
    return response.status_code != 302


def _dossier_key() -> str:
    return "dossier:" + rules.normalise_dossier_number(request.form.get("dossier_number", ""))[:20]


@bp.route("/inscription/dossier", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("SIGNUP_LIMIT_PER_DOSSIER", "5 per 15 minutes"), key_func=_dossier_key,
               methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config.get("SIGNUP_LIMIT_PER_ADDRESS", "20 per hour"), methods=["POST"],
               deduct_when=_failed)
def dossier():
    """Étape 2 : Mes références dossier (numéro de dossier et clé enfance de la lettre). One message whatever was
    wrong (the number, the key, a key already used): nothing tells which dossier numbers exist."""
    if (early := _guard("dossier")) is not None:
        return early
    form = DossierForm()
    if form.validate_on_submit():
        family_id = service.check_key(form.dossier_number.data, form.key.data)
        if family_id is not None:
            _save(family_id=family_id, key_hash=rules.key_digest(form.key.data),
                  dossier_number=rules.normalise_dossier_number(form.dossier_number.data))
            return _next()
        form.key.errors.append(wording.KEY_REFUSED)
    elif not form.is_submitted():
        form.dossier_number.data = _draft().get("dossier_number")
    return _page("dossier", form)


@bp.route("/inscription/conditions", methods=["GET", "POST"])
def conditions():
    """Étape 3 : Conditions d'utilisation (read and accepted)."""
    if (early := _guard("conditions")) is not None:
        return early
    form = ConditionsForm(data={"accepted": _draft().get("accepted", False)})
    if form.validate_on_submit():
        _save(accepted=True)
        return _next()
    return _page("conditions", form)


@bp.route("/inscription/recapitulatif", methods=["GET", "POST"])
def recap():
    """Étape 4 : Récapitulatif, "Valider mon inscription": the key is used, the login created, the activation
    e-mail sent (after the answer). The same answer for an address that already has an account (it is told so by
    e-mail); a key used meanwhile sends back to step 2."""
    if (early := _guard("recapitulatif")) is not None:
        return early
    draft = _draft()
    form = EmptyForm()
    if form.validate_on_submit():
        result = service.register(draft, clock.now())
        if result.outcome == "key_gone":
            db.session.rollback()
            _save(family_id=None, key_hash=None)
            return render("accounts/signup_key_gone.html", status=409, message=wording.KEY_GONE)
        db.session.commit()
        _send_after_response(result)
        session.pop(DRAFT, None)
        session[DONE] = {"name": f"{draft['first_name']} {draft['last_name']}", "email": draft["email"]}
        return redirect(url_for("accounts.done"))
    family = db.session.get(Family, draft["family_id"])
    return _page("recapitulatif", form, draft=draft, family=family)


def _send_after_response(result: service.Registration) -> None:
    def send():
        try:
            mail.deliver(result.message)
        except Exception:
            current_app.logger.exception("registration mail not delivered")
            if result.token:  # the link never left: withdraw it ("Mot de passe oublié" sends a new one)
                tokens.withdraw(result.token)
                db.session.commit()

    mail.after_response(send, "registration")


@bp.route("/inscription/annuler", methods=["POST"])
def cancel():
    """"Annuler": the draft is forgotten (nothing was saved)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    session.pop(DRAFT, None)
    return redirect(url_for("public.home"))


@bp.route("/inscription/envoyee")
def done():
    """ "Votre espace personnel a été créé": go and open the activation e-mail (valid 24 h)."""
    who = session.get(DONE)
    if not isinstance(who, dict):
        return redirect(url_for("accounts.informations"))
    return render("accounts/signup_done.html", who=who)
