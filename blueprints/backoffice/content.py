"""Back office: the history of the public content (pages, files, news, menus): who changed what, when."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from blueprints.backoffice import bp
from blueprints.htmx import render
from models import ContentChange, db

HISTORY_SIZE = 200


@bp.route("/contenus/historique")
def content_history():
    """Historique des modifications du site public: the latest changes first, with before and after."""
    changes = db.session.execute(
        select(ContentChange).options(joinedload(ContentChange.user))
        .order_by(ContentChange.at.desc(), ContentChange.id.desc()).limit(HISTORY_SIZE)).scalars().all()
    return render("backoffice/content_history.html", changes=changes)
