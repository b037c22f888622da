"""Families: the household file, its members (guardians, children, contacts) and schools."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.base import UTCDateTime, db, utcnow


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
    # Secret of the family's private iCalendar feed, every child in one calendar (revocable: None or a new value).
    calendar_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    # The creation form's own key: a form sent twice (double click, reload) finds the file it already made.
    creation_key: Mapped[Optional[str]] = mapped_column(String(32), unique=True)

    members: Mapped[list["Person"]] = relationship(
        back_populates="family", order_by="(Person.role, Person.birth_date, Person.first_name)"
    )
    # `users` (the family's logins) is declared by schema/accounts.py User.family, so this module needs no other.

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
    civility: Mapped[str] = mapped_column(String(10), default="")  # "Mme", "M." or "" (not given)
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
    # `enrollments` is declared by schema/activities.py Enrollment.child (families sit below activities).

    __table_args__ = (CheckConstraint("role IN ('guardian','child','contact')", name="role"),)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
