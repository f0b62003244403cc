"""Filing and changing adverse events: create, edit a draft, submit, amend, void; and the
HTMX helpers of the event form (term filter, CTCAE wording of each grade)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from events import selectors
from events.access import DIRECTORS, require_role
from events.choices import DetectedBy, EventStatus, Grade
from events.forms import (
    AdverseEventCreateForm,
    AdverseEventEditForm,
    VersionedForm,
)
from events.models import EventTerm
from events.services.adverse_events import (
    adverse_event_create,
    adverse_event_submit,
    adverse_event_update,
    adverse_event_void,
)
from events.services.duplicates import PossibleDuplicateError
from events.views.review import render_event
from events.views.support import (
    call_service,
    create_once,
    new_form_token,
    render_at_site,
    require_writer,
    void_page,
)

SUBMIT = "submit"


def _form_page(request, form, *, session, event=None, duplicates=()):
    term = _chosen_term(form)
    return render_at_site(
        request,
        "events/event_form.html",
        {
            "form": form,
            "session": session,
            "event": event,
            "term": term,
            "grade_options": grade_options(term, form["grade"].value()),
            "is_amendment": event is not None and event.status != EventStatus.DRAFT,
            "duplicates": duplicates,
            "duplicate_window": settings.DUPLICATE_ONSET_WINDOW_MINUTES,
        },
        session.site,
    )


def _chosen_term(form) -> EventTerm | None:
    value = form["term"].value()
    if isinstance(value, EventTerm):
        return value
    try:
        return form.fields["term"].queryset.filter(pk=int(value)).first() if value else None
    except (TypeError, ValueError):
        return None


def grade_options(term: EventTerm | None, selected) -> list[dict]:
    """The five grades with the chosen term's CTCAE wording; grades the term does not define
    (CTCAE's dash) are shown but cannot be chosen."""
    wording = dict(term.grades) if term else {}
    return [
        {
            "value": grade.value,
            "label": grade.label,
            "text": wording.get(grade.value, ""),
            "is_defined": term is None or bool(wording.get(grade.value)),
            "is_selected": str(selected) == str(grade.value),
        }
        for grade in Grade
    ]


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request, session_pk):
    session = selectors.infusion_session_get(request.user, session_pk)
    require_writer(request.user, session.site_id)
    with timezone.override(session.site.zone):
        form = AdverseEventCreateForm(
            request.POST or None,
            initial={
                "form_token": new_form_token(),
                "onset_at": timezone.localtime().replace(second=0, microsecond=0),
                "detected_by": DetectedBy.STAFF_OBSERVATION,
            },
        )
        duplicates: list = []
        if request.method == "POST" and form.is_valid():
            try:
                event_id = call_service(form, lambda: _file_event(request, form, session))
            except PossibleDuplicateError as possible:
                duplicates, event_id = possible.candidates, None
            if event_id:
                return redirect("event-detail", pk=event_id)
    return _form_page(request, form, session=session, duplicates=duplicates)


def _file_event(request, form, session) -> int:
    """Create the event once per form token; a likely duplicate is refused until the
    person ticks the confirmation (`PossibleDuplicateError`, shown with the candidates)."""
    return create_once(
        request,
        form.cleaned_data["form_token"],
        lambda: adverse_event_create(
            actor=request.user,
            session=session,
            data=form.service_data(),
            submit=request.POST.get("intent") == SUBMIT,
            confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk):
    """Edit a draft (and optionally submit it), or amend a submitted or signed-off event
    with a reason."""
    event = selectors.adverse_event_get(request.user, pk)
    require_writer(request.user, event.site_id)
    session = selectors.infusion_session_get(request.user, event.session_id)
    with timezone.override(session.site.zone):
        form = AdverseEventEditForm(
            request.POST or None, initial=AdverseEventEditForm.initial_from(event)
        )
        if request.method == "POST" and form.is_valid():
            saved = call_service(form, lambda: _save_event(request, event, form))
            if saved:
                return redirect("event-detail", pk=event.pk)
    return _form_page(request, form, session=session, event=event)


def _save_event(request, event, form):
    with transaction.atomic():
        saved = adverse_event_update(
            event=event,
            actor=request.user,
            data=form.service_data(),
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
        if request.POST.get("intent") == SUBMIT and saved.status == EventStatus.DRAFT:
            saved = adverse_event_submit(
                event=saved, actor=request.user, expected_version=saved.version
            )
    return saved


@login_required
@require_POST
def event_submit(request, pk):
    event = selectors.adverse_event_get(request.user, pk)
    require_writer(request.user, event.site_id)
    form = VersionedForm(request.POST)
    if form.is_valid() and call_service(
        form,
        lambda: adverse_event_submit(
            event=event, actor=request.user, expected_version=form.cleaned_data["version"]
        ),
    ):
        messages.success(request, "Event submitted for review.")
        return redirect("event-detail", pk=event.pk)
    return render_event(request, event, action_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def event_void(request, pk):
    """A director marks an event entered in error, with a reason."""
    event = selectors.adverse_event_get(request.user, pk)
    require_role(request.user, event.site_id, *DIRECTORS)
    return void_page(
        request,
        event,
        site=event.site,
        void=lambda **change: adverse_event_void(event=event, actor=request.user, **change),
        title="Event",
        consequence=(
            f"{event.term_label}, grade {event.grade}, is kept and stays visible to auditors, "
            "but it no longer counts in statistics. Any signature is superseded."
        ),
        back=reverse("event-detail", args=[event.pk]),
    )


@login_required
@require_GET
def term_grades(request):
    """HTMX: the grade choices with the CTCAE wording of the term just chosen."""
    term = selectors.term_list().filter(pk=_int(request.GET.get("term"))).first()
    return render(
        request,
        "events/partials/grade_options.html",
        {"grade_options": grade_options(term, request.GET.get("grade")), "term": term},
    )


@login_required
@require_GET
def term_options(request):
    """HTMX: the term list narrowed to names containing the typed text (the chosen term
    stays in the list so the selection is not lost)."""
    text = (request.GET.get("q") or "").strip()
    chosen = _int(request.GET.get("term"))
    terms = selectors.term_list().order_by("category", "name")
    if text:
        terms = terms.filter(Q(name__icontains=text) | Q(pk=chosen))
    return render(request, "events/partials/term_options.html", {"terms": terms, "chosen": chosen})


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
