"""Reads of the exports app, scoped like every read: another site's record is a 404."""

import zoneinfo
from datetime import UTC, tzinfo

from django.http import Http404

from events.access import ALL_SITES, DIRECTORS, Reader, roles_at, visible_site_ids
from events.choices import EventStatus
from events.models import AdverseEvent, Site
from events.selectors import adverse_event_get
from exports.e2b import e2b_event_queryset
from exports.fhir import fhir_event_queryset
from exports.models import ExportJob
from reporting.selectors import require_report_reader


def report_event_get(user, pk) -> AdverseEvent:
    """One visible event, for those who may export reports (403 for others, 404 when not
    visible)."""
    require_report_reader(user)
    return adverse_event_get(user, pk)


def fhir_event_get(user, pk) -> AdverseEvent:
    """One visible event with what its FHIR resource needs. 404 when not visible, and for
    a voided event: it was entered in error, so it is not an actual adverse event."""
    event = report_event_get(user, pk)
    if event.status == EventStatus.VOIDED:
        raise Http404("This event was voided.")
    return fhir_event_queryset(AdverseEvent.objects.filter(pk=event.pk)).get()


class EventNotSignedOff(Exception):
    """Only a signed-off event is reported as an E2B(R3) case (a 409, not a 404: the event
    exists and the user may see it)."""

    message = "Only a signed-off event exports as an E2B(R3) case report."


def e2b_event_get(user, pk) -> AdverseEvent:
    """One visible, signed-off event with what its ICSR needs (403 for those who may not
    export, 404 when not visible, `EventNotSignedOff` otherwise)."""
    event = report_event_get(user, pk)
    if event.status != EventStatus.SIGNED_OFF:
        raise EventNotSignedOff(EventNotSignedOff.message)
    return e2b_event_queryset(AdverseEvent.objects.filter(pk=event.pk)).get()


def export_job_get(user, pk) -> ExportJob:
    """A job its requester, or a director of every site it covers, may see; else 404."""
    job = ExportJob.objects.select_related("requested_by").filter(pk=pk).first()
    if job is None or not can_download(user, job):
        raise Http404("No such export.")
    return job


def export_job_zone(job: ExportJob) -> tzinfo:
    """The zone a job's times are shown in: the one its sites share (the site's time, as on
    every other page about those records), or UTC when they lie in several zones."""
    sites = Site.objects.all() if job.all_sites else Site.objects.filter(pk__in=job.site_ids)
    zones = set(sites.values_list("timezone", flat=True).distinct()[:2])
    return zoneinfo.ZoneInfo(zones.pop()) if len(zones) == 1 else UTC


def can_download(user: Reader, job: ExportJob) -> bool:
    """The requester, or a medical director who sees every site the file may contain."""
    if job.requested_by_id == user.pk:
        return True
    visible = visible_site_ids(user)
    if job.all_sites:
        return visible is ALL_SITES and bool(roles_at(user, None) & set(DIRECTORS))
    return bool(job.site_ids) and all(
        roles_at(user, site_id) & set(DIRECTORS) for site_id in job.site_ids
    )
