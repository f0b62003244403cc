"""The two moments of a question that someone must hear about, each one function, called
after the writing transaction commits:

- `question_opened`: a new question reaches its addressee (the reporter, or the staff of the
  event's site);
- `answer_given`: an answer reaches the director who asked.

Each returns the people to tell, and hands them to the notification service configured by
`INQUIRY_NOTIFIER` (a dotted path to a callable taking `kind`, `recipients` and `link`); with
none configured the moment is only logged. Messages carry no patient data, only a link.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.module_loading import import_string

from events.choices import Role
from events.inquiries.choices import Addressee
from events.inquiries.models import Answer, Question
from events.models import Membership

logger = logging.getLogger(__name__)


def _notifier() -> Callable[..., object] | None:
    path = getattr(settings, "INQUIRY_NOTIFIER", "")
    return import_string(path) if path else None


def _deliver(kind: str, recipients: list[User], link: str) -> list[User]:
    logger.info("inquiry %s: %d recipient(s), %s", kind, len(recipients), link)
    notifier = _notifier()
    if notifier is not None and recipients:
        notifier(kind=kind, recipients=recipients, link=link)
    return recipients


def question_opened(question: Question) -> list[User]:
    """Tell the addressee of a new question (or of one asked again)."""
    recipients: list[User]
    if question.addressed_to == Addressee.REPORTER:
        recipients = [question.addressee] if question.addressee is not None else []
    else:
        recipients = _site_staff(question.site_id)
    recipients = [user for user in recipients if user.pk != question.asked_by_id]
    return _deliver(
        "question_opened", recipients, reverse("event-detail", args=[question.event_id])
    )


def answer_given(answer: Answer) -> list[User]:
    """Tell the director who asked that their question has an answer."""
    asker = answer.question.asked_by
    recipients = [asker] if asker.is_active else []
    return _deliver("answer_given", recipients, reverse("event-detail", args=[answer.event_id]))


def _site_staff(site_id: int) -> list[User]:
    ids = Membership.objects.filter(
        role=Role.STAFF, is_active=True, site_id=site_id, user__is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))
