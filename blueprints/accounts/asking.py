"""A family without a dossier key asks for an account (one page: the guardian, the address, the children), gets
a receipt with a private follow-up link, and follows the request there (en attente, acceptée, refusée and why).
Works without JavaScript; throttled per address; the answer never says whether the e-mail has an account."""

from __future__ import annotations

from flask import current_app, redirect, session, url_for
from flask_login import current_user

import clock
import mail
from blueprints.accounts import account_requests, bp, wording
from blueprints.accounts.forms import AccountRequestForm
from blueprints.families.rules import birth_date_problem
from blueprints.forms import flat_errors
from blueprints.htmx import render
from extensions import limiter
from models import db

SENT = "account_request_sent"


def _children(form: AccountRequestForm) -> list[dict] | None:
    """The children typed, as stored; None (and messages on the fields) when one is implausible or none given."""
    rows = form.filled_children()
    if not rows:
        form.children.entries[0].form.first_name.errors.append(wording.NO_CHILD)
        return None
    ok = True
    for child in rows:
        if child.birth_date.data is None:
            ok = False
            continue
        problem = birth_date_problem(child.birth_date.data, clock.today())
        if problem:
            child.birth_date.errors.append(wording.CHILD_BIRTH[problem])
            ok = False
    if not ok or any(child.errors for child in rows):
        return None
    return [{"first_name": c.first_name.data, "last_name": c.last_name.data,
             "birth_date": c.birth_date.data.isoformat()} for c in rows]


@bp.route("/demande-de-compte", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("ACCOUNT_REQUEST_LIMIT", "5 per hour"), methods=["POST"],
               deduct_when=lambda response: response.status_code == 302)
def ask():
    """Ask for an account without a key: the service Enfance checks and answers by e-mail."""
    if current_user.is_authenticated:
        return redirect(url_for("backoffice.index") if current_user.is_agent else url_for("family.dashboard"))
    form = AccountRequestForm()
    if form.is_submitted():
        valid = form.validate()
        children = _children(form)
        if valid and children is not None:
            values = {name: form[name].data for name in ("civility", "first_name", "last_name", "email", "phone",
                                                          "address", "postcode", "city")}
            request, raw = account_requests.submit(values, children, clock.now())
            message = account_requests.receipt(request, raw)
            db.session.commit()
            _send(message)
            session[SENT] = request.email
            return redirect(url_for("accounts.request_sent"))
    errors = flat_errors(form)
    return render("accounts/ask.html", form=form, errors=errors, status=400 if errors else 200)


def _send(message) -> None:
    def send():
        try:
            mail.deliver(message)
        except Exception:
            current_app.logger.exception("account request mail not delivered")

    mail.after_response(send, "account request")


@bp.route("/demande-de-compte/envoyee")
def request_sent():
    email = session.get(SENT)
    if not isinstance(email, str):
        return redirect(url_for("accounts.ask"))
    return render("accounts/ask_sent.html", email=email)


@bp.route("/demande-de-compte/suivi/<token>")
def request_status(token: str):
    """The requester's follow-up page (private link from the e-mails)."""
    request = account_requests.by_token(token)
    if request is None:
        return render("accounts/request_unknown.html", status=404)
    return render("accounts/request_status.html", req=request, labels=wording.REQUEST_STATUS)
