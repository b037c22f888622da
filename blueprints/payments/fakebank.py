"""The local fake PayFiP: plays the bank in demo mode and in tests, never in production (create_app registers it only
with DEMO=1 or TESTING, and gateway.configure refuses PAYMENT_BACKEND=fake anywhere else).

It does what the real PayFiP does, in miniature: an operation is created for (numcli, refdet, amount in cents,
e-mail, notification and return URLs) and gets an idop; the parent's page at the "bank" pays, refuses or abandons;
the bank then POSTs `idOp=<idop>` to the notification URL several times (PAYMENT_FAKE_DELAYS seconds: at once,
again, and late) and sends the browser back to the return URL. Asked about an idop (`status`), it answers as
recupererDetailPaiementSecurise would.

Its operations live in this process's memory (the demo runs one process); the application's own database never
holds the bank's side.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import urllib.parse
import urllib.request
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request

from blueprints.forms import EmptyForm
from blueprints.payments.rules import BANK_RESULTS, BankAnswer, Redirect

bp = Blueprint("fake_payfip", __name__, url_prefix="/banque-fictive")
PARIS = ZoneInfo("Europe/Paris")
CHOICES = {"payer": "P", "refuser": "R", "abandonner": "A"}
_LOCK = threading.Lock()


def operations(app=None) -> dict:
    """idop -> the bank's record of the operation (this process's memory)."""
    app = app or current_app
    return app.extensions.setdefault("fake_payfip", {})


def outbox(app=None) -> list:
    """Notifications waiting to be delivered (PAYMENT_FAKE_NOTIFY=manual): (url, idop) pairs, oldest first."""
    app = app or current_app
    return app.extensions.setdefault("fake_payfip_outbox", [])


class FakeGateway:
    """The gateway interface (see gateway.py) over the fake bank."""

    def create(self, *, refdet: str, amount_cents: int, email: str, exer: str, subject: str, notify_url: str,
               return_url: str) -> Redirect:
        idop = secrets.token_hex(16)
        with _LOCK:
            operations()[idop] = {
                "numcli": current_app.config["PAYMENT_NUMCLI"], "saisie": "T", "exer": exer, "refdet": refdet,
                "montant": str(amount_cents), "mel": email, "objet": subject, "urlnotif": notify_url,
                "urlredirect": return_url, "resultrans": None, "dattrans": None, "heurtrans": None,
            }
        return Redirect(idop, f"/banque-fictive/paiement?idop={idop}")

    def status(self, idop: str) -> BankAnswer | None:
        operation = operations().get(idop)
        if operation is None:
            return None
        if operation["resultrans"] is None:
            return BankAnswer(idop, operation["refdet"], int(operation["montant"]), "pending", operation["numcli"])
        return BankAnswer(idop, operation["refdet"], int(operation["montant"]),
                          BANK_RESULTS.get(operation["resultrans"], "unknown"), operation["numcli"], test=True)


@bp.get("/paiement")
def page():
    """The bank's payment page: the amount, the reference, and three choices."""
    idop = request.args.get("idop", "")
    operation = operations().get(idop)
    if operation is None:
        abort(404)
    return render_template("payments/fakebank.html", idop=idop, operation=operation, form=EmptyForm(),
                           amount=int(operation["montant"]), done=operation["resultrans"] is not None)


@bp.post("/paiement")
def answer():
    """Pay, refuse or abandon; then notify the site (several times) and send the browser back."""
    form = EmptyForm()
    idop = request.form.get("idop", "")
    operation = operations().get(idop)
    choice = CHOICES.get(request.form.get("choix", ""))
    if operation is None or choice is None or not form.validate_on_submit():
        abort(400)
    with _LOCK:
        if operation["resultrans"] is None:  # a bank answers once: a second click changes nothing
            stamp = dt.datetime.now(PARIS)
            operation.update(resultrans=choice, dattrans=stamp.strftime("%d%m%Y"), heurtrans=stamp.strftime("%H%M"))
    notify(operation["urlnotif"], idop)
    return redirect(operation["urlredirect"], code=303)


def notify(url: str, idop: str) -> None:
    """The server-to-server notification, as PayFiP sends it: a form POST of idOp, repeated."""
    cfg = current_app.config
    if cfg.get("PAYMENT_FAKE_NOTIFY") == "manual":
        outbox().append((url, idop))
        return
    delays = [float(d) for d in str(cfg.get("PAYMENT_FAKE_DELAYS") or "0").split(",") if d.strip()]
    threading.Thread(target=_post_repeatedly, args=(url, idop, delays), daemon=True,
                     name=f"fake-payfip-{idop[:8]}").start()


def _post_repeatedly(url: str, idop: str, delays: list[float]) -> None:
    import time

    body = urllib.parse.urlencode({"idOp": idop}).encode()
    for delay in delays:
        time.sleep(delay)
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=10):
                pass
        except OSError:  # the site is down: the real bank tries again later too; the next delay will
            continue
