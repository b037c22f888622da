"""Accounts: logins (parents, agents, admins) and their single-use links."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from schema.base import UTCDateTime, db, utcnow
from schema.families import Family, Person


class User(db.Model):
    """A login: a parent (linked to a family and a guardian), an agent or an admin."""

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see normalize_email) so uniqueness is case-insensitive on every engine.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="parent")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    family_id: Mapped[Optional[int]] = mapped_column(ForeignKey("family.id"), index=True)
    person_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    previous_login_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    # An agent who may read children's health data (need-to-know; each read is logged in HealthAccess).
    can_see_health: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # An agent's role in the back office (blueprints/roles.py): direction, site, regie, accueil. None for
    # parents; an agent without one (created before roles existed) is "direction", as they could do everything.
    agent_role: Mapped[Optional[str]] = mapped_column(String(12))
    # Two-factor authentication (blueprints/twofactor): the TOTP secret (base32), enabled once a first code was
    # right; the last time step accepted, so a code is never accepted twice.
    totp_secret: Mapped[Optional[str]] = mapped_column(String(255))  # sealed (blueprints/admin/twofactor.py)
    totp_enabled_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[Optional[int]] = mapped_column(BigInteger)

    family: Mapped[Optional[Family]] = relationship(backref=backref("users"))
    person: Mapped[Optional[Person]] = relationship(foreign_keys=[person_id])

    __table_args__ = (CheckConstraint("role IN ('parent','agent','admin')", name="role"),
                      CheckConstraint("agent_role IN ('direction','site','regie','accueil')", name="agent_role"))

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_agent(self) -> bool:
        return self.role in ("agent", "admin")

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)


def normalize_email(value: str) -> str:
    """The canonical form of an e-mail address used for storage and look-up."""
    return (value or "").strip().lower()


class AccountToken(db.Model):
    """A single-use, time-limited link (invitation or password reset). Only a hash of the secret is kept."""

    __tablename__ = "account_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(12))  # invitation | reset
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("purpose IN ('invitation','reset')", name="purpose"),)


# --------------------------------------------------------------------------- signed-in browsers


class UserSession(db.Model):
    """One signed-in browser. The session cookie carries the row's id and a random secret; only a SHA-256 of the
    secret is stored. Every request checks the row (blueprints/auth/sessions.py), so logging out, "Se déconnecter
    de tous les appareils" or a new password ends the session for every copy of the cookie."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(60), default="")  # a summary: "Firefox, Android"
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- journal of family files
# (here rather than in families.py: it names who made the change, and accounts sit above families)
class FamilyChange(db.Model):
    """Journal of a family file: who created it, changed its details, added, edited or removed a member, enrolled
    or unenrolled a child (one line each, in words, written by blueprints/families/service.py)."""

    __tablename__ = "family_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))  # created, updated, person_added, person_updated, ...
    summary: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Optional[User]] = relationship()


class HealthAccess(db.Model):
    """One read of a child's health data by an agent: who, when, which child, from which page (the log an
    administrator reviews). The child's name is kept so that the log survives the child's file."""

    __tablename__ = "health_access"
    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    child_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    child_name: Mapped[str] = mapped_column(String(201), default="")
    family_id: Mapped[Optional[int]] = mapped_column(ForeignKey("family.id", ondelete="SET NULL"))
    place: Mapped[str] = mapped_column(String(60), default="")  # "fiche santé", "demande 2026-000012"
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    agent: Mapped[Optional[User]] = relationship()
