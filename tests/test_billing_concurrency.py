"""Billing under concurrency: two runs started at the same moment (one is refused by the database's unique
`active`), invoice numbers without gap nor duplicate when runs, credit notes and counter payments take numbers at
the same time (on PostgreSQL: threads, each in its own transaction; the counter row is locked), and a run killed
in the middle then resumed by two processes at once bills nobody twice."""

import datetime as dt
import threading

import pytest
from billing_world import NOV, NOW, build
from support import PG_URL

from blueprints.billing import run, service
from models import BillingRun, Invoice, db

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")]


@pytest.fixture
def world(app, make_family, make_activity):
    return build(app, make_family, make_activity)


def in_threads(app, count, work):
    results, errors, barrier = [], [], threading.Barrier(count)

    def one(n):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(work(n))
            except Exception as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_two_runs_at_once_one_refused(app, world):
    def start(n):
        return run.start(NOV if n else dt.date(2026, 10, 1), dt.date(2026, 12, 31), NOW).id

    started, errors = in_threads(app, 2, start)
    assert len(started) == 1 and len(errors) == 1
    assert isinstance(errors[0], run.RunRefused) and errors[0].code == "running"
    assert db.session.query(BillingRun).count() == 1


def test_numbers_without_gaps_when_everything_numbers_at_once(app, world):
    def number(n):
        taken = []
        for i in range(5):
            taken.append(service.next_number("invoice", 2031))
            if (n + i) % 4 == 0:
                db.session.rollback()  # this write failed: its number goes back
                taken.pop()
            else:
                db.session.commit()
        return taken

    results, errors = in_threads(app, 6, number)
    assert not errors
    numbers = sorted(n for taken in results for n in taken)
    assert numbers == [f"F-2031-{i:06d}" for i in range(1, len(numbers) + 1)]


def test_killed_run_resumed_by_two_processes_bills_once(app, world):
    started = run.start(NOV, dt.date(2026, 12, 31), NOW)
    run.execute(started.id, lambda: NOW, stop_after=1)
    later = NOW + dt.timedelta(minutes=10)

    def resume(n):
        resumed = run.start(NOV, dt.date(2026, 12, 31), later)
        return run.execute(resumed.id, lambda: later).id

    results, errors = in_threads(app, 2, resume)
    assert len(results) == 1 and all(isinstance(e, run.RunRefused) for e in errors)
    invoices = db.session.query(Invoice).order_by(Invoice.number).all()
    assert [i.number for i in invoices] == ["F-2026-000001", "F-2026-000002"]
    assert len({i.family_id for i in invoices}) == 2
