"""SEPA rules (blueprints/payments/sepa.py), table-driven with real French bank examples: IBAN and BIC (schwifty),
the creditor identifier (python-stdnum), the mandate reference, the sequence, and the pain.008 file validated
against its schema."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from blueprints.payments import sepa

SIGNED = dt.date(2026, 12, 3)


@pytest.mark.parametrize(("typed", "bic", "iban", "expected_bic"), [
    # La Banque Postale's own example RIB, as printed (groups of 4, a letter in the account number)
    ("FR14 2004 1010 0505 0001 3M02 606", "", "FR1420041010050500013M02606", "PSSTFRPP"),
    # the usual French example (Crédit Agricole), typed in lower case with no spaces
    ("fr7630006000011234567890189", "", "FR7630006000011234567890189", "AGRIFRPPXXX"),
    # Banque de France (the Trésor public's accounts), with dashes and dots
    ("FR76-3000-1007-9412.3456.7890-185", "", "FR7630001007941234567890185", "BDFEFRPP"),
    # a BIC typed on the RIB is kept as typed (compact)
    ("FR14 2004 1010 0505 0001 3M02 606", "psst fr pp par", "FR1420041010050500013M02606", "PSSTFRPPPAR"),
    # a German account in the SEPA zone
    ("DE89 3704 0044 0532 0130 00", "", "DE89370400440532013000", "COBADEFFXXX"),
])
def test_valid_accounts(typed, bic, iban, expected_bic):
    account, problem = sepa.check_account(typed, bic)
    assert problem is None
    assert (account.iban, account.bic) == (iban, expected_bic)
    assert account.iban_formatted.replace(" ", "") == iban
    assert account.iban_masked.startswith(iban[:4]) and iban[4:10] not in account.iban_masked.replace(" ", "")


@pytest.mark.parametrize(("typed", "bic", "problem"), [
    ("", "", "iban_empty"),
    ("   ", "", "iban_empty"),
    ("FR76 3000 6000 0112 3456 7890 188", "", "iban_checksum"),  # last digit wrong
    ("FR14 2004 1010 0505 0001 3M02 60", "", "iban_length"),  # one character short
    ("FR76 3000 6000 0112 3456 7890 1890", "", "iban_length"),
    ("RIB 30006 00001 12345678901 89", "", "iban_format"),
    ("Œuvre d'art 💶", "", "iban_format"),
    ("X" * 10_000, "", "iban_format"),
    ("BR18 0036 0305 0000 1000 9795 493C 1", "", "iban_not_sepa"),
    ("FR14 2004 1010 0505 0001 3M02 606", "PSSTFRP", "bic_invalid"),
    ("FR14 2004 1010 0505 0001 3M02 606", "DEUTDEFF", "bic_country"),
])
def test_refused_accounts(typed, bic, problem):
    assert sepa.check_account(typed, bic) == (None, problem)


@pytest.mark.parametrize(("ics", "problem"), [("FR72ZZZ123456", None), ("FR72 ZZZ 123456", None),
                                              ("FR73ZZZ123456", "ics_invalid"), ("", "ics_missing"),
                                              ("FR7630006000011234567890189", "ics_invalid")])
def test_creditor_identifier(ics, problem):
    assert sepa.ics_problem(ics) == problem


def test_rum_is_unique_short_sepa_and_never_the_iban():
    rums = {sepa.new_rum("2026-0042", SIGNED) for _ in range(300)}
    assert len(rums) == 300
    for rum in rums:
        assert len(rum) <= 35 and sepa.RUM_CHARS.match(rum) and rum.startswith("RUM-2026-0042-20261203-")
        assert "30006" not in rum and "FR76" not in rum
    assert sepa.new_rum("Dossier n° 2026/0042 très long", SIGNED, "ABCDEF") == "RUM-Dossiern2026-20261203-ABCDEF"


@pytest.mark.parametrize(("before", "sequence"), [(False, "FRST"), (True, "RCUR")])
def test_sequence(before, sequence):
    assert sepa.sequence(before) == sequence


def collection(n, sequence, amount, holder="Camille Lefèvre-Œillet"):
    return sepa.Collection(f"PRLV-1-{n}-{n}", holder, "FR1420041010050500013M02606", "PSSTFRPP",
                           f"RUM-2026-000{n}-20261203-ABCDEF", SIGNED, sequence, amount, f"Facture F-2026-00000{n}")


def test_pain008_validates_and_says_what_it_collects():
    creditor = sepa.Creditor("Régie Enfance de Démo-sur-Loire", "FR7630001007941234567890185", "BDFEFRPP",
                             "FR72ZZZ123456")
    xml = sepa.Pain008Exporter().export(creditor, dt.date(2027, 1, 5),
                                        [collection(1, "FRST", 4560), collection(2, "RCUR", 1205),
                                         collection(3, "RCUR", 99)])
    schema = etree.XMLSchema(etree.parse(str(
        __import__("pathlib").Path(__import__("sepaxml").__file__).parent / "schemas" / "pain.008.001.02.xsd")))
    document = etree.fromstring(xml)
    schema.assertValid(document)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
    assert document.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns) == "3"
    assert document.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "58.64"
    sequences = sorted(e.text for e in document.iterfind(".//p:PmtTpInf/p:SeqTp", ns))
    assert sequences == ["FRST", "RCUR"]  # one payment block per sequence
    assert [e.text for e in document.iterfind(".//p:CdtrSchmeId//p:Othr/p:Id", ns)] == ["FR72ZZZ123456"] * 2
    assert document.findtext(".//p:ReqdColltnDt", namespaces=ns) == "2027-01-05"
    assert {e.text for e in document.iterfind(".//p:MndtId", ns)} == {f"RUM-2026-000{n}-20261203-ABCDEF"
                                                                       for n in (1, 2, 3)}
    assert "<Nm>Camille Lefevre-OEillet</Nm>" in xml.decode()  # the SEPA character set: accents spelled out
