"""GET /sante: 200 when the database (and Redis, when the login limiter uses it) answer, 503 otherwise.

For a monitoring probe (nginx, Zabbix, Uptime Kuma...): no login, no session, no personal data, only the state of
each dependency. A failure is logged with the exception's class only (a connection error may name the server)."""

from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import text

from blueprints.health import bp
from models import db

TIMEOUT_S = 2


def database_state() -> str:
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
        return "ok"
    except Exception as exc:  # any failure is a "no" for the probe
        current_app.logger.error("health: database unreachable (%s)", type(exc).__name__)
        return "erreur"
    finally:
        db.session.remove()


def redis_state() -> str:
    """"ok", "erreur", or "non utilisé" when the limiter keeps its counters in memory (a laptop, the tests)."""
    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "")
    if not uri.startswith(("redis://", "rediss://", "redis+unix://")):
        return "non utilisé"
    clients = current_app.extensions.setdefault("portail_health_redis", {})
    try:
        if uri not in clients:
            import redis

            clients[uri] = redis.Redis.from_url(uri.replace("redis+unix://", "unix://", 1),
                                                socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
        clients[uri].ping()
        return "ok"
    except Exception as exc:
        current_app.logger.error("health: Redis unreachable (%s)", type(exc).__name__)
        return "erreur"


@bp.route("/sante")
def health():
    """{"statut": "ok", "base": "ok", "redis": "ok"}: 200, or 503 as soon as one of them fails."""
    checks = {"base": database_state(), "redis": redis_state()}
    healthy = "erreur" not in checks.values()
    response = jsonify({"statut": "ok" if healthy else "erreur", **checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
