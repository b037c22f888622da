"""Calendar links: the only writer of `Family.calendar_token` and `Person.calendar_token`, and the look-ups of a
feed by its secret.

A secret opens a feed only while the family has an active parent login: when the service Enfance deactivates a
family's accounts (the family left the commune), its calendar links stop working with them, without anyone having
to think of it. Re-activating an account brings the same links back.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from sqlalchemy import exists, func, select

from blueprints.feeds import rules
from models import Enrollment, Family, Period, Person, User, db

log = logging.getLogger(__name__)


def change_link(owner: Family | Person, action: str, confirmed: str, sent_fingerprint: str,
                actor_id: int) -> str | None:
    """Create, change or delete the link of a family or a child as `rules.decide` says; returns its outcome
    (None: unknown action). Writes only for CREATE, ROTATE and DELETE, flushes; the route commits."""
    outcome = rules.decide(action, owner.calendar_token, confirmed, sent_fingerprint)
    if outcome in (rules.CREATE, rules.ROTATE):
        owner.calendar_token = secrets.token_urlsafe(rules.TOKEN_BYTES)
    elif outcome == rules.DELETE:
        owner.calendar_token = None
    else:
        return outcome
    # The trail of who changed which link (no audit table for links: the application log keeps it).
    log.info("calendar link %s: %s %s by user %s", outcome, type(owner).__name__.lower(), owner.id, actor_id)
    db.session.flush()
    return outcome


def _family_can_log_in(family_id):
    return exists().where(User.family_id == family_id, User.role == "parent", User.active.is_(True))


def family_for_token(token: str) -> Family | None:
    """The family whose feed this secret opens, or None (the same for malformed, unknown, revoked or inactive)."""
    if not rules.well_formed(token):
        return None
    return db.session.execute(
        select(Family).where(Family.calendar_token == token, _family_can_log_in(Family.id))
    ).scalar_one_or_none()


def child_for_token(token: str) -> Person | None:
    """The child whose feed this secret opens, or None (the same for malformed, unknown, revoked or inactive)."""
    if not rules.well_formed(token):
        return None
    return db.session.execute(
        select(Person).where(Person.calendar_token == token, Person.role == "child",
                             _family_can_log_in(Person.family_id))
    ).scalar_one_or_none()


def children_of(family_id: int) -> list[Person]:
    """The family's children in the dashboard's order (eldest first), one query."""
    children = db.session.execute(
        select(Person).where(Person.family_id == family_id, Person.role == "child")
    ).scalars().all()
    return sorted(children, key=lambda p: (p.birth_date or dt.date.min, p.id))


def last_enrolment_end(child_ids) -> dt.date | None:
    """The last day of the enrolment periods of these children (one query), None without any enrolment."""
    if not child_ids:
        return None
    return db.session.scalar(
        select(func.max(Period.end_date)).join(Enrollment, Enrollment.period_id == Period.id)
        .where(Enrollment.child_id.in_(list(child_ids)))
    )
