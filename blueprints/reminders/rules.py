"""Reminders (rappels): what to remind and when. Plain functions, no database, no Flask, no clock (`now` given).

- Week not booked: for an enrolled child, a week (Monday to Sunday) with open days and no booking at all is
  reminded from WEEK_NOTICE_DAYS days before the booking deadline of its first open day until that deadline; the
  weeks looked at are the next WEEKS_AHEAD after today.
- Certificate awaited: an absence still awaiting its certificate (or another after a refusal) is reminded from
  CERTIFICATE_NOTICE before the end of its window until that end.
- Document expiring: a validated document whose state is "expiring" (documents/rules.py) is reminded once per
  validity end (a newer document is a new thing to remind).
- Invoice due: an issued invoice with something left to pay, not collected by direct debit, is reminded from
  INVOICE_NOTICE_DAYS days before its due date until that date (once per invoice).
- Each is sent once per thing and per login (`key`), to the logins that did not turn that kind off.
"""

from __future__ import annotations

import datetime as dt

REMINDER_KINDS = ("week_unbooked", "certificate", "document_expiring", "invoice_due")
WEEK_NOTICE_DAYS = 3
WEEKS_AHEAD = 3
CERTIFICATE_NOTICE = dt.timedelta(hours=24)
INVOICE_NOTICE_DAYS = 5


def candidate_mondays(today: dt.date, weeks: int = WEEKS_AHEAD) -> list[dt.date]:
    """The Mondays of the `weeks` weeks after the one containing `today`."""
    monday = today - dt.timedelta(days=today.weekday())
    return [monday + dt.timedelta(weeks=n) for n in range(1, weeks + 1)]


def week_due(now: dt.datetime, deadline: dt.datetime | None, booked: bool,
             notice_days: int = WEEK_NOTICE_DAYS) -> bool:
    """Remind a week with open days (`deadline`: the booking deadline of its first one; None: no open day) and no
    booking, from `notice_days` days before that deadline until it passes."""
    if deadline is None or booked:
        return False
    return deadline - dt.timedelta(days=notice_days) <= now < deadline


def certificate_due(now: dt.datetime, awaited: bool, billable: bool, deadline: dt.datetime,
                    notice: dt.timedelta = CERTIFICATE_NOTICE) -> bool:
    """Remind an absence whose certificate is awaited (absences.rules.CERTIFICATE_EXPECTED: none received, or the
    last one refused) while a booking is still billable, in the last `notice` of its window."""
    return awaited and billable and deadline - notice <= now < deadline


def document_due(document_state: str, replaced: bool) -> bool:
    """Remind a document that expires soon and was not replaced yet."""
    return document_state == "expiring" and not replaced


def invoice_due(today: dt.date, due_date: dt.date, left_cents: int, by_direct_debit: bool,
                notice_days: int = INVOICE_NOTICE_DAYS) -> bool:
    """Remind an invoice with something left to pay that no direct debit will collect, from `notice_days` days
    before its due date until that date (after it, the invoice is late: the régie's reminders take over)."""
    if left_cents <= 0 or by_direct_debit:
        return False
    return due_date - dt.timedelta(days=notice_days) <= today <= due_date


def key(kind: str, subject: str, user_id: int) -> str:
    """The unique name of a reminder: the kind, the thing ("12:2026-11-30"), the login."""
    return f"{kind}:{subject}:u{user_id}"[:120]


def wanted(preference, kind: str) -> bool:
    """Whether a login wants `kind` (no preference row: every reminder is on)."""
    return preference is None or bool(getattr(preference, kind))
