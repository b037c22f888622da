"""Reusable browser checks (axe, reflow, keyboard) for every Playwright test in tests/browser.

Import them in a test module: `from tests.browser.helpers import AGENT, assert_axe_clean, assert_reflows, login`.
conftest.py also exposes `login` and `assert_axe_clean` as fixtures, and `logged_in(email, password)` for a page
that is already logged in (cookies reused) when logging in is not what the test is about.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

# The level our ACCESSIBILITY.md commits to (RGAA 4.1.2 is built on WCAG 2.1 AA).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
_axe = Axe()

REFLOW_VIEWPORT = {"width": 320, "height": 256}  # WCAG 1.4.10: 1280 px at 400 % zoom
SKIP_LINK_TEXT = "Aller au contenu"

# Demo logins (the demo package, also listed on the home page in demo mode).
PARENT = ("famille.martin@example.org", "Demo-Parent-2026!")  # Sophie Martin, two children (Léa, Hugo)
PARENT_BERNARD = ("famille.bernard@example.org", "Demo-Parent-2026!")  # Isabelle Bernard, one child (Chloé)
AGENT = ("agent@example.org", "Demo-Agent-2026!")

EMAIL_LABEL = re.compile(r"^Adresse e-mail")  # the label reads "Adresse e-mail (obligatoire)"
PASSWORD_LABEL = re.compile(r"^Mot de passe")


NO_JS = "portail_javascript_disabled"  # attribute conftest sets on the pages it opens with JavaScript disabled


def axe_violations(page, context=None) -> list[dict]:
    """Violations axe-core finds on the page as it is now (WCAG 2.1 A and AA rules only)."""
    if getattr(page, NO_JS, False):
        return _axe_on_a_copy(page, context)
    return _axe.run(page, context=context, options=AXE_OPTIONS).response["violations"]


def _axe_on_a_copy(page, context=None) -> list[dict]:
    """axe-core needs JavaScript (its promises wait on timers that never fire when scripts are disabled).

    So the DOM of a no-JS page is served again, at the same address and with the same stylesheets, to a throw-away
    page whose own scripts (htmx, app.js) are blocked: what axe sees is what the no-JS visitor gets."""
    html, url = page.content(), page.url
    copy_context = page.context.browser.new_context(viewport=page.viewport_size, locale="fr-FR")
    try:
        copy = copy_context.new_page()

        def serve(route):
            if route.request.url == url and route.request.resource_type == "document":
                route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")
            elif route.request.resource_type == "script":
                route.abort()
            else:
                route.continue_()

        copy.route("**/*", serve)
        copy.goto(url)
        return _axe.run(copy, context=context, options=AXE_OPTIONS).response["violations"]
    finally:
        copy_context.close()


def format_violations(violations: list[dict], url: str = "") -> str:
    lines = [f"{len(violations)} axe violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} [{v.get('helpUrl', '')}]")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {node.get('html', '')[:160]}")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


def assert_axe_clean(page, context=None) -> None:
    """Fail with a readable list (rule id, help, target nodes) when axe reports any violation."""
    violations = axe_violations(page, context)
    if violations:
        pytest.fail(format_violations(violations, page.url), pytrace=False)


def page_scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def assert_reflows(page) -> None:
    """At 320 x 256 CSS pixels the page needs no horizontal scrolling (RGAA 10.11, WCAG 1.4.10).

    Restores the previous viewport afterwards so the test can go on."""
    previous = page.viewport_size
    page.set_viewport_size(REFLOW_VIEWPORT)
    try:
        width = page_scroll_width(page)
        if width > REFLOW_VIEWPORT["width"]:
            culprits = page.evaluate(
                """(limit) => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > limit + 0.5)
                    .filter(e => !e.closest('.visually-hidden'))
                    .slice(0, 8)
                    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                              + (typeof e.className === 'string' && e.className
                                 ? '.' + e.className.trim().replace(/\\s+/g, '.') : '')
                              + ' right=' + Math.round(e.getBoundingClientRect().right))""",
                REFLOW_VIEWPORT["width"],
            )
            pytest.fail(
                f"horizontal scroll at 320 px on {page.url}: scrollWidth={width}; widest elements: {culprits}",
                pytrace=False,
            )
    finally:
        if previous:
            page.set_viewport_size(previous)


def focused(page) -> dict:
    """What has keyboard focus: tag, id, name, type, accessible-ish text (for readable assertions)."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            if (!e || e === document.body) return {tag: 'body'};
            const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
            return {tag: e.tagName.toLowerCase(), id: e.id || '', name: e.getAttribute('name') || '',
                    type: e.getAttribute('type') || '', text: (e.innerText || e.value || '').trim().slice(0, 80),
                    label: label.trim(), href: e.getAttribute('href') || ''};
        }"""
    )


def tab_sequence(page, count: int) -> list[dict]:
    """Press Tab `count` times from where focus is now; the focused element after each press."""
    stops = []
    for _ in range(count):
        page.keyboard.press("Tab")
        stops.append(focused(page))
    return stops


def assert_skip_link_first(page) -> None:
    """On a freshly loaded page (nothing focused yet), the first Tab lands on "Aller au contenu" and following that
    link moves focus to main (RGAA 12.7)."""
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["tag"] == "a" and first["text"] == SKIP_LINK_TEXT, f"first Tab stop on {page.url} is {first}"
    box = page.evaluate("() => { const r = document.activeElement.getBoundingClientRect();"
                        " return {top: r.top, bottom: r.bottom, width: r.width, vh: innerHeight}; }")
    on_screen = box["width"] > 1 and 0 <= box["top"] and box["bottom"] <= box["vh"]
    assert on_screen, f"the focused skip link is not visible on screen: {box}"
    page.keyboard.press("Enter")
    after = focused(page)
    assert after["tag"] == "main" and after["id"] == "contenu", f"skip link did not move focus to main: {after}"


def login(page, email: str, password: str) -> None:
    """Log in through the visible form, finding the fields by their labels as a person would."""
    page.goto("/connexion")
    page.get_by_label(EMAIL_LABEL).fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def logout(page) -> None:
    page.get_by_role("button", name="Se déconnecter", exact=True).click()  # not "... de tous les appareils"
    page.wait_for_load_state()


def table_snapshot(db, tables) -> list[list[dict]]:
    """The rows of `tables` (Table objects, parents first), to give to restore_tables after a journey."""
    from sqlalchemy import select

    return [[dict(r) for r in db.session.execute(select(t)).mappings()] for t in tables]


def restore_tables(db, tables, saved) -> None:
    """Put `tables` back as `saved` (table_snapshot) with as few changes as possible: rows the journey added are
    deleted (children first), rows it changed are written back, rows it deleted are inserted again (parents first).
    Rows that stayed are never deleted: SQLite enforces foreign keys, so deleting and inserting them again would
    cascade to the rows of other tables that point at them (a message's attachment, a démarche's document)."""
    from sqlalchemy import delete, insert, select, update

    for table, rows in reversed(list(zip(tables, saved, strict=True))):
        kept = [r["id"] for r in rows]
        db.session.execute(delete(table).where(table.c.id.not_in(kept)) if kept else delete(table))
    for table, rows in zip(tables, saved, strict=True):
        present = set(db.session.execute(select(table.c.id)).scalars())
        missing = [r for r in rows if r["id"] not in present]
        for row in rows:
            if row["id"] in present:
                db.session.execute(update(table).where(table.c.id == row["id"]).values(**row))
        if missing:
            db.session.execute(insert(table), missing)
    db.session.commit()


def open_menu(page) -> None:
    """Unfold the main menu when it is folded behind its "Menu" button (a narrow screen with JavaScript)."""
    toggle = page.locator(".nav-toggle")
    if toggle.count() and toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def check_page(page) -> None:
    """No axe violation (WCAG 2.1 A/AA) at the page's width nor at 320 x 256, where nothing scrolls sideways."""
    assert_axe_clean(page)
    assert_reflows(page)
    width = page.viewport_size
    page.set_viewport_size(REFLOW_VIEWPORT)
    try:
        assert_axe_clean(page)
    finally:
        page.set_viewport_size(width)
