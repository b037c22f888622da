"""What a calendar link may do, as pure functions (standard library only, no Flask, no clock).

A link's secret is secrets.token_urlsafe(TOKEN_BYTES): 43 characters. `decide` says what a parent's request about
a link does: creating is one click; changing or deleting it needs a confirmed request that names the link it
replaces (its fingerprint), so a forged or replayed request never changes a link the parent did not see.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}", re.ASCII)  # what secrets.token_urlsafe(32) produces
PAST_DAYS = 31  # the feed starts a month ago
MAX_DAYS = 400  # and covers at most about 13 months
REFRESH = dt.timedelta(hours=1)  # what the feed asks calendar applications (they may wait longer)

ACTIONS = ("create", "rotate", "delete")
CONFIRMED = "oui"

# Outcomes of `decide`
CREATE, EXISTS, ASK, ROTATE, DELETE, NO_LINK, STALE = "create", "exists", "ask", "rotate", "delete", "no_link", "stale"


def well_formed(token: str) -> bool:
    """Whether `token` looks like a secret we hand out (anything else is not even looked up)."""
    return bool(TOKEN_SHAPE.fullmatch(token))


def fingerprint(token: str | None) -> str:
    """A short, non-secret name for a link, carried by the confirm form: "" when there is no link."""
    return hashlib.sha256(token.encode()).hexdigest()[:16] if token else ""


def decide(action: str, current: str | None, confirmed: str, sent_fingerprint: str) -> str | None:
    """What a request about a link does; None for an unknown action (a bad request).

    - create: CREATE when there is no link, else EXISTS (a replay keeps the working link);
    - rotate / delete: NO_LINK without a link; ASK (the confirm page) unless the request is confirmed and names
      the current link; STALE when it is confirmed but names another link (already changed: a replay, another
      tab); else ROTATE / DELETE.
    """
    if action not in ACTIONS:
        return None
    if action == "create":
        return EXISTS if current else CREATE
    if not current:
        return NO_LINK
    if confirmed != CONFIRMED or not sent_fingerprint:
        return ASK
    if sent_fingerprint != fingerprint(current):
        return STALE
    return ROTATE if action == "rotate" else DELETE


def feed_range(today: dt.date, last_enrolment_end: dt.date | None) -> tuple[dt.date, dt.date]:
    """From a month ago to the end of the enrolment periods (at least today, at most MAX_DAYS from the start)."""
    start = today - dt.timedelta(days=PAST_DAYS)
    end = max(last_enrolment_end or today, today)
    return start, min(end, start + dt.timedelta(days=MAX_DAYS))
