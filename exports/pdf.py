"""PDF rendering with weasyprint that never reaches outside the document.

Every template is rendered with Django's autoescaping, so user text (narratives, reasons)
arrives as text, not markup. The URL fetcher allows only inline `data:` URIs: http, https,
ftp and file URLs, and redirects, are refused, so a crafted narrative cannot make the server
fetch a URL or attach a local file.
"""

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher


def safe_url_fetcher() -> URLFetcher:
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def render_pdf(template_name: str, context: dict) -> bytes:
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=None, url_fetcher=safe_url_fetcher()).write_pdf()
