"""Back office: "Demandes de compte" from families without a dossier key: counts per status, the list (pending
first, oldest first), one request with its answers; accept (the family file, the guardian's login and the
activation e-mail) or refuse with a reason (the requester is e-mailed a link to read it).

Routes only: the writes are accounts/account_requests.py's; e-mails leave after the commit."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
import mail
from blueprints.accounts import account_requests as requests_service
from blueprints.accounts import wording
from blueprints.accounts.forms import RefusalForm
from blueprints.auth import tokens
from blueprints.backoffice import bp
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from models import ACCOUNT_REQUEST_STATUSES, AccountRequest, db


@bp.route("/demandes-de-compte")
def account_requests():
    """Counts per status and the requests of one status (default: pending)."""
    status = request.args.get("etat", "pending")
    status = status if status in ACCOUNT_REQUEST_STATUSES else "pending"
    return render("backoffice/account_requests.html", counts=requests_service.counts(), status=status,
                  rows=requests_service.listing(status), labels=wording.REQUEST_STATUS)


def _get_or_404(request_id: int) -> AccountRequest:
    found = db.session.get(AccountRequest, request_id)
    if found is None:
        abort(404)
    return found


def _page(req: AccountRequest, refusal: RefusalForm | None = None, errors=(), status=200):
    return render("backoffice/account_request.html", req=req, labels=wording.REQUEST_STATUS, words=wording,
                  accept_form=EmptyForm(), refusal=refusal or RefusalForm(), errors=list(errors),
                  email_taken=req.status == "pending" and requests_service.email_has_login(req), status=status)


@bp.route("/demandes-de-compte/<int:request_id>")
def account_request(request_id: int):
    return _page(_get_or_404(request_id))


def _deliver(message, token=None) -> None:
    try:
        mail.deliver(message)
    except Exception:
        current_app.logger.exception("account request decision mail not delivered")
        if token:
            tokens.withdraw(token)
            db.session.commit()
        flash(_("L'e-mail n'a pas pu partir : la famille peut demander un nouveau lien avec « Mot de passe "
                "oublié »."), "error")


@bp.route("/demandes-de-compte/<int:request_id>/accepter", methods=["POST"])
def accept_account_request(request_id: int):
    """Accept: create the family file, the guardian's login, and send the activation link (24 h)."""
    req = _get_or_404(request_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    decision = requests_service.accept(req, clock.now(), clock.today(), actor_id=current_user.id)
    if decision.outcome == "email_taken":
        return _page(req, errors=[(None, str(wording.EMAIL_HAS_LOGIN))], status=409)
    if decision.outcome == "decided":
        db.session.rollback()
        flash(_("Cette demande a déjà reçu une réponse."), "error")
        return redirect(url_for("backoffice.account_request", request_id=request_id))
    db.session.commit()
    _deliver(decision.message, decision.token)
    flash(_("Demande acceptée : le dossier est créé et le lien d'activation envoyé à %(email)s.", email=req.email),
          "success")
    return redirect(url_for("backoffice.account_request", request_id=request_id))


@bp.route("/demandes-de-compte/<int:request_id>/refuser", methods=["POST"])
def refuse_account_request(request_id: int):
    """Refuse with a reason (required); the requester is e-mailed a link to the answer."""
    req = _get_or_404(request_id)
    form = RefusalForm()
    if not form.validate_on_submit():
        return _page(req, refusal=form, status=400)
    decision = requests_service.refuse(req, form.reason.data, clock.now(), actor_id=current_user.id)
    if decision.outcome == "decided":
        db.session.rollback()
        flash(_("Cette demande a déjà reçu une réponse."), "error")
        return redirect(url_for("backoffice.account_request", request_id=request_id))
    db.session.commit()
    _deliver(decision.message)
    flash(_("Demande refusée : la famille est prévenue par e-mail."), "success")
    return redirect(url_for("backoffice.account_request", request_id=request_id))
