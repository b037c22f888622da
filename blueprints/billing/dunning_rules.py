"""Relances of late invoices (pure; `today` given): which relance an invoice is due, if any.

An invoice is late the day after its due date while something is left to pay on it. Its relances, in order:
- level 1: an e-mail to the family's logins (the ones that take invoice e-mails), or a letter when there are none;
- level 2: a letter, once the first relance is `letter_after_days` days old (LETTER_AFTER_DAYS by default,
  INVOICE_LETTER_AFTER_DAYS in the configuration).
Each level is sent once (the table's unique (invoice, level) makes sure of it); a paid or credited invoice gets none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from blueprints.billing.rules import PARIS

LETTER_AFTER_DAYS = 15
# A late invoice of a family with an active mandate is left to the direct debit (no relance) this many days past its
# due date; after that nobody should wait for it any more: its relances apply.
DEBIT_PENDING_DAYS = 30
LEVELS = (1, 2)
# Why no relance is due: settled (paid, credited, nothing left), debit (the family's direct debit will collect it),
# not_late (due date not passed), wait (the letter comes `from_day`), done (both levels sent).
REASONS = ("settled", "debit", "not_late", "wait", "done")


@dataclass(frozen=True)
class Sent:
    """A relance already sent: its level, channel ("email", "letter") and day (Europe/Paris)."""

    level: int
    channel: str
    on: dt.date


@dataclass(frozen=True)
class Step:
    """The next relance of an invoice: `level` and `channel` when one is due now; otherwise `reason` (REASONS) and,
    for "not_late" and "wait", `from_day`, the first day it will be."""

    level: int | None = None
    channel: str | None = None
    reason: str | None = None
    from_day: dt.date | None = None

    @property
    def due(self) -> bool:
        return self.level is not None


def sent_day(instant: dt.datetime) -> dt.date:
    """The day (Europe/Paris) a relance was sent."""
    return instant.astimezone(PARIS).date()


def next_step(status: str, left_cents: int, due_date: dt.date, today: dt.date, sent: Iterable[Sent],
              has_email: bool, letter_after_days: int = LETTER_AFTER_DAYS, *, by_debit: bool = False) -> Step:
    """What relance `today` allows for an invoice in `status` ("unpaid", "paid", "credited") with `left_cents` left
    to pay, given the relances already `sent` and whether a login of the family takes invoice e-mails. `by_debit`:
    the family's active mandate will collect this invoice (it was never in a direct-debit file): the family has
    nothing to do, so no relance (a rejected collection is not collected again: that invoice gets its relances)."""
    if status != "unpaid" or left_cents <= 0:
        return Step(reason="settled")
    if by_debit:
        return Step(reason="debit")
    if today <= due_date:
        return Step(reason="not_late", from_day=due_date + dt.timedelta(days=1))
    by_level = {s.level: s for s in sent}
    if 2 in by_level:
        return Step(reason="done")
    if 1 not in by_level:
        return Step(level=1, channel="email" if has_email else "letter")
    letter_day = by_level[1].on + dt.timedelta(days=max(letter_after_days, 0))
    if today < letter_day:
        return Step(reason="wait", from_day=letter_day)
    return Step(level=2, channel="letter")
