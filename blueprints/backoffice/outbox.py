"""Back office: the demo outbox (e-mails written to instance/outbox when no SMTP server is configured)."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

from flask import abort, current_app

import mail
from blueprints.backoffice import bp
from blueprints.htmx import render


def _demo_only():
    if not current_app.config["DEMO"]:
        abort(404)


@bp.route("/boite-envoi")
def outbox():
    """Boîte d'envoi (démo): the e-mails written to instance/outbox when no SMTP server is configured."""
    _demo_only()
    folder = mail.outbox_dir()
    files = sorted(folder.glob("*.eml"), reverse=True)[:100] if folder.exists() else []
    messages = [(f.stem, _read(f)) for f in files]
    return render("backoffice/outbox.html", messages=messages)


@bp.route("/boite-envoi/<name>")
def outbox_message(name: str):
    """One demo e-mail, shown as text (so the invitation link can be followed)."""
    _demo_only()
    if not name.replace("-", "").isalnum():
        abort(404)
    path = mail.outbox_dir() / f"{name}.eml"
    if not path.is_file():
        abort(404)
    message = _read(path)
    links = re.findall(r"https?://[^\s<>\"]+", message.get_content())
    return render("backoffice/outbox_message.html", message=message, links=links)


def _read(path):
    with path.open("rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)
