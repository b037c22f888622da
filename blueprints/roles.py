"""Agents' roles: which back-office page each role may open, checked on the server by the back-office guard.

Roles (User.agent_role, or "admin" for User.role == "admin"):
- direction: everything but the administration of agents and the audit;
- site: the lists of their sites (schools in AgentSite) and attendance;
- regie: billing (and the families' files, read);
- accueil: families, their requests, documents and absences;
- admin: direction, plus agents, their rights and the audit log.

ACCESS maps every agents' endpoint (the back office, the pointage, the import) to the roles allowed; the one guard
is blueprints/access.py `require_agent_role`. An endpoint missing from the map is refused to
everyone (and tests/test_admin_roles.py fails), so a new page must declare who may open it. `sites_for(user)` tells
other modules which sites a user's lists are limited to (None: all)."""

from __future__ import annotations

from typing import Optional

ROLES = ("direction", "site", "regie", "accueil")
ADMIN = "admin"

EVERYONE = frozenset({ADMIN, *ROLES})
DIRECTION = frozenset({ADMIN, "direction"})
FAMILIES = frozenset({ADMIN, "direction", "accueil"})
FAMILIES_READ = frozenset({ADMIN, "direction", "accueil", "regie"})
SITES = frozenset({ADMIN, "direction", "site"})
ADMIN_ONLY = frozenset({ADMIN})
MANAGEMENT = frozenset({ADMIN, "direction", "regie"})
MESSAGES = frozenset({ADMIN, "direction", "accueil", "regie"})
BILLING = frozenset({ADMIN, "direction", "regie"})

_FAMILY_PAGES = ("certificate", "certificates", "refuse_certificate", "validate_certificate",  # absences
                 "child_agenda", "child_agenda_current", "child_agenda_save", "child_agenda_toggle",
                 "child_agenda_week", "child_agenda_week_save",  # an agent books for a child
                 "document_dates", "document_refuse", "document_review", "document_validate", "documents_queue",
                 "enroll", "family_edit", "family_new", "invite", "person_add", "person_edit", "person_remove",
                 "unenroll", "child_history", "history_all",
                 "request_accept", "request_ask", "request_detail", "request_refuse", "request_take",
                 "requests_queue")
_SETTINGS_PAGES = ("activities", "activity_edit", "closure_add", "closure_delete", "closure_delete_confirm",
                   "diet_toggle", "diets", "document_type_edit", "document_type_new", "document_types",
                   "procedure_type_edit", "procedure_type_new", "procedure_types",
                   "occupancy", "occupancy_csv", "occupancy_current", "occupancy_day", "occupancy_day_csv")

ACCESS: dict[str, frozenset[str]] = {
    "backoffice.index": EVERYONE,
    "backoffice.outbox": EVERYONE,  # demo only (404 otherwise)
    "backoffice.outbox_message": EVERYONE,
    "backoffice.security": EVERYONE,  # one's own two-factor authentication
    "backoffice.families": FAMILIES_READ,
    "backoffice.family": FAMILIES_READ,
    # The page checks the health right itself, and a site agent's sites.
    "backoffice.child_health": frozenset({ADMIN, "direction", "accueil", "site"}),
    **{f"backoffice.{name}": FAMILIES for name in _FAMILY_PAGES},
    **{f"backoffice.{name}": DIRECTION for name in _SETTINGS_PAGES},
    **{f"backoffice.{name}": ADMIN_ONLY for name in (
        "health_log", "health_rights", "agents", "agent_new", "agent_edit", "audit", "audit_csv")},
    "backoffice.statistics_page": MANAGEMENT,
    "backoffice.statistics_csv": MANAGEMENT,
    # Messagerie: the services answer (billing questions go to the régie); its settings are the direction's.
    **{f"backoffice.{name}": MESSAGES for name in (
        "message_inbox", "message_thread", "message_assign", "message_close", "message_reopen")},
    **{f"backoffice.{name}": DIRECTION for name in (
        "message_settings", "message_service_edit", "message_theme_edit", "message_template_edit")},
    # Public space: what the commune publishes.
    **{f"backoffice.{name}": DIRECTION for name in (
        "news_list", "news_new", "news_edit", "news_delete", "menus", "menu_week", "menu_dish_delete",
        "menus_import", "menus_template", "site_pages", "site_page_edit", "site_page_file_add",
        "site_page_file_delete", "content_history")},
    # Pointage and the kitchen counts (blueprints/attendance): a site agent's lists are limited to their sites.
    **{f"attendance.{name}": SITES for name in (
        "choose", "day_list", "day_pdf", "mark", "add", "kitchen_today", "kitchen_day", "kitchen_csv",
        "kitchen_pdf", "kitchen_adults_save")},
    "attendance.kitchen_settings": DIRECTION,
    # Families without an account: their requests, and the letters with their key (accueil's work).
    **{f"backoffice.{name}": FAMILIES for name in (
        "account_requests", "account_request", "accept_account_request", "refuse_account_request", "dossier_keys")},
    # Billing and payments (blueprints/billing, backoffice/payments.py): the régie's work.
    **{f"billing.{name}": BILLING for name in (
        "runs", "run_preview", "run_progress", "run_resume", "tariffs", "tariff_new", "tariff_edit", "unpaid",
        "invoices_search", "agent_invoice", "counter_payment", "credit_note", "receipt", "family_account",
        "send_reminders", "reminder_letters", "invoice_reminder_letter")},
    **{f"backoffice.{name}": BILLING for name in (
        "direct_debits", "direct_debit_export", "direct_debit_batch", "direct_debit_file", "direct_debit_reject",
        "mandate_revoke", "paper_invoices", "payment_notices")},
    # Import of families and invitations (blueprints/imports).
    **{f"imports.{name}": DIRECTION for name in ("index", "check", "confirm", "invite_all", "template_csv")},
}

TWO_FACTOR_ROLES = frozenset({ADMIN, "direction"})  # and whoever may read health data


def role_of(user) -> Optional[str]:
    """The back-office role of `user` (None for a parent or an anonymous visitor)."""
    if not getattr(user, "is_authenticated", False) or not user.is_agent:
        return None
    if user.role == "admin":
        return ADMIN
    return user.agent_role or "direction"  # agents from before roles could do everything


def allowed(role: Optional[str], endpoint: Optional[str]) -> bool:
    """May `role` open `endpoint`? Pure: the map above, nothing else. Unknown endpoints are refused."""
    return role is not None and role in ACCESS.get(endpoint or "", frozenset())


def may(user, endpoint: str) -> bool:
    """For templates: show a link only to who may follow it."""
    return allowed(role_of(user), endpoint)


def two_factor_required(user) -> bool:
    """Administrators, direction and every agent who may read health data must use two-factor authentication."""
    role = role_of(user)
    return role is not None and (role in TWO_FACTOR_ROLES or bool(user.can_see_health))


def sites_for(user) -> Optional[set[int]]:
    """The school ids whose lists `user` may see: None means every site (direction, admin, accueil, régie); a site
    agent gets their sites (possibly none)."""
    if role_of(user) != "site":
        return None
    from models import AgentSite, db

    return set(db.session.execute(db.select(AgentSite.school_id).where(AgentSite.user_id == user.id)).scalars())
