"""Flask extensions, created once and initialised in app.create_app() (db lives in models.py)."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()
login_manager = LoginManager()
migrate = Migrate()
# Storage comes from RATELIMIT_STORAGE_URI (Redis in production so every worker shares the counters).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def submitted_email() -> str:
    """Rate-limit key for per-account throttling: the address typed in the form, normalised."""
    return "account:" + (request.form.get("email") or "").strip().lower()
