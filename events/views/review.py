"""The event page (the director's review page), the review queue, causality and sign-off."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Field
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.services import access_log_list, access_log_view
from events import course_selectors, queue_cursor, selectors
from events.access import DIRECTORS, WRITERS, has_role, require_role, roles_at
from events.choices import EventStatus, Role
from events.forms import AssessmentForm, SignOffForm
from events.inquiries.panel import event_panel
from events.inquiries.selectors import open_question_counts
from events.models import AdverseEvent, ElectronicSignature
from events.services.adverse_events import adverse_event_assess, adverse_event_sign_off
from events.views.support import call_service, render_at_site
from events.views.timeline import session_timeline

# Bookkeeping columns that change on every save and say nothing to a reviewer.
HISTORY_NOISE = ("updated_at", "created_at", "version", "request_id", "source", "hash")
QUEUE_PAGE_SIZE = 50


def event_history(event: AdverseEvent) -> list[dict]:
    """Every version, oldest first: who, when, why, and the fields it changed."""
    versions = list(event.history.order_by("history_id"))
    term_names = selectors.term_names()
    entries, previous = [], None
    for version in versions:
        changes: list[dict[str, Any]] = []
        if previous is not None:
            delta = version.diff_against(previous, excluded_fields=HISTORY_NOISE)
            for change in delta.changes:
                old, new = change.old, change.new
                field = AdverseEvent._meta.get_field(change.field)
                assert isinstance(field, Field)  # history tracks concrete fields only
                if change.field == "term":
                    old, new = term_names.get(old, old), term_names.get(new, new)
                elif field.choices:
                    labels = dict(field.flatchoices)
                    old, new = labels.get(old, old), labels.get(new, new)
                changes.append(
                    {
                        "field": field.verbose_name,
                        "old": _shown(old, event.site),
                        "new": _shown(new, event.site),
                    }
                )
        entries.append({"version": version, "changes": changes})
        previous = version
    return entries


def _shown(value, site):
    """A changed value as a reviewer reads it: moments in the site's time zone."""
    if isinstance(value, datetime):
        return timezone.localtime(value, site.zone).strftime("%-d %b %Y, %H:%M %Z")
    return value


def event_context(
    request,
    event: AdverseEvent,
    *,
    assess_form=None,
    sign_off_form=None,
    action_form=None,
    inquiry_forms=None,
) -> dict:
    roles = roles_at(request.user, event.site_id)
    is_director = bool(roles & set(DIRECTORS))
    signatures = list(event.signatures.all())
    for signature in signatures:
        # An attribute for the template only, not a field of the model.
        signature.is_valid = selectors.signature_is_valid(signature)  # type: ignore[attr-defined]
    session = event.session
    session.site = event.site  # already loaded with the event
    return {
        **session_timeline(session),
        "event": event,
        "session": session,
        "site": event.site,
        "grade_text": event.term.grade_text(event.grade),
        "history": event_history(event),
        "signatures": signatures,
        "meaning": ElectronicSignature.MEANING,
        "can_write": bool(roles & set(WRITERS)) and event.status != EventStatus.VOIDED,
        "is_director": is_director,
        # Case report, FHIR and trail are for the readers of reports (directors, auditors).
        "can_read_reports": bool(roles & {Role.MEDICAL_DIRECTOR, Role.AUDITOR}),
        "event_downloads": _event_downloads(event),
        "is_own_report": event.reported_by_id == request.user.pk,
        "now": timezone.now(),
        "assess_form": assess_form
        or AssessmentForm(initial={"version": event.version, "causality": event.causality}),
        "sign_off_form": sign_off_form or SignOffForm(initial={"version": event.version}),
        "action_form": action_form,
        # Questions, discussion and attachments (events.inquiries), with their forms.
        "inquiries": event_panel(request, event, inquiry_forms),
    }


def _event_downloads(event: AdverseEvent) -> list[tuple[str, str]]:
    """The downloads configured in `settings.EVENT_DOWNLOADS` (served by an app above this
    one) that this event's status allows, those whose URL exists."""
    links = []
    for label, name, offered_for in settings.EVENT_DOWNLOADS:
        if isinstance(offered_for, str):
            if event.status != offered_for:
                continue
        elif event.status == EventStatus.VOIDED and not offered_for:
            continue
        try:
            links.append((label, reverse(name, args=[event.pk])))
        except NoReverseMatch:
            continue
    return links


def render_event(request, event, **forms):
    return render_at_site(
        request, "events/event_detail.html", event_context(request, event, **forms), event.site
    )


@login_required
def event_detail(request, pk):
    event = selectors.adverse_event_get(request.user, pk)
    access_log_view(actor=request.user, request=request, record=event)
    return render_event(request, event)


@login_required
def review_queue(request):
    """Submitted events, serious and unexpected first, each with its due clock."""
    # The same answer as the API's review queue: the queue is the directors' work list.
    if not has_role(request.user, *DIRECTORS):
        raise PermissionDenied("The review queue is for medical directors.")
    # Keyset pages: every page, the last included, is as quick however long the queue grows,
    # and a page does not shift while events are filed or reviewed.
    queue = selectors.review_queue(request.user)
    page = queue_page(queue, request.GET.get("cursor", ""), QUEUE_PAGE_SIZE)
    events = page.events
    now = timezone.now()
    waiting = open_question_counts([event.pk for event in events])
    for event in events:
        event.open_questions = waiting.get(event.pk, 0)
        event.time_left = (event.review_due_at - now) if event.review_due_at else None
        event.is_overdue = event.time_left is not None and event.time_left.total_seconds() < 0
    access_log_list(
        actor=request.user,
        request=request,
        object_type=AdverseEvent._meta.label_lower,
        row_count=len(events),
    )
    alerts = list(course_selectors.suicidality_alert_list(request.user))
    context = {
        "alerts": alerts,
        "events": events,
        "page": page,
        "count": queue.count(),
        "previous_cursor": page.first and queue_cursor.encode(page.first, backward=True),
        "next_cursor": page.last and queue_cursor.encode(page.last, backward=False),
        "last_cursor": queue_cursor.LAST_PAGE,
        "now": now,
    }
    return render(request, "events/review_queue.html", context)


def queue_page(queue, cursor: str, size: int):
    """The page a cursor names; an unreadable cursor (an old bookmark) shows the first page."""
    try:
        position, backward = queue_cursor.decode(cursor) if cursor else (None, False)
    except ValueError:
        position, backward = None, False
    if backward:
        return queue.page(size=size, before=position)
    return queue.page(size=size, after=position)


@login_required
@require_POST
def event_assess(request, pk):
    event = selectors.adverse_event_get(request.user, pk)
    require_role(request.user, event.site_id, *DIRECTORS)
    form = AssessmentForm(request.POST)
    if form.is_valid() and call_service(
        form,
        lambda: adverse_event_assess(
            event=event,
            actor=request.user,
            causality=form.cleaned_data["causality"],
            expected_version=form.cleaned_data["version"],
        ),
    ):
        messages.success(request, "Causality recorded.")
        return redirect("event-detail", pk=event.pk)
    return render_event(request, event, assess_form=form)


@login_required
@require_POST
def event_sign_off(request, pk):
    """Electronic signature: the director re-enters their password; it is bound to the hash
    of this exact version."""
    event = selectors.adverse_event_get(request.user, pk)
    require_role(request.user, event.site_id, *DIRECTORS)
    form = SignOffForm(request.POST)
    if form.is_valid() and call_service(
        form,
        lambda: adverse_event_sign_off(
            event=event,
            actor=request.user,
            password=form.cleaned_data["password"],
            expected_version=form.cleaned_data["version"],
        ),
    ):
        messages.success(request, "Signed off: reviewed and approved.")
        return redirect("event-detail", pk=event.pk)
    return render_event(request, event, sign_off_form=form)
