"""Online payment rules (blueprints/payments/rules.py), table-driven: our bank reference, amounts PayFiP takes,
resuming an attempt, and what a bank answer does to an attempt."""

from __future__ import annotations

import datetime as dt

import pytest

from blueprints.payments import rules
from blueprints.payments.rules import Attempt, BankAnswer, Decision

T0 = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(("number", "token", "expected"), [
    ("F-2026-000123", "ABCDEF", "F2026000123XABCDEF"),
    ("F-2026-000123-très-long-numéro-de-facture", "ABCDEF", "F2026000123trslongnumrXABCDEF"),
    ("", "ABCDEF", "XABCDEF"),
])
def test_refdet(number, token, expected):
    refdet = rules.new_refdet(number, token)
    assert refdet == expected and rules.REFDET.match(refdet) and len(refdet) <= 30


def test_refdet_is_random_and_never_longer_than_30():
    refs = {rules.new_refdet("F-2026-000123") for _ in range(200)}
    assert len(refs) == 200 and all(len(r) <= 30 and rules.REFDET.match(r) for r in refs)


@pytest.mark.parametrize(("cents", "problem"), [(100, None), (99, "amount_too_small"), (0, "amount_too_small"),
                                                (100_000_00, None), (100_000_01, "amount_too_large"),
                                                (12.5, "amount_type"), (True, "amount_type"), ("100", "amount_type")])
def test_amount_problem(cents, problem):
    assert rules.amount_problem(cents) == problem


@pytest.mark.parametrize(("status", "minutes", "resumable", "expired"), [
    ("created", 0, True, False), ("created", 14, True, False), ("created", 15, False, True),
    ("paid", 1, False, False), ("refused", 1, False, False),
])
def test_resumable_and_expired(status, minutes, resumable, expired):
    now = T0 + dt.timedelta(minutes=minutes)
    assert rules.resumable(status, T0, now) is resumable
    assert rules.expired(status, T0, now) is expired


A = Attempt("REF1", 4560, "created", "123456")


def answer(result="paid", refdet="REF1", amount=4560, numcli="123456"):
    return BankAnswer("idop", refdet, amount, result, numcli)


@pytest.mark.parametrize(("attempt", "bank", "decision"), [
    (A, answer(), Decision("credited", "paid", credit=True)),
    (Attempt("REF1", 4560, "paid", "123456"), answer(), Decision("duplicate")),
    (Attempt("REF1", 4560, "expired", "123456"), answer(), Decision("credited_late", "paid", credit=True)),
    (Attempt("REF1", 4560, "abandoned", "123456"), answer(), Decision("credited_late", "paid", credit=True)),
    (None, answer(), Decision("unknown")),
    (A, None, Decision("unverified")),
    (A, answer(result="unknown"), Decision("unverified")),
    (A, answer(refdet="REF2"), Decision("wrong_reference")),
    (A, answer(amount=4559), Decision("wrong_amount")),
    (A, answer(amount=45600), Decision("wrong_amount")),
    (A, answer(numcli="654321"), Decision("wrong_client")),
    (A, answer(result="refused"), Decision("refused", "refused")),
    (A, answer(result="abandoned"), Decision("abandoned", "abandoned")),
    (Attempt("REF1", 4560, "paid", "123456"), answer(result="refused"), Decision("ignored")),
    (Attempt("REF1", 4560, "refused", "123456"), answer(result="abandoned"), Decision("ignored")),
    (A, answer(result="pending"), Decision("pending")),
])
def test_decide(attempt, bank, decision):
    assert rules.decide(attempt, bank) == decision
