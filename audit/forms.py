"""Filter forms of the auditor pages (GET only: they read, never write)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils import timezone

from audit.models import AccessAction
from audit.policy import ledger_policy
from audit.selectors import ACTIONS, LogFilters, audited_models


def record_types() -> list[tuple[str, str]]:
    """The record types offered to auditors: every audited model but bookkeeping tables."""
    policy = ledger_policy()
    return [
        (label, str(model._meta.verbose_name).capitalize())
        for label, model in audited_models().items()
        if not policy.is_internal(model)
    ]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class _DateInput(forms.DateInput):
    """A "YYYY-MM-DD" text box: a `date` picker shows the browser's locale (mm/dd/yyyy in
    en-US), which reads wrongly next to ISO dates everywhere else in the ledger."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"placeholder": "YYYY-MM-DD", "pattern": r"\d{4}-\d{2}-\d{2}", "size": "10"}
        super().__init__({**defaults, **(attrs or {})}, format="%Y-%m-%d")


class LogFilterForm(forms.Form):
    """Filters of the global audit log; dates are UTC calendar days, both ends included."""

    user = forms.CharField(required=False, max_length=150, label="User (username)")
    site = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    model = forms.ChoiceField(required=False, label="Record type")
    action = forms.ChoiceField(required=False)
    since = forms.DateField(required=False, label="From (UTC)", widget=_DateInput)
    until = forms.DateField(required=False, label="To (UTC)", widget=_DateInput)

    def __init__(
        self, *args: Any, site_choices: Sequence[tuple[int, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "site").choices = [("", "All sites I can see"), *site_choices]
        _choice_field(self, "model").choices = self.model_choices()
        _choice_field(self, "action").choices = self.action_choices()

    def model_choices(self) -> list[tuple[str, str]]:
        return [("", "All records"), *record_types()]

    def action_choices(self) -> list[tuple[str, str]]:
        return [("", "Any action"), *ACTIONS.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end of the range comes before its start.")
        return data

    def filters(self) -> LogFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return LogFilters(
            username=(data.get("user") or "").strip(),
            site_id=data.get("site"),
            model=data.get("model") or "",
            action=data.get("action") or "",
            since=data.get("since"),
            until=data.get("until"),
        )


class AccessLogFilterForm(LogFilterForm):
    """The same filters over the access log; "record type" is the object type viewed."""

    def model_choices(self) -> list[tuple[str, str]]:
        return [("", "Anything"), *record_types()]

    def action_choices(self) -> list[tuple[str, str]]:
        return [("", "Any action"), *AccessAction.choices]


class AsOfForm(forms.Form):
    """A moment to show a record as it was (in UTC)."""

    as_of = forms.DateTimeField(
        required=False,
        label="Show the record as it was at (UTC, 24-hour)",
        # Text, not `datetime-local`: that picker follows the browser's locale (12-hour
        # mm/dd/yyyy in en-US), whatever zone and clock the label promises.
        widget=forms.TextInput(
            attrs={
                "placeholder": "YYYY-MM-DD HH:MM:SS",
                "pattern": r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
        input_formats=[
            "%Y-%m-%dT%H:%M:%S.%f",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d",
        ],
    )

    def moment(self) -> datetime | None:
        if not self.is_valid() or not self.cleaned_data.get("as_of"):
            return None
        value = self.cleaned_data["as_of"]
        # The form reads the value in the current time zone (UTC in this project); say so.
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


class OpenRecordForm(forms.Form):
    """Pick a record type and id to open its trail."""

    model = forms.ChoiceField(label="Record type")
    pk = forms.IntegerField(label="Id", min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "model").choices = record_types()
