"""A gunicorn worker killed (SIGKILL) during a burst of toggles loses nothing and half-applies nothing.

A real gunicorn from the virtualenv, with deploy/gunicorn.conf.py and 2 workers on a free port, serves the PostgreSQL
test database (the SQLite test database lives in this process's memory, out of a server's reach). Eight parents
toggle the same capacity-limited slot on four days from threads (book, cancel with confirm=1) while a worker, then
the other one, is killed in the middle of the burst. Afterwards, from the database: every reservation has its audit
trail and the trail replays to it, no day holds more children than places, a waiting list is left only behind a
full day, and every change a parent was told about is stored. About 13 s on this busy machine (gunicorn's start
and the logins are most of it)."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select
from support import PASSWORD, enroll

from blueprints.reservations import rules, service
from models import Reservation, ReservationChange, db

pytestmark = [pytest.mark.postgres, pytest.mark.gunicorn]
ROOT = Path(__file__).resolve().parent.parent
PARENTS, CAPACITY, BURST_S = 8, 3, 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workers_of(master: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def wait_healthy(httpx, base: str, process, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        try:
            if httpx.get(base + "/sante", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not answer /sante")


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    """gunicorn -c deploy/gunicorn.conf.py on the test database; yields (base URL, master process)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL): a gunicorn process cannot reach the in-memory SQLite "
                    "test database; CI's second pass runs it")
    httpx = pytest.importorskip("httpx")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGON2_", "GUNICORN_", "DEMO", "DATABASE_URL"))}
    env.update(DATABASE_URL=database_url, SECRET_KEY="test-secret-key", PUBLIC_URL="http://127.0.0.1",
               INSTANCE_PATH=str(tmp_path / "instance"), SESSION_COOKIE_SECURE="0", MAIL_SERVER="",
               RATELIMIT_STORAGE_URI="memory://", GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2",
               ARGON2_MEMORY_KIB="8", ARGON2_TIME_COST="1", ARGON2_PARALLELISM="1")  # the tests' cheap hashes
    log = open(tmp_path / "gunicorn.log", "w")
    process = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(httpx, base, process)
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # its shutdown is not under test (a graceful one takes 5 s)
            process.wait()
        log.close()


def open_days(unit, activity, period, n: int) -> list[dt.date]:
    """`n` open days of the unit a month from now (the server reads the real clock)."""
    calendar = service.calendar_for(None, range(period.start_date.year, period.end_date.year + 1))
    days = rules.open_days(unit, activity, [period], [], calendar, period.start_date, period.end_date)
    return [d for d in days if d >= dt.date.today() + dt.timedelta(days=30)][:n]


def test_a_killed_worker_loses_nothing_and_half_applies_nothing(app, gunicorn, make_family, make_activity):
    import httpx

    base, master = gunicorn
    today = dt.date.today()
    activity, unit, period = make_activity(code="stage", slot="morning", label="Matin", capacity=CAPACITY,
                                           calendar="all", start=today, end=today + dt.timedelta(days=120))
    days = open_days(unit, activity, period, 4)
    parents = []
    for n in range(PARENTS):
        _, user, (child,) = make_family(name=f"Famille{n}")
        enroll(child, activity, period)
        client = httpx.Client(base_url=base, timeout=20)
        page = client.get("/connexion").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
        assert client.post("/connexion", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": token}).status_code == 302
        page = client.get(f"/enfants/{child.id}/agenda/{days[0]:%Y-%m}").text
        parents.append((client, child.id, re.search(r'"X-CSRFToken": "([^"]+)"', page)[1]))
    unit_id = unit.id
    db.session.commit()

    told = {}  # (child, day) -> state a parent was told about last (True: a place or a waiting-list entry)
    uncertain = set()  # (child, day) whose last request got no answer (its worker was killed)
    counts = defaultdict(int)
    lock = threading.Lock()
    stop = time.monotonic() + BURST_S

    def burst(n, client, child_id, token):
        rng = __import__("random").Random(n)
        while time.monotonic() < stop:
            day = rng.choice(days)
            want = not told.get((child_id, day), False)
            data = {"unit": str(unit_id), "date": day.isoformat()}
            data.update({f"s-{unit_id}-{day.isoformat()}": "1"} if want else {"confirm": "1"})
            try:
                response = client.post(f"/enfants/{child_id}/reservations", data=data,
                                       headers={"HX-Request": "true", "X-CSRFToken": token})
            except httpx.HTTPError:
                with lock:
                    counts["interrupted"] += 1
                    uncertain.add((child_id, day))
                continue
            with lock:
                counts[response.status_code] += 1
                if response.status_code == 200 and "flash--success" in response.text:
                    told[(child_id, day)] = want
                    uncertain.discard((child_id, day))

    threads = [threading.Thread(target=burst, args=(n, *p)) for n, p in enumerate(parents)]
    for t in threads:
        t.start()
    killed = []
    for at in (0.8, 2.0):  # one worker, then (the master has started a new one) another
        time.sleep(max(0, stop - BURST_S + at - time.monotonic()))
        victim = workers_of(master.pid)[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
    for t in threads:
        t.join(timeout=30)
    wait_healthy(httpx, base, master)  # the master replaced the killed workers
    assert not set(killed) & set(workers_of(master.pid))
    for client, _, _ in parents:
        client.close()

    assert counts[200] >= PARENTS, counts
    assert counts["interrupted"] >= 1, f"no request was cut by the kills: {dict(counts)}"
    assert set(counts) <= {200, "interrupted"}, counts

    db.session.remove()
    changes = db.session.execute(select(ReservationChange).where(ReservationChange.unit_id == unit_id)
                                 .order_by(ReservationChange.id)).scalars().all()
    rows = {(r.child_id, r.date): r.state for r in db.session.execute(
        select(Reservation).where(Reservation.unit_id == unit_id)).scalars()}
    replayed = {}
    for change in changes:  # each audit row starts where the previous one of its slot left it
        key = (change.child_id, change.date)
        assert replayed.get(key) == change.before, f"audit trail broken at {key}"
        replayed[key] = change.after
    assert {k: v for k, v in replayed.items() if v is not None} == rows  # nothing stored without its audit row
    for day in days:
        states = [state for (_, d), state in rows.items() if d == day]
        taken = sum(state in rules.TAKEN_STATES for state in states)
        assert taken <= CAPACITY, f"{day}: {taken} children for {CAPACITY} places"
        if "waiting" in states:
            assert taken == CAPACITY, f"{day}: a waiting list behind a free place"
    for key, held in told.items():
        if key not in uncertain:
            assert (key in rows) == held, f"{key}: the parent was told {held}, the database says {rows.get(key)}"
