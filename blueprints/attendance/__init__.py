"""Pointage (attendance taken on a tablet at the school gate) and the central kitchen's meal counts: agents only.

Every route checks the site through attendance/access.py `sites_for` (the one place the roles will plug in).
`flask kitchen send` (for cron) is registered here too (cli_group=None: a top-level `kitchen` group).
"""

from flask import Blueprint

from blueprints.access import require_agent_role

bp = Blueprint("attendance", __name__, url_prefix="/gestion", cli_group=None)


bp.before_request(require_agent_role)  # agents only, by role (blueprints/roles.py)

from blueprints.attendance import kitchen_views, views  # noqa: E402,F401  (routes on bp)
