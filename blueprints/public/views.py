"""Public pages: home, accessibility statement, legal notice, site map, contact."""

from __future__ import annotations

from flask import Blueprint, current_app

from blueprints.htmx import render
from demo import AGENT_EMAIL, AGENT_PASSWORD, PARENT_PASSWORD
from demo import DEMO_LOGINS as PARENT_LOGINS

bp = Blueprint("public", __name__)

# Shown on the home page in demo mode only; the accounts themselves are created by the demo package.
DEMO_LOGINS = (
    (PARENT_LOGINS["Martin"], PARENT_PASSWORD, "Parent, famille Martin (deux enfants)"),
    (PARENT_LOGINS["Bernard"], PARENT_PASSWORD, "Parent, famille Bernard (un enfant)"),
    (AGENT_EMAIL, AGENT_PASSWORD, "Agent du service Enfance"),
)


@bp.route("/")
def home():
    """Home page: what the portal does, how to get in; the demo logins in demo mode only."""
    return render("public/home.html", demo_logins=DEMO_LOGINS if current_app.config["DEMO"] else ())


@bp.route("/accessibilite")
def accessibility():
    """Déclaration d'accessibilité (RGAA 4.1.2), multi-year plan and this year's action plan."""
    return render("public/accessibility.html")


@bp.route("/mentions-legales")
def legal():
    """Mentions légales and personal data (RGPD)."""
    return render("public/legal.html")


@bp.route("/plan-du-site")
def sitemap():
    """Plan du site: every page a visitor can reach (the second way to find a page, RGAA 12.1)."""
    return render("public/sitemap.html")


@bp.route("/contact")
def contact():
    """How to reach the service Enfance."""
    return render("public/contact.html")
