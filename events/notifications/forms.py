"""The account page's notification choices: one checkbox per kind the person can receive."""

from typing import Any

from django import forms

from events.notifications.choices import NotificationKind


class NotificationChoicesForm(forms.Form):
    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = forms.BooleanField(
                label=NotificationKind(kind).label, required=False
            )

    def choices(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data[kind]) for kind in self.fields}
