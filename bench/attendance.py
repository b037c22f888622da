#!/usr/bin/env python
"""Pointage and import benchmark: the attendance list and one-tap marks for a site of 400 children (p50, p95), and
the import of 3,000 families from CSV (dry run, then the import), in-process with the Flask test client (server
time, no network).

    .venv/bin/python bench/attendance.py                  # SQLite file: 400 children, 3,000 families
    .venv/bin/python bench/attendance.py --quick          # 40 children, 300 families: checks the script in seconds
    .venv/bin/python bench/attendance.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_attendance

The PostgreSQL database given is dropped and created again (never `test` nor `postgres`). Prints figures and judges
nothing (a benchmark, not a test: its asserts only check that requests succeed). Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from models import Activity, Family, Period, Person, Reservation, School, Unit, User, db  # noqa: E402

NOW = dt.datetime(2026, 11, 24, 8, 30, tzinfo=dt.timezone.utc)  # Tuesday, at the gate
DAY = NOW.date()
PASSWORD = "Un-mot-de-passe-solide-2026"
FAST = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
FIRST = ("Léa", "Hugo", "Inès", "Noé", "Zoé", "Chloé", "Maël", "Anaïs", "Gaël", "Jade", "Éloïse", "Timothée")
LAST = ("Martin", "Bernard", "Lefèvre", "Œuvray", "N'Diaye", "Dubois", "Moreau", "Girard", "Roux", "Faure")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def database(args) -> tuple[str, callable]:
    if args.pg_url:
        url = make_url(args.pg_url)
        if url.database in ("test", "postgres"):
            sys.exit("refused: use a database of its own for the bench")
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        return url.render_as_string(hide_password=False), drop
    folder = tempfile.mkdtemp(prefix="bench-attendance-")
    return f"sqlite:///{folder}/bench.db", lambda: None


def seed(n_children: int) -> tuple[School, Unit]:
    """A school of `n_children`, all booked for Tuesday's meal; 2 % have a health file with a PAI."""
    rng = random.Random(2026)
    school = School(name="École Jean-de-La-Fontaine")
    activity = Activity(code="restauration", name="Restauration scolaire")
    db.session.add_all([school, activity])
    db.session.flush()
    unit = Unit(activity_id=activity.id, slot="meal", label="Repas", weekdays="0134")
    period = Period(activity_id=activity.id, name="2026-2027", start_date=dt.date(2026, 9, 1),
                    end_date=dt.date(2027, 7, 3))
    db.session.add_all([unit, period])
    db.session.flush()
    children = []
    for n in range(0, n_children, 2):
        family = Family(dossier_number=f"B-{n:05d}", name=rng.choice(LAST))
        db.session.add(family)
        db.session.flush()
        for k in range(min(2, n_children - n)):
            child = Person(family_id=family.id, role="child", first_name=rng.choice(FIRST), last_name=family.name,
                           birth_date=dt.date(2017 + k, 3, 14), school_id=school.id, class_name="CE1")
            db.session.add(child)
            children.append(child)
    db.session.flush()
    db.session.execute(insert(Reservation), [{"child_id": c.id, "unit_id": unit.id, "date": DAY,
                                              "state": "reserved", "requested_at": NOW} for c in children])
    db.session.add(User(email="agent@example.org", role="agent", display_name="Agent",
                        password_hash=PasswordHasher(**FAST).hash(PASSWORD)))
    db.session.commit()
    return school, unit


def login(client) -> str:
    import re

    page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/connexion", data={"email": "agent@example.org", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    page = client.get("/gestion/").get_data(as_text=True)  # the signed-in session's token
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def families_csv(n: int) -> bytes:
    rng = random.Random(7)
    lines = ["dossier;role;civilite;nom;prenom;date_naissance;email;telephone;adresse;code_postal;ville;ecole;"
             "classe;lien;peut_recuperer;urgence;activites"]
    for f in range(n):
        last = rng.choice(LAST)
        dossier = f"I-{f:05d}"
        lines.append(f"{dossier};responsable;Mme;{last};{rng.choice(FIRST)};;parent{f}@example.org;06 39 98 00 00;"
                     f"{f} rue de l'Œillet;49999;Démo-sur-Loire;;;;;;")
        for k in range(rng.randint(1, 2)):
            lines.append(f"{dossier};enfant;;{last};{FIRST[k]};14/03/{2016 + k};;;;;;École Jean-de-La-Fontaine;"
                         f"CE1;;;;restauration")
        lines.append(f"{dossier};contact;M.;{rng.choice(LAST)};Paul;;;02 61 91 00 00;;;;;;voisin;oui;non;")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--children", type=int, default=400)
    parser.add_argument("--families", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--pg-url", default="")
    args = parser.parse_args()
    if args.quick:
        args.children, args.families, args.requests = 40, 300, 20
    url, drop = database(args)
    instance = tempfile.mkdtemp(prefix="bench-attendance-instance-")
    import os

    os.environ["INSTANCE_PATH"] = instance
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "ARGON2_PARAMS": FAST, "RATELIMIT_STORAGE_URI": "memory://", "CLOCK": lambda: NOW})
    try:
        with app.app_context():
            db.create_all()
            school, unit = seed(args.children)
            school_id, unit_id = school.id, unit.id
            child_ids = list(db.session.execute(select(Person.id).where(Person.role == "child")).scalars())
        client = app.test_client()
        token = login(client)
        base = f"/gestion/pointage/{school_id}/{unit_id}/{DAY.isoformat()}"
        client.get(base)  # warm
        lists = [timed(lambda: client.get(base)) for _ in range(args.requests)]
        rng = random.Random(1)

        def mark():
            answer = client.post(base + "/pointer", headers={"HX-Request": "true"},
                                 data={"csrf_token": token, "child_id": rng.choice(child_ids),
                                       "status": rng.choice(("present", "absent"))})
            assert answer.status_code == 200, answer.status_code
        marks = [timed(mark) for _ in range(args.requests)]
        print(f"engine: {'postgresql' if args.pg_url else 'sqlite'}; site of {args.children} children, "
              f"{args.requests} requests each")
        for name, values in (("attendance list (GET)", lists), ("one mark (POST, htmx)", marks)):
            print(f"  {name:24} p50 {statistics.median(values):7.1f} ms   p95 {pct(values, 95):7.1f} ms   "
                  f"max {max(values):7.1f} ms")
        raw = families_csv(args.families)
        page = client.get("/gestion/import/")
        assert page.status_code == 200
        start = time.perf_counter()
        report = client.post("/gestion/import/", content_type="multipart/form-data",
                             data={"csrf_token": token, "file": (io.BytesIO(raw), "familles.csv")})
        dry = time.perf_counter() - start
        body = report.get_data(as_text=True)
        kept = body.split('name="token" type="hidden" value="')[1].split('"')[0]
        start = time.perf_counter()
        done = client.post("/gestion/import/confirmer", data={"csrf_token": token, "token": kept})
        imported = time.perf_counter() - start
        assert done.status_code == 302, done.status_code
        with app.app_context():
            people = db.session.scalar(select(db.func.count(Person.id)))
        print(f"  import of {args.families} families ({len(raw) // 1024} KiB, Windows-1252, {people} people in "
              f"the base after): dry run {dry:.1f} s, import {imported:.1f} s")
        start = time.perf_counter()
        report = client.post("/gestion/import/", content_type="multipart/form-data",
                             data={"csrf_token": token, "file": (io.BytesIO(raw), "familles.csv")})
        print(f"  the same file again: dry run {time.perf_counter() - start:.1f} s, "
              f"{'nothing to import' if 'rien à importer' in report.get_data(as_text=True) else 'CHANGES?'}")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


if __name__ == "__main__":
    main()
