"""One log line per request, with an id, and never personal data or a secret in it.

`RequestLog` is the outermost WSGI layer (static files included): it gives each request an id (the proxy's
`X-Request-Id` when it is well formed, else a new one), sends it back as `X-Request-Id` and logs

    request id=3f9c2e1ab84d4c07 method=POST path=/enfants/12/reservations status=200 ms=14.2

No query string (searches carry names), no client address, no user: only the method, a path whose secret or
free-text parts are replaced (`loggable_path`), the status and the time until the headers were sent.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

log = logging.getLogger("portail.request")

INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Paths whose segment after the prefix is a secret: private calendar feeds, activation and reset links.
SECRET_PREFIXES = ("calendrier", "activer", "reinitialiser")
SAFE_SEGMENT = re.compile(
    r"\d{1,12}"  # ids
    r"|\d{4}-\d{2}(-\d{2})?"  # months and days
    r"|[a-z][a-z0-9-]{0,40}(\.[a-z0-9]{1,5})?"  # the application's own words (routes are lower-case French)
)
STATIC_SEGMENT = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def loggable_path(path: str) -> str:
    """The path with secrets and anything unexpected replaced: `/calendrier/<token>.ics` -> `/calendrier/:secret.ics`,
    `/activer/<token>` -> `/activer/:secret`, any segment that is not an id, a date or a lower-case word -> `:x`."""
    segments = path[:300].split("/")
    static = len(segments) > 1 and segments[1] == "static"
    out = []
    for position, segment in enumerate(segments):
        if position == 2 and segments[1] in SECRET_PREFIXES:
            out.append(":secret" + (".ics" if segment.endswith(".ics") else ""))
            out.extend([":secret"] * (len(segments) - 3))
            break
        if segment == "" or SAFE_SEGMENT.fullmatch(segment) or (static and STATIC_SEGMENT.fullmatch(segment)):
            out.append(segment)
        else:
            out.append(":x")
    return "/".join(out) or "/"


class RequestLog:
    """WSGI middleware: request id in, `X-Request-Id` out, one INFO line per request on `portail.request`."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex[:16]
        environ["portail.request_id"] = request_id
        started = time.perf_counter()
        logged = []

        def emit(status: str) -> None:
            if not logged:
                logged.append(True)
                log.info("request id=%s method=%s path=%s status=%s ms=%.1f", request_id,
                         environ.get("REQUEST_METHOD", "-")[:10], loggable_path(environ.get("PATH_INFO", "")),
                         status, (time.perf_counter() - started) * 1000)

        def logging_start_response(status, headers, exc_info=None):
            headers.append(("X-Request-Id", request_id))
            emit(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, logging_start_response)
        except BaseException:
            emit("500")
            raise


def configure_logging() -> None:
    """Without any logging set up (a bare `flask` command or `python`), the request lines go to stderr. Under
    gunicorn (deploy/gunicorn.conf.py configures the root logger) or pytest, their own handlers are used."""
    root, ours = logging.getLogger(), logging.getLogger("portail")
    if root.handlers or ours.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
