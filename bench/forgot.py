"""How long "Mot de passe oublié" takes to answer, for an address with an account and for an unknown one.

Prints figures, asserts nothing (timed tests are not allowed in the suite: tests/test_auth.py checks the same thing
by what runs before the answer). The time measured is until the answer is complete, as a browser sees it; the work
done afterwards (look-up, link, mail: mail.after_response) is measured separately.

    .venv/bin/python bench/forgot.py                  # SQLite in a temporary file, 24 tries each, 2 runs
    .venv/bin/python bench/forgot.py --tries 100 --runs 3
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from models import User, db  # noqa: E402

FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def measure(app, email: str, tries: int) -> tuple[list[float], list[float]]:
    """(ms until the answer, ms of the work after it) for `tries` requests."""
    answer, after = [], []
    for _ in range(tries):
        client = app.test_client()
        form = token(client.get("/mot-de-passe-oublie").text)
        started = time.perf_counter()
        response = client.post("/mot-de-passe-oublie", data={"email": email, "csrf_token": form}, buffered=False)
        response.get_data()
        answered = time.perf_counter()
        response.close()
        answer.append((answered - started) * 1000)
        after.append((time.perf_counter() - answered) * 1000)
    return answer, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=24)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["INSTANCE_PATH"] = folder
        app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
            "ARGON2_PARAMS": FAST_ARGON2, "RATELIMIT_ENABLED": False, "SERVER_NAME": "localhost", "MAIL_SERVER": "",
        })
        with app.app_context():
            db.create_all()
            db.session.add(User(email="parent@example.org", display_name="Parent", password_hash="x"))
            db.session.commit()
        for run in range(1, args.runs + 1):
            for label, email in (("account", "parent@example.org"), ("unknown", "personne@example.org")):
                answer, after = measure(app, email, args.tries)
                print(f"run {run} {label:8} answer: median {statistics.median(answer):5.1f} ms, "
                      f"max {max(answer):5.1f} ms | after the answer: median {statistics.median(after):5.1f} ms")


if __name__ == "__main__":
    main()
