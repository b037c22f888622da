"""The language switch: a link on every page ("English" / "Français") that remembers the choice in a cookie."""

from __future__ import annotations

from flask import abort, current_app, has_request_context, redirect, request, url_for

from blueprints.languages import bp, formats, rules


@bp.route("/langue/<code>")
def switch(code: str):
    """Remember the chosen language (cookie, a year) and go back to the page the link was on. A GET link so that
    it works without JavaScript on every page, error pages included; it changes no data, only how pages read."""
    if code not in rules.LANGUAGES:
        abort(404)
    response = redirect(rules.safe_path(request.args.get("suivant")) or url_for("public.home"))
    response.set_cookie(rules.COOKIE, code, max_age=rules.COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.app_context_processor
def page_language():
    """<html lang> and the switch's links, on every page (an e-mail rendered by a command has no request)."""
    current = formats.language()
    french_only = not has_request_context() or rules.french_only(request.blueprint, request.path)
    offered = [] if french_only else rules.others(current)
    return {"page_language": current, "language_names": rules.LANGUAGES, "other_languages": offered}


@bp.after_app_request
def vary_on_language(response):
    """A page's words depend on the browser's languages (caches must not mix them)."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
    return response


@bp.app_template_filter("money")
def money_filter(cents):
    return formats.money(cents)


@bp.app_template_filter("capitalize")
def capitalize_first(value) -> str:
    """Jinja's `capitalize` lowercases the rest ("Tuesday 24 november"): only the first letter is raised, so that
    English month names and proper nouns keep their capitals ("Tuesday 24 November", "Repas (ALSH)")."""
    value = str(value)
    return value[:1].upper() + value[1:]


@bp.record_once
def template_globals(state) -> None:
    state.app.jinja_env.globals["colon"] = formats.COLON


@bp.app_template_filter("commune_text")
def commune_text_filter(value):
    return formats.commune_text(value)
