"""Printable documents as tagged PDFs (WeasyPrint, PDF/UA-1: structure, title and language), for agents."""

from __future__ import annotations

from flask import make_response, render_template


def render_pdf(template: str, uncompressed_pdf: bool = False, **context) -> bytes:
    """Render `template` (a whole HTML document with `lang` and `<title>`) to a tagged PDF (`uncompressed_pdf`:
    readable objects, for tests)."""
    import weasyprint  # loaded on first use: it is large, and only these downloads need it

    html = render_template(template, **context)
    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=uncompressed_pdf)


def download(body: bytes, content_type: str, filename: str):
    """A file to download (PDF, CSV)."""
    response = make_response(body)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
