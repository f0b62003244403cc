"""The kinds of notification and the states of their e-mail."""

from django.db import models

from events.choices import Role


class NotificationKind(models.TextChoices):
    SERIOUS_EVENT = "serious_event", "A serious event is submitted at my site"
    REVIEW_DIGEST = "review_digest", "Daily digest: reviews due within 48 hours and overdue"
    SUICIDALITY_ALERT = "suicidality_alert", "A positive suicidality screen at my site"
    QUESTION_OPENED = "question_opened", "A question on an event is addressed to me"
    ANSWER_GIVEN = "answer_given", "A question I asked is answered"


# Who can receive each kind (by role at a site): the account page offers only these, and a
# kind a person cannot receive is never sent to them.
KIND_ROLES: dict[str, tuple[str, ...]] = {
    NotificationKind.SERIOUS_EVENT: (Role.MEDICAL_DIRECTOR,),
    NotificationKind.REVIEW_DIGEST: (Role.MEDICAL_DIRECTOR,),
    NotificationKind.SUICIDALITY_ALERT: (Role.MEDICAL_DIRECTOR,),
    # A question goes to the event's reporter (staff, or a director who filed it) or to the
    # site's staff; only directors ask, so only they hear of answers.
    NotificationKind.QUESTION_OPENED: (Role.STAFF, Role.MEDICAL_DIRECTOR),
    NotificationKind.ANSWER_GIVEN: (Role.MEDICAL_DIRECTOR,),
}


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up after retries)"
    NO_ADDRESS = "no_address", "Not sent: no e-mail address on the account"
