"""Agents' administration: the sites (schools) a site agent works on, and the recovery codes of two-factor
authentication."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from schema.base import UTCDateTime, db, utcnow


class AgentSite(db.Model):
    """A site (a School) an agent with the role "site" works on: they see that site's lists only."""

    __tablename__ = "agent_site"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), primary_key=True)


class RecoveryCode(db.Model):
    """A single-use recovery code of an agent's two-factor authentication. Only a keyed hash is kept."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
