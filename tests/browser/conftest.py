"""Playwright harness: one live server on the demo commune and one Debian Chromium for the whole session,
a fresh browser context (no cookies) per test.

- The server is the real app (`create_app`) on a temporary SQLite *file* (the server answers from other threads),
  seeded with `demo.seed_demo()` relative to the pinned clock's day, served by werkzeug on 127.0.0.1 with a free
  port, in a daemon thread.
- Its clock is pinned (`live_server.clock`, default 2026-11-23 09:00 UTC, a Monday of the 2026-2027 school year;
  override with BROWSER_TEST_NOW=2026-11-23T09:00:00+00:00). The demo's closure, full Wednesdays and absence fall
  around that day: tests ask the demo where (`demo.closure_day(day)`, ...). Tests that move the clock take the
  `clock` fixture, which puts it back afterwards.
- Chromium is Debian's (/usr/bin/chromium, or $CHROMIUM); never a downloaded browser.
- Every page a test opens is watched: a 5xx answer or a Content-Security-Policy violation fails the test.
- Every test in this folder is marked `browser` (`pytest -m "not browser"` runs the rest alone).

Reusable checks (axe, reflow at 320 px, skip link, Tab order, login) live in helpers.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from werkzeug.serving import make_server

from tests.browser import helpers

HERE = Path(__file__).parent
UTC = dt.timezone.utc
DEFAULT_NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
TIMEOUT_MS = 5_000  # a local server answers in milliseconds: fail fast rather than wait 30 s


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


class Clock:
    """The live server's clock (`app.config["CLOCK"]`): pinned, and movable by a test."""

    def __init__(self, start: dt.datetime):
        self.start = self.current = start

    def __call__(self) -> dt.datetime:
        return self.current

    def set(self, when: dt.datetime) -> None:
        self.current = when

    def advance(self, **delta) -> None:
        self.current += dt.timedelta(**delta)

    def reset(self) -> None:
        self.current = self.start


class LiveServer:
    def __init__(self, app, url: str, clock: Clock):
        self.app, self.url, self.clock = app, url, clock

    def query(self, fn):
        """Run fn() inside the server app's context (to look up demo ids, read state a user cannot see)."""
        from models import db

        with self.app.app_context():
            try:
                return fn(db)
            finally:
                db.session.remove()


def _pinned_now() -> dt.datetime:
    raw = os.environ.get("BROWSER_TEST_NOW")
    return dt.datetime.fromisoformat(raw) if raw else DEFAULT_NOW


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from app import create_app
    from models import db

    instance = tmp_path_factory.mktemp("browser-instance")
    clock = Clock(_pinned_now())
    config = {
        "TESTING": True,
        "DEMO": True,
        "SECRET_KEY": "browser-test-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'portail.db'}",
        "ARGON2_PARAMS": FAST_ARGON2,
        "SESSION_COOKIE_SECURE": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Several tests submit wrong passwords on purpose from 127.0.0.1; the throttle has its own client tests.
        "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
        "CLOCK": clock,
        "MAIL_SERVER": "",  # e-mails go to instance/outbox, shown by the demo "Boîte d'envoi"
    }
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSTANCE_PATH", str(instance))
        app = create_app(config)
    with app.app_context():
        db.create_all()
        from demo import seed_demo

        seed_demo(now=clock(), today=clock().astimezone(PARIS).date())  # the data around the pinned day
        db.session.remove()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", clock)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def clock(live_server):
    """The server clock, put back to the pinned instant after the test."""
    yield live_server.clock
    live_server.clock.reset()


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} not found: run `make setup-test` (Debian's chromium; never a browser downloaded by Playwright)"
        )
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(java_script_enabled=True, **context_options): a page in a fresh context (own cookies).

    Pages are watched: a 5xx answer or a CSP violation fails the test at teardown."""
    contexts, problems = [], []

    def factory(java_script_enabled: bool = True, **options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(
            base_url=live_server.url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            java_script_enabled=java_script_enabled,
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        setattr(page, helpers.NO_JS, not java_script_enabled)
        page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None)
        page.on(
            "console",
            lambda m: (
                problems.append(f"console: {m.text}")
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        page.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))
        return page

    yield factory
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("problems seen by the browser:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_page):
    """A page with JavaScript (htmx) on, anonymous, 1280 x 800."""
    return new_page()


@pytest.fixture
def page_nojs(new_page):
    """The same with JavaScript disabled: the site must work without it."""
    return new_page(java_script_enabled=False)


@pytest.fixture(scope="session")
def _login_states():
    return {}


@pytest.fixture
def logged_in(new_page, _login_states):
    """logged_in(email, password, java_script_enabled=True): a page already logged in, for tests about something
    else than logging in. The first call per account logs in through the form; later ones reuse its cookies."""

    def factory(email: str, password: str, java_script_enabled: bool = True):
        state = _login_states.get(email)
        if state is None:
            page = new_page(java_script_enabled)
            helpers.login(page, email, password)
            assert "/connexion" not in page.url, f"could not log in as {email}"
            _login_states[email] = page.context.storage_state()
            return page
        return new_page(java_script_enabled, storage_state=state)

    return factory


@pytest.fixture
def login():
    """login(page, email, password): through the visible labels and the "Se connecter" button."""
    return helpers.login


@pytest.fixture
def assert_axe_clean():
    """assert_axe_clean(page): zero axe-core violations for wcag2a, wcag2aa, wcag21a, wcag21aa."""
    return helpers.assert_axe_clean
