"""Public pages: home, accessibility statement, legal notice, site map, contact."""

from __future__ import annotations

from flask import current_app

from blueprints.htmx import render
from blueprints.news import markup
from blueprints.pages import service as pages
from blueprints.public import bp


@bp.route("/")
def home():
    """Home page: what the portal does, how to get in; the demo logins in demo mode only."""
    logins = current_app.config.get("DEMO_LOGINS", ()) if current_app.config["DEMO"] else ()
    return render("public/home.html", demo_logins=logins)


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
    """How to reach the service Enfance: its details and opening hours, then the text agents write (pages)."""
    page = pages.page("contact")
    return render("public/contact.html", contact_text=markup.render(page.body) if page else "")
