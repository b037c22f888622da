"""gunicorn settings of the Portail Familles (started by deploy/portail.service; README, « Déploiement »).

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py            # serves app:create_app() on 127.0.0.1:8000

Sync workers, 2 per core plus one (5 on a 2-core server): a request is CPU work in Python plus database round trips,
and nginx in front buffers slow clients, so a worker is never held by a slow phone. GUNICORN_BIND and
GUNICORN_WORKERS override the address and the count (the bench and the killed-worker test use them).
No access log here: the application writes one line per request itself, with its id and without query strings or
secrets (requestlog.py); gunicorn's own would print full URLs, private calendar links included.
"""

import multiprocessing
import os

wsgi_app = "app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # loopback only: nginx is the one door
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
timeout = 30  # a worker silent for 30 s is killed and replaced (its transaction is rolled back by the database)
graceful_timeout = 30
backlog = 2048  # connections waiting for a worker during a burst (opening day)
max_requests = 5000  # a worker is replaced now and then (memory), at staggered moments
max_requests_jitter = 500
# The application is loaded once, before the workers are forked: a worker that dies (killed, out of memory) is
# replaced at once instead of importing everything again, and the workers share the loaded code's memory. The master
# opens no database connection; post_fork below makes sure a worker never reuses one from it. After an update:
# `systemctl restart portail` (a reload would keep the old code).
preload_app = True
worker_tmp_dir = "/dev/shm"  # heartbeat files in memory, never on a slow disk
proc_name = "portail"
control_socket_disable = True  # gunicorn 27's control socket (~/.gunicorn/gunicorn.ctl) is not used: systemctl is
forwarded_allow_ips = "127.0.0.1,::1"  # X-Forwarded-Proto from nginx only (the app reads it through ProxyFix too)

accesslog = None
errorlog = "-"  # stderr: journald under systemd
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}


def post_fork(server, worker):
    """SQLAlchemy's rule for forked processes: the worker starts with a pool of its own (no connection is shared
    with the master or a sibling)."""
    app = getattr(server.app, "callable", None)
    if app is not None and "sqlalchemy" in getattr(app, "extensions", {}):
        from models import db

        with app.app_context():
            db.engine.dispose(close=False)
