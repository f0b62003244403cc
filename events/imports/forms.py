"""Forms of the import pages."""

from typing import Any

from django import forms

from events.imports.columns import COLUMNS
from events.imports.reading import IGNORE
from events.models import Site


class UploadForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), empty_label=None)
    file = forms.FileField(help_text="CSV, UTF-8, comma, semicolon or tab separated.")

    def __init__(self, *args: Any, sites: list[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Site.objects.filter(pk__in=[site.pk for site in sites])


_TARGETS = [(IGNORE, "(ignore this column)")] + [(c.name, c.name) for c in COLUMNS]


class MappingForm(forms.Form):
    """One choice per header of the file: the import column it holds, or ignore it."""

    def __init__(
        self, *args: Any, headers: tuple[str, ...], guess: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        for index, header in enumerate(headers):
            known = header in guess
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header,
                choices=_TARGETS,
                required=False,
                initial=guess.get(header, IGNORE),
                help_text="" if known else "Not a template column: choose one, or ignore it.",
            )

    def choices(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"column_{index}") or IGNORE
            for index, header in enumerate(self.headers)
        }
