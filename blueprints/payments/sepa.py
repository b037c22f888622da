"""SEPA direct debit rules: IBAN and BIC (schwifty), the creditor identifier ICS (python-stdnum, `stdnum.eu.at_02`),
the mandate reference RUM, the sequence of a collection (FRST, then RCUR), and the exporter of a due date's
collections. Pure: no Flask, no database, the date is a parameter.

The exporter is one class with one method (`Pain008Exporter.export`): a commune whose Trésorerie wants another
format (PES v2 ORMC on Hélios) gets another class with the same method, chosen by configuration.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import at_02

RUM_MAX = 35
# Characters the SEPA rulebook allows in a mandate reference (and in end-to-end ids).
RUM_CHARS = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _compact(text: str) -> str:
    return re.sub(r"[\s.\-]", "", text or "").upper()


@dataclass(frozen=True)
class Account:
    iban: str  # compact: FR7630006000011234567890189
    bic: str  # 8 or 11 characters
    bank_name: str = ""

    @property
    def iban_formatted(self) -> str:
        return " ".join(self.iban[i:i + 4] for i in range(0, len(self.iban), 4))

    @property
    def iban_masked(self) -> str:
        """ "FR76 **** **** **** **** ***0 189": enough for the family to recognise their account."""
        shown = self.iban[:4] + "*" * (len(self.iban) - 8) + self.iban[-4:]
        return " ".join(shown[i:i + 4] for i in range(0, len(shown), 4))


def check_account(iban_text: str, bic_text: str = "") -> tuple[Account | None, str | None]:
    """(Account, None) for a valid IBAN of the SEPA zone and its BIC (typed, or the bank's known one), else
    (None, problem code): iban_empty, iban_checksum, iban_length, iban_format, iban_not_sepa, bic_invalid,
    bic_country, bic_needed."""
    raw = _compact(iban_text)
    if not raw:
        return None, "iban_empty"
    try:
        iban = IBAN(raw)
    except SchwiftyException as error:
        name = type(error).__name__
        return None, {"InvalidChecksumDigits": "iban_checksum", "InvalidLength": "iban_length",
                      "InvalidBBANChecksum": "iban_checksum"}.get(name, "iban_format")
    if not iban.in_sepa_zone:
        return None, "iban_not_sepa"
    bic_raw = _compact(bic_text)
    if bic_raw:
        try:
            bic = BIC(bic_raw)
        except SchwiftyException:
            return None, "bic_invalid"
        if bic.country_code != iban.country_code and not (iban.country_code in FR_TERRITORIES
                                                          and bic.country_code in FR_TERRITORIES):
            return None, "bic_country"
        bic_value = str(bic.compact)
    elif iban.bic is not None:
        bic_value = str(iban.bic.compact)
    else:
        return None, "bic_needed"
    return Account(str(iban.compact), bic_value, getattr(iban, "bank_name", "") or ""), None


# Monaco and the overseas territories have IBANs of their own country codes but French banks.
FR_TERRITORIES = {"FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"}


def ics_problem(ics: str) -> str | None:
    """The creditor identifier (Identifiant Créancier SEPA, "FR72ZZZ123456"), checked with python-stdnum."""
    if not ics:
        return "ics_missing"
    return None if at_02.is_valid(ics) else "ics_invalid"


def new_rum(family_number: str, signed_on: dt.date, token: str | None = None) -> str:
    """A mandate reference: "RUM-", the family's dossier number, the signature date and 6 random characters
    ("RUM-2026-0042-20261203-7K2Q9D"); at most 35 characters of the SEPA set, unique in the database (a clash takes
    another token), and never derived from the IBAN."""
    stem = re.sub(r"[^A-Za-z0-9\-]", "", family_number)[:12]
    token = token or "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(6))
    rum = f"RUM-{stem}-{signed_on:%Y%m%d}-{token}"
    if len(rum) > RUM_MAX or not RUM_CHARS.match(rum):
        raise ValueError(f"RUM {rum!r} is not valid")
    return rum


def sequence(collected_before: bool) -> str:
    """FRST for a mandate's first collection, RCUR for the next ones."""
    return "RCUR" if collected_before else "FRST"


@dataclass(frozen=True)
class Creditor:
    name: str
    iban: str
    bic: str
    ics: str


@dataclass(frozen=True)
class Collection:
    """One debit of a due date: the family's account, the mandate, the amount in cents, the invoice it pays."""

    end_to_end_id: str
    holder: str
    iban: str
    bic: str
    rum: str
    signed_on: dt.date
    sequence: str
    amount_cents: int
    label: str


class Pain008Exporter:
    """SEPA Direct Debit Core, pain.008.001.02, through sepaxml (validated against the schema it ships)."""

    media_type = "application/xml"
    extension = "xml"
    name = "pain.008.001.02"

    def export(self, creditor: Creditor, due_date: dt.date, collections: list[Collection]) -> bytes:
        from sepaxml import SepaDD

        sepa = SepaDD({"name": creditor.name[:70], "IBAN": creditor.iban, "BIC": creditor.bic, "batch": True,
                       "creditor_id": creditor.ics, "currency": "EUR", "instrument": "CORE"},
                      schema="pain.008.001.02", clean=True)
        for item in collections:
            sepa.add_payment({"name": item.holder, "IBAN": item.iban, "BIC": item.bic, "amount": item.amount_cents,
                              "type": item.sequence, "collection_date": due_date, "mandate_id": item.rum,
                              "mandate_date": item.signed_on, "description": item.label,
                              "endtoend_id": item.end_to_end_id})
        return sepa.export(validate=True)


EXPORTERS = {"pain008": Pain008Exporter}
