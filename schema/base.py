"""Shared base of the tables: the `db` object, naming convention, UTC datetimes, the commune's settings row, and
the configuration version that lets every process keep the configuration in memory.

The configuration (the commune's settings, activities, units, deadline policies, periods, closures, schools) is read
on every agenda request but changes a few times a year. Any ORM write to those tables bumps one row,
`config_version`, in the same transaction (an `after_flush` listener, so no code path can forget it), and readers
key their per-process caches on that row (`config_key()`): a process sees a change with its next request.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import uuid
from itertools import chain
from types import SimpleNamespace
from typing import Optional

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CheckConstraint, DateTime, Engine, Integer, MetaData, String, event, exc, insert, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
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


def ping_when_idle(engine: Engine, after_s: float) -> None:
    """Check a pooled connection before use only when it has been idle `after_s` seconds or more.

    SQLAlchemy's `pool_pre_ping` sends a round trip before every request (0.25 to 0.5 ms of a 3 to 12 ms request on
    PostgreSQL here, bench/README.md). A connection used a moment ago is alive unless the server went away in that
    moment: then the request fails once, SQLAlchemy sees a disconnection and replaces the whole pool, and the next
    requests get fresh connections. A connection idle longer (a quiet night, PostgreSQL restarted for an update) is
    pinged first; if it is dead, the pool's connections are replaced before the request uses one (the pool
    retries the checkout).
    `after_s` = 0 pings every time, as pool_pre_ping did."""

    @event.listens_for(engine, "connect")
    def _new(_dbapi_connection, record) -> None:
        record.info["portail_idle_since"] = None  # just opened: nothing to check

    @event.listens_for(engine, "checkin")
    def _idle(_dbapi_connection, record) -> None:
        if record is not None:
            record.info["portail_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("portail_idle_since")
        if since is not None and time.monotonic() - since >= after_s and not _alive(engine.dialect, dbapi_connection):
            raise exc.InvalidatePoolError("connection lost while idle")  # renew the pool, retry the checkout


def _alive(dialect, dbapi_connection) -> bool:
    """The dialect's ping; False when the server has gone away (another error is raised)."""
    try:
        return dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as error:
        if dialect.is_disconnect(error, dbapi_connection, None):
            return False
        raise


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Per SQLite connection: foreign keys, and the write-ahead log.

    Foreign keys: SQLite checks them and applies ON DELETE CASCADE / SET NULL only when asked, per connection: ask,
    so that the embedded engine keeps the same integrity as PostgreSQL (rows left behind by a delete, with SQLite
    reusing the last id, once made a family's next document collide with a deleted one's pages). Migrations turn it
    off while they run (migrations/env.py: SQLite rebuilds a table to alter it, and dropping the old copy would
    cascade).

    Write-ahead log (journal_mode=WAL, kept in the file) with synchronous=NORMAL: readers never wait for a writer,
    and a commit appends to the log without waiting for the disk (one sync per checkpoint instead of several per
    commit): a toggle went from 5.0/7.8 ms to 3.4/6.0 ms (p50/p95, bench/agenda.py). The database stays consistent
    after any crash; after a power cut or an operating-system crash (not an application crash), the last
    commits before it may be lost (README, Configuration, `DATABASE_URL`). A file another connection holds at the moment
    cannot change mode: it stays as it is, and the next connection switches it."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:  # "database is locked": another connection has it open right now
            pass
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def commune_settings():
    """The commune's settings as a read-only snapshot (attributes named as the columns), or None when there is no
    commune: read once per process and configuration version (see config_key), once per request otherwise. Writers
    load the `CommuneSettings` row itself."""
    from flask import g, has_app_context

    if has_app_context() and "commune" in g:
        return g.commune
    key = config_key()
    if key is not None and key in _COMMUNE:
        snapshot = _COMMUNE[key]
    else:
        row = db.session.execute(db.select(CommuneSettings).limit(1)).scalar_one_or_none()
        snapshot = None if row is None else SimpleNamespace(
            **{c.key: getattr(row, c.key) for c in CommuneSettings.__table__.columns})
        if key is not None:
            _COMMUNE.clear()
            _COMMUNE[key] = snapshot
    if has_app_context():
        g.commune = snapshot
    return snapshot


_COMMUNE: dict[str, SimpleNamespace | None] = {}


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

# Hours a family has to justify an absence after its last day, when neither the commune nor the activity says
# otherwise (the one default: rules, forms and pages import it).
DEFAULT_JUSTIFICATION_HOURS = 48


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
    absence_justification_hours: Mapped[int] = mapped_column(Integer, default=DEFAULT_JUSTIFICATION_HOURS)
    publisher_name: Mapped[str] = mapped_column(String(120), default="")  # directeur de la publication
    host_name: Mapped[str] = mapped_column(String(300), default="")  # hébergeur (mentions légales)
    # RGPD: the data protection officer (délégué à la protection des données) the legal pages name.
    dpo_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    dpo_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    dpo_address: Mapped[str] = mapped_column(String(300), default="", server_default="")

    __table_args__ = (CheckConstraint("school_zone IN ('A','B','C')", name="zone"),)




# --------------------------------------------------------------------------- configuration version

# Tables whose rows are configuration: a write to any of them makes every process read the configuration again.
CONFIG_TABLES = frozenset({"commune_settings", "activity", "unit", "deadline_policy", "period", "closure", "school"})


class ConfigVersion(db.Model):
    """One row (id 1): `stamp` is a new random value at each configuration change (so caches of another database, of
    a restored backup or of a rolled-back change never match), `value` counts the changes."""

    __tablename__ = "config_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(Integer, default=1)


def config_key() -> str | None:
    """"<stamp>:<value>" of the configuration in this database, read once per request (None: never written yet, so
    nothing may be cached)."""
    from flask import g, has_app_context

    if has_app_context() and "config_key" in g:
        return g.config_key
    row = db.session.execute(select(ConfigVersion.stamp, ConfigVersion.value).where(ConfigVersion.id == 1)).first()
    key = f"{row.stamp}:{row.value}" if row is not None else None
    if has_app_context():
        g.config_key = key
    return key


def remember_config_key(stamp: str | None, value: int | None) -> None:
    """For a query that read the version along with something else (the signed-in user, blueprints/auth)."""
    from flask import g

    g.config_key = f"{stamp}:{value}" if stamp is not None else None


@event.listens_for(Session, "after_flush")
def _bump_config_version(session, _flush_context) -> None:
    changed = chain(session.new, session.dirty, session.deleted)
    if not any(getattr(getattr(o, "__table__", None), "name", None) in CONFIG_TABLES for o in changed):
        return
    connection = session.connection()
    table = ConfigVersion.__table__
    # A new stamp per change: a change rolled back after a reader cached under its key can never be confused with
    # the next change, which gets a stamp of its own.
    bumped = connection.execute(
        update(table).where(table.c.id == 1).values(value=table.c.value + 1, stamp=uuid.uuid4().hex))
    if bumped.rowcount == 0:
        connection.execute(insert(table).values(id=1, stamp=uuid.uuid4().hex, value=1))
    from flask import g, has_app_context

    if has_app_context():  # this request reads the new configuration from now on
        for name in ("config_key", "commune", "catalogue"):
            g.pop(name, None)
