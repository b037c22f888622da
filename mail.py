"""Outgoing e-mail: real SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/.

Links that leave the site (e-mails, calendar feeds) are built by `external_url`, on PUBLIC_URL: never on the
request's Host header, which the client chooses (a forged Host would otherwise put an attacker's address in a
password-reset link).
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import after_this_request, current_app, render_template, url_for
from flask_babel import get_locale


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
    """Render `templates/<template>.txt` (plain text, the accessible format for every mail client)."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
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


def deliver_after_response(msg: EmailMessage, on_failure: Callable[[], None] | None = None) -> None:
    """Deliver a message built in this request once the response has been sent (`Response.call_on_close`).

    For answers that must not depend on whether a mail leaves ("Mot de passe oublié": no account enumeration by
    timing): the page goes out at once, SMTP is spoken afterwards by the same worker. A failure is logged, then
    `on_failure` runs (in a fresh application context, e.g. to withdraw the link the mail carried); the page is
    already gone, so it never becomes an error page."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def deliver_now() -> None:
        with app.app_context():
            try:
                deliver(msg)
            except Exception:
                app.logger.exception("mail not delivered after the response: %s", msg["Subject"])
                if on_failure is not None:
                    try:
                        on_failure()
                    except Exception:
                        app.logger.exception("clean-up after an undelivered mail failed")

    @after_this_request
    def attach(response):
        response.call_on_close(deliver_now)
        return response
