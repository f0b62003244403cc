"""The kinds of notification and the states of their e-mail."""

from django.db import models

from events.choices import Role


class NotificationKind(models.TextChoices):
    SERIOUS_EVENT = "serious_event", "A serious event is submitted at my site"
    REVIEW_DIGEST = "review_digest", "Daily digest: reviews due within 48 hours and overdue"


# Who can receive each kind (by role at a site): the account page offers only these, and a
# kind a person cannot receive is never sent to them.
KIND_ROLES: dict[str, tuple[str, ...]] = {
    NotificationKind.SERIOUS_EVENT: (Role.MEDICAL_DIRECTOR,),
    NotificationKind.REVIEW_DIGEST: (Role.MEDICAL_DIRECTOR,),
}


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up after retries)"
    NO_ADDRESS = "no_address", "Not sent: no e-mail address on the account"
