"""PDF rendering with weasyprint that never reaches outside the document.

Every template is rendered with Django's autoescaping, so user text (narratives, reasons)
arrives as text, not markup. The URL fetcher allows only inline `data:` URIs: http, https,
ftp and file URLs, and redirects, are refused, so a crafted narrative cannot make the server
fetch a URL or attach a local file.

Times in a PDF follow the CSV's rule: a site's records print in the site's time with its
offset from UTC (`site_time`), so a printed time is never ambiguous.
"""

from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher


def safe_url_fetcher() -> URLFetcher:
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def render_pdf(template_name: str, context: dict) -> bytes:
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=None, url_fetcher=safe_url_fetcher()).write_pdf()


def site_time(moment: datetime | None, zone) -> str:
    """'2026-01-05 09:30 (UTC-06:00)': the wall-clock time in `zone` with its offset, always
    with the year; '' for no time."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"
