"""Web forms of the clinical record.

Forms only parse what was typed; every rule lives in the services, whose `ValidationError`s
are shown next to these fields (`events.views.support.apply_service_errors`). Edit forms carry
the version they were based on; creation forms carry a one-time token.
"""

import copy
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from events.choices import (
    SERIOUSNESS_CRITERIA,
    ActionTaken,
    Causality,
    DetectedBy,
    Drug,
    Grade,
    Indication,
    Outcome,
    Route,
    Sex,
    YesNoNA,
)
from events.models import AdverseEvent, EventTerm, Site, VitalSign
from events.services.adverse_events import EDITABLE_FIELDS as EVENT_FIELDS

SITE_MINUTE = "%Y-%m-%d %H:%M"
# Also read the ISO form a script or an older page sends, with or without seconds.
SITE_MINUTE_INPUTS = [SITE_MINUTE, "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]


class SiteDateTimeInput(forms.DateTimeInput):
    """A 24-hour "YYYY-MM-DD HH:MM" text box in the active (site's) zone.

    Not `datetime-local`: browsers draw that picker in their own locale (mm/dd/yyyy and a
    12-hour clock in en-US), whatever the clinic's convention and whatever the label says.
    """

    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "pattern": r"\d{4}-\d{2}-\d{2}[ T]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?",
            "placeholder": "YYYY-MM-DD HH:MM",
            "autocomplete": "off",
            "spellcheck": "false",
            "size": "16",
        }
        super().__init__({**defaults, **(attrs or {})}, format=SITE_MINUTE)


class SiteDateTimeField(forms.DateTimeField):
    """A moment typed in the site's time and stored in UTC.

    The form must be built and cleaned under `timezone.override(site.zone)` (the views do):
    Django reads the typed value in the active zone and refuses a time that a clock change
    skips or repeats. The label names the zone and the clock, set when the form is built.
    """

    widget = SiteDateTimeInput
    default_error_messages = {
        "invalid": "Enter a date and a 24-hour time as YYYY-MM-DD HH:MM, e.g. 2026-03-02 14:05."
    }

    def __init__(self, **kwargs):
        super().__init__(input_formats=SITE_MINUTE_INPUTS, **kwargs)


def _local_datetime(label: str, required: bool = True, help_text: str = "") -> forms.Field:
    return SiteDateTimeField(label=label, required=required, help_text=help_text)


class SiteTimeLabels:
    """Appends the active zone and "24-hour" to the label of each site date-time field, so
    the nurse reads which clock a box expects (the form is built in the site's zone)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        for field in self.fields.values():
            if isinstance(field, SiteDateTimeField):
                field.label = f"{field.label} ({zone}, 24-hour)"


class VersionedForm(forms.Form):
    """An edit of an existing record: the version the user saw travels with the form."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def refresh_version(self, current: int) -> None:
        """After a stale-version refusal: keep what was typed, base the next try on `current`
        (the user has now been told who changed the record)."""
        data: Any = copy.copy(self.data)  # a QueryDict's copy is mutable
        data[self.add_prefix("version")] = str(current)
        self.data = data


class OneTimeForm(forms.Form):
    """A creation form: its token makes a double submit create one record."""

    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ReasonMixin(forms.Form):
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PatientSearchForm(forms.Form):
    chart_number = forms.CharField(
        label="Chart number",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PatientFields(forms.Form):
    chart_number = forms.CharField(label="Chart number", max_length=40)
    birth_year = forms.IntegerField(label="Year of birth")
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices)
    indication = forms.ChoiceField(label="Indication", choices=Indication.choices)

    SERVICE_FIELDS = ("chart_number", "birth_year", "sex", "indication")

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


class PatientCreateForm(OneTimeForm, PatientFields):
    site = forms.ModelChoiceField(label="Site", queryset=Site.objects.none(), empty_label=None)
    field_order = ["site", "chart_number", "birth_year", "sex", "indication"]

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(pk__in=[s.pk for s in sites or []])


class PatientEditForm(VersionedForm, PatientFields, ReasonMixin):
    pass


class SessionStartForm(SiteTimeLabels, OneTimeForm):
    drug = forms.ChoiceField(label="Drug", choices=Drug.choices)
    route = forms.ChoiceField(label="Route", choices=Route.choices)
    dose_mg_per_kg = forms.DecimalField(
        label="Dose (mg/kg)",
        max_digits=5,
        decimal_places=3,
        widget=forms.NumberInput({"step": "0.01"}),
    )
    weight_kg = forms.DecimalField(
        label="Weight (kg)",
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput({"step": "0.1"}),
    )
    total_dose_mg = forms.DecimalField(
        label="Total dose (mg)",
        max_digits=7,
        decimal_places=2,
        required=False,
        help_text="Leave empty to use dose x weight.",
    )
    planned_duration_min = forms.IntegerField(label="Planned duration (min)", initial=40)
    started_at = _local_datetime(
        "Started at", required=False, help_text="Leave empty to start now."
    )
    lot_number = forms.CharField(label="Lot number", max_length=40, required=False)
    baseline_bp_acceptable = forms.BooleanField(
        label="Baseline blood pressure acceptable", required=False, initial=True
    )
    is_fasting = forms.BooleanField(label="Fasting", required=False, initial=True)
    takes_benzodiazepines = forms.BooleanField(label="Takes benzodiazepines", required=False)
    takes_psychostimulants = forms.BooleanField(label="Takes psychostimulants", required=False)
    takes_maois = forms.BooleanField(label="Takes MAOIs", required=False)
    takes_other_sedatives = forms.BooleanField(label="Takes other sedating drugs", required=False)
    notes = forms.CharField(
        label="Notes", required=False, max_length=5000, widget=forms.Textarea({"rows": 2})
    )

    SCREEN_FIELDS = (
        "baseline_bp_acceptable",
        "is_fasting",
        "takes_benzodiazepines",
        "takes_psychostimulants",
        "takes_maois",
        "takes_other_sedatives",
    )

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "form_token"}
        for optional in ("total_dose_mg", "started_at"):
            if data[optional] is None:
                del data[optional]
        return data


class SessionFinishForm(VersionedForm):
    outcome = forms.ChoiceField(
        choices=[("completed", "Complete session"), ("stopped_early", "Stop early")],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(label="Reason for stopping early", required=False, max_length=2000)


class VitalSignForm(OneTimeForm):
    minutes_from_start = forms.IntegerField(
        label="Taken at (min from start)",
        required=False,
        help_text="Leave empty for now.",
    )
    systolic = forms.IntegerField(label="Systolic (mmHg)", required=False)
    diastolic = forms.IntegerField(label="Diastolic (mmHg)", required=False)
    heart_rate = forms.IntegerField(label="Heart rate (/min)", required=False)
    spo2 = forms.IntegerField(label="SpO2 (%)", required=False)
    respiratory_rate = forms.IntegerField(label="Resp. rate (/min)", required=False)
    moaas = forms.IntegerField(label="MOAA/S (0-5)", required=False)
    cadss6 = forms.IntegerField(label="CADSS-6 (0-24)", required=False)

    # The model names the measurements; the form only labels them.
    MEASUREMENTS = VitalSign.MEASUREMENTS

    def service_data(self, started_at) -> dict:
        data = {name: self.cleaned_data[name] for name in self.MEASUREMENTS}
        minutes = self.cleaned_data["minutes_from_start"]
        if minutes is not None and started_at is not None:
            data["taken_at"] = started_at + timedelta(minutes=minutes)
        return data


class SuggestionDismissForm(VersionedForm):
    reason = forms.CharField(label="Reason for dismissing", max_length=2000, required=False)


class AdverseEventForm(SiteTimeLabels, forms.Form):
    """The event itself: what a nurse files and what an amendment changes."""

    term = forms.ModelChoiceField(
        label="Term", queryset=EventTerm.objects.none(), empty_label="Choose a term"
    )
    other_term_text = forms.CharField(
        label="Describe the event (term 'Other')", max_length=200, required=False
    )
    onset_at = _local_datetime("Onset")
    resolved_at = _local_datetime("Resolved", required=False)
    grade = forms.TypedChoiceField(
        label="CTCAE grade", choices=Grade.choices, coerce=int, widget=forms.RadioSelect
    )
    is_expected = forms.TypedChoiceField(
        label="Expectedness",
        choices=[
            ("", "The term's usual expectedness"),
            ("True", "Expected with ketamine"),
            ("False", "Unexpected"),
        ],
        coerce=lambda value: value == "True",
        required=False,
        empty_value=None,
        help_text="Leave as the term's default unless the labelling says otherwise.",
    )
    # No clinical answer is chosen for the nurse: an untouched default would be recorded as
    # if it had been assessed.
    outcome = forms.ChoiceField(
        label="Outcome", choices=[("", "Choose an outcome"), *Outcome.choices]
    )
    action_taken = forms.ChoiceField(
        label="Action taken with the infusion",
        choices=[("", "Choose an action"), *ActionTaken.choices],
    )
    rescue_medication = forms.CharField(label="Rescue medication", max_length=300, required=False)
    detected_by = forms.ChoiceField(
        label="Detected by", choices=DetectedBy.choices, initial=DetectedBy.STAFF_OBSERVATION
    )
    dechallenge = forms.ChoiceField(
        label="Dechallenge (better when stopped?)",
        choices=[("", "Choose an answer"), *YesNoNA.choices],
    )
    rechallenge = forms.ChoiceField(
        label="Rechallenge (back when restarted?)",
        choices=[("", "Choose an answer"), *YesNoNA.choices],
    )
    narrative = forms.CharField(
        label="Narrative",
        required=False,
        max_length=20000,
        widget=forms.Textarea({"rows": 4}),
        help_text="Required for a serious event.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = EventTerm.objects.filter(is_active=True).order_by(
            "category", "name"
        )
        for name, label in SERIOUSNESS_CRITERIA.items():
            self.fields[name] = forms.BooleanField(label=label, required=False)

    @property
    def criteria_fields(self):
        return [self[name] for name in SERIOUSNESS_CRITERIA]

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in EVENT_FIELDS if name in self.fields}
        if data.get("is_expected") is None:
            data.pop("is_expected", None)
        return data

    @staticmethod
    def initial_from(event: AdverseEvent) -> dict:
        initial = {name: getattr(event, name) for name in EVENT_FIELDS if name != "source_vital"}
        initial["is_expected"] = str(event.is_expected)
        initial["version"] = event.version
        return initial


class AdverseEventCreateForm(OneTimeForm, AdverseEventForm):
    # Offered once the service finds a likely duplicate (the page shows it with a link).
    confirm_not_duplicate = forms.BooleanField(
        label="I checked: this is a different event, not one already on file",
        required=False,
    )


class AdverseEventEditForm(VersionedForm, AdverseEventForm, ReasonMixin):
    pass


class AssessmentForm(VersionedForm):
    causality = forms.ChoiceField(
        label="Causality (WHO-UMC)", choices=[("", "Choose")] + Causality.choices
    )


class SignOffForm(VersionedForm):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
        required=False,
    )


class VoidForm(VersionedForm):
    reason = forms.CharField(
        label="Reason for voiding",
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )


class ThresholdsForm(VersionedForm, ReasonMixin):
    systolic_high = forms.IntegerField(label="Systolic high (mmHg, alert at or above)")
    diastolic_high = forms.IntegerField(label="Diastolic high (mmHg, alert at or above)")
    systolic_low = forms.IntegerField(label="Systolic low (mmHg, alert at or below)")
    heart_rate_high = forms.IntegerField(label="Heart rate high (/min, at or above)")
    heart_rate_low = forms.IntegerField(label="Heart rate low (/min, at or below)")
    spo2_low = forms.IntegerField(label="SpO2 low (%, at or below)")
    respiratory_rate_low = forms.IntegerField(label="Respiratory rate low (/min, at or below)")
    moaas_low = forms.IntegerField(label="MOAA/S low (at or below)")

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in Site.THRESHOLD_FIELDS}
