"""Optional login with FranceConnect (OpenID Connect, through Authlib). Off unless FRANCECONNECT_CLIENT_ID,
FRANCECONNECT_CLIENT_SECRET and FRANCECONNECT_SERVER_METADATA_URL are configured (app config or environment).

A FranceConnect identity logs in only to a login it has been associated with: a parent signs in once with the
password, then "Mon espace › Associer FranceConnect" (the identity's `sub` is stored, FranceConnectLink). An
identity associated with nobody is told how to do so; nothing is created from it and no account is looked up by
e-mail (a mailbox is not an identity). State and nonce are checked by Authlib; the ID token's signature, issuer,
audience and expiry too."""

from __future__ import annotations

import os

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import abort, current_app, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from joserfc.errors import JoseError
from sqlalchemy import delete, select

import clock
import mail
from blueprints.accounts import bp
from blueprints.auth import sessions
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from extensions import limiter
from models import FranceConnectLink, User, db

SETTINGS = ("FRANCECONNECT_CLIENT_ID", "FRANCECONNECT_CLIENT_SECRET", "FRANCECONNECT_SERVER_METADATA_URL")
DEFAULT_SCOPE = "openid given_name family_name email"
INTENT = "franceconnect_intent"


def setting(name: str, default: str = "") -> str:
    return current_app.config.get(name) or os.environ.get(name, default)


def enabled() -> bool:
    """FranceConnect is offered only when it is configured."""
    return all(setting(name) for name in SETTINGS)


def client():
    """The Authlib client of this application (registered once per application, on first use)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("franceconnect")
    if found is None:
        found = OAuth(app).register(
            "franceconnect", client_id=setting("FRANCECONNECT_CLIENT_ID"),
            client_secret=setting("FRANCECONNECT_CLIENT_SECRET"),
            server_metadata_url=setting("FRANCECONNECT_SERVER_METADATA_URL"),
            client_kwargs={"scope": setting("FRANCECONNECT_SCOPE", DEFAULT_SCOPE), "timeout": 10})
        app.extensions["franceconnect"] = found
    return found


def _start(intent: str):
    if not enabled():
        abort(404)
    session[INTENT] = intent
    return client().authorize_redirect(mail.external_url("accounts.franceconnect_callback"),
                                       acr_values=setting("FRANCECONNECT_ACR", "eidas1"))


@bp.route("/franceconnect/connexion", methods=["POST"])
@limiter.limit("30 per 15 minutes", methods=["POST"])
def franceconnect_login():
    """« S'identifier avec FranceConnect » (a POST with CSRF, like every button that starts something)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _start("login")


@bp.route("/mon-espace/franceconnect", methods=["POST"])
@login_required
def franceconnect_link():
    """« Associer FranceConnect à mon compte »: the next FranceConnect identity that comes back is this login's."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _start(f"link:{current_user.id}")


@bp.route("/mon-espace/franceconnect/dissocier", methods=["POST"])
@login_required
def franceconnect_unlink():
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.execute(delete(FranceConnectLink).where(FranceConnectLink.user_id == current_user.id))
    db.session.commit()
    flash(_("FranceConnect n'est plus associé à votre compte."), "success")
    return redirect(url_for("accounts.space"))


@bp.route("/franceconnect/retour")
@limiter.limit("30 per 15 minutes")
def franceconnect_callback():
    """The provider sends the browser back here: check state, nonce and ID token, then associate or log in."""
    if not enabled():
        abort(404)
    intent = session.pop(INTENT, None)
    try:
        token = client().authorize_access_token()
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError):
        current_app.logger.info("FranceConnect answer refused")
        return render("accounts/franceconnect_problem.html", status=400)
    sub = str((token.get("userinfo") or {}).get("sub") or "")
    if not sub or len(sub) > 255 or not intent:
        return render("accounts/franceconnect_problem.html", status=400)
    link = db.session.scalar(select(FranceConnectLink).where(FranceConnectLink.sub == sub))
    if intent.startswith("link:"):
        return _associate(intent, sub, link)
    user = db.session.get(User, link.user_id) if link else None
    if user is None or not user.active:
        return render("accounts/franceconnect_unknown.html", status=403)
    _sign_in(user)
    return redirect(url_for("backoffice.index") if user.is_agent else url_for("family.dashboard"))


def _associate(intent: str, sub: str, link: FranceConnectLink | None):
    if not current_user.is_authenticated or intent != f"link:{current_user.id}":
        return render("accounts/franceconnect_problem.html", status=400)
    if link is not None and link.user_id != current_user.id:
        flash(_("Cette identité FranceConnect est déjà associée à un autre compte."), "error")
        return redirect(url_for("accounts.space"))
    db.session.execute(delete(FranceConnectLink).where(FranceConnectLink.user_id == current_user.id))
    db.session.add(FranceConnectLink(user_id=current_user.id, sub=sub, linked_at=clock.now()))
    db.session.commit()
    flash(_("FranceConnect est associé à votre compte : vous pourrez vous identifier avec."), "success")
    return redirect(url_for("accounts.space"))


def _sign_in(user: User) -> None:
    """A fresh session with its own row, as after a password login (auth.login.start_session)."""
    now = clock.now()
    user.previous_login_at, user.last_login_at = user.last_login_at, now
    session.clear()
    login_user(user)
    sessions.open_session(user, now)
    db.session.commit()
    session.permanent = True


def linked(user_id: int) -> bool:
    return db.session.scalar(select(FranceConnectLink.id).where(FranceConnectLink.user_id == user_id)) is not None
