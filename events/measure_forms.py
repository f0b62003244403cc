"""Web forms for outcome measures and suicidality alerts.

The PHQ-9 is nine rows of four large radio buttons, so a nurse (or the patient, on the
clinic tablet under staff login) answers it with nine taps; the total is computed by the
service. As everywhere, the services hold the rules and their errors are shown by field.
"""

from typing import Any

from django import forms

from events.forms import OneTimeForm, VersionedForm
from events.models.measures import PHQ9_ANSWERS, PHQ9_ITEMS, PHQ9_WORDING

YES_NO = (("yes", "Yes"), ("no", "No"))


def _yes_no(value: str) -> bool:
    return value == "yes"


class OutcomeMeasureForm(OneTimeForm):
    madrs_total = forms.IntegerField(label="MADRS total (0-60, clinician)", required=False)
    gad7_total = forms.IntegerField(label="GAD-7 total (0-21)", required=False)
    screen_ideation = forms.TypedChoiceField(
        label="In the past month, have you wished you were dead or had thoughts of killing "
        "yourself?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        coerce=_yes_no,
        empty_value=None,
        required=False,
    )
    screen_behaviour = forms.TypedChoiceField(
        label="Since the last session, have you done anything, started to do anything, or "
        "prepared to do anything to end your life?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        coerce=_yes_no,
        empty_value=None,
        required=False,
    )
    screen_note = forms.CharField(
        label="Screen note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    entered_by_patient = forms.BooleanField(
        label="Typed in by the patient on the clinic tablet", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number, (name, wording) in enumerate(zip(PHQ9_ITEMS, PHQ9_WORDING, strict=True), 1):
            self.fields[name] = forms.TypedChoiceField(
                label=f"{number}. {wording}",
                choices=PHQ9_ANSWERS,
                widget=forms.RadioSelect,
                coerce=int,
                empty_value=None,
                required=False,
            )

    @property
    def phq9_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PHQ9_ITEMS]

    def service_data(self) -> dict[str, object]:
        names = (
            *PHQ9_ITEMS,
            "madrs_total",
            "gad7_total",
            "screen_ideation",
            "screen_behaviour",
            "screen_note",
            "entered_by_patient",
        )
        return {name: self.cleaned_data[name] for name in names}


class AlertConfirmForm(VersionedForm):
    file_event = forms.BooleanField(
        label='File a pre-filled "suicidal ideation" event (draft) for this session',
        required=False,
        initial=True,
    )
    reason = forms.CharField(label="Note (optional)", max_length=2000, required=False)


class AlertDismissForm(VersionedForm):
    reason = forms.CharField(label="Reason for dismissing", max_length=2000, required=False)
