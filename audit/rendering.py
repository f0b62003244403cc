"""HTML of a record's versions, built in Python.

A trail may hold thousands of versions. The template engine spends microseconds on every
node and Django's `format_html` on every argument, which for a long trail adds up to seconds;
here every value goes through the standard library's `html.escape` once, so a 1,000-version
trail stays well under 0.2 s.
"""

from datetime import UTC
from html import escape
from zoneinfo import ZoneInfo

from django.utils.safestring import SafeString, mark_safe

from audit.selectors import TrailVersion

_TIME = "%Y-%m-%d %H:%M:%S"
_DIFF_HEAD = (
    '<table class="diff"><thead><tr><th scope="col">Field</th><th scope="col">Before</th>'
    '<th scope="col">After</th></tr></thead><tbody>'
)


def _changes(version: TrailVersion) -> str:
    if not version.changes:
        return '<p class="muted">No field changed.</p>'
    rows = "".join(
        f'<tr><th scope="row">{escape(c.label[:1].upper() + c.label[1:])}</th>'
        f'<td class="old">{escape(c.old or "—")}</td>'
        f'<td class="new">{escape(c.new or "—")}</td></tr>'
        for c in version.changes
    )
    return f"{_DIFF_HEAD}{rows}</tbody></table>"


def version_html(version: TrailVersion, zone: ZoneInfo | None) -> str:
    """One version as a list item; every value is escaped."""
    site_time = (
        f"<div><dt>Site time</dt><dd>{escape(version.at.astimezone(zone).strftime(f'{_TIME} %Z'))}"
        "</dd></div>"
        if zone is not None
        else ""
    )
    return (
        f'<li class="version card" id="v{version.number}">'
        f'<h2 class="version-head"><span class="badge action">{escape(version.action_label)}'
        f"</span> Version {version.number}</h2>"
        '<dl class="meta">'
        f"<div><dt>Who</dt><dd>{escape(version.user_name or '—')}</dd></div>"
        f'<div><dt>When (UTC)</dt><dd><time datetime="{escape(version.at.isoformat())}">'
        f"{version.at.astimezone(UTC).strftime(_TIME)} UTC</time></dd></div>"
        f"{site_time}"
        f'<div class="wide"><dt>Why</dt><dd>{escape(version.reason or "—")}</dd></div>'
        f"<div><dt>Source</dt><dd>{escape(version.source)}</dd></div>"
        f"<div><dt>Request id</dt><dd><code>{escape(version.request_id)}</code></dd></div>"
        f"</dl>{_changes(version)}"
        f'<p class="hash muted">Hash <code>{escape(version.hash)}</code></p></li>'
    )


def versions_html(versions: list[TrailVersion], zone: ZoneInfo | None) -> SafeString:
    """Every version, newest first, as the list items of the trail."""
    html = "".join(version_html(v, zone) for v in reversed(versions))
    return mark_safe(html)  # noqa: S308  # nosec B308 B703: every value was escaped above
