"""Database tables of the portail familles (SQLAlchemy 2 typed models).

No Flask request code here. Money is in integer cents, dates are `date`, instants are timezone-aware UTC.
Names follow the glossary in DOMAIN.md (French on screen, English in code).
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def commune_settings() -> "CommuneSettings | None":
    """The commune's settings row, read once per request (cached on flask.g when there is an app context)."""
    from flask import g, has_app_context

    if has_app_context() and "commune" in g:
        return g.commune
    row = db.session.execute(db.select(CommuneSettings).limit(1)).scalar_one_or_none()
    if has_app_context():
        g.commune = row
    return row


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware UTC (the only clock models use, for defaults)."""
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine (SQLite drops the offset: put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


# --------------------------------------------------------------------------- commune


class CommuneSettings(db.Model):
    """The commune running the portal: one row, edited by agents (never code)."""

    __tablename__ = "commune_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    service_name: Mapped[str] = mapped_column(String(120), default="Service Enfance")
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    opening_hours: Mapped[str] = mapped_column(String(300), default="")
    # French school-holiday zone ("A", "B" or "C") and ISO 3166-2 subdivision for public holidays (e.g. "57").
    school_zone: Mapped[str] = mapped_column(String(1), default="B")
    holiday_subdivision: Mapped[Optional[str]] = mapped_column(String(10))
    # Default window for justifying an absence (hours after its last day), overridable per activity.
    absence_justification_hours: Mapped[int] = mapped_column(Integer, default=48)
    publisher_name: Mapped[str] = mapped_column(String(120), default="")  # directeur de la publication
    host_name: Mapped[str] = mapped_column(String(300), default="")  # hébergeur (mentions légales)

    __table_args__ = (CheckConstraint("school_zone IN ('A','B','C')", name="zone"),)


# --------------------------------------------------------------------------- accounts


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

    family: Mapped[Optional["Family"]] = relationship(back_populates="users")
    person: Mapped[Optional["Person"]] = relationship(foreign_keys=[person_id])

    __table_args__ = (CheckConstraint("role IN ('parent','agent','admin')", name="role"),)

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


# --------------------------------------------------------------------------- families


class School(db.Model):
    __tablename__ = "school"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="")


class Family(db.Model):
    """The household file (dossier famille)."""

    __tablename__ = "family"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))  # e.g. "Martin" -> shown as "Famille Martin"
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    quotient_familial: Mapped[Optional[int]] = mapped_column(Integer)
    qf_source: Mapped[Optional[str]] = mapped_column(String(20))  # CAF, MSA, avis d'imposition...
    qf_start_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list["Person"]] = relationship(
        back_populates="family", order_by="(Person.role, Person.birth_date, Person.first_name)"
    )
    users: Mapped[list[User]] = relationship(back_populates="family")

    @property
    def guardians(self) -> list["Person"]:
        return [p for p in self.members if p.role == "guardian"]

    @property
    def children(self) -> list["Person"]:
        return sorted((p for p in self.members if p.role == "child"), key=lambda p: (p.birth_date or dt.date.min, p.id))

    @property
    def contacts(self) -> list["Person"]:
        return [p for p in self.members if p.role == "contact"]


class Person(db.Model):
    """A member of a family file: guardian (représentant), child (enfant) or contact (personne autorisée)."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    relationship_label: Mapped[str] = mapped_column(String(60), default="")  # mère, grand-père, voisine...
    can_pick_up: Mapped[bool] = mapped_column(Boolean, default=False)
    emergency_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school.id"))
    class_name: Mapped[str] = mapped_column(String(40), default="")  # CP, CE1, MS...
    # Secret of the child's private iCalendar feed (revocable: set to None or a new value).
    calendar_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)

    family: Mapped[Family] = relationship(back_populates="members")
    school: Mapped[Optional[School]] = relationship()
    enrollments: Mapped[list["Enrollment"]] = relationship(back_populates="child", cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("role IN ('guardian','child','contact')", name="role"),)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# --------------------------------------------------------------------------- activities


class DeadlinePolicy(db.Model):
    """Last moment to book or cancel a day, as data (see reservations/rules.py for its meaning).

    kind:
      calendar_days  - `days` calendar days before the day, at `cutoff`
      working_days   - `days` working days before (weekends and public holidays skipped), at `cutoff`
      weekday_before - on `weekday` (0 = Monday) of the week before the day's week, at `cutoff`
    """

    __tablename__ = "deadline_policy"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    days: Mapped[int] = mapped_column(Integer, default=0)
    weekday: Mapped[Optional[int]] = mapped_column(Integer)
    cutoff: Mapped[dt.time] = mapped_column(Time, default=dt.time(23, 59))

    __table_args__ = (
        CheckConstraint("kind IN ('calendar_days','working_days','weekday_before')", name="kind"),
        CheckConstraint("days >= 0", name="days"),
    )


class Activity(db.Model):
    """An activity (prestation) children can be enrolled in: périscolaire, restauration, ALSH..."""

    __tablename__ = "activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # calendar: "school_days" (closed in school holidays), "holidays_only" (ALSH vacances), "all"
    calendar: Mapped[str] = mapped_column(String(15), default="school_days")
    booking_policy_id: Mapped[Optional[int]] = mapped_column(ForeignKey("deadline_policy.id"))
    cancel_policy_id: Mapped[Optional[int]] = mapped_column(ForeignKey("deadline_policy.id"))
    absence_justification_hours: Mapped[Optional[int]] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    booking_policy: Mapped[Optional[DeadlinePolicy]] = relationship(foreign_keys=[booking_policy_id])
    cancel_policy: Mapped[Optional[DeadlinePolicy]] = relationship(foreign_keys=[cancel_policy_id])
    units: Mapped[list["Unit"]] = relationship(back_populates="activity", order_by="Unit.position")
    periods: Mapped[list["Period"]] = relationship(back_populates="activity", order_by="Period.start_date")

    __table_args__ = (CheckConstraint("calendar IN ('school_days','holidays_only','all')", name="calendar"),)


class Unit(db.Model):
    """A bookable slot of an activity for one day: morning, meal or afternoon."""

    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(10))  # morning | meal | afternoon
    label: Mapped[str] = mapped_column(String(60))  # "Accueil du matin", "Repas", "Après-midi"
    # Weekdays the unit runs, as digits 0 (Monday) .. 6 (Sunday), e.g. "0134" for Mon, Tue, Thu, Fri.
    weekdays: Mapped[str] = mapped_column(String(7), default="01234")
    capacity: Mapped[Optional[int]] = mapped_column(Integer)  # per day; None = unlimited
    # Booking this unit needs at least one of these units of the same activity on the same day (comma-separated ids).
    requires_one_of: Mapped[str] = mapped_column(String(60), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    activity: Mapped[Activity] = relationship(back_populates="units")

    __table_args__ = (
        CheckConstraint("slot IN ('morning','meal','afternoon')", name="slot"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
    )

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.weekdays if c.isdigit())

    @property
    def required_unit_ids(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.requires_one_of.split(",") if x.strip())


class Period(db.Model):
    """A span (school year, a holiday session) during which an activity runs."""

    __tablename__ = "period"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)

    activity: Mapped[Activity] = relationship(back_populates="periods")

    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates"),)


class Closure(db.Model):
    """A day an activity (or every activity, when activity_id is NULL) does not run: strike, pont, works."""

    __tablename__ = "closure"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[Optional[int]] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Enrollment(db.Model):
    """Inscription: the child may book units of this activity during this period."""

    __tablename__ = "enrollment"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    child: Mapped[Person] = relationship(back_populates="enrollments")
    activity: Mapped[Activity] = relationship()
    period: Mapped[Period] = relationship()

    __table_args__ = (UniqueConstraint("child_id", "period_id"),)


# --------------------------------------------------------------------------- reservations


class Reservation(db.Model):
    """A child booked (or waiting) for one unit on one day. Cancelled bookings are deleted (history keeps them).

    state: reserved | waiting (liste d'attente, ordered by requested_at) | absent (absence signalée too late to
    cancel) | justified (absence justifiée: not billed)
    """

    __tablename__ = "reservation"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="reserved")
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    absence_id: Mapped[Optional[int]] = mapped_column(ForeignKey("absence.id", ondelete="SET NULL"))

    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        UniqueConstraint("child_id", "unit_id", "date"),
        CheckConstraint("state IN ('reserved','waiting','absent','justified')", name="state"),
        # month page: one child's reservations in a date range; capacity: one unit's bookings on one day
        Index("ix_reservation_child_date", "child_id", "date"),
        Index("ix_reservation_unit_date_state", "unit_id", "date", "state"),
    )


class ReservationChange(db.Model):
    """Audit trail of every change to a reservation: who, when, before and after, through which channel."""

    __tablename__ = "reservation_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    before: Mapped[Optional[str]] = mapped_column(String(10))  # None = no reservation
    after: Mapped[Optional[str]] = mapped_column(String(10))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(10), default="portal")  # portal | agent | system
    reason: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Document(db.Model):
    """An uploaded supporting document (pièce justificative), stored outside static/ under instance/uploads."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))  # certificat_medical, ...
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class Absence(db.Model):
    """An absence signalled for a child over a date range, justified when a certificate arrives in time."""

    __tablename__ = "absence"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    justified_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    document: Mapped[Optional[Document]] = relationship()

    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates"),)



# ---- sessions
# Self-contained (db, UTCDateTime and utcnow only), so it can move with the accounts when models.py is split.


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
