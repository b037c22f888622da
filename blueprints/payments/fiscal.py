"""Attestation fiscale (frais de garde des jeunes enfants, art. 200 quater B du CGI): what the family actually
paid in a calendar year for each child under 6 on 1 January, the qualifying care (accueil périscolaire, accueil de
loisirs) apart from meals, which do not qualify. Pure: no Flask, no database.

A payment pays an invoice; an invoice has lines per child and unit. The money paid in the year on an invoice is
shared among its lines in proportion to their amounts (largest remainder: the cents add up exactly), so an invoice
half paid in December and half in January counts half in each year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

CEILING_CENTS = 3_500_00  # the expenses retained per child (the tax credit is half of them)


def under_six(birth_date: dt.date | None, year: int) -> bool:
    """Under 6 on 1 January of the year: born in year - 6 or later (the administration counts a child born on
    1 January six years before as in), and born by the end of the year."""
    return birth_date is not None and year - 6 <= birth_date.year <= year


def is_meal(slot: str, line_kind: str) -> bool:
    """Meals (restauration scolaire, the leisure centre's meal, a PAI packed lunch) do not qualify."""
    return slot == "meal" or line_kind.startswith("pai")


def share(total: int, weights: list[int]) -> list[int]:
    """`total` cents shared in proportion to `weights`, in whole cents adding up to `total` (largest remainder)."""
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    exact = [total * w for w in weights]
    parts = [e // whole for e in exact]
    left = total - sum(parts)
    for i in sorted(range(len(weights)), key=lambda i: (-(exact[i] % whole), i))[:left]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class Line:
    child_id: int | None
    amount_cents: int
    meal: bool


@dataclass(frozen=True)
class PaidInvoice:
    total_cents: int
    paid_in_year_cents: int
    lines: tuple[Line, ...]


@dataclass
class ChildRow:
    child_id: int
    name: str
    birth_date: dt.date
    care_cents: int = 0
    meal_cents: int = 0

    @property
    def retained_cents(self) -> int:
        """The qualifying care, at most the ceiling."""
        return min(self.care_cents, CEILING_CENTS)


@dataclass
class Attestation:
    year: int
    rows: list[ChildRow] = field(default_factory=list)

    @property
    def care_cents(self) -> int:
        return sum(r.care_cents for r in self.rows)

    @property
    def meal_cents(self) -> int:
        return sum(r.meal_cents for r in self.rows)


def attestation(year: int, children: list[tuple[int, str, dt.date | None]], invoices: list[PaidInvoice]
                ) -> Attestation:
    """The attestation of `year`: one row per child under 6 on 1 January (even with nothing paid), care and meals
    paid in the year."""
    rows = {cid: ChildRow(cid, name, birth) for cid, name, birth in children if under_six(birth, year)}
    for invoice in invoices:
        paid = min(invoice.paid_in_year_cents, invoice.total_cents)
        for line, part in zip(invoice.lines, share(paid, [max(x.amount_cents, 0) for x in invoice.lines]),
                              strict=True):
            row = rows.get(line.child_id)
            if row is None:
                continue
            if line.meal:
                row.meal_cents += part
            else:
                row.care_cents += part
    return Attestation(year, sorted(rows.values(), key=lambda r: (r.birth_date, r.child_id)))
