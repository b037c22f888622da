"""Families: the household file, its members (guardians, children, contacts) and schools."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

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
    # Situation familiale as the family declares it (FAMILY_SITUATIONS: married, separated...; "" not given).
    situation: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # Allocataire: "CAF", "MSA" or "" (none), and the number the caisse gave (CAF: 7 digits; MSA: varies).
    allocataire_regime: Mapped[str] = mapped_column(String(10), default="", server_default="")
    allocataire_number: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # The school year of the last inscription administrative an agent accepted ("2026-2027"; "" never).
    registered_year: Mapped[str] = mapped_column(String(9), default="", server_default="")
    # Optimistic lock: every UPDATE checks and bumps it, so two writers never silently overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

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
    # Guardians: birth name (nom de naissance), their own address when it is not the family's, other phones.
    birth_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    city: Mapped[str] = mapped_column(String(120), default="", server_default="")
    other_phone: Mapped[str] = mapped_column(String(30), default="", server_default="")  # domicile, or a 2nd one
    employer: Mapped[str] = mapped_column(String(120), default="", server_default="")
    work_phone: Mapped[str] = mapped_column(String(30), default="", server_default="")  # at the employer's
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # optimistic lock (see Family)
    # RGPD retention (blueprints/admin/retention.py): when a child's data was anonymised, 3 years after they left.
    anonymised_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}

    family: Mapped[Family] = relationship(back_populates="members")
    school: Mapped[Optional[School]] = relationship()
    # `enrollments` is declared by schema/activities.py Enrollment.child (families sit below activities).

    __table_args__ = (CheckConstraint("role IN ('guardian','child','contact')", name="role"),)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# --------------------------------------------------------------------------- health and authorisations of a child
# Sensitive data (CNIL NS-058): only what the child's care needs, never religious wording; agents read it only with
# the right to (User.can_see_health), and each read is logged (schema/accounts.py HealthAccess).


class Diet(db.Model):
    """A diet the commune's canteen offers (sans porc, végétarien, panier repas PAI...): data agents edit."""

    __tablename__ = "diet"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(60), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ChildHealth(db.Model):
    """A child's health file: doctor, allergies, diet, PAI (projet d'accueil individualisé), vaccinations, notes."""

    __tablename__ = "child_health"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    doctor_name: Mapped[str] = mapped_column(String(120), default="")
    doctor_phone: Mapped[str] = mapped_column(String(30), default="")
    allergies: Mapped[str] = mapped_column(Text, default="")
    diet: Mapped[str] = mapped_column(String(60), default="")  # a Diet label, "" = none
    pai: Mapped[bool] = mapped_column(Boolean, default=False)
    pai_end_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    # The PAI itself, a supporting document of the family (schema/reservations.py Document).
    pai_document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    vaccinations_up_to_date: Mapped[Optional[bool]] = mapped_column(Boolean)  # None = not said
    vaccinations_date: Mapped[Optional[dt.date]] = mapped_column(Date)  # date of the last one, as the carnet says
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    child: Mapped[Person] = relationship(backref=backref("health", uselist=False, cascade="all, delete-orphan"))

    __mapper_args__ = {"version_id_col": version}


# What a guardian authorises for a child: photo/vidéo, rentrer seul, transport, soins d'urgence.
AUTHORISATION_KINDS = ("photo", "leave_alone", "transport", "emergency_care")


class Authorisation(db.Model):
    """One authorisation of a child, yes or no, and the day it was given (or withdrawn)."""

    __tablename__ = "authorisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean, default=False)
    given_on: Mapped[dt.date] = mapped_column(Date)

    child: Mapped[Person] = relationship(backref=backref("authorisations", cascade="all, delete-orphan"))

    __table_args__ = (
        UniqueConstraint("child_id", "kind"),
        CheckConstraint("kind IN (%s)" % ",".join(f"'{k}'" for k in AUTHORISATION_KINDS), name="kind"),
    )
