from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    """Requests for information, comments and attachments on adverse events."""

    name = "events.inquiries"
    label = "inquiries"
    verbose_name = "Questions and documents"
