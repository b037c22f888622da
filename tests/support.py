"""Constants and helpers shared by the test modules (import them from here, never from conftest:
pytest loads tests/conftest.py and tests/browser/conftest.py under the same module name)."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from pathlib import Path

from models import Enrollment, db

PASSWORD = "Un-mot-de-passe-solide-2026"
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def csrf_from(html: str) -> str:
    """The CSRF token a page carries (hidden field or hx-headers), as a browser would send it."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


# --------------------------------------------------------------------------- reading pages (one set of helpers)


def body_of(page) -> str:
    """The HTML of a response (or the string itself)."""
    return page if isinstance(page, str) else page.get_data(as_text=True)


def text(page) -> str:
    """The page's HTML with entities decoded (what a reader sees in the markup: "l'absence", "«")."""
    return html.unescape(body_of(page))


def text_of(page) -> str:
    """The visible text: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body_of(page))).split())


def title_of(page) -> str:
    """The <title> of the page, decoded."""
    return html.unescape(re.search(r"<title>(.*?)</title>", body_of(page), re.DOTALL).group(1)).strip()


def main_of(page) -> str:
    """The HTML of the <main> element."""
    body = body_of(page)
    return body[body.index("<main") : body.index("</main>")]


def links(page) -> dict[str, str]:
    """Link text -> href of every link in the page (or fragment)."""
    found = re.findall(r'<a\b[^>]*?\bhref="([^"]*)"[^>]*>(.*?)</a>', body_of(page), re.S)
    return {text_of(label): html.unescape(href) for href, label in found}


def region(page, element_id: str) -> str:
    """The visible text of the <div id=...> region (#status, #alert)."""
    match = re.search(rf'<div id="{element_id}"[^>]*>(.*?)</div>', body_of(page), re.S)
    assert match, f"no #{element_id}"
    return text_of(match.group(1))


def answer_sent(response) -> str:
    """The page of a `buffered=False` response as the server has sent it, before the server takes the end of the
    body (what runs after the answer, mail.after_response, has not run yet): its first chunk, the whole page."""
    return next(iter(response.response)).decode()


def outbox(app) -> list:
    """The e-mails written to instance/outbox (no MAIL_SERVER in tests), parsed, oldest first."""
    from email import policy
    from email.parser import BytesParser

    folder = Path(app.instance_path) / "outbox"
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [BytesParser(policy=policy.default).parsebytes(f.read_bytes()) for f in files]


def link_in(message) -> str:
    """The one link of an account e-mail, as a path the test client can open."""
    links = re.findall(r"https?://[^/\s]+(/\S+)", message.get_content())
    assert len(links) == 1, links
    return links[0]


def enroll(child, activity, period):
    db.session.add(Enrollment(child_id=child.id, activity_id=activity.id, period_id=period.id))
    db.session.commit()


def _config(database_url: str, tmp_path=None) -> dict:
    return {
        "TESTING": True,
        "DEMO": False,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ARGON2_PARAMS": FAST_ARGON2,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SESSION_COOKIE_SECURE": False,
        "SERVER_NAME": "localhost",
        "MAIL_SERVER": "",  # never mail a real server from the tests, whatever the environment says
        # Tests move the clock over days while a client stays logged in; the application's 24 hours of inactivity
        # that end a session are tested with their own value (tests/test_sessions.py).
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(days=60),
    }
