"""The dashboard's filter form. It only renders the choices; `ReportFilters.from_query`
reads and validates the same GET parameters, so the form and the API never disagree."""

from collections.abc import Iterable, Mapping
from typing import Any, cast

from django import forms

from events.choices import Drug, Indication, Route, TermCategory
from events.rules import DOSE_BANDS
from reporting.filters import REVIEW_ALL, SESSION_NUMBERS

# "YYYY-MM-DD" text, not a `date` picker, which shows the browser's locale (mm/dd/yyyy).
ISO_DATE = {"placeholder": "YYYY-MM-DD", "pattern": r"\d{4}-\d{2}-\d{2}", "autocomplete": "off"}
SERIOUS_CHOICES = [("", "Any"), ("true", "Serious only"), ("false", "Non-serious only")]
REVIEW_CHOICES = [
    (REVIEW_ALL, "All (drafts included)"),
    ("submitted", "Submitted and signed off"),
    ("signed_off", "Signed off only"),
]


class ReportFilterForm(forms.Form):
    """GET form of the dashboard; field names are the query parameters of `ReportFilters`."""

    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs=ISO_DATE, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs=ISO_DATE, format="%Y-%m-%d")
    )
    site = forms.MultipleChoiceField(required=False, label="Sites")
    route = forms.MultipleChoiceField(
        required=False, choices=Route.choices, widget=forms.CheckboxSelectMultiple
    )
    drug = forms.MultipleChoiceField(
        required=False, choices=Drug.choices, widget=forms.CheckboxSelectMultiple
    )
    dose_band = forms.MultipleChoiceField(
        required=False,
        label="Dose band (mg/kg)",
        choices=[(band, band) for band in DOSE_BANDS],
        widget=forms.CheckboxSelectMultiple,
    )
    indication = forms.MultipleChoiceField(required=False, choices=Indication.choices)
    term = forms.MultipleChoiceField(required=False, label="Terms")
    category = forms.MultipleChoiceField(
        required=False, choices=TermCategory.choices, widget=forms.CheckboxSelectMultiple
    )
    grade = forms.MultipleChoiceField(
        required=False,
        label="CTCAE grade",
        choices=[(str(g), str(g)) for g in range(1, 6)],
        widget=forms.CheckboxSelectMultiple,
    )
    serious = forms.ChoiceField(required=False, label="Seriousness", choices=SERIOUS_CHOICES)
    review = forms.ChoiceField(
        required=False, label="Review status", choices=REVIEW_CHOICES, initial=REVIEW_ALL
    )
    session_number = forms.MultipleChoiceField(
        required=False,
        label="Session number",
        choices=[(str(n), str(n) if n < 7 else "7+") for n in SESSION_NUMBERS],
        widget=forms.CheckboxSelectMultiple,
    )
    chart_term = forms.ChoiceField(required=False, label="p-chart for term")

    def __init__(
        self,
        *args: Any,
        sites: Iterable[Mapping[str, Any]] = (),
        terms: Iterable[Mapping[str, Any]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # The three fields set here are choice fields (declared above).
        fields = cast(dict[str, forms.ChoiceField], self.fields)
        fields["site"].choices = [(str(s["id"]), f"{s['code']} - {s['name']}") for s in sites]
        term_choices = [(str(t["id"]), t["name"]) for t in terms]
        fields["term"].choices = term_choices
        fields["chart_term"].choices = [("", "Any event")] + term_choices
