"""Query-string filters of the list endpoints. Each applies to a queryset the selectors have
already scoped to the user's sites; a malformed value is a 400 naming the parameter."""

import django_filters as filters
from django import forms

from events.choices import EventStatus, SessionStatus, SuggestionStatus
from events.models import AdverseEvent, AlertSuggestion, EventTerm, InfusionSession, Patient


class IdFilter(filters.NumberFilter):
    """A record id: a whole number in the database's range (never a decimal or 1e30)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class PatientFilter(filters.FilterSet):
    search = filters.CharFilter(
        field_name="chart_number",
        lookup_expr="icontains",
        max_length=40,
        label="Part of a chart number",
    )
    site = IdFilter(field_name="site_id", label="Site id")

    class Meta:
        model = Patient
        fields = ["search", "site"]


class InfusionSessionFilter(filters.FilterSet):
    site = IdFilter(field_name="site_id", label="Site id")
    status = filters.ChoiceFilter(choices=SessionStatus.choices)
    date = filters.DateFilter(
        field_name="started_at", lookup_expr="date", label="Day the session started (UTC)"
    )
    patient = IdFilter(field_name="patient_id", label="Patient id")

    class Meta:
        model = InfusionSession
        fields = ["site", "status", "date", "patient"]


class AdverseEventFilter(filters.FilterSet):
    site = IdFilter(field_name="site_id", label="Site id")
    status = filters.ChoiceFilter(choices=EventStatus.choices)
    term = filters.CharFilter(field_name="term__code", max_length=60, label="Term code")
    session = IdFilter(field_name="session_id", label="Session id")
    onset_from = filters.DateFilter(
        field_name="onset_at", lookup_expr="date__gte", label="Onset on or after (UTC date)"
    )
    onset_to = filters.DateFilter(
        field_name="onset_at", lookup_expr="date__lte", label="Onset on or before (UTC date)"
    )
    serious = filters.TypedChoiceFilter(
        field_name="is_serious",
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        label="true: serious events only; false: non-serious only",
    )

    class Meta:
        model = AdverseEvent
        fields = ["site", "status", "term", "session", "onset_from", "onset_to", "serious"]


class EventTermFilter(filters.FilterSet):
    search = filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=120, label="Part of the name"
    )
    category = filters.CharFilter(field_name="category", max_length=20)

    class Meta:
        model = EventTerm
        fields = ["search", "category"]


class AlertSuggestionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=SuggestionStatus.choices)

    class Meta:
        model = AlertSuggestion
        fields = ["status"]
