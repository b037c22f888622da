"""The bank, behind one small interface chosen by configuration (PAYMENT_BACKEND):

- "payfip_ws": the DGFiP's PayFiP through eopayment's `payfip_ws` backend (SOAP): `create` asks for an operation
  (creerPaiementSecurise: numcli, exer, refdet, montant in cents, mel, urlnotif, urlredirect, objet) and sends the
  parent to the bank's page; `status` asks the bank what became of it (recupererDetailPaiementSecurise).
- "fake": the local fake PayFiP of blueprints/payments/fakebank.py, which plays the bank in demo mode and in tests;
  refused at start-up anywhere else.
- "" (the default outside demo and tests): online payment is off, the invoice says how else to pay.

The rest of the application only sees `create` and `status` and the rules' BankAnswer.
"""

from __future__ import annotations

import decimal
import os
import re

from flask import current_app

from blueprints.payments.rules import BANK_RESULTS, BankAnswer, Redirect

BACKENDS = ("payfip_ws", "fake", "")
NUMCLI = re.compile(r"^\d{6}$")


class GatewayError(Exception):
    """The bank could not be reached or refused the request (the parent is told to try again later)."""


def configure(app) -> None:
    """Read PAYMENT_* (environment, unless the app's config already has them) and check them at start-up."""
    cfg = app.config
    demo_or_test = bool(cfg.get("DEMO") or cfg.get("TESTING"))
    defaults = {
        "PAYMENT_BACKEND": "fake" if demo_or_test else ("payfip_ws" if os.environ.get("PAYMENT_NUMCLI") else ""),
        "PAYMENT_NUMCLI": "000000" if demo_or_test else "",
        "PAYMENT_SAISIE": "T",
        "PAYMENT_TIMEOUT": "15",
        # The fake bank's notifications: "http" (POSTed to the notification URL from a thread, at each delay in
        # seconds of PAYMENT_FAKE_DELAYS: several times, and late) or "manual" (kept for tests to deliver).
        "PAYMENT_FAKE_NOTIFY": "manual" if cfg.get("TESTING") and not cfg.get("DEMO") else "http",
        "PAYMENT_FAKE_DELAYS": "0,2,20",
        # Direct debit: the commune's creditor account and its ICS (Identifiant Créancier SEPA); the demo's are
        # fictitious (the Banque de France holds the Trésor public's accounts; FR72ZZZ123456 is the usual example).
        "PAYMENT_SEPA_NAME": "Régie Enfance (démonstration)" if demo_or_test else "",
        "PAYMENT_SEPA_IBAN": "FR7630001007941234567890185" if demo_or_test else "",
        "PAYMENT_SEPA_BIC": "BDFEFRPP" if demo_or_test else "",
        "PAYMENT_SEPA_ICS": "FR72ZZZ123456" if demo_or_test else "",
    }
    for name, default in defaults.items():
        if name not in cfg:
            cfg[name] = os.environ.get(name, default)
    backend = cfg["PAYMENT_BACKEND"]
    if backend not in BACKENDS:
        raise RuntimeError(f"PAYMENT_BACKEND must be payfip_ws, fake or empty, not {backend!r} (see README).")
    if backend == "fake" and not demo_or_test:
        raise RuntimeError("PAYMENT_BACKEND=fake is the demo's fake bank: never outside DEMO=1 or the tests.")
    if cfg["PAYMENT_SEPA_ICS"] or cfg["PAYMENT_SEPA_IBAN"]:
        from blueprints.payments import sepa

        if sepa.ics_problem(cfg["PAYMENT_SEPA_ICS"]):
            raise RuntimeError("PAYMENT_SEPA_ICS must be the commune's SEPA creditor identifier, e.g. FR72ZZZ123456.")
        account, problem = sepa.check_account(cfg["PAYMENT_SEPA_IBAN"], cfg["PAYMENT_SEPA_BIC"])
        if problem or not cfg["PAYMENT_SEPA_NAME"]:
            raise RuntimeError("PAYMENT_SEPA_IBAN, PAYMENT_SEPA_BIC and PAYMENT_SEPA_NAME must be the commune's "
                               f"creditor account ({problem or 'name missing'}).")
        cfg["PAYMENT_SEPA_IBAN"], cfg["PAYMENT_SEPA_BIC"] = account.iban, account.bic
    if backend == "payfip_ws":
        if not NUMCLI.match(cfg["PAYMENT_NUMCLI"] or ""):
            raise RuntimeError("PAYMENT_NUMCLI must be the 6-digit PayFiP client number given by the DGFiP.")
        if cfg["PAYMENT_SAISIE"] not in ("T", "X", "W"):
            raise RuntimeError("PAYMENT_SAISIE must be T (test), X (activation) or W (production).")


def enabled() -> bool:
    return bool(current_app.config.get("PAYMENT_BACKEND"))


def backend_name() -> str:
    return current_app.config.get("PAYMENT_BACKEND") or ""


def numcli() -> str:
    return current_app.config.get("PAYMENT_NUMCLI") or ""


def get_gateway():
    """The configured bank."""
    name = backend_name()
    if name == "payfip_ws":
        return PayfipGateway(numcli(), current_app.config["PAYMENT_SAISIE"],
                             timeout=int(current_app.config.get("PAYMENT_TIMEOUT") or 15))
    if name == "fake":
        from blueprints.payments import fakebank

        return fakebank.FakeGateway()
    raise GatewayError("online payment is not configured")


def cents_to_decimal(amount_cents: int) -> decimal.Decimal:
    return (decimal.Decimal(amount_cents) / 100).quantize(decimal.Decimal("0.01"))


class PayfipGateway:
    """PayFiP through eopayment's payfip_ws backend. `session`: a requests.Session for the SOAP client (tests mount
    an adapter on it to see the request the real backend builds, without the network)."""

    def __init__(self, numcli: str, saisie: str, *, timeout: int = 15, session=None):
        import eopayment
        from eopayment.payfip_ws import PayFiP

        self.numcli, self.saisie, self.timeout = numcli, saisie, timeout
        self.options = {"numcli": numcli, "saisie": saisie}
        self.session = session
        self._payment = eopayment
        self._payfip_class = PayFiP

    def _backend(self, notify_url: str = "", return_url: str = ""):
        payment = self._payment.Payment("payfip_ws", dict(self.options, normal_return_url=return_url,
                                                          automatic_return_url=notify_url))
        if self.session is not None:
            from zeep.transports import Transport

            payment.backend.payfip = self._payfip_class(
                zeep_client_kwargs={"transport": Transport(session=self.session)})
        return payment

    def create(self, *, refdet: str, amount_cents: int, email: str, exer: str, subject: str, notify_url: str,
               return_url: str) -> Redirect:
        from eopayment.payfip_ws import PayFiPError

        payment = self._backend(notify_url, return_url)
        try:
            idop, _kind, url = payment.request(cents_to_decimal(amount_cents), email=email, refdet=refdet, exer=exer,
                                               subject=subject, timeout=self.timeout)
        except (PayFiPError, ValueError) as error:
            raise GatewayError(str(error)) from error
        return Redirect(str(idop), url)

    def status(self, idop: str) -> BankAnswer | None:
        from eopayment.payfip_ws import PayFiPError

        payfip = self._backend().backend.payfip
        try:
            response = payfip.get_info_paiement(idop, timeout=self.timeout)
        except PayFiPError as error:
            if error.code == "P5":  # the operation exists and is still in progress
                return BankAnswer(idop, "", 0, "pending", self.numcli)
            if error.code == "P1":  # unknown to the bank
                return None
            raise GatewayError(f"{error.code} {error.message}") from error
        return answer_from_payfip(idop, response)


def answer_from_payfip(idop: str, response) -> BankAnswer:
    """recupererDetailPaiementSecurise's answer as a BankAnswer (montant is in cents)."""
    try:
        amount = int(response["montant"])
    except (TypeError, ValueError, KeyError):
        amount = -1
    return BankAnswer(idop=idop, refdet=str(response["refdet"] or ""), amount_cents=amount,
                      result=BANK_RESULTS.get(response["resultrans"] or "", "unknown"),
                      numcli=str(response["numcli"] or ""), test=response["saisie"] == "T")
