"""Outgoing e-mail: real SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/.

Links that leave the site (e-mails, calendar feeds) are built by `external_url`, on PUBLIC_URL: never on the
request's Host header, which the client chooses (a forged Host would otherwise put an attacker's address in a
password-reset link).
"""

from __future__ import annotations

import datetime as dt
import io
import smtplib
import ssl
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template, request, url_for
from flask_babel import force_locale, get_locale


def external_url(endpoint: str, **values) -> str:
    """Absolute link for an e-mail or a calendar feed, always on PUBLIC_URL.

    create_app() refuses to start without PUBLIC_URL outside demo and test mode; only there does the link fall back
    to the request's host (a laptop demo has no public address)."""
    cfg = current_app.config
    base = cfg.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    if not (cfg.get("DEMO") or cfg.get("TESTING")):
        raise RuntimeError("PUBLIC_URL must be set outside demo mode (see README, Configuration).")
    return url_for(endpoint, _external=True, **values)


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


def build_message(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render `templates/<template>.txt` (plain text, the accessible format for every mail client).

    E-mails are written in French whatever the language of the page that sent them: the recipient's language is
    not known (a waiting-list promotion mails another family), so a lazy subject (`_l`) is translated here too."""
    cfg = current_app.config
    msg = EmailMessage()
    with force_locale("fr"):
        msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
        msg["To"] = to
        msg["Subject"] = str(subject)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="portail-familles")
        msg.set_content(render_template(template + ".txt", **context))
        # after set_content(), which drops every Content-* header
        msg["Content-Language"] = str(get_locale() or "fr").replace("_", "-")
    return msg


def deliver(msg: EmailMessage) -> None:
    """Hand a built message to SMTP (MAIL_SERVER) or write it to instance/outbox. Raises OSError on SMTP failure."""
    cfg = current_app.config
    if cfg.get("MAIL_SERVER"):
        port = int(cfg.get("MAIL_PORT") or 25)
        if cfg.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(cfg["MAIL_SERVER"], port, timeout=30, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(cfg["MAIL_SERVER"], port, timeout=30)
        with smtp:
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
            smtp.send_message(msg)
    else:
        folder = outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        (folder / name).write_bytes(bytes(msg))


def send(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Send one message now. Raises on SMTP failure so callers never report a mail as sent when it was not."""
    msg = build_message(to, subject, template, **context)
    deliver(msg)
    return msg


AFTER_RESPONSE = "portail.after_response"  # the WSGI environ key of the jobs a request queued (AfterResponse)


def after_response(job: Callable[[], None], what: str) -> None:
    """Run `job()` once the response has been handed to the server (AfterResponse, installed by create_app), in a
    copy of this request's context (same host and scheme for the links it builds, a fresh database session); a
    failure is logged.

    For answers that must not depend on the work: "Mot de passe oublié" looks the address up, issues the link and
    speaks SMTP only after answering, so the page comes as fast for an unknown address as for an account (no
    account enumeration by timing), and an SMTP or database failure never turns into an error page."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    environ = {key: value for key, value in request.environ.items() if key not in ("werkzeug.request", AFTER_RESPONSE)}
    environ.update({"wsgi.input": io.BytesIO(), "CONTENT_LENGTH": "0"})  # the body was read: nothing to re-read

    def run() -> None:
        with app.request_context(environ):
            try:
                job()
            except Exception:
                app.logger.exception("%s failed after the response", what)

    request.environ.setdefault(AFTER_RESPONSE, []).append(run)


class AfterResponse:
    """WSGI layer: the jobs a request queued (`after_response`) run once its body has been handed to the server,
    when the server has taken the last chunk or when it closes the body, whichever comes first, and once.

    Not `Response.call_on_close` alone: Werkzeug's server (`make run`, the browser tests) drains the socket before
    it calls close() and skips close() when the client resets the connection meanwhile; the job (an activation
    e-mail) was then never run. Gunicorn always closes, and takes the last chunk just before."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        body = self.app(environ, start_response)
        jobs = environ.pop(AFTER_RESPONSE, None)
        return _ThenRun(body, jobs) if jobs else body


class _ThenRun:
    def __init__(self, body, jobs: list[Callable[[], None]]):
        self.body, self.jobs = body, jobs

    def __iter__(self):
        try:
            yield from self.body
        finally:  # the last chunk taken, or the iteration abandoned
            self._run()

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self._run()

    def _run(self) -> None:
        jobs, self.jobs = self.jobs, []
        for job in jobs:
            job()
