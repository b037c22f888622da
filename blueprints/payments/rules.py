"""Online payment rules: our reference for the bank (refdet), when an attempt may be resumed, and what a
notification does. Pure: no Flask, no database, the time is a parameter.

A notification (or the parent's return) only names the bank's operation (idop). What happened is always asked back
to the bank (`gateway.status`): the notification's own content is never believed. `decide` then compares the
bank's answer with the attempt we recorded: same reference, same amount, same client number, and a status that can
still move. Every outcome is logged; only "credited" and "credited_late" record a payment.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

REFDET = re.compile(r"^[A-Za-z0-9]{1,30}$")
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone to the Trésorerie
# The bank's operation is valid 15 minutes; until then the same attempt is resumed rather than a second one made
# (two payments of the same invoice); after that it is closed as expired (a late "paid" is still credited).
ATTEMPT_VALIDITY = dt.timedelta(minutes=15)
FINAL = frozenset({"paid", "refused", "abandoned", "expired"})
# Bank results (eopayment's payfip_ws: P/V paid, R/Z refused, A abandoned) as our words.
BANK_RESULTS = {"P": "paid", "V": "paid", "R": "refused", "Z": "refused", "A": "abandoned"}


def new_refdet(invoice_number: str, token: str | None = None) -> str:
    """Our reference for one attempt: the invoice number's letters and digits, "X" and 6 random characters
    ("F2026000123X7K2Q9D"); at most 30 characters, unique in the database (a clash is retried by the service)."""
    stem = re.sub(r"[^A-Za-z0-9]", "", invoice_number)[:22]
    token = token or "".join(secrets.choice(ALPHABET) for _ in range(6))
    refdet = f"{stem}X{token}"
    if not REFDET.match(refdet):
        raise ValueError(f"refdet {refdet!r} is not 1 to 30 letters and digits")
    return refdet


def amount_problem(amount_cents: int) -> str | None:
    """PayFiP takes 1.00 EUR to 100,000 EUR."""
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool):
        return "amount_type"
    if amount_cents < 100:
        return "amount_too_small"
    if amount_cents > 100_000_00:
        return "amount_too_large"
    return None


def resumable(status: str, created_at: dt.datetime, now: dt.datetime) -> bool:
    """An attempt still open at the bank: the parent goes back to it instead of starting another."""
    return status == "created" and now - created_at < ATTEMPT_VALIDITY


def expired(status: str, created_at: dt.datetime, now: dt.datetime) -> bool:
    return status == "created" and now - created_at >= ATTEMPT_VALIDITY


@dataclass(frozen=True)
class Attempt:
    """What we recorded when we sent the parent to the bank."""

    refdet: str
    amount_cents: int
    status: str
    numcli: str = ""


@dataclass(frozen=True)
class Redirect:
    """Where the bank's payment page waits for the parent: its operation id and the address to send them to."""

    idop: str
    url: str


@dataclass(frozen=True)
class BankAnswer:
    """What the bank says about an operation when asked (never what a notification claims)."""

    idop: str
    refdet: str
    amount_cents: int
    result: str  # paid, refused, abandoned, pending, unknown
    numcli: str = ""
    test: bool = False


@dataclass(frozen=True)
class Decision:
    outcome: str  # see OUTCOMES
    status: str | None = None  # the attempt's new status, None: unchanged
    credit: bool = False


OUTCOMES = ("credited", "credited_late", "duplicate", "unknown", "unverified", "wrong_reference", "wrong_amount",
            "wrong_client", "pending", "refused", "abandoned", "ignored")


def decide(attempt: Attempt | None, answer: BankAnswer | None) -> Decision:
    """What a notification or a return does, from the attempt it names and the bank's own answer.

    - no attempt with that idop: "unknown" (forged, or another site's); the bank has no such operation or could
      not be asked: "unverified". Nothing credited.
    - the bank's reference, client number or amount differ from ours: "wrong_reference", "wrong_client",
      "wrong_amount": nothing credited, the attempt untouched (an agent looks at the log).
    - paid: "credited" the first time, "credited_late" if the attempt had been closed as expired, abandoned or
      refused meanwhile (the money was taken: it counts), "duplicate" once paid.
    - refused or abandoned: the attempt says so, unless it is already final ("ignored").
    - still in progress at the bank: "pending".
    """
    if attempt is None:
        return Decision("unknown")
    if answer is None or answer.result == "unknown":
        return Decision("unverified")
    if answer.refdet != attempt.refdet:
        return Decision("wrong_reference")
    if attempt.numcli and answer.numcli and answer.numcli != attempt.numcli:
        return Decision("wrong_client")
    if answer.amount_cents != attempt.amount_cents:
        return Decision("wrong_amount")
    if answer.result == "paid":
        if attempt.status == "paid":
            return Decision("duplicate")
        return Decision("credited" if attempt.status == "created" else "credited_late", "paid", credit=True)
    if answer.result in ("refused", "abandoned"):
        if attempt.status in FINAL:
            return Decision("ignored")
        return Decision(answer.result, answer.result)
    return Decision("pending")
