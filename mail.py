"""Outgoing e-mail: real SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/."""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import get_locale


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


def send(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Send one message now. Raises on SMTP failure so callers never report a mail as sent when it was not."""
    msg = build_message(to, subject, template, **context)
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
    return msg
