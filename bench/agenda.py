#!/usr/bin/env python
"""Agenda benchmark: a school year at city scale, then month page and toggle server times next to a bare endpoint.

    .venv/bin/python bench/agenda.py                      # SQLite and PostgreSQL, 5,000 children (~2 M reservations)
    .venv/bin/python bench/agenda.py --engine sqlite --quick   # small dataset: checks the script in ~20 s

Seeds the demo commune (`demo.seed_demo()`, relative to the pinned clock's day), then ~5,000 generated children in
~3,000 families, enrolled and booked on every open day of the 2026-2027 school year (`rules.open_days`), with bulk
inserts (executemany on SQLite, COPY on PostgreSQL). Then times requests in-process with the Flask test client
(server time, no network), the clock pinned to Monday 2026-11-23 09:00 UTC, each family logged in once through the
real login form. Prints figures and judges nothing beyond the aims it prints (a benchmark, not a test: its asserts
only check that requests succeed).
See bench/README.md for what is measured and how, and the figures of this machine.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gzip
import io
import logging
import math
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from flask_login import login_required  # noqa: E402
from sqlalchemy import create_engine, event, func, insert, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import demo  # noqa: E402
from app import create_app  # noqa: E402
from blueprints.reservations import rules, service  # noqa: E402
from models import (  # noqa: E402
    Activity,
    Closure,
    DeadlinePolicy,
    Enrollment,
    Family,
    Period,
    Person,
    Reservation,
    School,
    Unit,
    User,
    db,
)

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday morning, mid-term: the pinned clock
CURRENT_MONTH, EARLY_MONTH, LATE_MONTH = "2026-11", "2026-09", "2027-06"
TOGGLE_FROM = dt.date(2026, 12, 7)  # toggled days are after every booking/cancelling deadline seen from NOW
PASSWORD = "Bench-Parent-2026!"
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_portail"
AIMS = {"month_p95_ms": 30, "toggle_p95_ms": 15, "toggle_bytes": 2048, "page_total_gzip": 60 * 1024}
FIRST_NAMES = ["Léa", "Hugo", "Chloé", "Lucas", "Inès", "Adam", "Jade", "Louis", "Mia", "Gabriel", "Zoé", "Noé",
               "Rose", "Arthur", "Lina", "Jules", "Ambre", "Malo", "Sofia", "Maël", "Awa", "Théo", "Manon", "Sacha"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
              "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"]
CLASSES = list(demo.CLASS_AGE)
YEAR = demo.school_year(NOW.date())  # the demo's school year seen from NOW (2026-2027), its data relative to NOW
ENROLLED_AT, BOOKED_AT = demo.enrolment_times(YEAR, NOW)


# --------------------------------------------------------------------------- dataset


def child_plan(rng: random.Random, centre: int) -> dict:
    """What a generated child attends, by activity code. Tuned so that a child averages ~395 reservations over the
    year (5,000 children -> ~2 M rows): nearly all eat at the canteen, most come before and after school, close to
    half on Wednesdays and a quarter in the holidays, at their family's leisure centre."""
    plan = {}
    if rng.random() < 0.96:
        plan["restauration"] = rng.choices(["0134", "013", "014"], weights=[90, 7, 3])[0]
    if rng.random() < 0.85:
        plan["accueil-matin"] = rng.choices(["0134", "01", "34"], weights=[80, 10, 10])[0]
    if rng.random() < 0.90:
        plan["accueil-soir"] = rng.choices(["0134", "013"], weights=[75, 25])[0]
    if rng.random() < 0.45:
        slots = rng.choices([demo.FULL_DAY, ("morning", "meal"), ("meal", "afternoon")], weights=[60, 25, 15])[0]
        plan[f"alsh-mercredi-{centre:02d}"] = (slots, rng.choices([1, 2], weights=[80, 20])[0])
    if rng.random() < 0.25:
        plan[f"alsh-vacances-{centre:02d}"] = (demo.FULL_DAY, 0.6)
    return plan


def add_centres(n: int) -> None:
    """City scale: `n` leisure centres, each with a Wednesday and a holiday activity copied from the demo's (same
    units, deadlines and period; capacities set once the bookings are generated). The demo's own centre keeps its
    24 places, its full Wednesdays and waiting lists for the demo families."""
    specs = {spec[0]: (position, spec) for position, spec in enumerate(demo.ACTIVITIES)}
    made = []
    for number in range(1, n + 1):
        for code in ("alsh-mercredi", "alsh-vacances"):
            position, (_code, name, calendar, description, booking, cancel, unit_rows) = specs[code]
            activity = Activity(code=f"{code}-{number:02d}", name=f"{name} (centre n° {number})", calendar=calendar,
                                description=description, position=position,
                                booking_policy=DeadlinePolicy(kind=booking[0], days=booking[1], weekday=booking[2],
                                                              cutoff=booking[3]),
                                cancel_policy=DeadlinePolicy(kind=cancel[0], days=cancel[1], weekday=cancel[2],
                                                             cutoff=cancel[3]))
            units = [Unit(activity=activity, slot=slot, label=label, weekdays=weekdays, capacity=capacity, position=pos)
                     for pos, (slot, label, weekdays, capacity) in enumerate(unit_rows)]
            period = Period(activity=activity, name=YEAR.name, start_date=YEAR.start, end_date=YEAR.end)
            db.session.add_all([activity, period, *units])
            made.append(units)
    db.session.flush()
    for units in made:  # as in the demo: the meal is booked with the morning or the afternoon
        half_days = ",".join(str(u.id) for u in units if u.slot != "meal")
        for unit in units:
            if unit.slot == "meal":
                unit.requires_one_of = half_days
    db.session.commit()


def unit_open_days(calendar) -> dict[int, list[dt.date]]:
    """Open days of every unit over the school year, from the reservation rules themselves."""
    closures = db.session.execute(select(Closure)).scalars().all()
    result = {}
    for activity in db.session.execute(select(Activity)).scalars():
        for unit in activity.units:
            result[unit.id] = rules.open_days(unit, activity, activity.periods, closures, calendar,
                                              YEAR.start, YEAR.end)
    return result


def generate_reservations(rng, children, units_by_code, open_days):
    """Yield (child_id, unit_id, date, state, requested_at) for every generated child, child after child (as a
    start-of-year booking campaign stores them)."""
    for child_id, plan in children:
        booked_at = BOOKED_AT + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 6))
        parity = rng.randint(0, 1)
        for code, spec in plan.items():
            units = units_by_code[code]
            if code.startswith("alsh-mercredi"):
                slots, every = spec
                days = [d for d in open_days[units[slots[0]].id] if every == 1 or d.isocalendar().week % 2 == parity]
                for day in days:
                    for slot in slots:
                        yield child_id, units[slot].id, day, "reserved", booked_at
            elif code.startswith("alsh-vacances"):
                slots, share = spec
                weeks = defaultdict(list)
                for day in open_days[units[slots[0]].id]:
                    weeks[day.isocalendar()[:2]].append(day)
                for week in weeks.values():
                    if rng.random() < share:
                        for day in week:
                            for slot in slots:
                                yield child_id, units[slot].id, day, "reserved", booked_at
            else:
                for unit in units.values():
                    for day in open_days[unit.id]:
                        if str(day.weekday()) in spec and rng.random() > 0.03:
                            yield child_id, unit.id, day, "reserved", booked_at


def bulk_insert_reservations(rows, is_pg: bool, batch: int = 50_000) -> int:
    """COPY on PostgreSQL (through the session's own connection and transaction), executemany on SQLite."""
    conn = db.session.connection()
    n = 0
    if is_pg:
        raw = conn.connection.driver_connection  # psycopg 3 connection, same transaction as the session
        with raw.cursor() as cur, cur.copy(
            "COPY reservation (child_id, unit_id, date, state, requested_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n
    table = Reservation.__table__
    chunk = []
    for child_id, unit_id, day, state, at in rows:
        chunk.append({"child_id": child_id, "unit_id": unit_id, "date": day, "state": state, "requested_at": at,
                      "absence_id": None})
        if len(chunk) == batch:
            conn.execute(insert(table), chunk)
            n += len(chunk)
            chunk = []
    if chunk:
        conn.execute(insert(table), chunk)
        n += len(chunk)
    return n


def seed(n_children: int, is_pg: bool) -> dict:
    """The demo commune plus `n_children` generated children; returns counts and timings."""
    rng = random.Random(2027)
    timings = {}
    t0 = time.perf_counter()
    demo.seed_demo(now=NOW)
    timings["demo"] = time.perf_counter() - t0

    t = time.perf_counter()
    n_centres = max(1, round(n_children * 0.45 / 160))  # ~160 children per centre on a Wednesday
    add_centres(n_centres)
    settings = service.commune()
    calendar = service.calendar_for(settings, range(2025, 2029))
    open_days = unit_open_days(calendar)
    activities = {a.code: a for a in db.session.execute(select(Activity)).scalars()}
    units_by_code = {code: {u.slot: u for u in a.units} for code, a in activities.items()}
    periods = {code: a.periods[0].id for code, a in activities.items()}
    schools = db.session.execute(select(School.id)).scalars().all()
    password_hash = PasswordHasher(**FAST_ARGON2).hash(PASSWORD)

    sizes = []  # children per family: 1 (45 %), 2 (40 %), 3 (15 %) -> ~1.7 on average
    while sum(sizes) < n_children:
        sizes.append(rng.choices([1, 2, 3], weights=[45, 40, 15])[0])
    sizes[-1] -= sum(sizes) - n_children
    family_rows = [dict(dossier_number=f"B-2026-{i:06d}", name=rng.choice(LAST_NAMES), postcode="49999",
                        city="Démo-sur-Loire", address=f"{rng.randint(1, 200)} rue des Écoles", created_at=NOW,
                        quotient_familial=rng.randint(300, 2400)) for i in range(1, len(sizes) + 1)]
    family_ids = db.session.execute(insert(Family).returning(Family.id, sort_by_parameter_order=True),
                                    family_rows).scalars().all()
    person_rows, child_family = [], []
    centre_of = {fid: rng.randint(1, n_centres) for fid in family_ids}
    for fid, row, size in zip(family_ids, family_rows, sizes):
        person_rows.append(dict(family_id=fid, role="guardian", first_name="Camille", last_name=row["name"],
                                email=f"parent.{fid}@bench.example.org", can_pick_up=True, emergency_contact=True))
        for _ in range(size):
            cls = rng.choice(CLASSES)
            person_rows.append(dict(family_id=fid, role="child", first_name=rng.choice(FIRST_NAMES),
                                    last_name=row["name"], class_name=cls, school_id=rng.choice(schools),
                                    birth_date=dt.date(YEAR.first - demo.CLASS_AGE[cls], rng.randint(1, 12), 15)))
    person_ids = db.session.execute(insert(Person).returning(Person.id, sort_by_parameter_order=True),
                                    person_rows).scalars().all()
    guardians = {}
    children = []
    for pid, row in zip(person_ids, person_rows):
        if row["role"] == "guardian":
            guardians[row["family_id"]] = pid
        else:
            children.append((pid, child_plan(rng, centre_of[row["family_id"]])))
            child_family.append(row["family_id"])
    db.session.execute(insert(User), [
        dict(email=f"parent.{fid}@bench.example.org", role="parent", family_id=fid, person_id=guardians[fid],
             display_name="Camille", password_hash=password_hash, created_at=NOW, active=True)
        for fid in family_ids])
    db.session.execute(insert(Enrollment), [
        dict(child_id=cid, activity_id=activities[code].id, period_id=periods[code], created_at=ENROLLED_AT)
        for cid, plan in children for code in plan])
    timings["families"] = time.perf_counter() - t

    t = time.perf_counter()
    leisure = {u.id for code, units in units_by_code.items() if re.fullmatch(r"alsh-[a-z]+-\d+", code)
               for u in units.values()}
    per_day: Counter = Counter()

    def counted(rows):
        for row in rows:
            if row[1] in leisure:
                per_day[row[1], row[2]] += 1
            yield row

    n_rows = bulk_insert_reservations(counted(generate_reservations(rng, children, units_by_code, open_days)), is_pg)
    # Each centre takes everyone who booked (capacity 10 % above its busiest day), so the capacity code paths run
    # (counts, row lock) without turning the generated bookings into waiting lists.
    busiest: Counter = Counter()
    for (unit_id, _day), n in per_day.items():
        busiest[unit_id] = max(busiest[unit_id], n)
    for unit_id in leisure:
        db.session.execute(update(Unit).where(Unit.id == unit_id).values(
            capacity=max(24, math.ceil(busiest[unit_id] * 1.1))))
    db.session.commit()
    timings["reservations"] = time.perf_counter() - t

    t = time.perf_counter()
    if is_pg:  # what autovacuum does shortly after a bulk load (statistics, visibility map for index-only scans)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    timings["analyze"] = time.perf_counter() - t  # SQLite: nothing (the app never runs ANALYZE)
    total = db.session.scalar(select(func.count()).select_from(Reservation))
    n_all_children = db.session.scalar(select(func.count()).select_from(Person).where(Person.role == "child"))
    return {"timings": timings, "generated_rows": n_rows, "reservations": total, "children": n_all_children,
            "families": db.session.scalar(select(func.count()).select_from(Family)), "generated_children": n_children}


# --------------------------------------------------------------------------- measuring


class SQLCounter:
    """Counts SQL statements sent to the database (before_cursor_execute) and the time spent in cursor.execute()
    (PostgreSQL: round trip and whole result; SQLite: the first step only, rows are stepped through when fetched),
    optionally keeping the statements."""

    def __init__(self, engine):
        self.n, self.ms, self.keep, self.statements, self._t0 = 0, 0.0, False, [], 0.0
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def reset(self) -> None:
        self.n, self.ms = 0, 0.0

    def before(self, conn, cursor, statement, parameters, context, executemany):
        self.n += 1
        if self.keep:
            self.statements.append((statement, parameters))
        self._t0 = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        self.ms += (time.perf_counter() - self._t0) * 1000


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Series:
    """Timings of one kind of request: wall time (what a client waits for, minus the network) and this process's
    CPU time (less sensitive to other programs sharing the machine; excludes the PostgreSQL server's own work)."""

    def __init__(self, name: str):
        self.name, self.ms, self.cpu, self.sql, self.sql_ms, self.bytes = name, [], [], [], [], []

    def add(self, ms: float, cpu: float, sql: tuple[int, float], size: int) -> None:
        self.ms.append(ms), self.cpu.append(cpu), self.sql.append(sql[0]), self.sql_ms.append(sql[1])
        self.bytes.append(size)

    def row(self) -> str:
        sql = f"{min(self.sql)}" if min(self.sql) == max(self.sql) else f"{min(self.sql)}-{max(self.sql)}"
        size = f"{pct(self.bytes, 50):,}" if min(self.bytes) == max(self.bytes) else \
            f"{pct(self.bytes, 50):,} (max {max(self.bytes):,})"
        return (f"  {self.name:<36} {len(self.ms):>5} {pct(self.ms, 50):>7.2f} {pct(self.ms, 95):>7.2f} "
                f"{max(self.ms):>7.2f} {pct(self.cpu, 50):>7.2f} {pct(self.cpu, 95):>7.2f} "
                f"{pct(self.sql_ms, 50):>7.2f} {sql:>7}   {size}")

    def summary(self) -> dict:
        return {"n": len(self.ms), "p50": pct(self.ms, 50), "p95": pct(self.ms, 95), "max": max(self.ms),
                "cpu_p50": pct(self.cpu, 50), "cpu_p95": pct(self.cpu, 95), "sql_ms_p50": pct(self.sql_ms, 50),
                "sql": (min(self.sql), max(self.sql)), "bytes_p50": pct(self.bytes, 50), "bytes_max": max(self.bytes)}


def bench_app(url: str, instance: str):
    os.environ["INSTANCE_PATH"] = instance
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret-key",
        "DEMO": False,
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": True,
        "SESSION_COOKIE_SECURE": False,  # the test client speaks http
        "ARGON2_PARAMS": FAST_ARGON2,  # same parameters as the precomputed hash (no rehash at login)
        "RATELIMIT_ENABLED": False,  # hundreds of logins from one address in a few seconds
        "MAIL_SERVER": "",
        "PUBLIC_URL": "https://portail.example.org",  # required outside demo mode (localhost stays trusted)
        "CLOCK": lambda: NOW,
    })

    # The request log (one line per request on stderr, as in production) would drown the figures: the line is still
    # built and filtered, not written (bench/peak.py keeps it on, against a real server).
    logging.getLogger("portail.request").setLevel(logging.WARNING)

    @app.get("/bench/bare")
    @login_required
    def bench_bare():
        """Baseline: the same session, login and after-request path as the agenda, no work of its own."""
        return "ok"

    return app


def login(app, email: str):
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"login failed for {email}: {response.status_code}"
    return client


def timed(counter: SQLCounter, client, method: str, url: str, **kwargs):
    """One request through the whole WSGI stack; no app context is held by the caller, so each request gets its
    own (session, g, database session), as in production."""
    counter.reset()
    c0, t0 = time.thread_time(), time.perf_counter()
    response = client.open(url, method=method, **kwargs)
    body = response.get_data()
    ms, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
    return response, body, ms, cpu, (counter.n, counter.ms)


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


class Workload:
    """Logged-in families of the generated population and the requests the bench sends on their behalf."""

    def __init__(self, app, n_families: int):
        self.app, self.rng = app, random.Random(7)
        with app.app_context():
            self.counter = SQLCounter(db.engine)
            families = db.session.execute(
                select(Family.id).where(Family.dossier_number.like("B-%")).order_by(Family.id)).scalars().all()
            self.sample = self.rng.sample(families, min(n_families, len(families)))
            self.children_of = defaultdict(list)
            for cid, fid in db.session.execute(select(Person.id, Person.family_id).where(
                    Person.family_id.in_(self.sample), Person.role == "child")):
                self.children_of[fid].append(cid)
            calendar = service.calendar_for(service.commune(), range(2025, 2029))
            self.open_days = {uid: [d for d in days if d >= TOGGLE_FROM]
                              for uid, days in unit_open_days(calendar).items()}
            units = db.session.execute(select(Unit)).scalars().all()
            self.capacity = {u.id: u.capacity for u in units}
            self.requires = {u.id: {int(x) for x in u.requires_one_of.split(",") if x.strip()} for u in units}
            by_activity = defaultdict(list)
            for u in units:
                if not u.requires_one_of:  # leisure meals need a half-day: booking one alone is refused
                    by_activity[u.activity_id].append(u.id)
            self.toggle_units = defaultdict(list)
            for cid, aid in db.session.execute(select(Enrollment.child_id, Enrollment.activity_id).where(
                    Enrollment.child_id.in_([c for cs in self.children_of.values() for c in cs]))):
                self.toggle_units[cid] += by_activity[aid]
            db.session.remove()
        t = time.perf_counter()
        self.clients = {fid: login(app, f"parent.{fid}@bench.example.org") for fid in self.sample}
        self.login_s = time.perf_counter() - t
        # The CSRF token of each session, where htmx takes it (hx-headers on <body>); warms every code path up.
        self.tokens = {}
        for fid in self.sample:
            html = self.clients[fid].get(f"/enfants/{self.children_of[fid][0]}/agenda/{CURRENT_MONTH}").get_data(
                as_text=True)
            self.tokens[fid] = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        self.refused = self.capacity_toggles = 0

    def pick(self):
        fid = self.rng.choice(self.sample)
        return fid, self.rng.choice(self.children_of[fid])

    def get(self, fid, url):
        return timed(self.counter, self.clients[fid], "GET", url)

    def toggle_pair(self):
        """A slot of an enrolled unit on a future open day, switched to the other state then back (the dataset
        ends as it began). A half-day whose leisure meal is held that day is skipped (the dependency rule would
        refuse it: a refusal is not what is timed here). Returns two timed responses."""
        while True:
            fid, cid = self.pick()
            if not self.toggle_units[cid]:
                continue
            unit_id = self.rng.choice(self.toggle_units[cid])
            day = self.rng.choice(self.open_days[unit_id])
            with self.app.app_context():
                held = {u for u, state in db.session.execute(select(Reservation.unit_id, Reservation.state).where(
                    Reservation.child_id == cid, Reservation.date == day)) if state in rules.TAKEN_STATES}
                db.session.remove()
            if any(unit_id in self.requires[u] for u in held):
                continue
            break
        out = []
        for want in (unit_id not in held, unit_id in held):
            data = {"unit": str(unit_id), "date": day.isoformat()}
            if want:
                data[f"s-{unit_id}-{day.isoformat()}"] = "1"
            result = timed(self.counter, self.clients[fid], "POST", f"/enfants/{cid}/reservations", data=data,
                           headers={"HX-Request": "true", "X-CSRFToken": self.tokens[fid]})
            assert result[0].status_code == 200, result[0].status_code
            self.refused += b"flash--success" not in result[1]  # a refusal or anything unexpected
            self.capacity_toggles += self.capacity[unit_id] is not None
            out.append(result)
        return out


def measure(app, n_requests: int, profile: bool) -> dict:
    """The series, interleaved (bare, three month pages, half a toggle pair per round) so that whatever else runs on
    the machine weighs on the baseline as much as on the agenda."""
    work = Workload(app, n_requests)
    series = {"bare": Series("bare endpoint (GET)"), "month": Series(f"month page {CURRENT_MONTH} (GET)"),
              "early": Series(f"month page {EARLY_MONTH} (GET)"), "late": Series(f"month page {LATE_MONTH} (GET)"),
              "toggle": Series("toggle (POST, HX-Request)")}
    largest = b""
    load_before = os.getloadavg()[0]
    for i in range(n_requests):
        fid, cid = work.pick()
        response, body, ms, cpu, sql = work.get(fid, "/bench/bare")
        assert response.status_code == 200
        series["bare"].add(ms, cpu, sql, len(body))
        for key, ym in (("month", CURRENT_MONTH), ("early", EARLY_MONTH), ("late", LATE_MONTH)):
            fid, cid = work.pick()
            response, body, ms, cpu, sql = work.get(fid, f"/enfants/{cid}/agenda/{ym}")
            assert response.status_code == 200 and b"Agenda de" in body, response.status_code
            series[key].add(ms, cpu, sql, len(body))
            if len(body) > len(largest):
                largest = body
        if i % 2 == 0:
            for response, body, ms, cpu, sql in work.toggle_pair():
                series["toggle"].add(ms, cpu, sql, len(body))
    load_after = os.getloadavg()[0]

    extra = {}

    sizes = {"html_raw": len(largest), "html_gzip": gz(largest)}
    for name, path in (("site.css", "static/css/site.css"), ("htmx.min.js", "static/vendor/htmx.min.js"),
                       ("app.js", "static/js/app.js")):
        data = (ROOT / path).read_bytes()
        sizes[name] = (len(data), gz(data))
    sizes["total_gzip"] = sizes["html_gzip"] + sum(sizes[n][1] for n in ("site.css", "htmx.min.js", "app.js"))

    plans = explain(app, work)
    baseline = engine_baseline(app)
    profile_text = run_profile(work) if profile else ""
    return {"series": series, "extra": extra, "sizes": sizes, "plans": plans, "refused": work.refused,
            "login_s": work.login_s, "capacity_toggles": work.capacity_toggles, "profile": profile_text,
            "n_clients": len(work.sample), "load": (load_before, load_after), "baseline": baseline}


def engine_baseline(app) -> dict:
    """What the database costs before any app code: a SELECT 1 round trip, and one INSERT's COMMIT (the fsync a
    toggle pays), in a throw-away table of the bench database."""
    with app.app_context():
        engine = db.engine
    trips, commits = [], []
    with engine.connect() as conn:
        for _ in range(200):
            t = time.perf_counter()
            conn.exec_driver_sql("SELECT 1").all()
            trips.append((time.perf_counter() - t) * 1000)
        conn.rollback()
        conn.exec_driver_sql("CREATE TABLE bench_commit_probe (n INTEGER)")
        conn.commit()
        for n in range(100):
            conn.exec_driver_sql(f"INSERT INTO bench_commit_probe (n) VALUES ({n})")
            t = time.perf_counter()
            conn.commit()
            commits.append((time.perf_counter() - t) * 1000)
        conn.exec_driver_sql("DROP TABLE bench_commit_probe")
        conn.commit()
    return {"trip_p50": pct(trips, 50), "trip_p95": pct(trips, 95), "commit_p50": pct(commits, 50),
            "commit_p95": pct(commits, 95)}


def explain(app, work: Workload) -> list[tuple[str, list[str]]]:
    """The reservation queries of one month page (a child enrolled in a capacity-limited unit, so every query
    runs), captured as sent to the database, then explained with the same parameters."""
    with app.app_context():
        capacity_activities = select(Unit.activity_id).where(Unit.capacity.is_not(None))
        candidates = [c for cs in work.children_of.values() for c in cs]
        cid = db.session.scalar(select(Enrollment.child_id).where(
            Enrollment.child_id.in_(candidates), Enrollment.activity_id.in_(capacity_activities)).limit(1))
        cid = cid or candidates[0]
        fid = next(f for f, cs in work.children_of.items() if cid in cs)
        db.session.remove()
    counter = work.counter
    counter.keep, counter.statements = True, []
    work.get(fid, f"/enfants/{cid}/agenda/{LATE_MONTH}")
    counter.keep = False
    out = []
    with app.app_context(), db.engine.connect() as conn:
        is_pg = conn.dialect.name == "postgresql"
        for statement, params in counter.statements:
            if "FROM reservation" not in statement:
                continue
            prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if is_pg else "EXPLAIN QUERY PLAN "
            rows = conn.exec_driver_sql(prefix + statement, params).all()
            lines = [r[0] for r in rows] if is_pg else [f"{'  ' * (r[1] > 0)}{r[3]}" for r in rows]
            out.append((" ".join(statement.split()), lines))
    return out


def run_profile(work: Workload) -> str:
    """cProfile of 100 month pages ({late}) and 100 toggles: where the time goes, by own time and cumulative.""".format(
        late=LATE_MONTH)
    texts = []
    for label, action in (("100 month pages", lambda: work.get(*_month_url(work, LATE_MONTH))),
                          ("100 toggles (50 pairs)", work.toggle_pair)):
        profiler = cProfile.Profile()
        for _ in range(100 if "month" in label else 50):
            profiler.enable()
            action()
            profiler.disable()
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).strip_dirs()
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(45)
        texts.append(f"--- cProfile, {label} ---\n{buffer.getvalue()}")
    return "\n".join(texts)


def _month_url(work: Workload, ym: str):
    fid, cid = work.pick()
    return fid, f"/enfants/{cid}/agenda/{ym}"


# --------------------------------------------------------------------------- engines


def prepare_database(engine_name: str, args) -> tuple[str, callable]:
    """A fresh database of our own; returns (url, cleanup)."""
    if engine_name == "sqlite":
        folder = Path(args.sqlite_dir or tempfile.mkdtemp(prefix="bench_portail_"))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "bench.sqlite"
        if path.exists() and not args.reuse:
            path.unlink()

        def cleanup():
            if args.keep:
                return
            path.unlink(missing_ok=True)
            for suffix in ("-journal", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            if not args.sqlite_dir:
                shutil.rmtree(folder, ignore_errors=True)
        return f"sqlite:///{path}", cleanup
    url = make_url(args.pg_url)
    if url.database in ("test", "postgres", None):
        raise SystemExit(f"refusing to use the shared database {url.database!r}: give a bench database of its own")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    if not args.reuse:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    else:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}):
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))

    def cleanup():
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()
    return url.render_as_string(hide_password=False), cleanup


def run_engine(engine_name: str, args) -> dict:
    url, cleanup = prepare_database(engine_name, args)
    instance = tempfile.mkdtemp(prefix="bench_instance_")
    try:
        app = bench_app(url, instance)
        with app.app_context():
            db.create_all()
            is_pg = db.engine.dialect.name == "postgresql"
            version = db.session.scalar(text("SELECT version()" if is_pg else "SELECT sqlite_version()"))
            if args.reuse and db.session.scalar(select(func.count()).select_from(Reservation)):
                print(f"[{engine_name}] reusing the existing dataset", flush=True)
                data = {"timings": {}, "reservations": db.session.scalar(select(func.count()).select_from(Reservation)),
                        "children": db.session.scalar(select(func.count()).select_from(Person).where(
                            Person.role == "child")),
                        "families": db.session.scalar(select(func.count()).select_from(Family)), "generated_rows": 0,
                        "generated_children": args.children}
            else:
                print(f"[{engine_name}] seeding {args.children:,} children...", flush=True)
                data = seed(args.children, is_pg)
            db.session.remove()
        print(f"[{engine_name}] {data['reservations']:,} reservations; measuring {args.requests} requests each...",
              flush=True)
        t = time.perf_counter()
        with app.app_context():
            rows_before = db.session.scalar(select(func.count()).select_from(Reservation))
            db.session.remove()
        result = measure(app, args.requests, args.profile)
        with app.app_context():
            rows_after = db.session.scalar(select(func.count()).select_from(Reservation))
            db.session.remove()
            db.engine.dispose()
        result.update(engine=engine_name, version=version.split(" on ")[0], data=data,
                      measure_s=time.perf_counter() - t,
                      rows_unchanged=rows_before == rows_after, url=make_url(url).render_as_string())
        return result
    finally:
        cleanup()
        shutil.rmtree(instance, ignore_errors=True)


def report(r: dict) -> None:
    d, s, sizes = r["data"], r["series"], r["sizes"]
    t = d["timings"]
    print(f"\n=== {r['engine']}: {r['version']} ({r['url']}) ===")
    seeded = (f"seeded in {sum(t.values()):.1f} s (demo {t['demo']:.1f} s, families+enrolments {t['families']:.1f} s, "
              f"reservations {t['reservations']:.1f} s, vacuum/analyze {t['analyze']:.1f} s)" if t else "reused")
    print(f"dataset: {d['children']:,} children in {d['families']:,} families, {d['reservations']:,} reservations; "
          f"{seeded}")
    print(f"{r['n_clients']} families logged in through the form in {r['login_s']:.1f} s; measured in "
          f"{r['measure_s']:.1f} s; load average {r['load'][0]:.1f} -> {r['load'][1]:.1f} ({os.cpu_count()} CPUs); "
          f"toggles refused: {r['refused']}, on capacity-limited units: {r['capacity_toggles']}; "
          f"reservation count unchanged: {r['rows_unchanged']}")
    print(f"  {'server time, ms':<36} {'n':>5} {'p50':>7} {'p95':>7} {'max':>7} {'cpu50':>7} {'cpu95':>7} "
          f"{'sql50':>7} {'SQL/req':>7}   body bytes")
    for key in ("bare", "month", "early", "late", "toggle"):
        print(s[key].row())
    for extra in r["extra"].values():
        print(extra.row())
    b = r["baseline"]
    print(f"  database alone: SELECT 1 round trip p50/p95 {b['trip_p50']:.3f}/{b['trip_p95']:.3f} ms; "
          f"COMMIT of one INSERT p50/p95 {b['commit_p50']:.2f}/{b['commit_p95']:.2f} ms")
    print(f"  month page HTML (largest sampled, any month): {sizes['html_raw']:,} B raw, {sizes['html_gzip']:,} B gzip")
    for name in ("site.css", "htmx.min.js", "app.js"):
        print(f"  {name}: {sizes[name][0]:,} B raw, {sizes[name][1]:,} B gzip")
    print(f"  whole agenda page, gzip: {sizes['total_gzip']:,} B ({sizes['total_gzip'] / 1024:.1f} KB)")
    for line in aims(r):
        print("  " + line)
    early, late = s["early"].summary(), s["late"].summary()
    print(f"  month page early vs late in the year: p50/p95 {early['p50']:.2f}/{early['p95']:.2f} ms ({EARLY_MONTH}) "
          f"vs {late['p50']:.2f}/{late['p95']:.2f} ms ({LATE_MONTH})")
    print("\n  query plans of the month page's reservation queries:")
    for statement, lines in r["plans"]:
        print(f"  > {statement[:220]}{'...' if len(statement) > 220 else ''}")
        for line in lines:
            print(f"      {line}")
    if r["profile"]:
        print("\n" + r["profile"])


def aims(r: dict) -> list[str]:
    s, sizes = r["series"], r["sizes"]
    month = max((s[k] for k in ("month", "early", "late")), key=lambda x: x.summary()["p95"])
    checks = [
        (f"month page p95 (worst month, {month.name.split()[2]})", month.summary()["p95"], AIMS["month_p95_ms"], "ms"),
        ("toggle p95", s["toggle"].summary()["p95"], AIMS["toggle_p95_ms"], "ms"),
        ("toggle response (largest)", s["toggle"].summary()["bytes_max"], AIMS["toggle_bytes"], "B"),
        ("agenda page transferred, gzip", sizes["total_gzip"], AIMS["page_total_gzip"], "B"),
    ]
    return [f"aim {name}: {value:,.2f} {unit} <= {limit:,} {unit}: {'met' if value <= limit else 'MISSED'}"
            for name, value, limit, unit in checks]


def git_revision() -> str:
    """The commit measured (with "+changes" when the tree differs from it), or "?" outside a git checkout."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--children", type=int, default=5000, help="generated children (default 5000: ~2 M rows)")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per kind (default 300)")
    parser.add_argument("--quick", action="store_true", help="200 children, 60 requests: checks the script works")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help=f"PostgreSQL database of the bench, dropped and created again (default {DEFAULT_PG}, "
                             "with --quick bench_portail_quick, so a quick check never drops a kept full dataset)")
    parser.add_argument("--sqlite-dir", help="folder of the SQLite file (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept dataset (with --sqlite-dir / --pg-url)")
    parser.add_argument("--profile", action="store_true", help="cProfile 100 month pages and print the hot spots")
    args = parser.parse_args()
    if args.quick:
        args.children, args.requests = 200, 60
    if not args.pg_url:
        args.pg_url = DEFAULT_PG + ("_quick" if args.quick else "")
    engines = ("sqlite", "postgres") if args.engine == "both" else (args.engine,)
    started = time.perf_counter()
    print(f"agenda bench {dt.date.today()} at {git_revision()}: {args.children:,} children, {args.requests} requests "
          f"per kind, clock pinned to {NOW:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    results = [run_engine(name, args) for name in engines]
    for r in results:
        report(r)
    if len(results) > 1:
        print("\n=== summary (p50 / p95 ms) ===")
        print(f"  {'':<26}" + "".join(f"{r['engine']:>22}" for r in results))
        for key, label in (("bare", "bare endpoint"), ("month", f"month page {CURRENT_MONTH}"),
                           ("early", f"month page {EARLY_MONTH}"), ("late", f"month page {LATE_MONTH}"),
                           ("toggle", "toggle")):
            cells = "".join(f"{r['series'][key].summary()['p50']:>13.2f} / {r['series'][key].summary()['p95']:<6.2f}"
                            for r in results)
            print(f"  {label:<26}{cells}")
    print(f"\ntotal run time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
