"""Absence rules: how far back an absence may start, what it will do to each booking, until when a certificate can
be sent (a refused one re-opens the window), and when and how an absence can be withdrawn.

Pure functions, like reservations/rules.py (whose deadlines and effects they build on): no Flask, no session, no
clock; `now` (timezone-aware) is always a parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from blueprints.reservations import rules

# Statuses in which the family may (still) send a certificate, if the window is open and a booking is billable.
CERTIFICATE_EXPECTED = frozenset({"signalled", "refused"})
# What an absence does to one booking (plan and result alike):
#   cancel: still cancellable (not billed); absent: too late to cancel (billed unless justified);
#   unwait: removed from the waiting list; kept: already absent or justified (another absence), nothing changes.
EFFECTS = ("cancel", "absent", "unwait", "kept")


def earliest_start(now: dt.datetime, hours: int) -> dt.date:
    """The first day an absence may start at `now`: today, or an earlier day as long as a certificate could still
    be sent for it (that day's justification deadline, `hours` after its end, has not passed). With 48 hours, on
    a Monday morning: Saturday (Friday's window closed at Sunday 24:00)."""
    day = now.astimezone(rules.PARIS).date()
    while now < rules.justification_deadline(day - rules.ONE_DAY, hours):
        day -= rules.ONE_DAY
    return day


def planned_effect(state: str | None, locked: bool, blocked: bool = False) -> str | None:
    """What signalling an absence does to a booking in `state`: see EFFECTS (None: nothing booked).

    `locked`: the family can no longer change the slot (rules.change_deadline passed); `blocked`: cancelling it
    would leave a booking that needs it (a meal kept as absent needs its half-day): it is kept as absent too."""
    if state == "waiting":
        return "unwait"
    effect = rules.absence_effect(state, locked)
    if effect == "cancel" and blocked:
        return "absent"
    if effect is None and state in ("absent", "justified"):
        return "kept"
    return effect


def certificate_deadline(end_date: dt.date, hours: int, refused_at: dt.datetime | None = None) -> dt.datetime:
    """End (exclusive) of the window to send a certificate: `hours` after the absence's last day; after a refusal,
    `hours` after the refusal when that is later (so a family refused on the last day still has the same time to
    send another one)."""
    deadline = rules.justification_deadline(end_date, hours)
    if refused_at is not None:
        deadline = max(deadline, refused_at + dt.timedelta(hours=hours))
    return deadline


def can_send_certificate(status: str, billable: bool, deadline: dt.datetime, now: dt.datetime) -> bool:
    """True when the family may send a certificate now: none received yet (or the last one refused), a booking is
    still billable (kept as absent), and the window is open."""
    return status in CERTIFICATE_EXPECTED and billable and now < deadline


def justifies(received_at: dt.datetime, end_date: dt.date, hours: int, refused_at: dt.datetime | None) -> bool:
    """Whether a certificate received at `received_at` covers a booking of an activity whose window is `hours`
    (validating justifies only the bookings whose own window was open when the certificate arrived)."""
    return received_at < certificate_deadline(end_date, hours, refused_at)


@dataclass(frozen=True)
class Withdrawal:
    """What withdrawing an absence at a given moment does. `whole`: no day has started, the absence is withdrawn;
    otherwise it now ends `new_end` (today). Its bookings from `restore_from` on go back to "reserved"."""

    whole: bool
    restore_from: dt.date
    new_end: dt.date


def withdrawal(status: str, start: dt.date, end: dt.date, now: dt.datetime) -> Withdrawal | None:
    """Whether the family may withdraw the absence at `now`, and how (None: not any more).

    Possible while one of its days has not started (Europe/Paris, from 0 h): those days' bookings marked absent go
    back to "reserved" (a place is still held for them), while what the absence cancelled stays cancelled (the
    place may have gone to the waiting list). A day already started stays absent: if every day is still ahead the
    absence is withdrawn, else it ends today."""
    today = now.astimezone(rules.PARIS).date()
    if status == "withdrawn" or end <= today:
        return None
    return Withdrawal(whole=start > today, restore_from=max(start, today + rules.ONE_DAY),
                      new_end=end if start > today else today)
