"""Login throttling without lock-out (issue #12, item 4): recognised browsers and a growing delay.

- After a successful login (or a password chosen through a link), the browser gets a long-lived signed "device"
  cookie naming the account (a keyed digest of its address, never the address itself) and a random device id.
- A login attempt for an account this browser is recognised for skips the per-account limit: a stranger's wrong
  guesses on the parent's address cannot lock her out of her usual browser. It has its own per-device limit
  (LOGIN_LIMIT_PER_DEVICE) instead, so a stolen laptop is not a free guessing machine either.
- Without the cookie, the per-account limit (LOGIN_LIMIT_PER_ACCOUNT, e.g. 5 failures per 15 minutes) is followed
  by a ladder: one more try after 15 minutes, then after 30 minutes, 1 h, 2 h... (account_limits). The right
  password works again after the delay; guessing stays at about twenty tries a day (480 with the flat limit).
- The per-address limit (LOGIN_LIMIT_PER_ADDRESS) applies to everyone. Counters live in the limiter's storage
  (Redis with RATELIMIT_STORAGE_URI), shared by every process; the cookie needs no storage.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse_many

COOKIE = "appareil"
COOKIE_PATH = "/connexion"  # sent with login attempts only
MAX_AGE = 180 * 24 * 3600  # six months (CNIL: a cookie strictly needed for security, at most 13 months)
MAX_ACCOUNTS = 5  # a family computer may remember both parents, and a few more
LADDER_UNTIL = 24 * 3600  # the last step of the growing delay (its window), in seconds


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _account(email: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"device-account:" + email.strip().lower().encode(), hashlib.sha256).hexdigest()[:24]


def _read() -> dict | None:
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 1000:
        return None
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str) or not isinstance(data.get("a"), list):
        return None
    return data


def recognised() -> bool:
    """True when this browser has logged in before to the account typed in the login form."""
    data = _read()
    return data is not None and _account(request.form.get("email") or "") in data["a"]


def not_recognised() -> bool:
    return not recognised()


def device_key() -> str:
    """Rate-limit key of this browser (its random id): the per-device limit of recognised browsers."""
    data = _read()
    return "device:" + (data["n"] if data else "none")


def remember(email: str) -> None:
    """After a successful login: (re)issue the cookie with this account first, keeping this browser's id."""
    data = _read() or {"n": secrets.token_urlsafe(16), "a": []}
    account = _account(email)
    accounts = [account, *(a for a in data["a"] if a != account)][:MAX_ACCOUNTS]
    value = _serializer().dumps({"n": data["n"], "a": accounts})
    secure = current_app.config.get("SESSION_COOKIE_SECURE", True)

    @after_this_request
    def set_cookie(response):
        response.set_cookie(COOKIE, value, max_age=MAX_AGE, path=COOKIE_PATH, secure=secure, httponly=True,
                            samesite="Lax")
        return response


def account_limits() -> str:
    """LOGIN_LIMIT_PER_ACCOUNT followed by its growing delay: "5 per 15 minutes" gives 5/15 min, 6/30 min, 7/1 h,
    8/2 h ... while the window stays within a day. Each step allows one more failure in a window twice as long,
    so after the first lock each new try waits twice as long as the one before."""
    base = parse_many(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])[0]
    steps, amount, window = [], base.amount, base.get_expiry()
    while True:
        steps.append(f"{amount} per {window} seconds")
        if window * 2 > LADDER_UNTIL:
            return "; ".join(steps)
        amount, window = amount + 1, window * 2
