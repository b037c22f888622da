"""Accounts a family opens itself: dossier keys ("clé enfance"), e-mail changes, notification preferences.

(The logins themselves, their links and sessions are in schema/accounts.py.)"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.accounts import User
from schema.base import UTCDateTime, db, utcnow
from schema.families import Family


class DossierKey(db.Model):
    """The family's "clé enfance", sent by post, with which a guardian opens an account on the portal.

    One per family: a regenerated key replaces the old one (same row). Only a SHA-256 of the key is kept; it is
    single use (`used_at`)."""

    __tablename__ = "dossier_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    used_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    family: Mapped[Family] = relationship()


class EmailChange(db.Model):
    """A change of login e-mail waiting for its confirmation link (sent to the new address, valid 24 h)."""

    __tablename__ = "email_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    new_email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class NotificationPreference(db.Model):
    """Whether a login wants one kind of e-mail (accounts/rules.py NOTIFICATION_KINDS). No row: the kind's default."""

    __tablename__ = "notification_preference"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


ACCOUNT_REQUEST_STATUSES = ("pending", "accepted", "refused")


class AccountRequest(db.Model):
    """A family without a dossier key asks for an account: pending until an agent validates it (the family file,
    the guardian's login and its activation link are created) or refuses it with a reason. The requester follows
    it through a private link (only a SHA-256 of its secret is kept)."""

    __tablename__ = "account_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    civility: Mapped[str] = mapped_column(String(10), default="")
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(30), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    # The children as typed: [{"first_name": ..., "last_name": ..., "birth_date": "2019-03-14"}, ...]
    children: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    family_id: Mapped[Optional[int]] = mapped_column(ForeignKey("family.id", ondelete="SET NULL"))

    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (CheckConstraint("status IN ('pending','accepted','refused')", name="status"),)


class FranceConnectLink(db.Model):
    """A login associated with a FranceConnect identity (its `sub`, the provider's stable id for this service):
    that identity then logs in to this login. Made from "Mon espace" while signed in; removable there."""

    __tablename__ = "franceconnect_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    sub: Mapped[str] = mapped_column(String(255), unique=True)
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
