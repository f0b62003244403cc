"""Reads of the imports: the sites a director may import into, and their jobs."""

from django.db.models import QuerySet
from django.http import Http404

from events.access import DIRECTORS, Reader, roles_at
from events.imports.models import ImportJob
from events.models import EventTerm, Site
from events.selectors import site_list


def import_sites(user: Reader) -> list[Site]:
    """The active sites where the user is a medical director."""
    return [site for site in site_list(user) if roles_at(user, site.pk) & set(DIRECTORS)]


def import_job_list(user: Reader, limit: int = 20) -> QuerySet[ImportJob]:
    site_ids = [site.pk for site in import_sites(user)]
    return ImportJob.objects.filter(site_id__in=site_ids).select_related("site")[:limit]


def import_job_get(user: Reader, pk: int) -> ImportJob:
    """A job at a site where the user imports; any other is not found."""
    site_ids = [site.pk for site in import_sites(user)]
    job = ImportJob.objects.select_related("site", "requested_by").filter(pk=pk).first()
    if job is None or job.site_id not in site_ids:
        raise Http404("No such import.")
    return job


def import_terms() -> QuerySet[EventTerm]:
    """The terms an import may name, by code."""
    return EventTerm.objects.filter(is_active=True).order_by("code")
