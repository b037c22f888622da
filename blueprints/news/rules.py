"""Rules of the news (actualités): when an item shows, and to whom. Pure functions taking `now`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Audience:
    """Who an item is for: "all", or the families of `school_id`, or those of `activity_id`."""

    kind: str
    school_id: int | None = None
    activity_id: int | None = None


def published(publish_at: dt.datetime, now: dt.datetime) -> bool:
    """An item shows from its publication instant on (an item planned later stays hidden until then)."""
    return publish_at <= now


def concerns(audience: Audience, school_ids: set[int], activity_ids: set[int]) -> bool:
    """Whether an item is for a family whose children go to `school_ids` and are enrolled in `activity_ids`."""
    if audience.kind == "all":
        return True
    if audience.kind == "school":
        return audience.school_id in school_ids
    if audience.kind == "activity":
        return audience.activity_id in activity_ids
    return False


def audience_problem(audience: Audience) -> str | None:
    """A code when the audience is incomplete: "school" without a school, "activity" without an activity."""
    if audience.kind == "school" and audience.school_id is None:
        return "school_missing"
    if audience.kind == "activity" and audience.activity_id is None:
        return "activity_missing"
    if audience.kind not in ("all", "school", "activity"):
        return "unknown"
    return None


# A published item is announced by e-mail once; an item older than this when the job first sees it (the job was
# stopped for a while, or the item was published before e-mails existed) is not announced any more.
ANNOUNCE_WITHIN = dt.timedelta(days=7)


def to_announce(publish_at: dt.datetime, announced_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether an item is due its e-mail to the families at `now`: published, not announced yet, and recent."""
    return announced_at is None and published(publish_at, now) and now - publish_at <= ANNOUNCE_WITHIN
