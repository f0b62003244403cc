"""The form a director keeps a published reference rate with (rate typed as a percentage)."""

from decimal import Decimal

from django import forms

from events.models import EventTerm
from reporting.models import ReferenceUnit


class ReferenceRateForm(forms.Form):
    term = forms.ModelChoiceField(queryset=EventTerm.objects.order_by("name"), label="Term")
    published_term = forms.CharField(label="Term as published", max_length=100)
    rate_percent = forms.DecimalField(
        label="Rate (%)", min_value=Decimal(0), max_value=Decimal(100), decimal_places=2
    )
    denominator = forms.IntegerField(label="Denominator", min_value=1)
    unit = forms.ChoiceField(label="Counted in", choices=ReferenceUnit.choices)
    citation = forms.CharField(
        label="Source", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label="Shown on the reports", required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label="Reason for the change", max_length=2000, required=False)

    def service_data(self) -> dict[str, object]:
        data = {
            name: self.cleaned_data[name]
            for name in ("term", "published_term", "denominator", "unit", "citation", "is_active")
        }
        data["rate"] = (self.cleaned_data["rate_percent"] / 100).quantize(Decimal("0.0001"))
        return data
