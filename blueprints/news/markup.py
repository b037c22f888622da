"""Markdown written by agents (news, public pages) turned into safe HTML: markdown-it-py renders it (raw HTML off,
so `<script>` stays text) and nh3 (the Ammonia sanitiser) keeps only plain content tags, no attribute that runs
code (`onclick`...), and links to http(s) or mailto only. `problems` says what an agent must fix before saving
(an image without alternative text, an image from another site, a `javascript:` link). Pure: no Flask, no DB."""

from __future__ import annotations

import nh3
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td", "img",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"scope"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}
SAFE_IMAGE_PREFIX = "/"  # pictures are served by the portal itself (the CSP allows no other site)

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def _shift_headings(tokens) -> None:
    """A heading written `#` in a body is an h2 (the page's h1 is its title), `##` an h3, deeper ones h4."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + 1, 4)
            token.tag = f"h{level}"


def render(text: str) -> str:
    """Safe HTML of Markdown `text` (an empty string for none)."""
    if not text:
        return ""
    tokens = _md.parse(text)
    _shift_headings(tokens)
    html = _md.renderer.render(tokens, _md.options, {})
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     link_rel="noopener noreferrer nofollow")


def _walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def problems(text: str) -> list[str]:
    """What keeps Markdown `text` from being published, in French: images need an alternative text and must be on
    the portal; links go to web pages or e-mail addresses only (no `javascript:`, no `data:`)."""
    found: list[str] = []
    for token in _walk(_md.parse(text or "")):
        if token.type == "image":
            if not token.content.strip():
                found.append(_l("Chaque image a besoin d'un texte de remplacement qui dit ce qu'elle montre : "
                                "![description de l'image](adresse)."))
            if not str(token.attrGet("src") or "").startswith(SAFE_IMAGE_PREFIX) or \
                    str(token.attrGet("src") or "").startswith("//"):
                found.append(_l("Une image doit être sur le portail (son adresse commence par « / »). Ajoutez-la "
                                "plutôt comme image de l'actualité."))
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            scheme = href.split(":", 1)[0].lower() if ":" in href.split("/", 1)[0] else ""
            if scheme and scheme not in SCHEMES:
                found.append(_l("Un lien doit mener à une page web (https://…) ou à une adresse e-mail (mailto:…)."))
    # markdown-it drops links it refuses (javascript:, vbscript:, data:): they stay as text "[x](javascript:...)".
    lowered = (text or "").lower().replace(" ", "")
    if any(f"]({bad}:" in lowered for bad in ("javascript", "vbscript", "data", "file")):
        found.append(_l("Un lien doit mener à une page web (https://…) ou à une adresse e-mail (mailto:…)."))
    return list(dict.fromkeys(str(p) for p in found))
