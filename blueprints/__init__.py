"""The blueprints, one package per domain (see docs/architecture.md).

Each package creates its blueprint object in its `__init__.py` and imports its route modules there. They are
imported here only when the application asks for them (`all_blueprints()`), so that a script importing a helper
(`blueprints.auth.passwords`, a `rules` module) does not load every view.
"""

from __future__ import annotations

from importlib import import_module

# Registration order: public pages first, the back office last.
PACKAGES = ("health", "public", "auth", "twofactor", "accounts", "family", "dossier", "procedures", "documents",
            "agenda", "absences", "planning", "feeds", "messages", "reminders", "languages", "rgpd", "mydocuments",
            "billing", "payments", "attendance", "imports", "news", "menus", "pages", "backoffice")


def all_blueprints() -> list:
    """The blueprint object of every package, in registration order."""
    return [import_module(f"blueprints.{name}").bp for name in PACKAGES]
