"""The notifier of questions and answers (`INQUIRY_NOTIFIER`): events.inquiries names who
to tell, this turns it into notifications.

It is called after the question or answer has committed, with `key` naming that question or
answer (`question:7`, `answer:3`), so a second question on the same event is a message of its
own and a repeated call sends nothing twice. The message names the event by its number and
site and links to it: never the question's text, the answer or anything about the patient.
"""

from collections.abc import Sequence

from audit.services import Actor
from events.models import AdverseEvent
from events.notifications.choices import NotificationKind
from events.notifications.models import Notification
from events.notifications.services import notify


def inquiry_notify(
    *, kind: str, recipients: Sequence[Actor], link: str, key: str, event_id: int
) -> list[Notification]:
    site_name = AdverseEvent.objects.select_related("site").get(pk=event_id).site.name
    if kind == NotificationKind.QUESTION_OPENED:
        subject = f"Question on adverse event #{event_id} at {site_name}"
        body = (
            f"A medical director has a question on adverse event #{event_id} at {site_name} "
            "for you. Open the event to read and answer it."
        )
    elif kind == NotificationKind.ANSWER_GIVEN:
        subject = f"Your question on adverse event #{event_id} at {site_name} is answered"
        body = (
            f"Your question on adverse event #{event_id} at {site_name} has an answer. Open "
            "the event to read it, and resolve the question or ask again."
        )
    else:
        raise ValueError(f"Not a kind of inquiry notification: {kind!r}")
    return notify(
        kind,
        recipients=recipients,
        key=key,
        subject=subject,
        body=body,
        link=link,
        event_id=event_id,
    )
