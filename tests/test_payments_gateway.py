"""The real PayFiP backend (eopayment's payfip_ws, SOAP through zeep) as our gateway builds it, without the network:
a requests adapter mounted on the SOAP client's session answers as the DGFiP's service would and keeps what was
sent. Also the start-up checks of PAYMENT_*."""

from __future__ import annotations

import pytest
import requests
from requests.adapters import BaseAdapter
from support import _config

from app import create_app
from blueprints.payments import gateway
from blueprints.payments.rules import BankAnswer

ENVELOPE = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{}</soap:Body>'
            '</soap:Envelope>')
NS = "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/contrat_paiement_securise/" \
     "PaiementSecuriseService"


class FakeDgfip(BaseAdapter):
    """Answers creerPaiementSecurise and recupererDetailPaiementSecurise; `sent` keeps each request body."""

    def __init__(self, detail=None, fault=None):
        super().__init__()
        self.sent, self.detail, self.fault = [], detail, fault

    def send(self, request, **kwargs):
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        self.sent.append((request.url, body))
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        if self.fault:
            response.status_code = 500
            inner = (f'<soap:Fault><faultcode>soap:Server</faultcode><faultstring>fr.gouv.finances.cp.tpa.webservice.'
                     f'exceptions.FonctionnelleErreur</faultstring><detail><ns2:FonctionnelleErreur xmlns:ns2="{NS}">'
                     f'<code>{self.fault}</code><descriptif>x</descriptif><severite>2</severite>'
                     f'</ns2:FonctionnelleErreur></detail></soap:Fault>')
        elif "creerPaiementSecurise" in body:
            inner = f'<ns2:creerPaiementSecuriseResponse xmlns:ns2="{NS}"><return><idOp>idop-42</idOp></return>' \
                    f'</ns2:creerPaiementSecuriseResponse>'
        else:
            fields = "".join(f"<{k}>{v}</{k}>" for k, v in self.detail.items())
            inner = f'<ns2:recupererDetailPaiementSecuriseResponse xmlns:ns2="{NS}"><return>{fields}</return>' \
                    f'</ns2:recupererDetailPaiementSecuriseResponse>'
        response._content = ENVELOPE.format(inner).encode()
        response.url, response.request = request.url, request
        return response

    def close(self):
        pass


def session_with(adapter):
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def test_create_sends_numcli_refdet_amount_in_cents_and_email():
    dgfip = FakeDgfip()
    bank = gateway.PayfipGateway("123456", "T", session=session_with(dgfip))
    redirect = bank.create(refdet="F2026000123XABCDEF", amount_cents=4560, email="parent@example.org", exer="2026",
                           subject="Facture F-2026-000123", notify_url="https://portail.example.org/paiement/notif",
                           return_url="https://portail.example.org/paiement/F2026000123XABCDEF/retour")
    assert redirect.idop == "idop-42"
    assert redirect.url == "https://www.payfip.gouv.fr/tpa/paiementws.web?idop=idop-42"
    url, body = dgfip.sent[0]
    assert url == "https://www.payfip.gouv.fr/tpa/services/securite"
    for expected in ("<numcli>123456</numcli>", "<montant>4560</montant>", "<refdet>F2026000123XABCDEF</refdet>",
                     "<mel>parent@example.org</mel>", "<saisie>T</saisie>", "<exer>2026</exer>",
                     "<urlnotif>https://portail.example.org/paiement/notif</urlnotif>",
                     "<urlredirect>https://portail.example.org/paiement/F2026000123XABCDEF/retour</urlredirect>"):
        assert expected in body


@pytest.mark.parametrize(("resultrans", "result"), [("P", "paid"), ("V", "paid"), ("R", "refused"),
                                                    ("Z", "refused"), ("A", "abandoned"), ("Q", "unknown")])
def test_status_reads_the_banks_answer(resultrans, result):
    detail = {"dattrans": "23112026", "exer": "2026", "heurtrans": "0912", "idOp": "idop-42", "mel": "p@example.org",
              "montant": "4560", "numauto": "112233", "numcli": "123456", "objet": "Facture",
              "refdet": "F2026000123XABCDEF", "resultrans": resultrans, "saisie": "T"}
    bank = gateway.PayfipGateway("123456", "T", session=session_with(FakeDgfip(detail)))
    assert bank.status("idop-42") == BankAnswer("idop-42", "F2026000123XABCDEF", 4560, result, "123456", test=True)


def test_status_unknown_and_in_progress_operations():
    assert gateway.PayfipGateway("123456", "T", session=session_with(FakeDgfip(fault="P1"))).status("x") is None
    pending = gateway.PayfipGateway("123456", "T", session=session_with(FakeDgfip(fault="P5"))).status("x")
    assert pending.result == "pending"
    with pytest.raises(gateway.GatewayError):
        gateway.PayfipGateway("123456", "T", session=session_with(FakeDgfip(fault="P3"))).status("x")


def test_bank_refusing_the_request_is_a_gateway_error():
    bank = gateway.PayfipGateway("123456", "T", session=session_with(FakeDgfip(fault="R3")))
    with pytest.raises(gateway.GatewayError):
        bank.create(refdet="A1", amount_cents=1000, email="parent@example.org", exer="2026", subject="x",
                    notify_url="https://e.org/n", return_url="https://e.org/r")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"PAYMENT_BACKEND": "fake", "TESTING": False, "DEMO": False}, "fake bank"),
    ({"PAYMENT_BACKEND": "payfip_ws", "PAYMENT_NUMCLI": "12345"}, "PAYMENT_NUMCLI"),
    ({"PAYMENT_BACKEND": "payfip_ws", "PAYMENT_NUMCLI": "123456", "PAYMENT_SAISIE": "Q"}, "PAYMENT_SAISIE"),
    ({"PAYMENT_BACKEND": "stripe"}, "PAYMENT_BACKEND"),
])
def test_start_up_refuses_bad_payment_settings(overrides, message, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://portail.example.org")
    config = dict(_config("sqlite://"), SECRET_KEY="x", **overrides)
    with pytest.raises(RuntimeError, match=message):
        create_app(config)


def test_fake_bank_is_not_served_with_the_real_backend():
    app = create_app(dict(_config("sqlite://"), PAYMENT_BACKEND="payfip_ws", PAYMENT_NUMCLI="123456"))
    assert "fake_payfip" not in app.blueprints
    assert app.config["PAYMENT_BACKEND"] == "payfip_ws"
