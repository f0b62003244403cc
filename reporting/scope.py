"""Who may read reports, over which sites, and from which database: the scope every
reporting read starts from. It sits below the selectors and the computations
(`benefit_risk`, `reference_rates`), which all import it; it imports none of them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied

from events.access import ALL_SITES, Reader, has_role, visible_site_ids
from events.choices import Role
from events.models import Site
from reporting.filters import ReportFilters

REPORT_READERS = (Role.MEDICAL_DIRECTOR, Role.AUDITOR)


def reporting_database() -> str:
    """Alias reports read from: `settings.REPORTING_DATABASE` when named, else the read
    replica when one is configured (`DATABASE_REPLICA_URL`), else the primary
    (config/routers.py keeps writes and migrations on the primary)."""
    explicit = getattr(settings, "REPORTING_DATABASE", "")
    if explicit:
        return explicit
    return "replica" if "replica" in settings.DATABASES else "default"


def require_report_reader(user: Reader) -> None:
    """Reports are for medical directors and auditors; anyone else gets a 403."""
    if not has_role(user, *REPORT_READERS):
        raise PermissionDenied("Safety reports are for medical directors and auditors.")


def report_sites(
    user: Reader, filters: ReportFilters, using: str | None = None
) -> list[dict[str, Any]]:
    """The sites a report covers: the user's visible sites, narrowed by the site filter."""
    sites = Site.objects.using(using or reporting_database()).order_by("code")
    visible = visible_site_ids(user)
    if visible is not ALL_SITES:
        sites = sites.filter(id__in=visible)
    if filters.site_ids:
        sites = sites.filter(id__in=filters.site_ids)
    return [dict(site) for site in sites.values("id", "code", "name", "timezone")]
