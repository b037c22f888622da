"""Activities as data agents edit: deadlines, units (slots), periods, closures, enrolments."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from schema.base import UTCDateTime, db, utcnow
from schema.families import Person


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

    child: Mapped[Person] = relationship(backref=backref("enrollments", cascade="all, delete-orphan"))
    activity: Mapped[Activity] = relationship()
    period: Mapped[Period] = relationship()

    __table_args__ = (UniqueConstraint("child_id", "period_id"),)

