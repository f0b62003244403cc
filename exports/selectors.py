"""Reads of the exports app, scoped like every read: another site's record is a 404."""

import zoneinfo
from datetime import UTC

from django.db.models import QuerySet
from django.http import Http404

from events.choices import EventStatus
from events.models import AdverseEvent, Site
from events.selectors import adverse_event_get
from exports.csv_listing import listing_row_count
from exports.fhir import fhir_event_queryset
from exports.jobs import can_download
from exports.models import ExportJob
from reporting.filters import ReportFilters
from reporting.selectors import event_listing


def listing_size(user, filters: ReportFilters) -> int:
    """How many events a listing (CSV or FHIR) with these filters holds."""
    return listing_row_count(user, filters)


def listing_events(user, filters: ReportFilters) -> QuerySet[AdverseEvent]:
    """The listing's events in event id order (the order of every export)."""
    return event_listing(user, filters).order_by("id")


def fhir_event_get(user, pk) -> AdverseEvent:
    """One visible event with what its FHIR resource needs. 404 when not visible, and for
    a voided event: it was entered in error, so it is not an actual adverse event."""
    event = adverse_event_get(user, pk)
    if event.status == EventStatus.VOIDED:
        raise Http404("This event was voided.")
    return fhir_event_queryset(AdverseEvent.objects.filter(pk=event.pk)).get()


def export_job_get(user, pk) -> ExportJob:
    """A job its requester, or a director of every site it covers, may see; else 404."""
    job = ExportJob.objects.select_related("requested_by").filter(pk=pk).first()
    if job is None or not can_download(user, job):
        raise Http404("No such export.")
    return job


def export_job_zone(job: ExportJob) -> zoneinfo.ZoneInfo | type[UTC]:
    """The zone a job's times are shown in: the one its sites share (the site's time, as on
    every other page about those records), or UTC when they lie in several zones."""
    sites = Site.objects.all() if job.all_sites else Site.objects.filter(pk__in=job.site_ids)
    zones = set(sites.values_list("timezone", flat=True).distinct()[:2])
    return zoneinfo.ZoneInfo(zones.pop()) if len(zones) == 1 else UTC
