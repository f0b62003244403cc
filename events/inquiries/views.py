"""Pages and form posts of questions, comments and attachments. Each post goes back to the
event's page; a refused one shows the event's page again with the form and its errors."""

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import Actor, access_log_list
from events import selectors as event_selectors
from events.access import DIRECTORS, has_role, require_role
from events.choices import Role
from events.inquiries import selectors
from events.inquiries.attachments import Upload, attachment_upload
from events.inquiries.downloads import attachment_download_response
from events.inquiries.forms import (
    AnswerForm,
    AskAgainForm,
    AttachmentForm,
    CloseForm,
    CommentForm,
    QuestionForm,
    ResolveForm,
)
from events.inquiries.models import Attachment, Question, attachment_storage
from events.inquiries.panel import question_prefix
from events.inquiries.services import (
    comment_post,
    comment_void,
    question_answer,
    question_ask_again,
    question_close,
    question_open,
    question_resolve,
)
from events.models import AdverseEvent
from events.views.review import render_event
from events.views.support import call_service, create_once, require_writer, void_page


def _user(request: HttpRequest) -> Actor:
    """The signed-in person (every view here requires a login)."""
    return cast(Actor, request.user)


def _back(event_pk: int, anchor: str) -> HttpResponse:
    return redirect(f"{reverse('event-detail', args=[event_pk])}#{anchor}")


def _refused(request: HttpRequest, event: AdverseEvent, key: str, form: Form) -> HttpResponse:
    return render_event(request, event, inquiry_forms={key: form})


@login_required
@require_POST
def question_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A director asks the reporter or the site's staff for information."""
    event = event_selectors.adverse_event_get(_user(request), pk)
    require_role(_user(request), event.site_id, *DIRECTORS)
    form = QuestionForm(request.POST)
    if form.is_valid() and call_service(
        form,
        lambda: create_once(
            request,
            form.cleaned_data["form_token"],
            lambda: question_open(
                actor=_user(request),
                event=event,
                text=form.cleaned_data["text"],
                addressed_to=form.cleaned_data["addressed_to"],
            ),
        ),
    ):
        messages.success(request, "Question sent.")
        return _back(event.pk, "questions")
    return _refused(request, event, "question", form)


def _question_action(
    request: HttpRequest,
    pk: int,
    key: str,
    form_class: type[Form],
    act: Callable[[Question, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """One action on a question from its own (prefixed) form on the event's page."""
    question = selectors.question_get(_user(request), pk)
    event = event_selectors.adverse_event_get(_user(request), question.event_id)
    form = form_class(request.POST, request.FILES, prefix=question_prefix(question.pk))
    if form.is_valid() and call_service(form, lambda: act(question, form.cleaned_data)):
        messages.success(request, done)
        return _back(event.pk, f"question-{question.pk}")
    return _refused(request, event, f"{key}-{question.pk}", form)


@login_required
@require_POST
def question_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The addressee answers, optionally with a file (uploaded and given in one go)."""
    require_writer(_user(request), selectors.question_get(_user(request), pk).site_id)

    def answer(question: Question, data: dict[str, Any]) -> object:
        files: list[Attachment] = []
        try:
            with transaction.atomic():
                if data.get("file") is not None:
                    upload = Upload.from_uploaded_file(data["file"])
                    files.append(
                        attachment_upload(actor=_user(request), event=question.event, upload=upload)
                    )
                return question_answer(
                    actor=_user(request),
                    question=question,
                    text=data["text"],
                    expected_version=data["version"],
                    attachments=files,
                )
        except Exception:
            for attachment in files:  # rolled back: its stored file goes too
                attachment_storage().delete(str(attachment.file.name))
            raise

    return _question_action(request, pk, "answer", AnswerForm, answer, "Answer sent.")


@login_required
@require_POST
def question_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _question_action(
        request,
        pk,
        "resolve",
        ResolveForm,
        lambda question, data: question_resolve(
            actor=_user(request),
            question=question,
            reason=data["reason"],
            expected_version=data["version"],
        ),
        "Question resolved.",
    )


@login_required
@require_POST
def question_ask_again_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _question_action(
        request,
        pk,
        "again",
        AskAgainForm,
        lambda question, data: question_ask_again(
            actor=_user(request),
            question=question,
            text=data["text"],
            expected_version=data["version"],
        ),
        "Asked again.",
    )


@login_required
@require_POST
def question_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _question_action(
        request,
        pk,
        "close",
        CloseForm,
        lambda question, data: question_close(
            actor=_user(request),
            question=question,
            reason=data["reason"],
            expected_version=data["version"],
        ),
        "Question closed.",
    )


@login_required
@require_POST
def comment_new(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_selectors.adverse_event_get(_user(request), pk)
    require_writer(_user(request), event.site_id)
    form = CommentForm(request.POST)
    if form.is_valid() and call_service(
        form,
        lambda: create_once(
            request,
            form.cleaned_data["form_token"],
            lambda: comment_post(actor=_user(request), event=event, text=form.cleaned_data["text"]),
        ),
    ):
        return _back(event.pk, "discussion")
    return _refused(request, event, "comment", form)


@login_required
@require_http_methods(["GET", "POST"])
def comment_void_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.comment_get(_user(request), pk)
    require_writer(_user(request), comment.site_id)
    return void_page(
        request,
        comment,
        site=comment.site,
        void=lambda **change: comment_void(comment=comment, actor=_user(request), **change),
        title="Comment",
        consequence="The comment stays in the discussion, marked voided, with your reason.",
        back=f"{reverse('event-detail', args=[comment.event_id])}#discussion",
    )


@login_required
@require_POST
def attachment_new(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_selectors.adverse_event_get(_user(request), pk)
    require_writer(_user(request), event.site_id)
    form = AttachmentForm(request.POST, request.FILES)

    def upload() -> int:
        if form.cleaned_data["file"] is None:
            raise ValidationError({"file": "Choose a file to attach."})
        return create_once(
            request,
            form.cleaned_data["form_token"],
            lambda: attachment_upload(
                actor=_user(request),
                event=event,
                upload=Upload.from_uploaded_file(form.cleaned_data["file"]),
            ),
        )

    if form.is_valid() and call_service(form, upload, aliases={"name": "file"}):
        messages.success(request, "File attached.")
        return _back(event.pk, "attachments")
    return _refused(request, event, "attachment", form)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The file, as a download (never shown in a page), written to the access log."""
    attachment = selectors.attachment_get(_user(request), pk)
    return attachment_download_response(attachment, actor=_user(request), request=request)


@login_required
@require_GET
def question_list_view(request: HttpRequest) -> HttpResponse:
    """Questions at the user's sites: those waiting for the user's answer, the overdue ones,
    and every open or answered one."""
    now = timezone.now()
    waiting_for_me = list(selectors.questions_waiting_for(_user(request)))
    overdue = list(selectors.question_list(_user(request), is_overdue=True, now=now))
    unsettled = list(
        selectors.question_list(_user(request), is_overdue=False, now=now).filter(
            status__in=("open", "answered")
        )
    )
    access_log_list(
        actor=_user(request),
        request=request,
        object_type=Question._meta.label_lower,
        row_count=len(overdue) + len(unsettled),
    )
    context = {
        "waiting_for_me": waiting_for_me,
        "overdue": overdue,
        "unsettled": unsettled,
        "is_director": has_role(_user(request), Role.MEDICAL_DIRECTOR),
        "now": now,
    }
    return render(request, "inquiries/question_list.html", context)
