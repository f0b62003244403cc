"""Web forms of questions, comments and attachments. They parse what was typed; the rules
live in the services, whose errors are shown next to these fields."""

from django import forms

from events.forms import OneTimeForm, VersionedForm
from events.inquiries.choices import Addressee
from events.inquiries.models import TEXT_MAX_LENGTH


def _text(label: str, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class QuestionForm(OneTimeForm):
    prefix = "ask"  # several forms share the event's page: each keeps its own field ids
    text = _text("Question")
    addressed_to = forms.ChoiceField(
        label="Ask", choices=Addressee.choices, initial=Addressee.REPORTER, widget=forms.RadioSelect
    )


class AnswerForm(VersionedForm):
    text = _text("Answer")
    file = forms.FileField(
        label="Attach a file (PDF, PNG or JPEG; optional)",
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


class ResolveForm(VersionedForm):
    reason = forms.CharField(label="Note (optional)", required=False, max_length=2000)


class AskAgainForm(VersionedForm):
    text = _text("Ask again", rows=2)


class CloseForm(VersionedForm):
    reason = forms.CharField(label="Reason for closing", required=False, max_length=2000)


class CommentForm(OneTimeForm):
    prefix = "comment"
    text = _text("Comment")


class AttachmentForm(OneTimeForm):
    prefix = "attach"
    file = forms.FileField(
        label="File (PDF, PNG or JPEG)",
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )
