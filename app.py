"""Portail Familles: application factory.

`create_app(config=None)` reads the environment (see README "Configuration"), initialises the extensions,
registers the blueprints, error pages, security headers and CLI commands.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, SecurityError

import assets
from blueprints import edge
from blueprints.auth import devices
from blueprints.edge import InvalidCharacters
from extensions import babel, csrf, htmx, limiter, login_manager, migrate
from mail import AfterResponse
from models import commune_settings, db
from requestlog import RequestLog, configure_logging
from schema.base import ping_when_idle

TRUE = {"1", "true", "yes", "on", "oui"}
MB = 1024 * 1024


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in TRUE


def load_config(app: Flask) -> None:
    """Configuration from the environment with safe laptop defaults."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    demo = env_flag("DEMO")
    app.config.update(
        DEMO=demo,
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'portail.db'}",
        # A pooled connection idle this long is checked before use (schema/base.py ping_when_idle).
        DB_PING_AFTER_IDLE=float(os.environ.get("DB_PING_AFTER_IDLE", "10")),
        MAIL_SERVER=os.environ.get("MAIL_SERVER", ""),
        MAIL_PORT=int(os.environ.get("MAIL_PORT", "25")),
        MAIL_USERNAME=os.environ.get("MAIL_USERNAME", ""),
        MAIL_PASSWORD=os.environ.get("MAIL_PASSWORD", ""),
        MAIL_USE_TLS=env_flag("MAIL_USE_TLS"),
        MAIL_USE_SSL=env_flag("MAIL_USE_SSL"),
        MAIL_DEFAULT_SENDER=os.environ.get("MAIL_DEFAULT_SENDER", "Portail Familles <ne-pas-repondre@localhost>"),
        PUBLIC_URL=os.environ.get("PUBLIC_URL", "").rstrip("/"),
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://",
        LOGIN_LIMIT_PER_ACCOUNT=os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        LOGIN_LIMIT_PER_ADDRESS=os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes"),
        LOGIN_LIMIT_PER_DEVICE=os.environ.get("LOGIN_LIMIT_PER_DEVICE", "5 per 15 minutes"),
        # Uploads (pièces justificatives, absence certificates): per file, per form (several pages), in one request.
        UPLOAD_MAX_BYTES=10 * MB,
        UPLOAD_MAX_FILES=10,
        UPLOAD_MAX_TOTAL_BYTES=30 * MB,
        MAX_CONTENT_LENGTH=31 * MB,  # the files of one form and the rest of it; beyond: 413
        # Sessions: long enough to keep an agenda open a whole day (RGAA 13.1.4), CSRF tied to the session only.
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=24),
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not demo,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_DEFAULT_TIMEZONE="Europe/Paris",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(app.root_path) / "translations"),
        ARGON2_PARAMS=argon2_params(),
        # Relances of late invoices: the letter may follow the first relance (e-mail) after this many days.
        INVOICE_LETTER_AFTER_DAYS=int(os.environ.get("INVOICE_LETTER_AFTER_DAYS", "15") or 15),
    )
    if "SESSION_COOKIE_SECURE" in os.environ:
        app.config["SESSION_COOKIE_SECURE"] = env_flag("SESSION_COOKIE_SECURE")


def argon2_params() -> dict:
    """argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB, 3 passes, 4 lanes), unless ARGON2_MEMORY_KIB,
    ARGON2_TIME_COST or ARGON2_PARALLELISM say otherwise (deploy/portail.env: a smaller server's sizing, README).
    Stored hashes made with other parameters are redone at the next login (auth.views.login)."""
    names = {"ARGON2_MEMORY_KIB": "memory_cost", "ARGON2_TIME_COST": "time_cost", "ARGON2_PARALLELISM": "parallelism"}
    return {param: int(os.environ[name]) for name, param in names.items() if os.environ.get(name)}


def resolve_secret_key(app: Flask) -> None:
    """SECRET_KEY from the environment; in demo/test mode generated once into instance/; otherwise refused."""
    if app.config.get("SECRET_KEY"):
        return
    key = os.environ.get("SECRET_KEY")
    if key:
        app.config["SECRET_KEY"] = key
        return
    if not (app.config.get("DEMO") or app.config.get("TESTING")):
        raise RuntimeError("SECRET_KEY must be set outside demo mode (see README, Configuration).")
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    app.config["SECRET_KEY"] = path.read_text().strip()


def resolve_public_url(app: Flask) -> None:
    """PUBLIC_URL, the address every e-mailed link is built on; required outside demo/test mode.

    Without it a link would be built from the request's Host header, which the client chooses: a forged Host on
    "Mot de passe oublié" would mail the victim a reset link to the attacker's site (account takeover). Outside
    demo/test mode, requests for another host name are also refused (TRUSTED_HOSTS, 400), loopback excepted for
    health checks and a proxy that forwards to 127.0.0.1 without passing the Host on."""
    public = (app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    app.config["PUBLIC_URL"] = public
    parts = urlsplit(public)
    if public and (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment):
        raise RuntimeError(f"PUBLIC_URL must be an http(s) address like https://portail.example.org, not {public!r}.")
    if app.config.get("DEMO") or app.config.get("TESTING"):
        return  # links fall back to the request's host (mail.external_url): a laptop demo has no public address
    if not public:
        raise RuntimeError(
            "PUBLIC_URL must be set outside demo mode, e.g. PUBLIC_URL=https://portail.example.org: e-mailed links "
            "are built on it, never on the request's Host header (see README, Configuration)."
        )
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = [parts.hostname, "localhost", "127.0.0.1"]


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(config: dict | None = None) -> Flask:
    """Build the application. `config` overrides the environment (tests use it)."""
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None)
    load_config(app)
    if config:
        app.config.update(config)
    # Two-factor authentication is imposed on the agents who need it (blueprints/roles.py) unless
    # TWO_FACTOR_REQUIRED=0; in demo and test mode it is offered, not imposed, unless set (tests set it).
    app.config.setdefault("TWO_FACTOR_REQUIRED", env_flag("TWO_FACTOR_REQUIRED", not (app.config.get("DEMO")
                                                                                     or app.config.get("TESTING"))))
    resolve_secret_key(app)
    resolve_public_url(app)
    proxies = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)
    if proxies:  # behind nginx/Apache: the client address (login throttling) and scheme come from X-Forwarded-*
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Never X-Forwarded-Host (x_host=0): the host the application answers for is PUBLIC_URL's, not a header.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)

    edge.init_app(app)  # bounded ids and the character check, before the blueprints' rules and CSRF
    db.init_app(app)
    with app.app_context():
        ping_when_idle(db.engine, app.config["DB_PING_AFTER_IDLE"])
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    from blueprints.languages.formats import select_locale

    babel.init_app(app, locale_selector=select_locale)  # the switch's cookie, else Accept-Language, else French
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    from blueprints.auth import sessions

    # The account must be active and this browser's session row open (logout really ends a session).
    login_manager.user_loader(sessions.load_user)

    @login_manager.unauthorized_handler
    def unauthorized():
        """Expired session: a page asks to log in again; an htmx action says so instead of failing silently."""
        from flask import flash, redirect, url_for

        from blueprints.htmx import is_partial, render

        login_url = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
        if is_partial():
            return render(
                "_alert_oob.html",
                message=_("Votre session a expiré : rien n'a été enregistré."),
                link=login_url,
                link_text=_("Se reconnecter"),
            )
        flash(_("Connectez-vous pour accéder à cette page."), "info")
        return redirect(login_url)

    from blueprints import all_blueprints
    from blueprints.converters import CONVERTERS

    app.url_map.converters.update(CONVERTERS)
    for blueprint in all_blueprints():
        app.register_blueprint(blueprint)
    from blueprints.payments import gateway as payment_gateway

    payment_gateway.configure(app)  # PAYMENT_*; refuses the fake bank outside demo and tests
    if app.config["PAYMENT_BACKEND"] == "fake":
        from blueprints.payments.fakebank import bp as fake_bank

        app.register_blueprint(fake_bank)
    if app.config["DEMO"]:
        import demo

        app.config.setdefault("DEMO_LOGINS", demo.home_logins())

    register_template_helpers(app)
    register_error_pages(app)
    register_security_headers(app)

    from cli import register_cli

    register_cli(app)
    assets.init_app(app)  # WhiteNoise: static files with hashed names, far-future caching, gzip
    app.wsgi_app = AfterResponse(app.wsgi_app)  # mail.after_response: jobs run once the answer has left
    app.wsgi_app = RequestLog(app.wsgi_app)  # outermost: one line per request, static files included
    configure_logging()
    return app


def register_template_helpers(app: Flask) -> None:
    def remember_commune(row) -> None:
        """Keep the commune's name in plain strings for the error pages, which never query (see error_page)."""
        app.extensions["portail_commune"] = (
            SimpleNamespace(name=row.name, service_name=row.service_name) if row is not None else None)

    @app.before_request
    def commune_for_error_pages():
        if "portail_commune" not in app.extensions:  # once per process; every page rendered refreshes it
            try:
                remember_commune(commune_settings())
            except SQLAlchemyError:  # database unreachable: the page itself will say so (/sante answers 503)
                db.session.rollback()

    @app.context_processor
    def inject_commune():
        if g.get("error_page"):  # an error page never queries: the transaction may have failed (see error_page)
            return {"commune": app.extensions.get("portail_commune"), "demo_mode": app.config["DEMO"],
                    "error_page": True}
        commune = commune_settings()
        remember_commune(commune)
        return {"commune": commune, "demo_mode": app.config["DEMO"], "error_page": False}

    from blueprints.languages import formats

    # Dates in the page's language (Babel patterns per language, blueprints/languages/formats.py)
    app.jinja_env.filters["date_long"] = formats.date_long
    app.jinja_env.filters["date_short"] = formats.date_short
    app.jinja_env.filters["datetime_long"] = formats.datetime_long
    app.jinja_env.filters["month_year"] = formats.month_year
    app.jinja_env.add_extension("jinja2.ext.do")
    formats.install_gettext(app.jinja_env)  # the catalogue looked up once per context and language
    from blueprints.forms import choice_pairs
    from blueprints.reservations.wording import format_date as plain_date

    app.jinja_env.filters["pairs"] = choice_pairs  # a field's choices as (value, label), tuples or SelectChoice

    app.jinja_env.globals["plain_date"] = plain_date


def error_page(code: int, title: str, message: str) -> Response:
    """An error page that works whatever state the database session is in.

    The transaction is rolled back first (after a failed statement PostgreSQL refuses every query until then), and
    the page is rendered without any query: the commune's name as last read (plain strings), no signed-in user in
    the header (the user object was expired by the rollback, reading it would query). Should rendering still fail,
    a plain page goes out; either way with the security headers, set here rather than left to after_request."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone: the page still has to go out
        current_app.logger.exception("rollback before an error page failed")
    g.error_page = True
    try:
        body = render_template("error.html", code=code, title=title, message=message)
    except Exception:
        current_app.logger.exception("error page %s could not be rendered", code)
        body = f'<!doctype html><html lang="fr"><title>{escape(title)}</title><h1>{escape(title)}</h1>' \
               f"<p>{escape(message)}</p></html>"
    return set_security_headers(make_response(body, code))


def register_error_pages(app: Flask) -> None:
    page = error_page

    @app.errorhandler(400)
    def bad_request(e):
        if isinstance(e, InvalidCharacters):
            return page(400, _("Caractère non autorisé"), _(
                "La demande contient un caractère non autorisé (caractère nul ou texte mal encodé). Revenez à la page "
                "précédente, retirez ce caractère (retapez le texte s'il a été collé) puis réessayez."))
        return page(
            400, _("Requête invalide"), _("La demande n'a pas pu être comprise. Réessayez depuis la page précédente.")
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(e):
        """Host header outside TRUSTED_HOSTS: no URL can be built for it, so a plain page without any link."""
        message = _("Requête invalide : ce site ne répond pas à cette adresse.")
        return set_security_headers(make_response((message, 400, {"Content-Type": "text/plain; charset=utf-8"})))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(
            400,
            _("Session expirée"),
            _("Votre session a expiré ou le formulaire n'est plus valable. Rechargez la page puis recommencez."),
        )

    @app.errorhandler(403)
    def forbidden(e):
        return page(403, _("Accès refusé"), _("Vous n'avez pas accès à cette page."))

    @app.errorhandler(StaleDataError)
    def written_meanwhile(e):
        """Two people saved the same family file at the same moment (version columns): the second is told, nothing
        of theirs is saved, nothing is overwritten."""
        db.session.rollback()
        return page(409, _("Dossier modifié entre-temps"),
                    _("Quelqu'un d'autre vient d'enregistrer une modification de ce dossier au même moment : rien "
                      "n'a été enregistré de votre côté. Rechargez la page, vérifiez, puis recommencez."))

    @app.errorhandler(404)
    def not_found(e):
        return page(404, _("Page introuvable"), _("Cette page n'existe pas ou vous n'y avez pas accès."))

    @app.errorhandler(413)
    def too_large(e):
        return page(413, _("Fichiers trop volumineux"), _(
            "Les fichiers envoyés sont trop volumineux : %(mb)s Mo au maximum par fichier, %(total)s Mo au total. "
            "Rien n'a été enregistré. Revenez à la page précédente et choisissez des fichiers plus légers.",
            mb=app.config["UPLOAD_MAX_BYTES"] // MB, total=app.config["UPLOAD_MAX_TOTAL_BYTES"] // MB))

    @app.errorhandler(429)
    def too_many(e):
        """The wait is the window of the limit reached (it doubles while failures go on, see auth/devices.py)."""
        limit = getattr(e, "limit", None)
        seconds = limit.limit.get_expiry() if limit is not None else 15 * 60
        delay = format_timedelta(dt.timedelta(seconds=seconds), threshold=1)
        message = _("Trop de tentatives en peu de temps. Par sécurité, attendez %(delay)s avant de réessayer.",
                    delay=delay)
        if request.endpoint == "auth.login" and not devices.recognised():
            message += " " + _("Depuis un appareil où vous vous êtes déjà connecté(e) à ce compte, la connexion "
                               "reste possible sans attendre.")
        return page(429, _("Trop de tentatives"), message)

    @app.errorhandler(500)
    def server_error(e):
        return page(500, _("Erreur du serveur"), _("Une erreur est survenue de notre côté. Réessayez dans un instant."))

    @app.errorhandler(Exception)
    def unexpected(e):
        """Any other exception: logged, then the 500 page (with its headers) instead of the WSGI server's bare one.
        In tests and debug mode (PROPAGATE_EXCEPTIONS) it goes up with its traceback, as Flask does by default."""
        if isinstance(e, HTTPException):
            return e  # an HTTP error without a page of its own (405...): Werkzeug's answer, after_request adds headers
        propagate = app.config["PROPAGATE_EXCEPTIONS"]
        if propagate if propagate is not None else (app.testing or app.debug):
            raise e
        app.log_exception(sys.exc_info())
        return server_error(e)


def set_security_headers(response: Response) -> Response:
    """The headers every answer carries, error pages included."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if not (current_app.config["DEMO"] or current_app.testing) and request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static" and response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(set_security_headers)
