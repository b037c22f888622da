"""The only module that reads HX-* headers: full page or fragment, and `Vary: HX-Request`.

A region htmx refreshes is a `{% block %}` of the page's own template; a partial request gets that block
alone (jinja2-fragments), a normal request the whole page. One template, two uses.
"""

from __future__ import annotations

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block, render_blocks


def is_partial() -> bool:
    """An htmx request that wants a fragment (not a boosted navigation nor a history restore)."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(template: str, block: str | list[str] | None = None, status: int = 200, **context):
    """Render the page, or only `block` (or several blocks, concatenated) for a partial request."""
    if block and is_partial():
        if isinstance(block, str):
            body = render_block(template, block, **context)
        else:
            body = render_blocks(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
