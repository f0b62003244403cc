"""Code lists of questions and attachments."""

from django.db import models


class QuestionStatus(models.TextChoices):
    """open -> answered -> resolved; answered -> asked again (a follow-up question is opened);
    open or answered -> closed (a director's reason)."""

    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    RESOLVED = "resolved", "Resolved"
    ASKED_AGAIN = "asked_again", "Asked again"
    CLOSED = "closed", "Closed"


# A question in one of these states still waits for someone, and holds up the sign-off.
UNSETTLED_STATUSES = (QuestionStatus.OPEN, QuestionStatus.ANSWERED)


class Addressee(models.TextChoices):
    REPORTER = "reporter", "The reporter"
    SITE_STAFF = "site_staff", "The site's staff"


class AttachmentType(models.TextChoices):
    """The only content types an attachment may have, recognised from its bytes."""

    PDF = "application/pdf", "PDF document"
    PNG = "image/png", "PNG image"
    JPEG = "image/jpeg", "JPEG image"
